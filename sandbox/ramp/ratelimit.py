"""Ramp's rate limit: 200 requests per rolling 10-second window, then 429.

Ramp's guide says requests that keep arriving while blocked extend the block, so every request is
recorded, including the refused ones. No Retry-After header is documented, so none is sent.
"""

from __future__ import annotations

import time
from collections import deque


class RollingWindowLimiter:
    """Counts every request; refuses one when more than `limit` arrived in the last `window_s`."""

    def __init__(self, limit: int = 200, window_s: float = 10.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._arrivals: deque[float] = deque()

    def allow(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self._arrivals.append(now)
        cutoff = now - self.window_s
        while self._arrivals and self._arrivals[0] <= cutoff:
            self._arrivals.popleft()
        return len(self._arrivals) <= self.limit

    def reset(self) -> None:
        self._arrivals.clear()
