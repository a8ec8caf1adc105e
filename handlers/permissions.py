"""Who may write: `RAMP_BOT_ADMINS` user ids, and members of a user group named by its handle; and
the one sentence that refuses everyone else.

A handle such as `finance-admins` is resolved with `usergroups.list`, its members with
`usergroups.users.list`; both cached for a few minutes (Tier 2 methods).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

CACHE_SECONDS = 300


class AdminDirectory:
    def __init__(self, configured: tuple[str, ...], clock: Any = time.monotonic) -> None:
        self.user_ids = frozenset(item for item in configured if item[:1] in ("U", "W") and item.isupper())
        self.handles = tuple(item for item in configured if item not in self.user_ids)
        self._clock = clock
        self._lock = threading.Lock()
        self._members: frozenset[str] = frozenset()
        self._group_ids: dict[str, str] = {}
        self._fetched_at = float("-inf")

    def __deepcopy__(self, memo: dict[int, Any]) -> AdminDirectory:
        return self  # shared by every request; Bolt deep-copies contexts for lazy listeners

    @property
    def configured(self) -> bool:
        return bool(self.user_ids or self.handles)

    def is_admin(self, user_id: str, client: WebClient) -> bool:
        if user_id in self.user_ids:
            return True
        return bool(self.handles) and user_id in self._group_members(client)

    def mentions(self) -> list[str]:
        """How to name the admins in a message."""
        people = [f"<@{user}>" for user in sorted(self.user_ids)]
        groups = [
            f"<!subteam^{self._group_ids[h]}>" if h in self._group_ids else f"@{h}" for h in self.handles
        ]
        return people + groups

    def _group_members(self, client: WebClient) -> frozenset[str]:
        with self._lock:
            if self._clock() - self._fetched_at < CACHE_SECONDS:
                return self._members
            try:
                self._group_ids = _resolve_handles(client, self.handles)
                members: set[str] = set()
                for group_id in self._group_ids.values():
                    members.update(client.usergroups_users_list(usergroup=group_id).get("users", []))
                self._members = frozenset(members)
                self._fetched_at = self._clock()
            except SlackApiError as error:
                # Keep the last known members; say why in the log (usergroups:read missing, say).
                log.warning("could not read admin user groups: %s", error.response.get("error"))
            return self._members


def refusal_text(attempted: str, why: str, admins: list[str]) -> str:
    """`Only admins can run /ramp connect NetSuite: it changes what Ramp holds. Ask an admin (…).`

    For the finance user: who to ask, never the setting that names the admins (that is in the log)."""
    ask = (
        f"Ask an admin ({', '.join(admins)})."
        if admins
        else "No admin is set up yet: ask whoever runs the bot."
    )
    return f"Only admins can {attempted}: {why}. {ask}"


def _resolve_handles(client: WebClient, handles: tuple[str, ...]) -> dict[str, str]:
    wanted = {h.lower() for h in handles}
    ids = {h: h for h in handles if h.startswith("S") and h.isupper()}  # already a group id
    groups: list[dict[str, Any]] = client.usergroups_list().get("usergroups", [])
    for group in groups:
        if str(group.get("handle", "")).lower() in wanted:
            ids[group["handle"]] = group["id"]
    missing = wanted - {h.lower() for h in ids}
    if missing:
        log.warning("admin user group handles not found in Slack: %s", ", ".join(sorted(missing)))
    return ids
