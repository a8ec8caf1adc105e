"""The sync journal: every chunk of results written down before it is sent, one row per result.

`sync_chunks` holds a chunk's key, state (pending, sent, failed) and Ramp's answer; `sync_results`
holds its items (transaction, outcome synced/failed, ERP reference or failure message). How those
items become a request body is bot/services/syncs.py's business, not the store's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.store.base import StoreBase, utc_now

RESULT_COLUMNS = ("transaction_id", "outcome", "reference_id", "message")


class SyncJournal(StoreBase):
    def journal_chunk(
        self,
        key: str,
        results: Sequence[Mapping[str, Any]],
        *,
        source: str,
        user_id: str,
        report_channel: str = "",
        report_ts: str = "",
    ) -> bool:
        """Write a new chunk as pending with its results (`RESULT_COLUMNS`, in the order sent), in
        one transaction; False, writing nothing, when its key is already journalled."""
        now = utc_now()
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO sync_chunks (key, state, sync_id, error, source, user_id, items,"
                " created, updated, report_channel, report_ts)"
                " VALUES (?, 'pending', '', '', ?, ?, ?, ?, ?, ?, ?)",
                [key, source, user_id, len(results), now, now, report_channel, report_ts],
            )
            if cursor.rowcount != 1:
                return False
            self.db.conn.executemany(
                "INSERT INTO sync_results (chunk_key, position, transaction_id, outcome, reference_id,"
                " message) VALUES (?, ?, ?, ?, ?, ?)",
                [(key, n, *(row[c] for c in RESULT_COLUMNS)) for n, row in enumerate(results)],
            )
        return True

    def sync_chunk(self, key: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM sync_chunks WHERE key = ?", [key]), None)

    def chunk_results(self, key: str) -> list[dict[str, Any]]:
        """A chunk's results (`RESULT_COLUMNS`), in the order they were journalled."""
        return list(
            self.db.query(
                "SELECT transaction_id, outcome, reference_id, message FROM sync_results"
                " WHERE chunk_key = ? ORDER BY position",
                [key],
            )
        )

    def set_chunk_state(self, key: str, state: str, sync_id: str = "", error: str = "") -> None:
        self.db.execute(
            "UPDATE sync_chunks SET state = ?, sync_id = ?, error = ?, updated = ? WHERE key = ?",
            [state, sync_id, error, utc_now(), key],
        )

    def pending_chunks(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM sync_chunks WHERE state = 'pending' ORDER BY created, key"))

    def journalled_results(self) -> list[tuple[str, str | None, str | None, str]]:
        """(transaction id, reference id, failure message, chunk state) of every result in a chunk
        that Ramp accepted or may have accepted (`sent`, `pending`); refused chunks wrote nothing."""
        rows = self.db.execute(
            "SELECT r.transaction_id, r.reference_id, r.message, c.state"
            " FROM sync_chunks AS c JOIN sync_results AS r ON r.chunk_key = c.key"
            " WHERE c.state IN ('sent', 'pending')"
        )
        return [tuple(row) for row in rows.fetchall()]

    def reported_failures(self, since: str, *, strictly_after: bool = False) -> list[dict[str, Any]]:
        """`{"transaction_id", "message", "at", "user_id", "merchant_name"}` of every failed result Ramp
        accepted from the bot since `since` (`at`: when it answered), newest first."""
        after = ">" if strictly_after else ">="
        return list(
            self.db.query(
                "SELECT r.transaction_id, r.message, c.updated AS at, c.user_id, t.merchant_name"
                " FROM sync_chunks AS c JOIN sync_results AS r ON r.chunk_key = c.key"
                " LEFT JOIN transactions AS t ON t.id = r.transaction_id"
                f" WHERE c.state = 'sent' AND r.outcome = 'failed' AND c.updated {after} ?"
                " ORDER BY c.updated DESC, c.key, r.position",
                [since],
            )
        )

    def unconfirmed_results(self, since: str) -> int:
        """Results journalled since `since` in chunks Ramp refused or has not answered yet."""
        row = self.db.execute(
            "SELECT coalesce(sum(items), 0) FROM sync_chunks WHERE state != 'sent' AND updated >= ?",
            [since],
        ).fetchone()
        return int(row[0])

    def synced_amounts(self, since: str) -> list[dict[str, Any]]:
        """`{"at", "currency", "amount"}`: the synced results Ramp accepted from the bot since `since`,
        summed per answer and currency (amounts as last listed; transactions never listed are absent)."""
        return list(
            self.db.query(
                "SELECT c.updated AS at, t.currency AS currency, sum(t.amount) AS amount"
                " FROM sync_chunks AS c JOIN sync_results AS r ON r.chunk_key = c.key"
                " JOIN transactions AS t ON t.id = r.transaction_id"
                " WHERE c.state = 'sent' AND r.outcome = 'synced' AND c.updated >= ?"
                " GROUP BY c.updated, t.currency ORDER BY c.updated, t.currency",
                [since],
            )
        )

    def save_sync_preview(self, preview_id: str, source: str, user_id: str, results: str) -> None:
        self.db.table("sync_previews").insert(
            {"id": preview_id, "at": utc_now(), "source": source, "user_id": user_id, "results": results}
        )

    def sync_preview(self, preview_id: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM sync_previews WHERE id = ?", [preview_id]), None)
