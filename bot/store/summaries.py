"""Daily summaries: each channel's schedule and its once-a-day claim, what each summary showed, and
the ready totals over time (the 14-day picture). Old snapshots go with `Store.prune`."""

from __future__ import annotations

from typing import Any

from bot.store.base import StoreBase


class SummaryRecords(StoreBase):
    def save_summary_schedule(self, row: dict[str, Any]) -> None:
        """Insert or change a channel's schedule; the day last claimed is kept, so a change never
        sends a second summary the same day."""
        self.db.execute(
            "INSERT INTO summary_schedules"
            " (channel_id, local_time, tz, weekdays_only, set_by, set_at, state, reason, last_date)"
            " VALUES (:channel_id, :local_time, :tz, :weekdays_only, :set_by, :set_at, :state, :reason, NULL)"
            " ON CONFLICT(channel_id) DO UPDATE SET local_time = excluded.local_time, tz = excluded.tz,"
            " weekdays_only = excluded.weekdays_only, set_by = excluded.set_by, set_at = excluded.set_at,"
            " state = excluded.state, reason = excluded.reason",
            row,
        )

    def summary_schedule(self, channel_id: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM summary_schedules WHERE channel_id = ?", [channel_id]), None)

    def summary_schedules(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM summary_schedules ORDER BY channel_id"))

    def set_summary_state(self, channel_id: str, state: str, reason: str) -> None:
        self.db.execute(
            "UPDATE summary_schedules SET state = ?, reason = ? WHERE channel_id = ?",
            [state, reason, channel_id],
        )

    def claim_summary_day(self, channel_id: str, day: str) -> bool:
        """Mark `day` (local ISO date) as this channel's last summary; True only for the one caller
        that moved it: SQLite serialises writers, so two processes cannot both win."""
        cursor = self.db.execute(
            "UPDATE summary_schedules SET last_date = ? WHERE channel_id = ? AND state = 'active'"
            " AND coalesce(last_date, '') < ?",
            [day, channel_id, day],
        )
        return cursor.rowcount == 1

    def release_summary_day(self, channel_id: str, day: str, previous: str | None) -> None:
        self.db.execute(
            "UPDATE summary_schedules SET last_date = ? WHERE channel_id = ? AND last_date = ?",
            [previous, channel_id, day],
        )

    def add_summary_log(self, row: dict[str, Any]) -> None:
        self.db.table("summary_log").insert(row)

    def last_summary(self, channel_id: str) -> dict[str, Any] | None:
        return next(
            self.db.query(
                "SELECT * FROM summary_log WHERE channel_id = ? ORDER BY at DESC, id DESC LIMIT 1",
                [channel_id],
            ),
            None,
        )

    def add_ready_snapshot(self, at: str, totals: list[dict[str, Any]]) -> None:
        """The stored ready totals at `at`, one row a currency (a row for '' when nothing is ready)."""
        rows = [
            {"at": at, "currency": t["currency"], "count": t["count"], "amount": t["amount"]} for t in totals
        ]
        with self.db.atomic():
            self.db.execute("DELETE FROM ready_snapshots WHERE at = ?", [at])  # a refresh the same second
            self.db.table("ready_snapshots").insert_all(
                rows or [{"at": at, "currency": "", "count": 0, "amount": 0}]
            )

    def ready_snapshots(self, since: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT at, currency, count, amount FROM ready_snapshots WHERE at >= ? ORDER BY at", [since]
            )
        )
