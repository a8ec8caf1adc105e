"""SQLite state through sqlite-utils: the named queries the services use (the schema is bot/schema.py).

One file, WAL mode, one connection per thread (Bolt runs listeners on a thread pool; sqlite3
connections must not cross threads). Every SQL statement of the project lives here.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.schema import migrations

QUICK_BUSY_TIMEOUT_S = 0.25


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class AuditEntry:
    at: str
    user_id: str
    channel_id: str
    command: str
    arguments: str
    outcome: str
    detail: str
    trace_id: str


@dataclass(frozen=True)
class ConnectionEvent:
    at: str
    action: str
    connection_id: str
    provider: str
    user_id: str


class Store:
    """The bot's SQLite database. Open it once; share it between threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._local = threading.local()
        migrations.apply(self.db)

    @property
    def db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect(busy_timeout_s=30)
        return db

    @property
    def quick(self) -> sqlite_utils.Database:
        """A connection that gives up on a lock within a quarter second: for the claims made before
        Slack's ack, which must not wait on another process's long transaction (Slack retries after 3 s)."""
        db = getattr(self._local, "quick", None)
        if db is None:
            db = self._local.quick = self._connect(busy_timeout_s=QUICK_BUSY_TIMEOUT_S)
        return db

    def _connect(self, busy_timeout_s: float) -> sqlite_utils.Database:
        conn = sqlite3.connect(self.path, timeout=busy_timeout_s, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        # In WAL mode NORMAL is durable across application crashes; only a power cut may lose
        # the last commits (SQLite docs, "WAL mode"), and Ramp stays the source of truth.
        conn.execute("PRAGMA synchronous = NORMAL")
        db = sqlite_utils.Database(conn)
        if self.path != ":memory:":
            db.enable_wal()
        return db

    @contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        with self.db.atomic():
            yield self.db

    def close(self) -> None:
        for name in ("db", "quick"):
            db = getattr(self._local, name, None)
            if db is not None:
                db.close()
                setattr(self._local, name, None)

    # -- processed Slack deliveries ---------------------------------------------------------

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

    # -- audit log ---------------------------------------------------------------------------

    def add_audit(self, entry: AuditEntry, *, quick: bool = False) -> None:
        (self.quick if quick else self.db).table("audit_log").insert(_row(entry))

    def recent_audit(self, limit: int) -> list[AuditEntry]:
        rows = self.db.query(
            "SELECT at, user_id, channel_id, command, arguments, outcome, detail, trace_id"
            " FROM audit_log ORDER BY id DESC LIMIT ?",
            [limit],
        )
        return [AuditEntry(**row) for row in rows]

    def audit_texts(self) -> Iterator[str]:
        """Every audit row as JSON text (the secrets scan reads it)."""
        for row in self.db.query("SELECT * FROM audit_log"):
            yield json.dumps(row)

    # -- connection history ------------------------------------------------------------------

    def add_connection_event(self, event: ConnectionEvent) -> None:
        self.db.table("connection_events").insert(_row(event))

    def connection_events(self, limit: int = 20) -> list[ConnectionEvent]:
        rows = self.db.query(
            "SELECT at, action, connection_id, provider, user_id FROM connection_events"
            " ORDER BY id DESC LIMIT ?",
            [limit],
        )
        return [ConnectionEvent(**row) for row in rows]

    # -- transactions as last fetched (issue 5) ------------------------------------------------

    def save_transactions(self, rows: list[dict[str, Any]]) -> None:
        with self.db.atomic():
            self.db.table("transactions").upsert_all(rows, pk="id", batch_size=500)

    def transaction_rows(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Stored transactions by id (the ids not stored are absent)."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):  # SQLite's variable limit
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            for row in self.db.query(f"SELECT * FROM transactions WHERE id IN ({marks})", part):
                found[row["id"]] = row
        return found

    def set_transaction_status(self, ids: list[str], status: str) -> None:
        with self.db.atomic():
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
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

    # -- what the last listings left: slice sizing and /ramp status (issue 5) -----------------------

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

    def oldest_ready(self) -> dict[str, Any] | None:
        return next(
            self.db.query(
                "SELECT id, user_transaction_time, merchant_name, amount, currency FROM transactions"
                " WHERE sync_status = 'SYNC_READY' ORDER BY user_transaction_time, id LIMIT 1"
            ),
            None,
        )

    def last_ready_fetch(self) -> str | None:
        row = next(self.db.query("SELECT max(fetched_at) AS at FROM transactions"))
        return row["at"] or None

    def chunks_since(self, since: str) -> list[dict[str, Any]]:
        """Sync chunks journalled or answered since `since`, newest first."""
        return list(
            self.db.query(
                "SELECT key, payload, state, error, user_id, items, created, updated FROM sync_chunks"
                " WHERE updated >= ? ORDER BY updated DESC, key",
                [since],
            )
        )

    def recent_uploads(self, limit: int) -> list[dict[str, Any]]:
        """The last category uploads that were started (not only previewed or cancelled), newest first."""
        return list(
            self.db.query(
                "SELECT name, kind, outcome, counts, uploaded_by, created, finished FROM uploads"
                " WHERE outcome NOT IN ('previewed', 'cancelled')"
                " ORDER BY coalesce(nullif(finished, ''), created) DESC LIMIT ?",
                [limit],
            )
        )

    # -- the sync journal: every chunk written down before it is sent -------------------------

    def journal_chunk(self, row: dict[str, Any]) -> bool:
        """Write a new chunk as pending; False when its key is already journalled."""
        now = utc_now()
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO sync_chunks (key, payload, state, sync_id, error, source, user_id,"
            " items, created, updated, report_channel, report_ts)"
            " VALUES (?, ?, 'pending', '', '', ?, ?, ?, ?, ?, ?, ?)",
            [
                row["key"],
                row["payload"],
                row["source"],
                row["user_id"],
                row["items"],
                now,
                now,
                row.get("report_channel", ""),
                row.get("report_ts", ""),
            ],
        )
        return cursor.rowcount == 1

    def sync_chunk(self, key: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM sync_chunks WHERE key = ?", [key]), None)

    def set_chunk_state(self, key: str, state: str, sync_id: str = "", error: str = "") -> None:
        self.db.execute(
            "UPDATE sync_chunks SET state = ?, sync_id = ?, error = ?, updated = ? WHERE key = ?",
            [state, sync_id, error, utc_now(), key],
        )

    def journalled_results(self) -> list[tuple[str, str | None, str | None, str]]:
        """(transaction id, reference id, error message, chunk state) of every result in a chunk that
        Ramp accepted or may have accepted (`sent`, `pending`); refused chunks wrote nothing."""
        query = (
            "SELECT json_extract(item.value, '$.id'), json_extract(item.value, '$.reference_id'),"
            " json_extract(item.value, '$.error.message'), c.state"
            " FROM sync_chunks AS c, json_each(c.payload, '$.{list}') AS item"
            " WHERE c.state IN ('sent', 'pending')"
        )
        sql = query.format(list="successful") + " UNION ALL " + query.format(list="failed")
        return [tuple(row) for row in self.db.execute(sql).fetchall()]

    def pending_chunks(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM sync_chunks WHERE state = 'pending' ORDER BY created, key"))

    def save_sync_preview(self, preview_id: str, source: str, user_id: str, results: str) -> None:
        self.db.table("sync_previews").insert(
            {"id": preview_id, "at": utc_now(), "source": source, "user_id": user_id, "results": results}
        )

    def sync_preview(self, preview_id: str) -> dict[str, Any] | None:
        return next(self.db.query("SELECT * FROM sync_previews WHERE id = ?", [preview_id]), None)

    # -- category uploads and their batch journal (issue 4) -------------------------------------

    def add_upload(self, row: dict[str, Any]) -> None:
        now = utc_now()
        self.db.table("uploads").insert(
            {
                "outcome": "previewed",
                "detail": "",
                "uploaded_by": "",
                "counts": "{}",
                "created": now,
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

    # -- resuming uploads after a restart (issue 4, migration 0005) -----------------------------

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

    def set_upload_thread(self, upload_id: str, thread_ts: str) -> None:
        self.db.execute("UPDATE uploads SET thread_ts = ? WHERE id = ?", [thread_ts, upload_id])

    def running_uploads(self, except_runner: str) -> list[dict[str, Any]]:
        """Uploads left running by another process (one that was killed), oldest first."""
        return list(
            self.db.query(
                "SELECT id, name, channel_id, thread_ts, message_ts, uploaded_by FROM uploads"
                " WHERE outcome = 'running' AND coalesce(runner, '') != ? ORDER BY created",
                [except_runner],
            )
        )

    def take_over_upload(self, upload_id: str, runner: str) -> bool:
        """Claim a running upload for this process; False if it is not running or already ours."""
        cursor = self.db.execute(
            "UPDATE uploads SET runner = ? WHERE id = ? AND outcome = 'running'"
            " AND coalesce(runner, '') != ?",
            [runner, upload_id, runner],
        )
        return cursor.rowcount == 1

    def close_unfinished_batches(self, upload_id: str, up_to: int, state: str) -> None:
        """Batches left pending or sent by a killed run, once Ramp was re-read and they were redone."""
        self.db.execute(
            "UPDATE upload_batches SET state = ?, updated = ? WHERE upload_id = ? AND batch_no <= ?"
            " AND state IN ('pending', 'sent')",
            [state, utc_now(), upload_id, up_to],
        )

    # -- daily summaries (issue 6, migration 0004) ----------------------------------------------

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

    def add_ready_snapshot(self, at: str, totals: list[dict[str, Any]], keep_since: str) -> None:
        """The stored ready totals at `at`, one row a currency (a row for '' when nothing is ready)."""
        rows = [
            {"at": at, "currency": t["currency"], "count": t["count"], "amount": t["amount"]} for t in totals
        ]
        with self.db.atomic():
            self.db.execute("DELETE FROM ready_snapshots WHERE at = ?", [at])  # a refresh the same second
            self.db.table("ready_snapshots").insert_all(
                rows or [{"at": at, "currency": "", "count": 0, "amount": 0}]
            )
            self.db.execute("DELETE FROM ready_snapshots WHERE at < ?", [keep_since])

    def ready_snapshots(self, since: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT at, currency, count, amount FROM ready_snapshots WHERE at >= ? ORDER BY at", [since]
            )
        )

    def synced_amounts(self, since: str) -> list[dict[str, Any]]:
        """`{"at", "currency", "amount"}` of every success result Ramp accepted from the bot since `since`."""
        return list(
            self.db.query(
                "SELECT c.updated AS at, t.currency AS currency, t.amount AS amount"
                " FROM sync_chunks AS c, json_each(c.payload, '$.successful') AS item"
                " JOIN transactions AS t ON t.id = json_extract(item.value, '$.id')"
                " WHERE c.state = 'sent' AND c.updated >= ?",
                [since],
            )
        )

    def uploads_since(self, since: str) -> list[dict[str, Any]]:
        """Category uploads started after `since` (not those only previewed or cancelled), newest first."""
        return list(
            self.db.query(
                "SELECT name, kind, outcome, counts, uploaded_by, created, finished FROM uploads"
                " WHERE outcome NOT IN ('previewed', 'cancelled') AND created > ?"
                " ORDER BY coalesce(nullif(finished, ''), created) DESC",
                [since],
            )
        )

    def table_counts(self) -> dict[str, int]:
        return {name: self.db[name].count for name in self.db.table_names()}

    def quick_check(self) -> list[str]:
        """What SQLite's `PRAGMA quick_check` finds wrong (empty when the file is sound). It may also
        raise `sqlite3.DatabaseError` when the damage stops the check itself (sqlite.org/pragma.html)."""
        found = [str(row[0]) for row in self.db.execute("PRAGMA quick_check").fetchall()]
        return [] if found == ["ok"] else found


def _row(record: Any) -> dict[str, Any]:
    return dict(record.__dict__)
