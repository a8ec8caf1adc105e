"""The sync journal: every chunk of results written down before it is sent, one row per result.

`sync_chunks` holds a chunk's key, its `sync_type` (one kind of object per chunk), state (pending,
sent, failed) and Ramp's answer; `sync_results` holds its items (the object's id, outcome
synced/failed, ERP reference or failure message, a bill's ERP link). How those items become a
request body is bot/services/syncs.py's business, not the store's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.store.base import StoreBase, utc_now

RESULT_COLUMNS = ("transaction_id", "outcome", "reference_id", "message", "deep_link_url")
TRANSACTION_SYNC = "TRANSACTION_SYNC"  # what every chunk journalled before migration 0013 was


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
        sync_type: str = TRANSACTION_SYNC,
    ) -> bool:
        """Write a new chunk as pending with its results (`RESULT_COLUMNS`, in the order sent; a
        missing `deep_link_url` is NULL), in one transaction; False, writing nothing, when its key is
        already journalled."""
        now = utc_now()
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO sync_chunks (key, sync_type, state, sync_id, error, source, user_id,"
                " items, created, updated, report_channel, report_ts)"
                " VALUES (?, ?, 'pending', '', '', ?, ?, ?, ?, ?, ?, ?)",
                [key, sync_type, source, user_id, len(results), now, now, report_channel, report_ts],
            )
            if cursor.rowcount != 1:
                return False
            self.db.conn.executemany(
                "INSERT INTO sync_results (chunk_key, position, transaction_id, outcome, reference_id,"
                " message, deep_link_url) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(key, n, *(row.get(c) for c in RESULT_COLUMNS)) for n, row in enumerate(results)],
            )
        return True

    def sync_chunk(self, key: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM sync_chunks WHERE key = ?", [key]), None)

    def chunk_results(self, key: str) -> list[dict[str, Any]]:
        """A chunk's results (`RESULT_COLUMNS`), in the order they were journalled; `deep_link_url`
        only in the rows that have one (a bill's)."""
        rows = self.db.query(
            "SELECT transaction_id, outcome, reference_id, message, deep_link_url FROM sync_results"
            " WHERE chunk_key = ? ORDER BY position",
            [key],
        )
        return [{k: v for k, v in row.items() if k != "deep_link_url" or v is not None} for row in rows]

    def set_chunk_state(self, key: str, state: str, sync_id: str = "", error: str = "") -> None:
        self.db.execute(
            "UPDATE sync_chunks SET state = ?, sync_id = ?, error = ?, updated = ? WHERE key = ?",
            [state, sync_id, error, utc_now(), key],
        )

    def pending_chunks(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM sync_chunks WHERE state = 'pending' ORDER BY created, key"))

    def journalled_results(
        self, sync_type: str | None = None
    ) -> list[tuple[str, str | None, str | None, str]]:
        """(object id, reference id, failure message, chunk state) of every result in a chunk that
        Ramp accepted or may have accepted (`sent`, `pending`), of one sync type or of all; refused
        chunks wrote nothing."""
        where = "" if sync_type is None else " AND c.sync_type = ?"
        rows = self.db.execute(
            "SELECT r.transaction_id, r.reference_id, r.message, c.state"
            " FROM sync_chunks AS c JOIN sync_results AS r ON r.chunk_key = c.key"
            " WHERE c.state IN ('sent', 'pending')" + where,
            [] if sync_type is None else [sync_type],
        )
        return [tuple(row) for row in rows.fetchall()]

    def reported_failures(
        self, since: str, kinds: Mapping[str, str], *, strictly_after: bool = False
    ) -> list[dict[str, Any]]:
        """`{"transaction_id", "message", "at", "user_id", "sync_type", "name", "amount", "currency"}`
        of every failed result Ramp accepted from the bot since `since` (`at`: when it answered),
        newest first. `kinds` maps each sync_type to the kind its objects are kept under in
        `sync_objects` (a bill and its payment share an id); `name` is the card transaction's merchant
        or the object's counterparty, and `name`/`amount`/`currency` are None for an object never listed."""
        after = ">" if strictly_after else ">="
        return list(
            self.db.query(
                "SELECT r.transaction_id, r.message, c.updated AS at, c.user_id, c.sync_type,"
                " coalesce(nullif(t.merchant_name, ''), json_extract(o.data, '$.counterparty')) AS name,"
                " coalesce(t.amount, o.amount) AS amount, coalesce(t.currency, o.currency) AS currency"
                " FROM sync_chunks AS c JOIN sync_results AS r ON r.chunk_key = c.key"
                " LEFT JOIN transactions AS t"
                f" ON t.id = r.transaction_id AND c.sync_type = '{TRANSACTION_SYNC}'"
                " LEFT JOIN json_each(?) AS k ON k.key = c.sync_type"
                " LEFT JOIN sync_objects AS o ON o.kind = k.value AND o.id = r.transaction_id"
                f" WHERE c.state = 'sent' AND r.outcome = 'failed' AND c.updated {after} ?"
                " ORDER BY c.updated DESC, c.key, r.position",
                [json.dumps(dict(kinds)), since],
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
