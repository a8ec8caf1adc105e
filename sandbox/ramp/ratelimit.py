"""Ramp's rate limit: 200 requests per rolling 10-second window, then 429.

The window is rolling and every request made while blocked extends the block
(shared/reference/ramp-api.md, sections 2 and 12): a refused request keeps the sandbox refusing
until a full window after it, however early the admitted requests leave the window. So a client
that keeps retrying during a 429 stays blocked, as it would on Ramp. No Retry-After header is
documented, so none is sent.
"""

from __future__ import annotations

import time
from collections import deque


class RollingWindowLimiter:
    """Admits at most `limit` requests in any `window_s`; refuses, and blocks for `window_s`, past it."""

    def __init__(self, limit: int = 200, window_s: float = 10.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._arrivals: deque[float] = deque()  # admitted requests, oldest first
        self._blocked_until = float("-inf")

    def allow(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        cutoff = now - self.window_s
        while self._arrivals and self._arrivals[0] <= cutoff:
            self._arrivals.popleft()
        if now < self._blocked_until or len(self._arrivals) >= self.limit:
            self._blocked_until = now + self.window_s  # made while blocked: the block starts again
            return False
        self._arrivals.append(now)
        return True

    def reset(self) -> None:
        self._arrivals.clear()
        self._blocked_until = float("-inf")
