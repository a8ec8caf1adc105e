"""What `/ramp status` shows besides the connection: transactions ready to sync (count and amount per
currency, the oldest), the failures reported to Ramp in the last days grouped by reason (the daily
summary groups its own with `group_failures` too), the last category uploads, and the legal entities
(`GET /entities`, read-only: set up in Ramp's UI).

The ready figures come from a fresh listing (`TransactionService.list_sync_ready`, which also keeps
SQLite current for summaries); failures come from the sync journal, uploads from the upload table.
Plain data out; the template decides how it looks.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from bot.coalesce import Coalesced
from bot.money import Money
from bot.ramp import Connection, Entity, RampError
from bot.services.categories import CategoryCount, CategoryService
from bot.services.connection import ConnectionService
from bot.services.connection_kinds import ConnectionKind
from bot.services.ready import ReadyOverview, ReadyService  # noqa: F401 (ReadyOverview: Overview.others)
from bot.services.schedules import Schedule, ScheduleBook
from bot.services.transaction_filters import Filters
from bot.services.transactions import TransactionService
from bot.store import ConnectionEvent, Store
from bot.syncable_kinds import BY_SYNC_TYPE, KINDS

log = logging.getLogger(__name__)

FAILURE_DAYS = 7
FAILURE_GROUPS_SHOWN = 5  # reasons, most frequent first
FAILURE_NAMES_SHOWN = 3  # named examples of each reason
UPLOADS_SHOWN = 3


@dataclass(frozen=True)
class ReadyItem:
    id: str
    merchant: str
    amount: Money
    when: datetime | None


@dataclass(frozen=True)
class FailureGroup:
    """The failed results the bot posted to Ramp with one reason (Ramp shows it to each object's owner)."""

    reason: str
    count: int
    merchants: tuple[str, ...]  # the first few, as their kind's row names them: merchant, vendor, …
    kinds: tuple[tuple[str, int], ...] = ()  # (the kind's singular word, how many), most first


@dataclass(frozen=True)
class UploadLine:
    name: str
    kind: str
    outcome: str  # running, done, partial, failed
    counts: dict[str, int]
    user_id: str
    at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> UploadLine:
        """From a row of the uploads table."""
        return cls(
            name=row["name"] or "",
            kind=(row["kind"] or "").replace("_", " "),
            outcome=row["outcome"] or "",
            counts={k: v for k, v in json.loads(row["counts"] or "{}").items() if isinstance(v, int)},
            user_id=row["uploaded_by"] or "",
            at=row["finished"] or row["created"] or "",
        )

    @property
    def summary(self) -> str:
        """`120 created, 3 updated, 1 failed` (zeros left out)."""
        words = ("created", "updated", "reactivated", "deactivated", "failed")
        parts = [f"{self.counts[w]:,} {w}" for w in words if self.counts.get(w)]
        return ", ".join(parts) or "nothing changed"


@dataclass(frozen=True)
class SyncStatus:
    ready: int
    totals: tuple[Money, ...]
    oldest: ReadyItem | None
    failures: tuple[FailureGroup, ...]  # by reason, at most FAILURE_GROUPS_SHOWN
    failure_count: int  # every failure reported in the window
    unconfirmed: int  # results journalled in the window that Ramp refused or never answered
    days: int = FAILURE_DAYS


@dataclass(frozen=True)
class Overview:
    """What `/ramp status` and the App Home tab show."""

    connection: Connection | None
    since: datetime | None  # when it was created or last linked
    counts: list[CategoryCount]
    history: list[ConnectionEvent]  # the last change of connection
    sync: SyncStatus
    uploads: list[UploadLine]
    schedules: list[Schedule]
    refreshed_at: datetime
    kind: ConnectionKind | None = None  # registered by the bot, set up in Ramp, or found direct
    entities: tuple[Entity, ...] = ()  # the business's legal entities, primary first (shown when several)
    others: ReadyOverview | None = None  # reimbursements, bills, bill payments, transfers, cashbacks


def record_ready_snapshot(store: Store, now: datetime) -> None:
    """The ready totals SQLite holds after a complete listing: the history of the 14-day picture."""
    store.add_ready_snapshot(now.astimezone(UTC).isoformat(timespec="seconds"), store.ready_totals())


class StatusService:
    def __init__(
        self,
        transactions: TransactionService,
        connection: ConnectionService,
        categories: CategoryService,
        schedules: ScheduleBook,
        store: Store,
        ready: ReadyService | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transactions = transactions
        self._connection = connection
        self._categories = categories
        self._schedules = schedules
        self._store = store
        # Ten people asking at once cost Ramp one listing (each may be dozens of requests).
        self._ready_listing = Coalesced(
            lambda: transactions.list_sync_ready(Filters(), remember=False), clock
        )
        self._others = Coalesced(ready.others, clock) if ready else None

    def overview(self, now: datetime) -> Overview:
        """The connection as Ramp holds it now, its categories, what is ready, the last uploads."""
        connection = self._connection.active()
        sync = self.sync_status(now)
        record_ready_snapshot(self._store, now)
        return Overview(
            connection=connection,
            since=(connection.last_linked_at or connection.created_at) if connection else None,
            kind=self._connection.kind(connection) if connection else None,
            counts=self._categories.counts() if connection else [],
            history=self._connection.history(1),
            sync=sync,
            uploads=self.recent_uploads(),
            schedules=self._schedules.listed(),
            refreshed_at=now,
            entities=self.entities(),
            others=self._others() if self._others else None,
        )

    def entities(self) -> tuple[Entity, ...]:
        """The legal entities, primary first; none when Ramp will not say (status shows the rest)."""
        try:
            found = self._connection.entities()
        except RampError as error:  # e.g. an app without entities:read: status goes on without them
            log.warning("could not list entities: %s", error)
            return ()
        return tuple(sorted(found, key=lambda e: (not e.is_primary, (e.entity_name or "").casefold())))

    def sync_status(self, now: datetime | None = None) -> SyncStatus:
        """Ready transactions as Ramp holds them now, and the last days' reported failures."""
        listing = self._ready_listing()
        first = listing.transactions[0] if listing.transactions else None
        oldest = (
            ReadyItem(first.id, first.merchant_name or "", first.amount, first.user_transaction_time)
            if first
            else None
        )
        since = ((now or datetime.now(UTC)) - timedelta(days=FAILURE_DAYS)).isoformat(timespec="seconds")
        rows = self._store.reported_failures(since, FAILURE_KINDS)
        failures, failure_count = group_failures(rows, amounts=True)
        return SyncStatus(
            ready=len(listing.transactions),
            totals=listing.totals,
            oldest=oldest,
            failures=failures,
            failure_count=failure_count,
            unconfirmed=self._store.unconfirmed_results(since),
        )

    def recent_uploads(self, limit: int = UPLOADS_SHOWN) -> list[UploadLine]:
        return [UploadLine.from_row(row) for row in self._store.recent_uploads(limit)]


# Where the sync journal finds each sync_type's objects (`Store.reported_failures`).
FAILURE_KINDS: Final = {row.sync_type: row.key for row in KINDS}


def failure_name(row: Mapping[str, Any], amount: bool = True) -> str:
    """A failed result's object as its kind's row names it (templates/objects.json.j2): the
    merchant, vendor or what it pays, else the kind's word, then the amount; "" if never listed."""
    if row["currency"] is None:
        return ""
    of = BY_SYNC_TYPE.get(row["sync_type"])
    word = of.singular[:1].upper() + of.singular[1:] if of else ""
    name = row["name"] or word
    return f"{name} · {Money(int(row['amount'] or 0), row['currency'])}" if amount else name


def group_failures(
    rows: Iterable[Mapping[str, Any]], *, amounts: bool, shown: int = FAILURE_GROUPS_SHOWN
) -> tuple[tuple[FailureGroup, ...], int]:
    """Failed results (`Store.reported_failures`, newest first) by reason, the most frequent first
    (ties: the latest first), each with its kinds and its first few objects named (with their
    amounts, or not: `failure_name`); and how many there were in all."""
    reasons: Counter[str] = Counter()
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    names: dict[str, dict[str, None]] = defaultdict(dict)  # ordered and without repeats
    for row in rows:
        reason = row["message"] or "No reason given"
        reasons[reason] += 1
        of = BY_SYNC_TYPE.get(row["sync_type"])
        kinds[reason][of.singular if of else "item"] += 1
        names[reason].setdefault(failure_name(row, amounts) or row["transaction_id"])
    groups = tuple(
        FailureGroup(
            reason, count, tuple(names[reason])[:FAILURE_NAMES_SHOWN], tuple(kinds[reason].most_common())
        )
        for reason, count in reasons.most_common(shown)
    )
    return groups, sum(reasons.values())
