"""The daily summary of a channel and the App Home dashboard: what they say, fresh from Ramp.

A summary re-lists the sync-ready transactions from Ramp when it is built (never a figure cached
overnight) and compares them with what the channel's previous summary showed (`summary_log`).
Failures and category uploads are those since that previous summary, or the last 24 hours for a
channel's first one.

The 14-day picture needs history that Ramp does not keep: every refresh here (a summary, the Home
tab) records the ready totals per currency in `ready_snapshots`, and a day's ready amount is the
last snapshot of that local day. Synced amounts are the success results Ramp accepted from this
bot (the sync journal), on the local day Ramp answered; results posted by other tools are not seen.
Only the days the bot saw (a ready reading or a sync it posted) are in the picture: before the bot
existed there is nothing to draw. Plain data out (numbers, dates, Money);
`templates/summary.json.j2` and bot/render.py decide how the message looks (the worded changes),
bot/chart.py draws the picture as the PNG posted in the summary's thread.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.money import Money
from bot.ramp import Transaction
from bot.services.ready import ReadyOverview, ReadyService
from bot.services.schedules import Schedule, ScheduleBook
from bot.services.status import (
    FAILURE_KINDS,
    FailureGroup,
    ReadyItem,
    UploadLine,
    group_failures,
    record_ready_snapshot,
)
from bot.services.transaction_filters import Filters
from bot.services.transactions import PARTLY_CODED, UNCODED, TransactionList, TransactionService
from bot.store import Store

PICTURE_DAYS = 14
PICTURE_CURRENCIES = 3  # one panel of the chart each; more would not read at a glance on a phone
FIRST_WINDOW = timedelta(hours=24)  # what a channel's first summary looks back over


@dataclass(frozen=True)
class ReadyLine:
    """Ready items in one currency, and the change since the previous summary (None: no previous)."""

    total: Money
    count: int
    change_count: int | None = None
    change_amount: Money | None = None


@dataclass(frozen=True)
class DayBar:
    day: date
    ready: int | None  # minor units; None: no refresh recorded that day
    synced: int


@dataclass(frozen=True)
class Picture:
    """Ready versus synced amounts of one currency on the days the bot saw (bot/chart.py draws
    them as one panel of the summary's chart)."""

    currency: str
    days: tuple[DayBar, ...]


@dataclass(frozen=True)
class Summary:
    channel_id: str
    tz: str
    built_at: datetime
    local_date: date
    list_id: str  # the listing behind the Export CSV button
    ready_count: int
    lines: tuple[ReadyLine, ...]
    oldest: ReadyItem | None
    oldest_days: int
    uncoded: int
    partly_coded: int
    failures: tuple[FailureGroup, ...]
    failure_count: int
    uploads: tuple[UploadLine, ...]
    pictures: tuple[Picture, ...]
    since: datetime  # the previous summary, or 24 hours back
    first: bool  # no previous summary in this channel
    schedule: Schedule | None
    late_minutes: int = 0  # a catch-up after downtime: how late
    others: ReadyOverview | None = None  # reimbursements, bills, bill payments, transfers, cashbacks
    entities: tuple[EntityTotal, ...] = ()  # ready card transactions per entity, when there are several

    @property
    def quiet(self) -> bool:
        waiting = bool(self.others and self.others.waiting)
        return not self.ready_count and not waiting and not self.failure_count and not self.uploads


@dataclass(frozen=True)
class EntityTotal:
    """The ready card transactions of one entity: how many, and their totals per currency."""

    name: str
    count: int
    totals: tuple[Money, ...]


def entity_totals(listing: TransactionList, names: dict[str, str]) -> tuple[EntityTotal, ...]:
    """Per entity, most items first; () when the business has one entity (`names` is then empty)."""
    if not names:
        return ()
    groups: dict[str, list[Transaction]] = defaultdict(list)
    for transaction in listing.transactions:
        groups[names.get(transaction.entity_id or "", "No entity")].append(transaction)
    totals = [
        EntityTotal(name, len(items), TransactionList("", Filters(), tuple(items)).totals)
        for name, items in groups.items()
    ]
    return tuple(sorted(totals, key=lambda t: (-t.count, t.name)))


class SummaryService:
    def __init__(
        self,
        transactions: TransactionService,
        store: Store,
        ready: ReadyService | None = None,
        entity_names: Callable[[], dict[str, str]] = dict,
    ) -> None:
        self._transactions = transactions
        self._store = store
        self._ready = ready
        self._entity_names = entity_names
        self.schedules = ScheduleBook(store)

    # -- the summary -------------------------------------------------------------------------------

    def build(self, channel_id: str, now: datetime, tz: str | None = None) -> Summary:
        """The summary of `channel_id` as of `now`, with sync-ready figures fetched from Ramp now."""
        schedule = self.schedules.get(channel_id)
        tz = tz or (schedule.tz if schedule else "UTC")
        listing = self._transactions.list_sync_ready(Filters())  # remembered: Export CSV uses it
        self.record_snapshot(now)
        previous = self._store.last_summary(channel_id)
        since = datetime.fromisoformat(previous["at"]) if previous else now - FIRST_WINDOW
        before = {k: tuple(v) for k, v in json.loads(previous["totals"]).items()} if previous else None
        lines = _ready_lines(listing, before)
        local_date = now.astimezone(ZoneInfo(tz)).date()
        failures, failure_count = self._failures_since(_iso(since))
        oldest, oldest_days = _oldest_ready(listing, now)
        return Summary(
            channel_id=channel_id,
            tz=tz,
            built_at=now,
            local_date=local_date,
            list_id=listing.id,
            ready_count=len(listing.transactions),
            lines=lines,
            oldest=oldest,
            oldest_days=oldest_days,
            uncoded=listing.count(UNCODED),
            partly_coded=listing.count(PARTLY_CODED),
            failures=failures,
            failure_count=failure_count,
            uploads=tuple(self._uploads_since(_iso(since))),
            pictures=self._pictures(lines, tz, local_date),
            since=since,
            first=previous is None,
            schedule=schedule,
            late_minutes=_late_minutes(schedule, local_date, now),
            others=self._ready.others() if self._ready else None,
            entities=entity_totals(listing, self._entity_names()),
        )

    def record_sent(self, summary: Summary, message_ts: str, trigger: str) -> None:
        """The summary is in the channel: it becomes the baseline of the next one."""
        totals = {
            line.total.currency: [line.count, line.total.amount] for line in summary.lines if line.count
        }
        self._store.add_summary_log(
            {
                "channel_id": summary.channel_id,
                "at": _iso(summary.built_at),
                "trigger": trigger,
                "totals": json.dumps(totals),
                "message_ts": message_ts,
            }
        )

    def record_snapshot(self, now: datetime) -> None:
        record_ready_snapshot(self._store, now)  # kept 40 days: Store.prune

    def _failures_since(self, since: str) -> tuple[tuple[FailureGroup, ...], int]:
        # Strictly after: a failure answered in the previous summary's second was in that summary.
        rows = self._store.reported_failures(since, FAILURE_KINDS, strictly_after=True)
        return group_failures(rows, amounts=False)

    def _uploads_since(self, since: str) -> list[UploadLine]:
        return [UploadLine.from_row(row) for row in self._store.uploads_since(since)]

    def _pictures(self, lines: tuple[ReadyLine, ...], tz: str, today: date) -> tuple[Picture, ...]:
        """Ready versus synced per currency over the last `PICTURE_DAYS`, on the days the bot saw:
        a day with a ready reading or a sync it posted (before the bot existed there is nothing)."""
        zone = ZoneInfo(tz)
        first_day = today - timedelta(days=PICTURE_DAYS - 1)
        start = _iso(datetime.combine(first_day, datetime.min.time(), tzinfo=zone))
        last_snapshot: dict[date, str] = {}
        ready: dict[tuple[date, str, str], int] = defaultdict(int)
        for row in self._store.ready_snapshots(start):
            day = datetime.fromisoformat(row["at"]).astimezone(zone).date()
            last_snapshot[day] = max(last_snapshot.get(day, ""), row["at"])
            ready[(day, row["at"], row["currency"])] += int(row["amount"] or 0)
        synced: dict[tuple[date, str], int] = defaultdict(int)
        for row in self._store.synced_amounts(start):
            day = datetime.fromisoformat(row["at"]).astimezone(zone).date()
            synced[(day, row["currency"])] += int(row["amount"] or 0)
        days = sorted({d for d in last_snapshot if d <= today} | {d for d, _ in synced if d <= today})
        shown = {c for (_, _, c), amount in ready.items() if amount} | {c for _, c in synced}
        ready_now = {line.total.currency: line.count for line in lines}
        currencies = sorted(shown - {""}, key=lambda c: (-ready_now.get(c, 0), c))
        return tuple(
            Picture(
                currency,
                tuple(
                    DayBar(
                        day,
                        ready.get((day, last_snapshot[day], currency), 0) if day in last_snapshot else None,
                        synced.get((day, currency), 0),
                    )
                    for day in days
                ),
            )
            for currency in currencies[:PICTURE_CURRENCIES]
        )

    # -- the App Home tab ----------------------------------------------------------------------------


def _oldest_ready(listing: TransactionList, now: datetime) -> tuple[ReadyItem | None, int]:
    """The listing's oldest transaction (it is in date order) and its age in whole days."""
    first = listing.transactions[0] if listing.transactions else None
    if first is None:
        return None, 0
    item = ReadyItem(first.id, first.merchant_name or "", first.amount, first.user_transaction_time)
    return item, (now - first.user_transaction_time).days if first.user_transaction_time else 0


def _late_minutes(schedule: Schedule | None, local_date: date, now: datetime) -> int:
    """How late a scheduled summary is sent (a catch-up after downtime); 0 within five minutes."""
    due = schedule.due_at(local_date) if schedule and schedule.state == "active" else None
    return int((now - due).total_seconds() // 60) if due and now - due > timedelta(minutes=5) else 0


def _ready_lines(
    listing: TransactionList, before: dict[str, tuple[int, int]] | None
) -> tuple[ReadyLine, ...]:
    counts = Counter(t.amount.currency for t in listing.transactions)
    now = {money.currency: (counts[money.currency], money.amount) for money in listing.totals}
    currencies = sorted(set(now) | set(before or {}))
    lines = []
    for currency in currencies:
        count, amount = now.get(currency, (0, 0))
        if before is None:
            lines.append(ReadyLine(Money(amount, currency), count))
            continue
        old_count, old_amount = before.get(currency, (0, 0))
        lines.append(
            ReadyLine(Money(amount, currency), count, count - old_count, Money(amount - old_amount, currency))
        )
    return tuple(lines)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
