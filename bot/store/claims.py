"""Slack deliveries already taken: event and button claims, and the replay cache of signatures.

Each claim is one `INSERT OR IGNORE`: SQLite serialises writers, so of two processes (or threads)
claiming the same key exactly one sees its row inserted.
"""

from __future__ import annotations

from bot.store.base import StoreBase, utc_now


class DeliveryClaims(StoreBase):
    def claim_once(self, key: str, *, quick: bool = False) -> bool:
        """Record `key` as processed; False when it was already there (a retried delivery).

        `quick`: give up within a quarter second when the database is locked (`sqlite3.OperationalError`)."""
        db = self.quick if quick else self.db
        cursor = db.execute(
            "INSERT OR IGNORE INTO processed_events (key, at) VALUES (?, ?)", [key, utc_now()]
        )
        return cursor.rowcount == 1

    def claim_request(self, signature: str, now: float, keep_s: float) -> bool:
        """Record a signed request's signature; False when it was seen within `keep_s` (a replay).
        Quick: raises `sqlite3.OperationalError` rather than wait on a lock. Old rows go as new ones come."""
        db = self.quick
        with db.atomic():
            db.execute("DELETE FROM seen_requests WHERE at < ?", [now - keep_s])
            cursor = db.execute(
                "INSERT OR IGNORE INTO seen_requests (signature, at) VALUES (?, ?)", [signature, now]
            )
        return cursor.rowcount == 1
