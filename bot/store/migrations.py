"""The migration journal: a switch from one accounting connection to another, each of its steps
written down before it is carried out, and the categories it carries over (schema 0009)."""

from __future__ import annotations

import json
from typing import Any

from bot.store.base import StoreBase, utc_now


class MigrationJournal(StoreBase):
    def open_migration(self, row: dict[str, Any]) -> bool:
        """A new migration (its `id` is the message it was chosen on); False when that id exists
        already or another migration is running: a second press, a retried request, two admins."""
        with self.writing() as db:
            running = db.execute("SELECT 1 FROM migrations WHERE state = 'running' LIMIT 1").fetchone()
            known = db.execute("SELECT 1 FROM migrations WHERE id = ?", [row["id"]]).fetchone()
            if running or known:
                return False
            db.table("migrations").insert({**row, "state": "running", "created": utc_now(), "finished": ""})
        return True

    def migration(self, migration_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM migrations WHERE id = ?", [migration_id]))
        return rows[0] if rows else None

    def running_migration(self) -> dict[str, Any] | None:
        rows = list(
            self.db.query("SELECT * FROM migrations WHERE state = 'running' ORDER BY created LIMIT 1")
        )
        return rows[0] if rows else None

    def interrupted_migrations(self, except_runner: str) -> list[dict[str, Any]]:
        """Running migrations of another process (killed, or another replica's: see take_over)."""
        return list(
            self.db.query(
                "SELECT * FROM migrations WHERE state = 'running' AND coalesce(runner, '') != ?"
                " ORDER BY created",
                [except_runner],
            )
        )

    def take_over_migration(self, migration_id: str, runner: str, *, previous: str) -> bool:
        """Claim a running migration from `previous`, the runner seen; False when another process did
        first (nothing tells a live runner from a dead one, so the claim is on the one seen)."""
        cursor = self.db.execute(
            "UPDATE migrations SET runner = ? WHERE id = ? AND state = 'running'"
            " AND coalesce(runner, '') = ? AND ? != ?",
            [runner, migration_id, previous, previous, runner],
        )
        return cursor.rowcount == 1

    def update_migration(self, migration_id: str, **values: Any) -> None:
        self.db.table("migrations").update(migration_id, values)

    def end_migration(self, migration_id: str, state: str, report: dict[str, Any], error: str = "") -> None:
        self.update_migration(
            migration_id, state=state, report=json.dumps(report), error=error, finished=utc_now()
        )

    def add_migration_step(self, migration_id: str, step: str, detail: str = "") -> int:
        """Journal a step as `started`, before it is carried out; returns its number."""
        with self.writing() as db:
            last = db.execute(
                "SELECT coalesce(max(step_no), 0) FROM migration_steps WHERE migration_id = ?", [migration_id]
            ).fetchone()[0]
            number = int(last) + 1
            db.table("migration_steps").insert(
                {
                    "migration_id": migration_id,
                    "step_no": number,
                    "step": step,
                    "state": "started",
                    "detail": detail,
                    "at": utc_now(),
                }
            )
        return number

    def finish_migration_step(self, migration_id: str, step_no: int, detail: str = "") -> None:
        self.db.execute(
            "UPDATE migration_steps SET state = 'done', detail = ?, at = ?"
            " WHERE migration_id = ? AND step_no = ?",
            [detail, utc_now(), migration_id, step_no],
        )

    def migration_steps(self, migration_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT * FROM migration_steps WHERE migration_id = ? ORDER BY step_no", [migration_id]
            )
        )

    def keep_migration_items(self, migration_id: str, items: dict[str, list[dict[str, Any]]]) -> None:
        """The old connection's categories, by kind, replacing any kept by an earlier try."""
        with self.atomic() as db:
            db.execute("DELETE FROM migration_items WHERE migration_id = ?", [migration_id])
            db.table("migration_items").insert_all(
                {"migration_id": migration_id, "kind": kind, "items": json.dumps(rows)}
                for kind, rows in items.items()
            )

    def migration_items(self, migration_id: str) -> dict[str, list[dict[str, Any]]]:
        rows = self.db.query("SELECT kind, items FROM migration_items WHERE migration_id = ?", [migration_id])
        return {row["kind"]: json.loads(row["items"]) for row in rows}
