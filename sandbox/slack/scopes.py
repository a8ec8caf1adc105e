"""Which OAuth scope each Web API method the stand-in serves needs, and the bot token's scopes.

The bot token gets exactly the bot scopes of the app's `manifest.yml` (read when the stand-in is
built), so a scope the bot uses but the manifest forgets fails a test the way it fails in Slack: the
method answers `{"ok": false, "error": "missing_scope", "needed": ..., "provided": ...}`
(docs.slack.dev/reference/methods, "Common errors" on each method page).

Sources, one per row (docs.slack.dev/reference/methods/<method> "Required scopes", and the
scope pages docs.slack.dev/reference/scopes/<scope> "Compatible API methods"):
  auth.test                          none (docs: auth.test, "No scopes required")
  chat.postMessage / postEphemeral / update / delete
                                     chat:write (docs: scopes/chat.write lists all four)
  views.open / push / update / publish
                                     none (docs: views.open "No scope required"; same on push,
                                     update, publish)
  files.info                         files:read (docs: files.info; scopes/files.read)
  files.getUploadURLExternal, files.completeUploadExternal
                                     files:write (docs: both method pages)
  users.info                         users:read (docs: users.info; scopes/users.read)
  usergroups.list, usergroups.users.list
                                     usergroups:read (docs: both method pages)
  conversations.info / members       by conversation type: channels:read (public), groups:read
                                     (private), im:read (DM), mpim:read (group DM) (docs:
                                     conversations.info "required scopes depend on the type";
                                     scopes/im.read lists conversations.info and .members)
  conversations.open                 im:write for one user, mpim:write for several (docs:
                                     conversations.open; scopes/mpim.write)
apps.connections.open takes the app-level token with connections:write, not the bot token; it is
served by socket_mode.py and never reaches this table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .state import Workspace

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def manifest_bot_scopes(path: Path = MANIFEST) -> list[str]:
    """`oauth_config.scopes.bot` of the app manifest: the scopes an install grants the bot token."""
    manifest = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(((manifest.get("oauth_config") or {}).get("scopes") or {}).get("bot") or [])


def _conversation_scope(ws: Workspace, args: dict[str, Any]) -> str:
    channel_id = str(args.get("channel") or "")
    channel = ws.channels.get(channel_id)
    if channel_id.startswith("D") or (channel is not None and channel.im_user):
        return "im:read"
    if channel is not None and channel.is_private:
        return "groups:read"
    # assumption: an unknown id is checked as a public channel; Slack then answers channel_not_found.
    return "channels:read"


def _open_scope(ws: Workspace, args: dict[str, Any]) -> str:
    users = [u for u in str(args.get("users") or "").split(",") if u]
    return "mpim:write" if len(users) > 1 else "im:write"


Needed = str | None | Callable[[Workspace, dict[str, Any]], str]

METHOD_SCOPES: dict[str, Needed] = {
    "auth.test": None,
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "views.open": None,
    "views.push": None,
    "views.update": None,
    "views.publish": None,
    "files.info": "files:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "users.info": "users:read",
    "usergroups.list": "usergroups:read",
    "usergroups.users.list": "usergroups:read",
    "conversations.info": _conversation_scope,
    "conversations.members": _conversation_scope,
    "conversations.open": _open_scope,
}


def granted(ws: Workspace) -> set[str]:
    return {s.strip() for s in ws.scopes.split(",") if s.strip()}


def missing_scope(ws: Workspace, method: str, args: dict[str, Any]) -> str | None:
    """The scope `method` needs that the bot token lacks, or None when the call may go ahead."""
    needed = METHOD_SCOPES.get(method)
    if callable(needed):
        needed = needed(ws, args)
    if needed is None or needed in granted(ws):
        return None
    return needed
