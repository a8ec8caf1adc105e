"""The one rate limiter in front of Ramp, shared by every thread that uses a `RampClient`.

Ramp allows 200 requests per rolling 10-second window and answers 429 past it; the window is rolling
and every request made while blocked extends the block (shared/reference/ramp-api.md, sections 2
and 12). So we never ask, and when Ramp says 429 anyway, nobody asks again for a while.

Ramp counts a request when it arrives, which is some time after we let it go (the body is built
and written while other threads hold the GIL) and before its answer comes back. So a request
occupies a slot from the moment it is admitted until `window_s` after its answer: the latest moment
Ramp can have counted it. That is exact-safe whatever the delays on our side, and costs only the
round trip per window (200 per 10.25 s at 250 ms latency: 97.5 % of the bound), where a log of
admission times alone drew 429s in bursts of 16 threads.

A 429 closes the limiter to every thread, not only the one refused: for the rest of Ramp's block
(a full window from the refusal, or `Retry-After` when an answer carries one), then a back-off of
1 s, 2 s, 4 s… by 429s in a row (section 12). Requests already on the wire that come back 429 too
extend the closure but do not double the back-off: it is one block, not one per thread.

A restarted process cannot know what its predecessor sent, and Ramp may still count it: with a
`history`, the limiter writes ahead, at most twice a second, "this process may send until now +
1 s", and a new limiter that finds a time less than a window old waits out that window first. One
number instead of every request time, because the requests since the last write are unknown
anyway and could fill the window; so "may be full" is the honest reading of either record.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

logger = logging.getLogger(__name__)

BACKOFF_START_S = 1.0  # after the window, 1 s, 2 s, 4 s… (ramp-api.md section 12)
BACKOFF_CAP_S = 32.0
RAMP_WINDOW_S = 10.0
LEASE_S = 1.0  # how far ahead the history says "may send until"


class Ticket:
    """One admitted request, until `SlidingWindowLimiter.settle`; `record` its answer's status first."""

    __slots__ = ("epoch", "retry_after_s", "status")

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch  # which block the request was admitted after (see `_block`)
        self.status: int | None = None
        self.retry_after_s: float | None = None

    def record(self, status: int, retry_after_s: float | None) -> None:
        self.status, self.retry_after_s = status, retry_after_s


class WindowHistory(Protocol):
    """Where the limiter keeps, across restarts, how long ago its process may last have sent."""

    def load(self) -> float | None:
        """Seconds since a previous process may last have sent a request; None if none ever did."""

    def save(self, ahead_s: float) -> None:
        """Record that this process may send requests until `ahead_s` seconds from now."""


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
        history: WindowHistory | None = None,
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
        self._closed_until = float("-inf")  # after a 429 (or a restart): nothing is admitted before
        self._epoch = 0  # bumped by each new block
        self._strikes = 0  # blocks in a row, without a request admitted since getting through
        self._history = history
        self._renew_lease_at = float("-inf")
        if history is not None:
            self._assume_previous_window(history.load())

    @contextmanager
    def slot(self) -> Iterator[Ticket]:
        """`with limiter.slot() as t: t.record(send().status_code, …)` — wait, send, count until answered."""
        ticket = self.acquire()
        try:
            yield ticket
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
            now = self._clock()
            if ticket in self._in_flight:
                self._in_flight.remove(ticket)
                self._settled.append(now)
            if ticket.status == 429:
                self._block(ticket, now)
            elif ticket.status is not None and ticket.epoch == self._epoch:
                self._strikes = 0  # sent after the last block and not refused: back-off from 1 s again
            self._changed.notify_all()

    def _block(self, ticket: Ticket, now: float) -> None:
        """Close the limiter for the rest of Ramp's block, then the back-off (ramp-api.md section 12)."""
        if ticket.epoch == self._epoch:  # admitted after the last block: a new one
            self._epoch += 1
            self._strikes += 1
        # else: sent before the block was known; it arrived while blocked, so it extends the block
        # Ramp's 1 s is for its 10 s window; a limiter told of a shorter window (tests) scales it down.
        start = BACKOFF_START_S * min(1.0, self.window_s / RAMP_WINDOW_S)
        backoff = min(BACKOFF_CAP_S, start * 2 ** (self._strikes - 1))
        rest = ticket.retry_after_s if ticket.retry_after_s is not None else self.window_s + self.margin_s
        self._closed_until = max(self._closed_until, now + rest + backoff)

    def _try_take(self) -> tuple[Ticket | None, float | None]:
        """A ticket, or how long until one may be free (None: wait for an answer)."""
        span = self.window_s + self.margin_s
        with self._changed:
            now = self._clock()
            if now < self._closed_until:
                return None, self._closed_until - now
            while self._settled and self._settled[0] <= now - span:
                self._settled.popleft()
            if len(self._settled) + len(self._in_flight) < self.limit:
                self._renew_lease(now)
                ticket = Ticket(self._epoch)
                self._in_flight.add(ticket)
                return ticket, None
            if not self._settled:
                return None, None
            return None, self._settled[0] + span - now

    def _renew_lease(self, now: float) -> None:
        """Write ahead, before the request goes: a process killed at any moment has sent nothing later."""
        if self._history is not None and now >= self._renew_lease_at:
            self._history.save(LEASE_S)
            self._renew_lease_at = now + LEASE_S / 2

    def _assume_previous_window(self, seconds_ago: float | None) -> None:
        """A previous process sent until `seconds_ago`: its window may be full, so wait it out."""
        if seconds_ago is None:
            return
        span = self.window_s + self.margin_s
        wait = min(span - seconds_ago, span + LEASE_S)  # a time in the future (clock change) is capped
        if wait > 0:
            self._closed_until = self._clock() + wait
            logger.info("ramp rate limit: waiting %.1f s for the previous process's window", wait)

    def in_window(self) -> int:
        """How many requests the current window holds, in flight included (for diagnostics and `doctor`)."""
        span = self.window_s + self.margin_s
        with self._changed:
            now = self._clock()
            return len(self._in_flight) + sum(1 for t in self._settled if t > now - span)


class FileWindowHistory:
    """`WindowHistory` in a small file (the bot keeps it next to RAMP_BOT_DB): one wall-clock time.

    Written by atomic rename, so a kill mid-write leaves the old value; not fsynced, because a
    machine that crashes takes longer than a window to come back. Unreadable means "may be full".
    """

    def __init__(self, path: Path, *, wall_clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._wall_clock = wall_clock
        self._warned = False

    def load(self) -> float | None:
        try:
            until = float(self.path.read_text(encoding="ascii").strip())
        except FileNotFoundError:
            return None
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            logger.warning("ramp rate limit: cannot read %s (%s); assuming a full window", self.path, exc)
            return 0.0
        if until != until:  # NaN
            return 0.0
        return self._wall_clock() - until

    def save(self, ahead_s: float) -> None:
        partial = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            partial.write_text(repr(self._wall_clock() + ahead_s), encoding="ascii")
            os.replace(partial, self.path)
        except OSError as exc:
            if not self._warned:  # once: a full disk should not flood the log twice a second
                logger.warning("ramp rate limit: cannot write %s (%s); restarts may see 429s", self.path, exc)
                self._warned = True
