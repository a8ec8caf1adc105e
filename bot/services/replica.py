"""Reading our own writes back from Ramp, whose reads come from a replica that may lag.

Every GET in Ramp's spec carries `x-uses-read-replica: true` (shared/reference/ramp-api.md §2,
"Reads may lag"): right after a write, a list may not show it yet. Ramp does not say for how long;
the bot assumes at most `PATIENCE_S`. Before it tells a user a write is done (and so before the
next read that depends on it: the next preview, the counts after a reactivation), it waits until
Ramp's reads show the write:

    visible(lambda: ramp.active_connection() is not None)   # True once seen, False if never
    patience = Patience()                                   # one budget shared by several looks
    while not found() and patience.wait(): ...
"""

from __future__ import annotations

import time
from collections.abc import Callable

PATIENCE_S = 5.0  # how long a read may lag behind a write, at most, as the bot assumes
POLL_S = 0.25


class Patience:
    """Time to wait for the replica, started at the first wait and shared by every look after it."""

    def __init__(self, patience_s: float = PATIENCE_S) -> None:
        self._patience_s = patience_s
        self._until: float | None = None

    def wait(self) -> bool:
        """Sleep a poll interval and say True, or say False once the patience is spent."""
        now = time.monotonic()
        if self._until is None:
            self._until = now + self._patience_s
        if now >= self._until:
            return False
        time.sleep(min(POLL_S, self._until - now))
        return True


def visible(probe: Callable[[], bool], patience: Patience | None = None) -> bool:
    """Ask `probe` (a read of Ramp) until it says True; False when the patience ran out first."""
    patience = patience or Patience()
    while not probe():
        if not patience.wait():
            return False
    return True
