"""Slack's Web API rate limits, as the stand-in enforces them: past a method's limit the call answers
HTTP 429 with `Retry-After: <seconds>` and `{"ok": false, "error": "ratelimited"}`, and it does not
run (https://api.slack.com/apis/rate-limits, "Responding to rate limiting conditions";
shared/reference/slack.md section 8).

Limits are per method, per app, per workspace (rate-limits page, "Overview"); the stand-in is one
app in one workspace, so each method has one allowance. The tiers (same page):
  Tier 1   1+ per minute    "a small amount of burst behavior is tolerated"
  Tier 2  20+ per minute    "occasional bursts"
  Tier 3  50+ per minute    "sporadic bursts are welcome"
  Tier 4 100+ per minute    "generous burst behavior"
The stand-in allows exactly the documented figure in any rolling 60 s, however it is spent.
assumption: a burst may spend the whole minute's allowance at once; the docs welcome bursts and
give no finer figure.

chat.postMessage has its own rule (rate-limits page, "Posting messages"; docs.slack.dev/reference/
methods/chat.postMessage, "Rate limits"): about one message a second per channel, short bursts
allowed, and a workspace-wide limit of several hundred a minute.
assumption: "short bursts" are taken as 5 messages at once in a channel, refilled at 1 a second;
"several hundred" as 300 a minute for the workspace. The docs give neither number.

Each method's tier is on its method page (docs.slack.dev/reference/methods/<method>, "Facts: Rate
limits"), as collected in shared/reference/slack.md section 8:
  chat.update, chat.delete, conversations.info, conversations.open            Tier 3
  chat.postEphemeral, views.open/push/update/publish, files.info,
  files.getUploadURLExternal, files.completeUploadExternal, users.info,
  conversations.members                                                       Tier 4
  usergroups.list, usergroups.users.list                                      Tier 2
  auth.test                                  special, "hundreds per minute"; assumption: 300
The response_url and the file upload POST are not Web API methods and are not limited here;
apps.connections.open (Tier 1) is served by socket_mode.py and not limited either.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

MINUTE = 60.0


@dataclass
class RollingWindow:
    """At most `calls` in any `seconds`."""

    calls: int
    seconds: float = MINUTE
    _times: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        """0 if a call may go now, else how long until one may."""
        while self._times and now - self._times[0] >= self.seconds:
            self._times.popleft()
        return 0.0 if len(self._times) < self.calls else self._times[0] + self.seconds - now

    def take(self, now: float) -> None:
        self._times.append(now)


@dataclass
class Bucket:
    """`burst` calls at once, refilled at `per_second`."""

    burst: float
    per_second: float
    _level: float = -1.0
    _at: float = 0.0

    def wait(self, now: float) -> float:
        if self._level < 0:
            self._level, self._at = self.burst, now
        self._level = min(self.burst, self._level + (now - self._at) * self.per_second)
        self._at = now
        return 0.0 if self._level >= 1 else (1 - self._level) / self.per_second

    def take(self, now: float) -> None:
        self._level -= 1


Limit = RollingWindow | Bucket

TIER_2, TIER_3, TIER_4 = 20, 50, 100  # calls a minute (rate-limits page, "Overview")
POST_MESSAGE_BURST = 5  # assumption (see the module docstring)
POST_MESSAGE_PER_SECOND = 1.0
POST_MESSAGE_WORKSPACE = 300  # assumption (see the module docstring)

TIERS: dict[str, int] = {
    "auth.test": 300,  # special tier, "hundreds per minute"; assumption: 300
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
    "chat.postEphemeral": TIER_4,
    "conversations.info": TIER_3,
    "conversations.open": TIER_3,
    "conversations.members": TIER_4,
    "files.info": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
    "users.info": TIER_4,
    "usergroups.list": TIER_2,
    "usergroups.users.list": TIER_2,
    "views.open": TIER_4,
    "views.push": TIER_4,
    "views.update": TIER_4,
    "views.publish": TIER_4,
}


class RateLimits:
    """The allowances of one workspace."""

    def __init__(self) -> None:
        self._limits: dict[tuple[str, str], Limit] = {}
        self.refused = 0  # calls answered 429 so far

    def _limit(self, key: tuple[str, str]) -> Limit:
        if key not in self._limits:
            method, channel = key
            if method == "chat.postMessage" and channel:
                self._limits[key] = Bucket(POST_MESSAGE_BURST, POST_MESSAGE_PER_SECOND)
            elif method == "chat.postMessage":
                self._limits[key] = RollingWindow(POST_MESSAGE_WORKSPACE)
            else:
                self._limits[key] = RollingWindow(TIERS[method])
        return self._limits[key]

    def _keys(self, method: str, args: dict[str, Any]) -> list[tuple[str, str]]:
        if method == "chat.postMessage":
            return [(method, str(args.get("channel") or "")), (method, "")]
        return [(method, "")] if method in TIERS else []

    def retry_after(self, method: str, args: dict[str, Any], now: float) -> int:
        """0 and the call is counted, or the whole seconds to wait (Retry-After) and it is not."""
        limits = [self._limit(key) for key in self._keys(method, args)]
        wait = max((limit.wait(now) for limit in limits), default=0.0)
        if wait > 0:
            self.refused += 1
            return max(1, math.ceil(wait))
        for limit in limits:
            limit.take(now)
        return 0
