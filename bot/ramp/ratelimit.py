"""The one rate limiter in front of Ramp, shared by every thread that uses a `RampClient`.

Ramp allows 200 requests per rolling 10-second window and answers 429 past it; requests that keep
arriving during a block extend it (shared/reference/ramp-api.md, "Rate limit"). So we never ask:
a sliding log of send times lets a request go only while fewer than `limit` were sent in the
last `window_s + margin_s` seconds. That runs at the edge of the limit (20 req/s sustained with
the defaults), not under it as a token bucket with a lower refill would; the margin absorbs the
jitter between our clock and the moment Ramp counts the request.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """At most `limit` acquisitions in any rolling `window_s` (+ `margin_s`); `acquire()` blocks."""

    def __init__(
        self,
        limit: int,
        window_s: float,
        *,
        margin_s: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("rate limit needs limit >= 1 and window_s > 0")
        self.limit = limit
        self.window_s = window_s
        self.margin_s = margin_s
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for a free slot and take it; returns the seconds spent waiting."""
        waited = 0.0
        while True:
            delay = self._try_take()
            if delay <= 0:
                return waited
            self._sleep(delay)
            waited += delay

    def _try_take(self) -> float:
        """Take a slot and return 0, or return how long until the oldest send leaves the window."""
        span = self.window_s + self.margin_s
        with self._lock:
            now = self._clock()
            while self._sent and self._sent[0] <= now - span:
                self._sent.popleft()
            if len(self._sent) < self.limit:
                self._sent.append(now)
                return 0.0
            return self._sent[0] + span - now

    def in_window(self) -> int:
        """How many sends the current window holds (for diagnostics and `doctor`)."""
        span = self.window_s + self.margin_s
        with self._lock:
            now = self._clock()
            return sum(1 for t in self._sent if t > now - span)
