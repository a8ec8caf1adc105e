"""The one rate limiter in front of Ramp, shared by every thread that uses a `RampClient`.

Ramp allows 200 requests per rolling 10-second window and answers 429 past it; requests that keep
arriving during a block extend it (shared/reference/ramp-api.md, "Rate limit"). So we never ask.

Ramp counts a request when it arrives, which is some time after we let it go (the body is built
and written while other threads hold the GIL) and before its answer comes back. So a request
occupies a slot from the moment it is admitted until `window_s` after its answer: the latest moment
Ramp can have counted it. That is exact-safe whatever the delays on our side, and costs only the
round trip per window (200 per 10.25 s at 250 ms latency: 97.5 % of the bound), where a log of
admission times alone drew 429s in bursts of 16 threads.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Ticket:
    """One admitted request, until `SlidingWindowLimiter.settle` records when its answer came."""

    __slots__ = ()


class SlidingWindowLimiter:
    """At most `limit` requests counted in any rolling `window_s` (+ `margin_s`); `acquire()` blocks."""

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
        self._settled: deque[float] = deque()  # answer times, oldest first
        self._in_flight: set[Ticket] = set()
        self._changed = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """`with limiter.slot(): send()` — wait for room, send, and count the request until its answer."""
        ticket = self.acquire()
        try:
            yield
        finally:
            self.settle(ticket)

    def acquire(self) -> Ticket:
        """Wait for a free slot and take it; hand the ticket to `settle` once the answer is in."""
        while True:
            ticket, delay = self._try_take()
            if ticket is not None:
                return ticket
            if delay is None:  # every slot is a request still in flight: wait for one to answer
                with self._changed:
                    self._changed.wait(0.05)
            else:
                self._sleep(delay)

    def settle(self, ticket: Ticket) -> None:
        """The request's answer (or failure) is in: it counts until `window_s` from now."""
        with self._changed:
            if ticket in self._in_flight:
                self._in_flight.remove(ticket)
                self._settled.append(self._clock())
            self._changed.notify_all()

    def _try_take(self) -> tuple[Ticket | None, float | None]:
        """A ticket, or how long until the oldest answer leaves the window (None: none has answered)."""
        span = self.window_s + self.margin_s
        with self._changed:
            now = self._clock()
            while self._settled and self._settled[0] <= now - span:
                self._settled.popleft()
            if len(self._settled) + len(self._in_flight) < self.limit:
                ticket = Ticket()
                self._in_flight.add(ticket)
                return ticket, None
            if not self._settled:
                return None, None
            return None, self._settled[0] + span - now

    def in_window(self) -> int:
        """How many requests the current window holds, in flight included (for diagnostics and `doctor`)."""
        span = self.window_s + self.margin_s
        with self._changed:
            now = self._clock()
            return len(self._in_flight) + sum(1 for t in self._settled if t > now - span)
