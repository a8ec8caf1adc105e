"""The workspace the stand-in pretends to be: people, channels, files, the conversation, open views.

One `Workspace` holds everything behind one lock; the Web API, the outgoing requests and the
control API all read and change it. The dataclasses are what tests see (`Message`, `Call`, ...).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .ratelimits import RateLimits


@dataclass
class User:
    id: str
    name: str
    real_name: str = ""
    tz: str = "America/New_York"
    is_admin: bool = False
    is_bot: bool = False

    def to_slack(self, team_id: str) -> dict[str, Any]:
        offset = datetime.now(ZoneInfo(self.tz)).utcoffset()
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name or self.name,
            "deleted": False,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_bot": self.is_bot,
            "profile": {"real_name": self.real_name or self.name, "display_name": self.name},
        }


@dataclass
class Channel:
    id: str
    name: str
    is_archived: bool = False
    bot_is_member: bool = True
    is_private: bool = False
    members: list[str] | None = None  # None: every known user is a member
    im_user: str | None = None  # set for D... channels

    def to_slack(self, bot_user_id: str) -> dict[str, Any]:
        if self.im_user:
            return {"id": self.id, "is_im": True, "user": self.im_user, "is_open": True, "created": 0}
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_member": self.bot_is_member,
            "created": 0,
        }


@dataclass
class StoredFile:
    id: str
    name: str
    content: bytes = b""
    title: str = ""
    mimetype: str = "application/octet-stream"
    filetype: str = "binary"
    user: str = ""
    created: int = field(default_factory=lambda: int(time.time()))
    channels: list[str] = field(default_factory=list)
    uploaded: bool = True
    # For attack tests: files.info then reports this download URL and size instead of the real ones
    # (a URL on a host that is not Slack's, a size that lies).
    url_override: str | None = None
    size_override: int | None = None

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def to_slack(self, base_url: str, team_id: str) -> dict[str, Any]:
        url = f"{base_url}files/{self.id}/{self.name}"
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": self.mimetype,
            "filetype": self.filetype,
            "pretty_type": self.filetype.upper(),
            "user": self.user,
            "user_team": team_id,
            "mode": "hosted",
            "is_external": False,
            "is_public": True,
            "size": len(self.content) if self.size_override is None else self.size_override,
            "url_private": self.url_override or url,
            "url_private_download": self.url_override or f"{url}?download=1",
            "permalink": f"{base_url}archives/{self.id}",
            "channels": list(self.channels),
            "groups": [],
            "ims": [c for c in self.channels if c.startswith("D")],
            "file_access": "visible",
        }


@dataclass
class Message:
    """One line of the conversation; updates change it in place and bump `rev`."""

    channel: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    user: str = ""
    thread_ts: str | None = None
    ephemeral_to: str | None = None  # the only user who sees it, for ephemeral messages
    files: list[StoredFile] = field(default_factory=list)
    source: str = ""  # chat.postMessage, response_url, ack, files.completeUploadExternal, user
    edited: bool = False
    rev: int = 0

    @property
    def is_ephemeral(self) -> bool:
        return self.ephemeral_to is not None

    def to_slack(self, base_url: str = "", team_id: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text, "user": self.user}
        if self.blocks:
            out["blocks"] = self.blocks
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.files:
            out["files"] = [f.to_slack(base_url, team_id) for f in self.files]
        return out


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    time: float


@dataclass
class BotResponse:
    """What the bot answered to one signed request (for a command or an action: the ack)."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    event_id: str | None = None
    # Set when the stand-in refused what the ack carried (bad blocks or view): Slack's error and
    # the `[ERROR] ...` lines it would give.
    error: str | None = None
    error_messages: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class ResponseUrl:
    id: str
    channel: str
    user: str
    message_ts: str | None  # the message the interaction came from, for replace/delete_original
    issued_at: float = 0.0  # on the workspace clock (`Workspace.now`)
    uses: int = 0


class Gate:
    """Holds response_url posts while closed, so a test can make the bot's reply arrive late (move
    the clock, use the URL up) without racing the bot. Open unless a test closes it."""

    def __init__(self) -> None:
        self._open = threading.Event()
        self._open.set()

    def close(self) -> None:
        self._open.clear()

    def open(self) -> None:
        self._open.set()

    def pass_through(self, timeout: float = 30.0) -> None:
        self._open.wait(timeout)


