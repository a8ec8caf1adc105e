"""The other syncable objects as last listed, and the listings shown (bot/services/sync_objects.py)."""

from __future__ import annotations

import json
from typing import Any

from bot.store.base import BATCH, StoreBase, utc_now


class ObjectCache(StoreBase):
    def save_objects(self, rows: list[dict[str, Any]]) -> None:
        self.upsert_rows("sync_objects", rows, pk=("kind", "id"))

    def object_rows(self, kind: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Stored objects of one kind by id (the ids not stored are absent)."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), BATCH):
            part = ids[start : start + BATCH]
            marks = ",".join("?" * len(part))
            query = f"SELECT * FROM sync_objects WHERE kind = ? AND id IN ({marks})"
            for row in self.db.query(query, [kind, *part]):
                found[row["id"]] = row
        return found

    def object_span(self, kind: str) -> tuple[int, str]:
        """(how many, the oldest date) of the kind's last listing; (0, "") when it has none."""
        query = (
            "SELECT json_array_length(l.ids) AS n,"
            " (SELECT min(nullif(o.at, '')) FROM sync_objects AS o, json_each(l.ids) AS e"
            "  WHERE o.kind = l.kind AND o.id = e.value) AS oldest"
            " FROM object_lists AS l WHERE l.kind = ? ORDER BY l.at DESC LIMIT 1"
        )
        row = next(self.db.query(query, [kind]), None)
        return (int(row["n"] or 0), str(row["oldest"] or "")) if row else (0, "")

    def set_object_status(self, kind: str, object_id: str, status: str) -> None:
        self.db.execute(
            "UPDATE sync_objects SET sync_status = ? WHERE kind = ? AND id = ?", [status, kind, object_id]
        )

    def save_object_list(self, list_id: str, kind: str, filters: str, ids: list[str]) -> None:
        row = {"id": list_id, "at": utc_now(), "kind": kind, "filters": filters, "ids": json.dumps(ids)}
        self.db.table("object_lists").insert(row, replace=True)

    def object_list(self, list_id: str) -> tuple[str, str, list[str]] | None:
        """(kind, filters JSON, ids in order) of a listing shown earlier."""
        query = "SELECT kind, filters, ids FROM object_lists WHERE id = ?"
        row = next(self.db.query(query, [list_id]), None)
        return None if row is None else (row["kind"], row["filters"], json.loads(row["ids"]))

    def posted_results(self, sync_type: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The last result Ramp recorded under `sync_type` for each of these ids: {id: {outcome,
        reference_id, message}}. Of one sync type: a bill payment has its bill's id."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), BATCH):
            part = ids[start : start + BATCH]
            marks = ",".join("?" * len(part))
            query = (
                "SELECT r.transaction_id AS id, r.outcome, r.reference_id, r.message"
                " FROM sync_results AS r JOIN sync_chunks AS c ON c.key = r.chunk_key"
                f" WHERE c.state = 'sent' AND c.sync_type = ? AND r.transaction_id IN ({marks})"
                " ORDER BY c.updated"
            )
            for row in self.db.query(query, [sync_type, *part]):
                found[row["id"]] = row
        return found
