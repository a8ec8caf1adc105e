"""A read replica that lags: with `read_lag_ms` set, GETs see the state as it was that long ago.

Every GET in Ramp's spec carries `x-uses-read-replica: true` (shared/reference/ramp-api.md §2,
"Reads may lag"), so a client that reads right after writing may not see its write. Ramp does not
say how long the lag is; `POST /_sandbox/options {"read_lag_ms": N}` makes it N ms, so tests can
show a client stays right when its own writes are not visible yet.

After each write (and when the lag is set) the readable state is copied with a timestamp; a GET is
answered from the newest copy at least N ms old. The caller holds the sandbox lock.

assumption: webhook subscriptions (`GET /webhooks`) and the test API read the current state; the
lag covers connections, categories, transactions and the other syncable objects. Writes always
see the current state (they go to the primary).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.ramp.state import SandboxState

REPLICATED = ("connections", "books", "connection_kinds", "transactions", "objects")


class Replica:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.lag_s = 0.0
        self._clock = clock
        self._copies: list[tuple[float, dict[str, Any]]] = []

    def configure(self, lag_ms: float, state: SandboxState) -> None:
        self.lag_s = lag_ms / 1000
        self._copies = []
        if self.lag_s:
            self.record(state)

    def record(self, state: SandboxState) -> None:
        """After a write: remember the state as it is now (only while a lag is set)."""
        if not self.lag_s:
            return
        now = self._clock()
        # one deepcopy for all parts, so what they share (the syncs list, the idempotency keys) stays shared
        self._copies.append((now, copy.deepcopy({name: getattr(state, name) for name in REPLICATED})))
        visible = [i for i, (when, _) in enumerate(self._copies) if when <= now - self.lag_s]
        if len(visible) > 1:  # older copies than the newest visible one are never read again
            del self._copies[: visible[-1]]

    def view(self, state: SandboxState) -> SandboxState:
        """The state a GET sees: `state` itself without a lag, else a copy of it N ms old."""
        if not self.lag_s or not self._copies:
            return state
        limit = self._clock() - self.lag_s
        seen = next((parts for when, parts in reversed(self._copies) if when <= limit), self._copies[0][1])
        lagging = copy.copy(state)
        lagging.__dict__.update(seen)
        return lagging
