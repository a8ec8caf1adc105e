"""SQLite state through sqlite-utils: schema migrations and the named queries the services use.

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
from sqlite_utils.migrations import Migrations

migrations = Migrations("ramp_bot")


@migrations(name="0001_connections_audit_events")
def _m0001(db: sqlite_utils.Database) -> None:
    db.table("connection_events").create(
        {
            "id": int,
            "at": str,
            "action": str,  # connect, reactivate, disconnect
            "connection_id": str,
            "provider": str,
            "user_id": str,
        },
        pk="id",
    )
    db.table("audit_log").create(
        {
            "id": int,
            "at": str,
            "user_id": str,
            "channel_id": str,
            "command": str,
            "arguments": str,
            "outcome": str,  # ok, refused, failed
            "detail": str,
            "trace_id": str,
        },
        pk="id",
    )
    db.table("audit_log").create_index(["at"])
    db.table("processed_events").create({"key": str, "at": str}, pk="key")


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
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 30000")
            # In WAL mode NORMAL is durable across application crashes; only a power cut may lose
            # the last commits (SQLite docs, "WAL mode"), and Ramp stays the source of truth.
            conn.execute("PRAGMA synchronous = NORMAL")
            db = sqlite_utils.Database(conn)
            if self.path != ":memory:":
                db.enable_wal()
            self._local.db = db
        return db

    @contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        with self.db.atomic():
            yield self.db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- processed Slack deliveries ---------------------------------------------------------

    def claim_once(self, key: str) -> bool:
        """Record `key` as processed; False when it was already there (a retried delivery)."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO processed_events (key, at) VALUES (?, ?)", [key, utc_now()]
        )
        return cursor.rowcount == 1

    # -- audit log ---------------------------------------------------------------------------

    def add_audit(self, entry: AuditEntry) -> None:
        self.db.table("audit_log").insert(_row(entry))

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

    def table_counts(self) -> dict[str, int]:
        return {name: self.db[name].count for name in self.db.table_names()}


def _row(record: Any) -> dict[str, Any]:
    return dict(record.__dict__)
