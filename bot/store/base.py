"""The connections every area of the store shares: one file, WAL mode, one connection per thread.

Bolt runs listeners on a thread pool and sqlite3 connections must not cross threads, so each thread
opens its own, lazily: `db` waits up to 30 s on a lock, `quick` gives up within a quarter second.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

QUICK_BUSY_TIMEOUT_S = 0.25
BUSY_TIMEOUT_S = 30
BATCH = 500  # ids per `IN (...)`: below SQLite's variable limit


def utc_now() -> str:
    return iso(datetime.now(UTC))


def iso(moment: datetime) -> str:
    """The one timestamp format of the database: ISO 8601 in UTC, to the second (sorts as text)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class StoreBase:
    """The per-thread connections; the areas of the store (bot/store/*.py) build on it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    @property
    def db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect(busy_timeout_s=BUSY_TIMEOUT_S)
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

    @contextmanager
    def writing(self) -> Iterator[sqlite_utils.Database]:
        """A transaction that takes the write lock first (`BEGIN IMMEDIATE`), for one that reads before
        it writes: begun deferred, it would fail rather than wait when another connection wrote in
        between (SQLITE_BUSY_SNAPSHOT, sqlite.org/rescode.html#busy_snapshot)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def upsert_rows(self, table: str, rows: list[dict[str, Any]], pk: tuple[str, ...]) -> None:
        """Insert or overwrite whole rows (every column given) in one statement run over all of them.

        sqlite-utils' `upsert_all` checks and converts each row in Python first: 0.3 s for 5,000
        listed bills, a fifth of a listing. The rows here come from our own parsers, already of the
        table's columns and types, so the check buys nothing."""
        if not rows:
            return
        columns = list(rows[0])
        names = ", ".join(f"[{c}]" for c in columns)
        updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c not in pk)
        sql = (
            f"INSERT INTO [{table}] ({names}) VALUES ({', '.join('?' * len(columns))})"
            f" ON CONFLICT ({', '.join(pk)}) DO UPDATE SET {updates}"
        )
        with self.writing() as db:
            db.conn.executemany(sql, ([row[c] for c in columns] for row in rows))

    def close(self) -> None:
        for name in ("db", "quick"):
            db = getattr(self._local, name, None)
            if db is not None:
                db.close()
                setattr(self._local, name, None)

    def table_counts(self) -> dict[str, int]:
        return {name: self.db[name].count for name in self.db.table_names()}

    def quick_check(self) -> list[str]:
        """What SQLite's `PRAGMA quick_check` finds wrong (empty when the file is sound). It may also
        raise `sqlite3.DatabaseError` when the damage stops the check itself (sqlite.org/pragma.html)."""
        found = [str(row[0]) for row in self.db.execute("PRAGMA quick_check").fetchall()]
        return [] if found == ["ok"] else found
