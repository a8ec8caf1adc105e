"""Claims: has this signed request, this event or this button press been seen already?

Requests and events are claimed before Slack's ack; button presses after it, before their work.

Both are claimed in SQLite, so they hold across restarts and processes, on a connection that gives
up on a lock within a quarter second (Slack retries a delivery it has no answer to after 3 s). When
another process holds the database that long, this process's memory answers instead and the log
says "database busy": Slack's redeliveries and a replay to this same process are still caught.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict

from bot.store import Store

log = logging.getLogger(__name__)

SIGNATURE_WINDOW_S = 300  # Slack: reject a request whose timestamp is more than five minutes off
# Slack's window is ±5 minutes around the request's timestamp, so a copy passes the signature check for
# 10 minutes in all: one first seen with a timestamp 5 minutes ahead can still be replayed 10 minutes
# later. Keeping a signature 5 minutes from when it was first seen would let such a replay through.
REPLAY_KEEP_S = 2 * SIGNATURE_WINDOW_S
MEMORY_SIZE = 10_000


class Claims:
    def __init__(self, store: Store, run_id: str) -> None:
        self._store = store
        self._run_id = run_id  # this process, among restarts
        self._requests: OrderedDict[str, None] = OrderedDict()
        self._events: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_request(self, signature: str, now: float | None = None) -> bool:
        """False when a request with this signature was seen within `REPLAY_KEEP_S` (a replay)."""
        if not self._remember(self._requests, signature):
            return False
        try:
            return self._store.claim_request(signature, time.time() if now is None else now, REPLAY_KEEP_S)
        except sqlite3.OperationalError as error:
            log.warning("database busy (%s): replay check held in this process's memory only", error)
            return True

    def first_event(self, event_id: str) -> bool:
        """False when this Events API delivery was taken already (Slack's retries carry the same id)."""
        if not self._remember(self._events, event_id):
            return False
        try:
            return self._store.claim_once(f"event:{event_id}", quick=True)
        except sqlite3.OperationalError as error:
            log.warning("database busy (%s): event %s de-duplicated in memory only", error, event_id)
            return True

    def first_click(self, target: str, *, this_run_only: bool = False) -> bool:
        """Claim a button press (`target`: its message and action id); False when it was claimed.

        `this_run_only`: the claim holds for this process only, for actions whose service guards
        against a second write across restarts (the sync journal, the upload claim), so a press a
        killed run claimed but never carried out can be pressed again after the restart."""
        key = f"action:{target}:{self._run_id}" if this_run_only else f"action:{target}"
        return self._store.claim_once(key)

    def _remember(self, seen: OrderedDict[str, None], key: str) -> bool:
        # Memory keeps the newest keys; the oldest of a burst of over MEMORY_SIZE are left to SQLite.
        with self._lock:
            if key in seen:
                return False
            seen[key] = None
            if len(seen) > MEMORY_SIZE:
                seen.popitem(last=False)
            return True