class Workspace:
    """All state, behind one re-entrant lock (`with ws.lock:` around any read-modify-write)."""

    def __init__(self, team_id: str, bot_user_id: str, bot_token: str) -> None:
        self.lock = threading.RLock()
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = "B" + bot_user_id.lstrip("U")
        self.bot_token = bot_token
        self.base_url = ""
        # For crash tests: hold each response_url answer this long, before or after the message it
        # carries is shown, so a test can kill the bot while it waits on that post.
        self.response_url_hold_s = 0.0
        self.response_url_hold_before = False
        self.scopes = ""  # the bot token's scopes, comma-separated; SlackStandIn sets the manifest's
        self.users: dict[str, User] = {}
        self.usergroups: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, Channel] = {}
        self.files: dict[str, StoredFile] = {}
        self.messages: list[Message] = []
        self.views: dict[str, dict[str, Any]] = {}  # open modals
        self.view_owner: dict[str, str] = {}  # view id -> user id
        self.view_stacks: dict[str, list[str]] = {}  # user id -> modal view ids, bottom first
        self.home_views: dict[str, dict[str, Any]] = {}  # user id -> Home tab view
        self.view_revs: dict[str, int] = {}  # view id -> rev of its last change
        self.triggers: dict[str, tuple[str, float]] = {}  # trigger id -> (user id, issued at)
        self.response_urls: dict[str, ResponseUrl] = {}
        self.calls: list[Call] = []
        self.faults: dict[str, list[tuple[str, int, int]]] = {}
        self.last_activity = time.monotonic()
        self.clock_offset = 0.0  # seconds the test moved the clock forward (`advance_clock`)
        self.response_url_gate = Gate()
        self.rate_limits = RateLimits()
        self._rev = itertools.count(1)
        self._ids = itertools.count(1)
        self._last_ts = 0.0

    # ids and clocks
    def now(self) -> float:
        """The stand-in's clock (monotonic seconds), which tests may move forward: response_url
        lifetimes, trigger_id lifetimes and rate-limit windows all run on it."""
        return time.monotonic() + self.clock_offset

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def next_rev(self) -> int:
        return next(self._rev)

    def new_ts(self) -> str:
        """Slack message timestamps: unique and increasing within the workspace."""
        with self.lock:
            self._last_ts = max(time.time(), self._last_ts + 0.000001)
            return f"{self._last_ts:.6f}"

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    # conversation
    def add_message(self, message: Message) -> Message:
        with self.lock:
            message.rev = self.next_rev()
            self.messages.append(message)
            self.touch()
            return message

    def insert_message(self, message: Message) -> Message:
        """Add a message whose ts was reserved earlier, in ts order (a command's ack goes before the
        replies the bot made while Slack was still waiting for the ack's HTTP response)."""
        with self.lock:
            message.rev = self.next_rev()
            at = next((i for i, m in enumerate(self.messages) if float(m.ts) > float(message.ts)), None)
            self.messages.insert(len(self.messages) if at is None else at, message)
            self.touch()
            return message

    def find_message(self, channel: str, ts: str) -> Message | None:
        with self.lock:
            for message in self.messages:
                if message.channel == channel and message.ts == ts:
                    return message
            return None

    def channel_name(self, channel_id: str) -> str:
        channel = self.channels.get(channel_id)
        if channel and channel.name:
            return channel.name
        return "directmessage" if channel_id.startswith("D") else channel_id

    def im_channel(self, user_id: str) -> Channel:
        with self.lock:
            for channel in self.channels.values():
                if channel.im_user == user_id:
                    return channel
            channel = Channel(id="D" + user_id.lstrip("UW"), name="", im_user=user_id, members=[user_id])
            self.channels[channel.id] = channel
            return channel

    def channel_members(self, channel: Channel) -> list[str]:
        members = list(channel.members) if channel.members is not None else list(self.users)
        if channel.bot_is_member and self.bot_user_id not in members:
            members.append(self.bot_user_id)
        return members

    # views
    def issue_trigger(self, user_id: str) -> str:
        trigger = f"{int(time.time())}.{next(self._ids)}.{self.new_id('t').lower()}"
        with self.lock:
            self.triggers[trigger] = (user_id, self.now())
        return trigger

    def user_top_view(self, user_id: str) -> dict[str, Any] | None:
        with self.lock:
            stack = self.view_stacks.get(user_id) or []
            return self.views.get(stack[-1]) if stack else None

    def close_view(self, view_id: str, all_of_stack: bool = False) -> None:
        with self.lock:
            user = self.view_owner.get(view_id, "")
            stack = self.view_stacks.get(user, [])
            to_close = list(stack) if all_of_stack else [view_id]
            for closing in to_close:
                self.views.pop(closing, None)
                self.view_owner.pop(closing, None)
                if closing in stack:
                    stack.remove(closing)
            self.touch()
