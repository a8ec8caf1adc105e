"""Category uploads: the preview, the claim that starts one, its batch journal, and the columns a
restarted bot needs to finish an upload a killed one left running.

An upload's `counts` stay JSON text: they are read whole, for one line of status, never queried.
"""

from __future__ import annotations

from typing import Any

from bot.store.base import StoreBase, utc_now

STARTED = "outcome NOT IN ('previewed', 'cancelled')"  # uploads that ran, or run


class UploadJournal(StoreBase):
    def add_upload(self, row: dict[str, Any]) -> None:
        self.db.table("uploads").insert(
            {
                "outcome": "previewed",
                "detail": "",
                "uploaded_by": "",
                "counts": "{}",
                "created": utc_now(),
                "finished": "",
                **row,
            }
        )

    def upload_row(self, upload_id: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM uploads WHERE id = ?", [upload_id]), None)

    def claim_upload(self, upload_id: str, outcome: str, user_id: str) -> bool:
        """Move a previewed upload to `outcome` (running, cancelled); False if another got there first."""
        cursor = self.db.execute(
            "UPDATE uploads SET outcome = ?, uploaded_by = ? WHERE id = ? AND outcome = 'previewed'",
            [outcome, user_id, upload_id],
        )
        return cursor.rowcount == 1

    def claim_upload_run(
        self,
        upload_id: str,
        user_id: str,
        *,
        runner: str,
        message_ts: str,
        deactivate_missing: bool,
        field_settings: str,
    ) -> bool:
        """Move a previewed upload to running, with what a restart needs to finish it; False if
        another click or admin got there first."""
        cursor = self.db.execute(
            "UPDATE uploads SET outcome = 'running', uploaded_by = ?, runner = ?, message_ts = ?,"
            " deactivate_missing = ?, field_settings = ? WHERE id = ? AND outcome = 'previewed'",
            [user_id, runner, message_ts, int(deactivate_missing), field_settings, upload_id],
        )
        return cursor.rowcount == 1

    def finish_upload(self, upload_id: str, outcome: str, counts: str, detail: str) -> None:
        self.db.execute(
            "UPDATE uploads SET outcome = ?, counts = ?, detail = ?, finished = ? WHERE id = ?",
            [outcome, counts, detail, utc_now(), upload_id],
        )

    def last_done_upload(self, sha256: str, kind: str) -> dict[str, Any] | None:
        """The latest completed upload of a file with these bytes, as this kind."""
        rows = self.db.query(
            "SELECT id, name, uploaded_by, finished FROM uploads WHERE sha256 = ? AND kind = ?"
            " AND outcome = 'done' ORDER BY finished DESC LIMIT 1",
            [sha256, kind],
        )
        return next(rows, None)

    def recent_uploads(self, limit: int) -> list[dict[str, Any]]:
        """The last category uploads that were started (not only previewed or cancelled), newest first."""
        return list(
            self.db.query(
                "SELECT name, kind, outcome, counts, uploaded_by, created, finished FROM uploads"
                f" WHERE {STARTED} ORDER BY coalesce(nullif(finished, ''), created) DESC LIMIT ?",
                [limit],
            )
        )

    def uploads_since(self, since: str) -> list[dict[str, Any]]:
        """Category uploads started after `since` (not those only previewed or cancelled), newest first."""
        return list(
            self.db.query(
                "SELECT name, kind, outcome, counts, uploaded_by, created, finished FROM uploads"
                f" WHERE {STARTED} AND created > ? ORDER BY coalesce(nullif(finished, ''), created) DESC",
                [since],
            )
        )

    # -- the batch journal ---------------------------------------------------------------------------

    def journal_upload_batch(self, upload_id: str, batch_no: int, op: str, kind: str, item_ids: str) -> None:
        now = utc_now()
        self.db.table("upload_batches").insert(
            {
                "upload_id": upload_id,
                "batch_no": batch_no,
                "op": op,
                "kind": kind,
                "item_ids": item_ids,
                "state": "pending",
                "error": "",
                "created": now,
                "updated": now,
            },
            replace=True,
        )

    def set_upload_batch_state(
        self, upload_id: str, batch_no: int, state: str, error: str = "", failed_ids: str = "[]"
    ) -> None:
        self.db.execute(
            "UPDATE upload_batches SET state = ?, error = ?, failed_ids = ?, updated = ?"
            " WHERE upload_id = ? AND batch_no = ?",
            [state, error, failed_ids, utc_now(), upload_id, batch_no],
        )

    def upload_batches(self, upload_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query("SELECT * FROM upload_batches WHERE upload_id = ? ORDER BY batch_no", [upload_id])
        )

    # -- resuming after a restart --------------------------------------------------------------------

    def set_upload_thread(self, upload_id: str, thread_ts: str) -> None:
        self.db.execute("UPDATE uploads SET thread_ts = ? WHERE id = ?", [thread_ts, upload_id])

    def running_uploads(self, except_runner: str) -> list[dict[str, Any]]:
        """Uploads left running by another process (one that was killed), oldest first, with that
        process's `runner` id (to hand to `take_over_upload` as `previous`)."""
        return list(
            self.db.query(
                "SELECT id, name, channel_id, thread_ts, message_ts, uploaded_by,"
                " coalesce(runner, '') AS runner FROM uploads"
                " WHERE outcome = 'running' AND coalesce(runner, '') != ? ORDER BY created",
                [except_runner],
            )
        )

    def take_over_upload(self, upload_id: str, runner: str, *, previous: str) -> bool:
        """Claim a running upload for this process from `previous`, the runner `running_uploads`
        showed; False if it is not running, already ours, or another process took it over first
        (nothing tells a live runner from a dead one, so the claim is on the one seen)."""
        cursor = self.db.execute(
            "UPDATE uploads SET runner = ? WHERE id = ? AND outcome = 'running'"
            " AND coalesce(runner, '') = ? AND ? != ?",
            [runner, upload_id, previous, previous, runner],
        )
        return cursor.rowcount == 1

    def close_unfinished_batches(self, upload_id: str, up_to: int, state: str) -> None:
        """Batches left pending or sent by a killed run, once Ramp was re-read and they were redone."""
        self.db.execute(
            "UPDATE upload_batches SET state = ?, updated = ? WHERE upload_id = ? AND batch_no <= ?"
            " AND state IN ('pending', 'sent')",
            [state, utc_now(), upload_id, up_to],
        )
