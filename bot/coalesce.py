"""Calls that arrive together share one answer: the read-only Ramp lookups many Slack requests make
at once (`/ramp status` typed by ten people) cost Ramp one call, not ten.

Only calls that arrive while one is under way wait for it and take its answer, so no caller gets an
answer that had already come back before it asked: a coalesced read is as fresh as a plain one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Coalesced(Generic[T]):
    def __init__(self, fetch: Callable[[], T], clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._last: tuple[float, T] | None = None  # (when it came back, the answer)

    def __call__(self) -> T:
        asked = self._clock()
        with self._lock:
            if self._last is None or self._last[0] < asked:
                answer = self._fetch()
                self._last = (self._clock(), answer)
            return self._last[1]
