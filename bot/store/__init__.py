"""SQLite state through sqlite-utils: the named queries the services use (the schema is bot/schema.py).

Every SQL statement of the project lives in this package, one module per area of the database:

    base.py          connections (one per thread, WAL), transactions, `utc_now`
    claims.py        Slack deliveries and button presses already taken; the replay cache
    audit.py         the audit log, the connection history, the connections found to be direct
    transactions.py  transactions as last listed, and the listings shown
    sync_objects.py  the other syncable objects as last listed, and their listings
    syncs.py         the sync journal: chunks and their results, previews
    uploads.py       category uploads and their batch journal
    mappings.py      column mappings saved for headers the bot did not know
    migrations.py    switches of connection: the migration journal and what it carries over
    summaries.py     summary schedules, the summary log, ready snapshots
    notices.py       ready notices: subscribed channels, items announced, Ramp webhook subscriptions
    retention.py     how long each table keeps its rows, and `prune`

`Store` is all of them over one file: open it once and share it between threads.
"""

from __future__ import annotations

from pathlib import Path

from bot.schema import migrations as schema_migrations
from bot.store.audit import AuditEntry, AuditTrail, ConnectionEvent
from bot.store.base import QUICK_BUSY_TIMEOUT_S, utc_now
from bot.store.claims import DeliveryClaims
from bot.store.mappings import MappingBook
from bot.store.migrations import MigrationJournal
from bot.store.notices import NoticeBook
from bot.store.retention import KEPT_WHOLE, RETENTION, Retention, RetentionPolicy
from bot.store.summaries import SummaryRecords
from bot.store.sync_objects import ObjectCache
from bot.store.syncs import SyncJournal
from bot.store.transactions import TransactionCache
from bot.store.uploads import UploadJournal

__all__ = [
    "QUICK_BUSY_TIMEOUT_S",
    "KEPT_WHOLE",
    "RETENTION",
    "AuditEntry",
    "ConnectionEvent",
    "Retention",
    "Store",
    "utc_now",
]


class Store(
    DeliveryClaims,
    AuditTrail,
    TransactionCache,
    ObjectCache,
    SyncJournal,
    UploadJournal,
    MappingBook,
    MigrationJournal,
    NoticeBook,
    SummaryRecords,
    RetentionPolicy,
):
    """The bot's SQLite database, migrated to the latest schema when opened."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(str(path))
        schema_migrations.apply(self.db)
