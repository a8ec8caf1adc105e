"""The daily summary of a channel and the App Home dashboard: what they say, fresh from Ramp.

A summary re-lists the sync-ready transactions from Ramp when it is built (never a figure cached
overnight) and compares them with what the channel's previous summary showed (`summary_log`).
Failures and category uploads are those since that previous summary, or the last 24 hours for a
channel's first one.

The 14-day picture needs history that Ramp does not keep: every refresh here (a summary, the Home
tab) records the ready totals per currency in `ready_snapshots`, and a day's ready amount is the
last snapshot of that local day. Synced amounts are the success results Ramp accepted from this
bot (the sync journal), on the local day Ramp answered; results posted by other tools are not seen.
Plain data out; `templates/summary.json.j2` and `home.json.j2` decide how it looks.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.money import Money, minor_units
from bot.ramp import Connection, RampClient
from bot.services.categories import CategoryCount, count_categories
from bot.services.connection import ConnectionService
from bot.services.schedules import Schedule, ScheduleBook
from bot.services.status import ReadyItem, StatusService, SyncStatus, UploadLine
from bot.services.transactions import PARTLY_CODED, UNCODED, Filters, TransactionList, TransactionService
from bot.store import Store

PICTURE_DAYS = 14
PICTURE_CURRENCIES = 3  # one code block each; more would not read at a glance on a phone
BAR_WIDTH = 8
SNAPSHOT_DAYS = 40  # snapshots older than this are pruned
FAILURE_GROUPS_SHOWN = 5
FIRST_WINDOW = timedelta(hours=24)  # what a channel's first summary looks back over


@dataclass(frozen=True)
class ReadyLine:
    """Ready items in one currency, and the change since the previous summary (None: no previous)."""

    total: Money
    count: int
    change_count: int | None = None
    change_amount: Money | None = None

    @property
    def change(self) -> str:
        """`+2 · +USD 45.50`, `no change`, or '' when there is nothing to compare with."""
        if self.change_count is None or self.change_amount is None:
            return ""
        if not self.change_count and not self.change_amount.amount:
            return "no change"
        sign = "−" if self.change_amount.amount < 0 else "+"
        size = Money(abs(self.change_amount.amount), self.change_amount.currency).format()
        return f"{self.change_count:+d}".replace("-", "−") + f" · {sign}{size}"


@dataclass(frozen=True)
class FailureGroup:
    reason: str
    count: int
    merchants: tuple[str, ...]  # the first few


@dataclass(frozen=True)
class DayBar:
    day: date
    ready: int | None  # minor units; None: no refresh recorded that day
    synced: int


@dataclass(frozen=True)
class Picture:
    """Ready versus synced amounts of one currency over the last days, as text bars."""

    currency: str
    days: tuple[DayBar, ...]

    def rows(self) -> list[str]:
        """`Mon 02 ████···· ▒▒······ 4.6k/1.2k`: one line a day, bars scaled to the largest amount."""
        top = max([d.ready or 0 for d in self.days] + [d.synced for d in self.days]) or 1
        lines = []
        for d in self.days:
            ready = _bar(d.ready, top, "█") if d.ready is not None else " " * BAR_WIDTH
            ready_text = compact(d.ready, self.currency) if d.ready is not None else "–"
            synced = _bar(d.synced, top, "▒")
            lines.append(f"{d.day:%a %d} {ready} {synced} {ready_text}/{compact(d.synced, self.currency)}")
        return lines


def _bar(value: int, top: int, mark: str) -> str:
    cells = 0 if value <= 0 else max(1, round(value / top * BAR_WIDTH))
    return mark * cells + "·" * (BAR_WIDTH - cells)


def compact(minor: int, currency: str) -> str:
    """An amount in few characters for the bars: `45`, `4.6k`, `12k`, `1.2M` (major units)."""
    major = Decimal(minor).scaleb(-minor_units(currency))
    size = abs(major)
    if size >= 1_000_000:
        return f"{major / 1_000_000:.1f}M"
    if size >= 10_000:
        return f"{major / 1_000:.0f}k"
    if size >= 1_000:
        return f"{major / 1_000:.1f}k"
    return f"{major:.0f}"


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

    @property
    def quiet(self) -> bool:
        return not self.ready_count and not self.failure_count and not self.uploads

    @property
    def since_text(self) -> str:
        if self.first:
            return "in the last 24 hours"
        local = self.since.astimezone(ZoneInfo(self.tz))
        return f"since the last summary ({local:%a %d %b %H:%M})"


@dataclass(frozen=True)
class Dashboard:
    """What the App Home tab shows."""

    connection: Connection | None
    since: datetime | None
    counts: list[CategoryCount]
    sync: SyncStatus
    uploads: list[UploadLine]
    schedules: list[Schedule]
    refreshed_at: datetime


class SummaryService:
    def __init__(
        self,
        transactions: TransactionService,
        status: StatusService,
        connection: ConnectionService,
        ramp: RampClient,
        store: Store,
    ) -> None:
        self._transactions = transactions
        self._status = status
        self._connection = connection
        self._ramp = ramp
        self._store = store
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
        first = listing.transactions[0] if listing.transactions else None
        due = schedule.due_at(local_date) if schedule and schedule.state == "active" else None
        return Summary(
            channel_id=channel_id,
            tz=tz,
            built_at=now,
            local_date=local_date,
            list_id=listing.id,
            ready_count=len(listing.transactions),
            lines=lines,
            oldest=ReadyItem(first.id, first.merchant_name or "", first.amount, first.user_transaction_time)
            if first
            else None,
            oldest_days=(now - first.user_transaction_time).days
            if first and first.user_transaction_time
            else 0,
            uncoded=listing.count(UNCODED),
            partly_coded=listing.count(PARTLY_CODED),
            failures=failures,
            failure_count=failure_count,
            uploads=tuple(self._uploads_since(_iso(since))),
            pictures=self._pictures(lines, tz, local_date),
            since=since,
            first=previous is None,
            schedule=schedule,
            late_minutes=int((now - due).total_seconds() // 60)
            if due and now - due > timedelta(minutes=5)
            else 0,
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
        """The ready totals SQLite holds after a complete listing, for the 14-day picture."""
        keep_since = _iso(now - timedelta(days=SNAPSHOT_DAYS))
        self._store.add_ready_snapshot(_iso(now), self._store.ready_totals(), keep_since)

    def _failures_since(self, since: str) -> tuple[tuple[FailureGroup, ...], int]:
        reasons: Counter[str] = Counter()
        ids: dict[str, list[str]] = defaultdict(list)
        for chunk in self._store.chunks_since(since):
            # Strictly after: a chunk stamped in the previous summary's second was in that summary.
            if chunk["state"] != "sent" or chunk["updated"] <= since:
                continue  # refused or unanswered: nothing reached the owner in Ramp
            for item in json.loads(chunk["payload"]).get("failed") or ():
                error = item.get("error")
                reason = (
                    str(error.get("message") or "") if isinstance(error, dict) else ""
                ) or "No reason given"
                reasons[reason] += 1
                ids[reason].append(str(item.get("id", "")))
        rows = self._store.transaction_rows([i for group in ids.values() for i in group[:3]])
        groups = tuple(
            FailureGroup(
                reason,
                count,
                tuple((rows.get(i) or {}).get("merchant_name") or i for i in ids[reason][:3]),
            )
            for reason, count in reasons.most_common(FAILURE_GROUPS_SHOWN)
        )
        return groups, sum(reasons.values())

    def _uploads_since(self, since: str) -> list[UploadLine]:
        return [UploadLine.from_row(row) for row in self._store.uploads_since(since)]

    def _pictures(self, lines: tuple[ReadyLine, ...], tz: str, today: date) -> tuple[Picture, ...]:
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
        currencies = [line.total.currency for line in sorted(lines, key=lambda x: -x.count) if line.count]
        days = [first_day + timedelta(days=n) for n in range(PICTURE_DAYS)]
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

    def dashboard(self, now: datetime) -> Dashboard:
        connection = self._connection.active()
        counts = count_categories(self._ramp) if connection else []
        sync = self._status.sync_status(now)
        self.record_snapshot(now)
        return Dashboard(
            connection=connection,
            since=(connection.last_linked_at or connection.created_at) if connection else None,
            counts=counts,
            sync=sync,
            uploads=self._status.recent_uploads(),
            schedules=self.schedules.listed(),
            refreshed_at=now,
        )


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
