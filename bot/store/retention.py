"""How long each growing table keeps its rows, and `prune`, which applies that policy.

One row of `RETENTION` per table: the days kept, the timestamp a row's age is measured from, the
rows kept whatever their age (work still pending: an unanswered sync chunk, a running upload), and
the child rows that go with a pruned row. `Store.prune` runs at start-up and once a day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from bot.store.base import StoreBase, iso

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retention:
    table: str
    days: int
    age_from: str  # SQL: the timestamp a row's age is measured from
    why: str
    keep: str = ""  # SQL: rows kept whatever their age
    children: tuple[tuple[str, str, str], ...] = ()  # (table, its column, our column) pruned with us
    epoch: bool = False  # `age_from` holds Unix seconds, not ISO text
    batch: int = 1000  # rows a transaction, so a large first prune never holds the lock long


RETENTION: tuple[Retention, ...] = (
    Retention(
        "seen_requests", 1, "at", "the replay cache (a new request drops those over 10 min)", epoch=True
    ),
    Retention("processed_events", 7, "at", "event and button claims; Slack retries within the hour"),
    Retention("transaction_lists", 30, "at", "a listing's later pages and its CSV export"),
    Retention("sync_previews", 30, "at", "a results preview's Post button"),
    Retention("object_lists", 30, "at", "a listing's later pages and its CSV export, other objects"),
    Retention("sync_objects", 400, "fetched_at", "objects no listing returned for that long"),
    Retention("ready_snapshots", 40, "at", "the 14-day picture, with room for time zones"),
    Retention(
        "uploads",
        90,
        "coalesce(nullif(finished, ''), created)",
        "finished or abandoned category uploads (a running one is kept)",
        keep="outcome = 'running'",
        children=(("upload_batches", "upload_id", "id"),),
        batch=50,
    ),
    Retention(
        "sync_chunks",
        400,
        "updated",
        "answered sync chunks, the record of what was posted (a pending one is kept)",
        keep="state NOT IN ('sent', 'failed')",
        children=(("sync_results", "chunk_key", "key"),),
        batch=10,  # up to 5,000 results each
    ),
    Retention(
        "transactions",
        400,
        "fetched_at",
        "transactions no listing returned for that long (a SYNC_READY one is kept)",
        keep="sync_status = 'SYNC_READY'",
    ),
    Retention(
        "summary_log",
        400,
        "at",
        "what each summary showed (a channel's last one, the next one's baseline, is kept)",
        keep="at >= (SELECT max(s.at) FROM summary_log AS s WHERE s.channel_id = summary_log.channel_id)",
    ),
    Retention("audit_log", 400, "at", "who did what, refused or done"),
    Retention("notice_items", 30, "seen_at", "items announced to a channel, from when last seen ready"),
    Retention(
        "migrations",
        90,
        "coalesce(nullif(finished, ''), created)",
        "switches of connection and the categories they carried (a running one is kept)",
        keep="state = 'running'",
        children=(("migration_steps", "migration_id", "id"), ("migration_items", "migration_id", "id")),
        batch=5,
    ),
)

# Tables kept whole, and why; every other table is in RETENTION or a child of one there.
KEPT_WHOLE = {
    "connection_events": "a few rows a year; `/ramp connection` shows its history",
    "direct_connections": "a few rows: connections Ramp refused writes for as direct integrations",
    "summary_schedules": "one row a channel",
    "column_mappings": "one row per header a person mapped: a setting, applied to every later file",
    "notice_subscriptions": "one row a channel that gets ready notices",
    "webhook_subscriptions": "the few Ramp webhook subscriptions this bot made (`python -m bot webhooks`)",
    "_sqlite_migrations": "the schema's own record",
}


class RetentionPolicy(StoreBase):
    def prune(self, now: datetime | None = None) -> dict[str, int]:
        """Delete the rows `RETENTION` no longer keeps, as of `now`; rows deleted by table."""
        now = now or datetime.now(UTC)
        deleted = {p.table: self._prune(p, now - timedelta(days=p.days)) for p in RETENTION}
        if any(deleted.values()):
            log.info("pruned old rows: %s", ", ".join(f"{t} {n:,}" for t, n in deleted.items() if n))
        return deleted

    def _prune(self, policy: Retention, cutoff: datetime) -> int:
        old = f"{policy.age_from} < ?" + (f" AND NOT ({policy.keep})" if policy.keep else "")
        select = f"SELECT rowid FROM {policy.table} WHERE {old} LIMIT {policy.batch}"
        limit = cutoff.timestamp() if policy.epoch else iso(cutoff)
        deleted = 0
        while True:
            with self.writing() as db:  # it reads, then writes: the lock first
                rowids = [row[0] for row in db.execute(select, [limit]).fetchall()]
                if rowids:
                    _delete(db, policy, rowids)
            deleted += len(rowids)
            if len(rowids) < policy.batch:
                return deleted


def _delete(db: sqlite_utils.Database, policy: Retention, rowids: list[int]) -> None:
    """These rows of `policy.table`, their children first."""
    marks = ",".join("?" * len(rowids))
    for child, column, parent in policy.children:
        db.execute(
            f"DELETE FROM {child} WHERE {column} IN"
            f" (SELECT {parent} FROM {policy.table} WHERE rowid IN ({marks}))",
            rowids,
        )
    db.execute(f"DELETE FROM {policy.table} WHERE rowid IN ({marks})", rowids)
