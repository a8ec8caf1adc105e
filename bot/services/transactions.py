"""Sync-ready transactions: fetched fast, kept in SQLite, totalled per currency, exported as CSV.

`list_sync_ready` asks Ramp for `sync_status=SYNC_READY` (the filter the spec prefers: it overrides
`sync_ready` and `has_no_sync_commits`). One keyset cursor needs a round trip per 100 items, so the
date range is cut into slices paginated concurrently; every request still goes through the client's
one rate limiter, so a burst waits for room instead of drawing 429s. The first slice is open at the
start and the last open at the end when the user gave no bound, so nothing falls outside; a
transaction on a slice boundary comes back twice and is de-duplicated by id.

Where the time goes (5,000 ready at 250 ms latency): round trips, then parsing ~13 MB of JSON, then
SQLite. So the slices are sized from what the last listing left in SQLite (about
`ITEMS_PER_SLICE` each, at most `MAX_SLICES`, the client's connection pool), and with no `since:`
the oldest stored ready transaction places the boundaries. Only a first listing asks Ramp for its
oldest ready transaction (one request ordered by date) before slicing. A stale hint costs balance,
never completeness: the open first and last slices catch whatever lies outside it (and Ramp has no
lookback limit, so a fixed "last 90 days" would hide old ready items).

`min:`/`max:` go to Ramp as `min_amount`/`max_amount`, which Ramp reads in USD major units
(shared/reference/ramp-api.md section 5); `merchant:` is matched locally (Ramp only filters by id).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from bot.money import Money
from bot.ramp import LineItem, NotFound, RampClient, Selection, Transaction
from bot.services.sync_objects import RowsMadeEarly, resolve_entity
from bot.services.transaction_filters import Filters
from bot.store import Store, utc_now

MAX_SLICES = 32  # the Ramp client pools 32 connections (bot/ramp/session.py); 32 x 2 pages = 6,400
MIN_SLICES = 4
FIRST_SLICES = MAX_SLICES  # nothing stored yet to size the slices from: assume a long list
ITEMS_PER_SLICE = 150  # two pages of 100 with room for an uneven spread
PAGE_SIZE = 20  # transactions per Slack message: 2 blocks each, within Slack's 50 blocks

CODED, PARTLY_CODED, UNCODED = "coded", "partly coded", "uncoded"

# Friendly names of Ramp's selection types; a custom field shows its own name instead.
SELECTION_LABELS = {
    "GL_ACCOUNT": "GL account",
    "MERCHANT": "Vendor",
    "SUBSIDIARY": "Subsidiary",
    "EXPENSE_ENTITY": "Entity",
}


def coding_status(transaction: Transaction) -> str:
    """Coded: a GL account on the transaction, or on every line item. Uncoded: no coding at all."""
    if _has_gl(transaction.selections):
        return CODED
    lines = transaction.line_items
    if lines and all(_has_gl(line.selections) for line in lines):
        return CODED
    if transaction.selections or any(line.selections for line in lines):
        return PARTLY_CODED
    return UNCODED


def _has_gl(selections: Iterable[Selection]) -> bool:
    return any(s.type == "GL_ACCOUNT" for s in selections)


def selection_label(selection: Selection) -> str:
    """`GL account: 6010 Travel: Airfare`, `Department: Engineering`."""
    field_name = SELECTION_LABELS.get(selection.type or "") or selection.field_name or "Field"
    code = selection.external_code or selection.external_id or ""
    name = selection.name or ""
    value = f"{code} {name}" if code and code != name else (name or code)
    return f"{field_name}: {value.strip()}"


@dataclass(frozen=True)
class TransactionList:
    """One listing as shown to someone: its filters, the transactions in date order, totals."""

    id: str
    filters: Filters
    transactions: tuple[Transaction, ...]
    fetched: bool = True  # False when rebuilt from SQLite for a later page or an export
    totals: tuple[Money, ...] = field(init=False)

    def __post_init__(self) -> None:
        sums: dict[str, Money] = {}
        for transaction in self.transactions:
            amount = transaction.amount
            sums[amount.currency] = sums.get(amount.currency, Money.zero(amount.currency)) + amount
        object.__setattr__(self, "totals", tuple(sums[c] for c in sorted(sums)))

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.transactions) // PAGE_SIZE))

    def page(self, number: int) -> tuple[Transaction, ...]:
        number = min(max(number, 1), self.pages)
        return self.transactions[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]

    def count(self, status: str) -> int:
        return sum(1 for t in self.transactions if coding_status(t) == status)

    # For templates: the same rules, callable from Jinja.
    coding = staticmethod(coding_status)

    @staticmethod
    def labels(selections: Iterable[Selection]) -> list[str]:
        return [selection_label(s) for s in selections]


# -- fetching ------------------------------------------------------------------------------------


def list_sync_ready(
    ramp: RampClient,
    store: Store,
    since: date | None = None,
    until: date | None = None,
    min: Decimal | None = None,  # noqa: A002  (the user's own word for it)
    max: Decimal | None = None,  # noqa: A002
    merchant: str | None = None,
    entity: str | None = None,
    *,
    slices: int | None = None,
    now: datetime | None = None,
    remember: bool = True,
) -> TransactionList:
    """Every SYNC_READY transaction in the range, fetched in concurrent slices, stored, listed."""
    filters = Filters(since, until, min, max, merchant, entity)
    # `amounts`: the query parameters every slice carries besides its dates.
    amounts: dict[str, Any] = {"min_amount": min, "max_amount": max}
    if entity:
        amounts["entity_id"] = resolve_entity(ramp, entity)
    start = datetime.combine(since, time.min, UTC) if since else None
    end = datetime.combine(until, time.max, UTC) if until else None
    stored = store.ready_span(_iso(start), _iso(end) or "9999")
    if start is None and stored is not None:
        start = datetime.fromisoformat(stored[1])
    elif start is None:
        oldest = next(
            ramp.iter_transactions(sync_status="SYNC_READY", order_by_date_asc=True, **amounts), None
        )
        if oldest is None:
            return _keep(store, filters, [], remember=remember)
        start = oldest.user_transaction_time
    if slices is None:
        slices = FIRST_SLICES if stored is None else _slices_for(stored[0])
    bounds = _slice_bounds(start, end or now or datetime.now(UTC), slices)
    open_start, open_end = since is None, until is None
    fetched_at = utc_now()
    early = RowsMadeEarly(lambda t: _row(t, fetched_at))
    found = _fetch_slices(ramp, bounds, amounts, early, open_start=open_start, open_end=open_end)
    if not filters.narrowing:
        _retire_missing(store, list(found), None if open_start else start, None if open_end else end)
    chosen = [t for t in found.values() if _merchant_matches(t, merchant)]
    return _keep(store, filters, chosen, every=list(found.values()), early=early, remember=remember)


def _fetch_slices(
    ramp: RampClient,
    bounds: list[datetime],
    amounts: dict[str, Any],
    early: RowsMadeEarly,
    *,
    open_start: bool,
    open_end: bool,
) -> dict[str, Transaction]:
    """Each slice between `bounds` paginated on its own thread, the first (last) one left open at the
    start (end) when the user gave no bound; keyed by id, so one on a boundary is kept once. Each
    slice's rows for SQLite are made in its own thread (`early`), overlapping the other slices' waits."""

    def fetch(index: int) -> list[Transaction]:
        low, high = bounds[index], bounds[index + 1]
        params: dict[str, Any] = {"sync_status": "SYNC_READY", **amounts}
        if index > 0 or not open_start:
            params["from_date"] = low
        if index < len(bounds) - 2 or not open_end:
            params["to_date"] = high
        part = list(ramp.iter_transactions(**params))
        early.add(part)
        return part

    with ThreadPoolExecutor(max_workers=len(bounds) - 1, thread_name_prefix="ramp-slice") as pool:
        return {t.id: t for part in pool.map(fetch, range(len(bounds) - 1)) for t in part}


def _slices_for(expected: int) -> int:
    return max(MIN_SLICES, min(MAX_SLICES, -(-expected // ITEMS_PER_SLICE)))


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _slice_bounds(start: datetime | None, end: datetime, slices: int) -> list[datetime]:
    if start is None or start >= end:
        return [end, end]
    step = (end - start) / slices
    return [start + step * i for i in range(slices)] + [end]


def _merchant_matches(transaction: Transaction, merchant: str | None) -> bool:
    return not merchant or merchant.casefold() in (transaction.merchant_name or "").casefold()


def _retire_missing(store: Store, seen: list[str], start: datetime | None, end: datetime | None) -> None:
    low = start.isoformat() if start else ""
    high = end.isoformat() if end else "9999"
    store.retire_ready_transactions(seen, low, high)


def _keep(
    store: Store,
    filters: Filters,
    chosen: list[Transaction],
    every: list[Transaction] | None = None,
    *,
    early: RowsMadeEarly | None = None,
    remember: bool = True,
) -> TransactionList:
    """Store what was fetched (`early`: the rows made while reading); `remember` keeps the listing
    itself too, for its pages and export."""
    ordered = sorted(
        chosen, key=lambda t: (t.user_transaction_time or datetime.max.replace(tzinfo=UTC), t.id)
    )
    fetched_at = utc_now()
    early = early or RowsMadeEarly(lambda t: _row(t, fetched_at))
    store.save_transactions(early.rows(every if every is not None else chosen))
    listing = TransactionList(uuid.uuid4().hex[:16], filters, tuple(ordered))
    if remember:
        store.save_transaction_list(listing.id, filters.to_json(), [t.id for t in ordered])
    return listing


def load_list(store: Store, list_id: str) -> TransactionList | None:
    """A listing shown earlier, rebuilt from SQLite (for its other pages and its export)."""
    saved = store.transaction_list(list_id)
    if saved is None:
        return None
    filters_json, ids = saved
    rows = store.transaction_rows(ids)
    transactions = tuple(load_transaction(rows[i]["data"]) for i in ids if i in rows)
    return TransactionList(list_id, Filters.from_json(filters_json), transactions, fetched=False)


# -- SQLite rows ---------------------------------------------------------------------------------


def _row(transaction: Transaction, fetched_at: str) -> dict[str, Any]:
    when = transaction.user_transaction_time
    return {
        "id": transaction.id,
        "fetched_at": fetched_at,
        "user_transaction_time": when.isoformat() if when else "",
        "merchant_name": transaction.merchant_name or "",
        "amount": transaction.amount.amount,
        "currency": transaction.amount.currency,
        "sync_status": transaction.sync_status or "",
        "coding": coding_status(transaction),
        "data": dump_transaction(transaction),
    }


def dump_transaction(transaction: Transaction) -> str:
    def money(value: Money) -> list[Any]:
        return [value.amount, value.currency]

    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return json.dumps(
        {
            **{k: getattr(transaction, k) for k in ("id", "merchant_name", "card_holder_name", "state")},
            **{k: getattr(transaction, k) for k in ("sync_status", "memo", "entity_id")},
            "user_transaction_time": when(transaction.user_transaction_time),
            "accounting_date": when(transaction.accounting_date),
            "amount": money(transaction.amount),
            "original_amount": money(transaction.original_amount),
            "selections": _selections(transaction),
            "line_items": [
                {"amount": money(li.amount), "memo": li.memo, "selections": _selections(li)}
                for li in transaction.line_items
            ],
        }
    )


_SELECTION_FIELDS = tuple(f.name for f in fields(Selection))


def _selections(coded: Transaction | LineItem) -> list[dict[str, Any]]:
    # Not dataclasses.asdict: its deep copies made storing 5,000 transactions take ~1 s.
    return [{name: getattr(s, name) for name in _SELECTION_FIELDS} for s in coded.selections]


def load_transaction(text: str) -> Transaction:
    data = json.loads(text)

    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return Transaction(
        **{k: data[k] for k in ("id", "merchant_name", "card_holder_name", "state")},
        **{k: data[k] for k in ("sync_status", "memo", "entity_id")},
        user_transaction_time=when(data["user_transaction_time"]),
        accounting_date=when(data["accounting_date"]),
        amount=Money(*data["amount"]),
        original_amount=Money(*data["original_amount"]),
        selections=tuple(Selection(**s) for s in data["selections"]),
        line_items=tuple(
            LineItem(Money(*li["amount"]), li["memo"], tuple(Selection(**s) for s in li["selections"]))
            for li in data["line_items"]
        ),
    )


class TransactionService:
    """The transaction use cases with their Ramp client and store, for `Services`."""

    def __init__(self, ramp: RampClient, store: Store) -> None:
        self._ramp = ramp
        self._store = store

    def list_sync_ready(self, filters: Filters, *, remember: bool = True) -> TransactionList:
        return list_sync_ready(
            self._ramp,
            self._store,
            filters.since,
            filters.until,
            filters.min,
            filters.max,
            filters.merchant,
            filters.entity,
            remember=remember,
        )

    def load(self, list_id: str) -> TransactionList | None:
        return load_list(self._store, list_id)

    def stored(self, transaction_id: str) -> Transaction | None:
        """The transaction as last fetched, if the bot has seen it."""
        row = self._store.transaction_rows([transaction_id]).get(transaction_id)
        return load_transaction(row["data"]) if row else None

    def not_ready_reason(self, transaction_id: str) -> str | None:
        """Why Ramp would refuse a result for this transaction now, or None when it is ready."""
        try:
            current = self._ramp.get_transaction(transaction_id)
        except NotFound:
            return "Ramp has no transaction with this id"
        if current.sync_status == "SYNC_READY":
            return None
        self._store.set_transaction_status([transaction_id], current.sync_status or "")
        if current.sync_status == "SYNCED":
            return "it is already synced"
        return "it is not ready to sync (not coded, or not yet cleared)"
