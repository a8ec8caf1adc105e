"""Ramp's transactions as the bot last listed them, and the listings it showed (for their pages and
exports); the SYNC_READY rows also feed slice sizing, summaries and the ready snapshots."""

from __future__ import annotations

import json
from typing import Any

from bot.store.base import BATCH, StoreBase, utc_now


class TransactionCache(StoreBase):
    def save_transactions(self, rows: list[dict[str, Any]]) -> None:
        self.upsert_rows("transactions", rows, pk=("id",))

    def transaction_rows(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Stored transactions by id (the ids not stored are absent)."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), BATCH):
            part = ids[start : start + BATCH]
            marks = ",".join("?" * len(part))
            for row in self.db.query(f"SELECT * FROM transactions WHERE id IN ({marks})", part):
                found[row["id"]] = row
        return found

    def set_transaction_status(self, ids: list[str], status: str) -> None:
        with self.db.atomic():
            for start in range(0, len(ids), BATCH):
                part = ids[start : start + BATCH]
                marks = ",".join("?" * len(part))
                self.db.execute(
                    f"UPDATE transactions SET sync_status = ? WHERE id IN ({marks})", [status, *part]
                )

    def retire_ready_transactions(self, seen: list[str], since: str, until: str) -> None:
        """Stored SYNC_READY rows in [since, until] that a complete listing no longer returned."""
        with self.db.atomic():
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS seen_ids (id TEXT PRIMARY KEY)")
            self.db.execute("DELETE FROM seen_ids")
            self.db.conn.executemany("INSERT OR IGNORE INTO seen_ids VALUES (?)", [(i,) for i in seen])
            self.db.execute(
                "UPDATE transactions SET sync_status = 'NOT_SYNC_READY' WHERE sync_status = 'SYNC_READY'"
                " AND user_transaction_time BETWEEN ? AND ? AND id NOT IN (SELECT id FROM seen_ids)",
                [since, until],
            )

    def save_transaction_list(self, list_id: str, filters: str, ids: list[str]) -> None:
        self.db.table("transaction_lists").insert(
            {"id": list_id, "at": utc_now(), "filters": filters, "ids": json.dumps(ids)}, replace=True
        )

    def transaction_list(self, list_id: str) -> tuple[str, list[str]] | None:
        """(filters JSON, ids in order) of a listing shown earlier."""
        row = next(self.db.query("SELECT filters, ids FROM transaction_lists WHERE id = ?", [list_id]), None)
        return None if row is None else (row["filters"], json.loads(row["ids"]))

    def ready_span(self, since: str, until: str) -> tuple[int, str] | None:
        """(count, oldest time) of the stored SYNC_READY rows in [since, until]; None when there are none."""
        row = next(
            self.db.query(
                "SELECT count(*) AS n, min(user_transaction_time) AS oldest FROM transactions"
                " WHERE sync_status = 'SYNC_READY' AND user_transaction_time != ''"
                " AND user_transaction_time BETWEEN ? AND ?",
                [since, until],
            )
        )
        return (int(row["n"]), str(row["oldest"])) if row["n"] else None

    def ready_totals(self) -> list[dict[str, Any]]:
        """`{"currency", "count", "amount"}` (minor units) of the stored SYNC_READY rows, by currency."""
        return list(
            self.db.query(
                "SELECT currency, count(*) AS count, sum(amount) AS amount FROM transactions"
                " WHERE sync_status = 'SYNC_READY' GROUP BY currency ORDER BY currency"
            )
        )
