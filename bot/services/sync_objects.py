"""What is ready to sync, for every kind of object: listed, kept in SQLite, totalled per currency.

A kind's row (bot/syncable_kinds.py) says which queries make up "ready" (bill payments need two,
reimbursements one per direction); they are paginated concurrently and united by id. The filters a
user types are the kind's own (`vendor:`, `due:` for bills, `employee:` for reimbursements …): dates
and the entity go to Ramp as its query parameters, a piece of a name is matched here, since Ramp
filters vendors and employees by id only.

Card transactions keep their own, sliced listing (bot/services/transactions.py); `ReadyService`
asks it for them, so `/ramp ready` covers all six kinds.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from bot.errors import UserError
from bot.money import Money
from bot.ramp import Forbidden, NotFound, RampClient, RampError, SyncObject
from bot.ramp.session import PAGE_SIZE as RAMP_PAGE_SIZE
from bot.services.transaction_filters import FilterError
from bot.store import Store, utc_now
from bot.syncable_kinds import TRANSACTIONS, SyncableKind, kind

ENTITY_NAMES_TTL_S = 600.0
PAGE_SIZE = 20  # rows per Slack message: 2 blocks each, within Slack's 50 blocks


@dataclass(frozen=True)
class ObjectFilters:
    """The `word:value` filters typed for one kind, checked against that kind's row."""

    kind: str
    values: tuple[tuple[str, str], ...] = ()

    def get(self, word: str) -> str | None:
        return dict(self.values).get(word)

    def describe(self) -> str:
        return ", ".join(f"{word} {value}" for word, value in self.values) or "no filters"

    def to_json(self) -> str:
        return json.dumps(dict(self.values))

    @classmethod
    def from_json(cls, kind_key: str, text: str) -> ObjectFilters:
        return parse_object_filters(kind(kind_key), json.loads(text))


PLACEHOLDERS = {"from": "DATE", "to": "DATE", "param": "NAME", "contains": "TEXT"}  # as /ramp transactions


def syntax(row: SyncableKind) -> str:
    """`/ramp bills [since:DATE] [until:DATE] [entity:NAME] [due:DATE] [vendor:TEXT]`."""
    words = " ".join(f"[{f.word}:{PLACEHOLDERS[f.op]}]" for f in row.filters)
    return f"/ramp {row.command} {words}"


def parse_object_filters(row: SyncableKind, options: Mapping[str, str]) -> ObjectFilters:
    """`{"since": "2025-01-01", "vendor": "acme"}` for this kind; a word it lacks raises FilterError."""
    known = {f.word: f for f in row.filters}
    values = []
    for word, value in options.items():
        spec = known.get(word)
        if spec is None:
            words = ", ".join(f"`{w}:`" for w in known)
            raise FilterError(f"`/ramp {row.command}` has no `{word}:` filter.", f"It takes {words}.")
        if spec.op in ("from", "to"):
            try:
                date.fromisoformat(value)
            except ValueError:
                raise FilterError(
                    f"`{word}:{value}` is not a day.", f"Write it as `{word}:2025-01-31`."
                ) from None
        if not value.strip():
            raise FilterError(f"`{word}:` needs a value.", f"For example `{word}:{spec.help}`.")
        values.append((word, value.strip()))
    return ObjectFilters(row.key, tuple(values))


@dataclass(frozen=True)
class ObjectList:
    """One listing of one kind as shown to someone: its filters, the items in date order, totals."""

    id: str
    kind: SyncableKind
    filters: ObjectFilters
    items: tuple[SyncObject, ...]
    totals: tuple[Money, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "totals", totals_of(self.items))

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.items) // PAGE_SIZE))

    def page(self, number: int) -> tuple[SyncObject, ...]:
        number = min(max(number, 1), self.pages)
        return self.items[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]


@dataclass(frozen=True)
class Waiting:
    """What of a listing still waits once the items a result was posted for are taken out: the
    header a list shows, redrawn after Mark synced or Report failure (Ramp takes those out too)."""

    count: int
    totals: tuple[Money, ...]
    posted: int


def waiting(items: Iterable[Any], posted: Mapping[str, str]) -> Waiting:
    """`items`: anything with `id` and `amount` (a SyncObject, a Transaction); `posted`: their
    `marks`, asked for these items only."""
    left = [item for item in items if item.id not in posted]
    return Waiting(len(left), totals_of(left), len(posted))


def totals_of(items: Iterable[Any]) -> tuple[Money, ...]:
    sums: dict[str, Money] = {}
    for item in items:
        amount = item.amount
        sums[amount.currency] = sums.get(amount.currency, Money.zero(amount.currency)) + amount
    return tuple(sums[c] for c in sorted(sums))


class NotEnabled(UserError):
    """The Ramp app lacks the kind's read scope: that kind is off, the others work."""

    def __init__(self, row: SyncableKind) -> None:
        super().__init__(
            f"{row.title} are not enabled: the Ramp app has no `{row.scope}` scope.",
            f"Add the `{row.scope}` scope to the Ramp app (Ramp > Settings > Developer API), "
            "then restart the bot.",
        )
        self.short = f"not enabled — add the `{row.scope}` scope to the Ramp app, then restart the bot"
        self.kind = row


MAX_SLICES = 32  # the Ramp client pools 32 connections (bot/ramp/session.py)
MIN_SLICES = 4
ITEMS_PER_SLICE = 150  # two pages of 100 with room for an uneven spread


@dataclass(frozen=True)
class Hint:
    """What the last listing of a kind left in SQLite: how many were ready, and the oldest's date."""

    count: int
    oldest: datetime | None


def fetch_ready(
    ramp: RampClient,
    row: SyncableKind,
    params: Mapping[str, Any] | None = None,
    *,
    hint: Hint | None = None,
    now: datetime | None = None,
    slices: int = MAX_SLICES,
    on_part: Callable[[list[SyncObject]], None] | None = None,
) -> list[SyncObject]:
    """Every ready item of the kind, oldest first: its queries run side by side, united by id.

    A query that fits one page costs one request. A longer one is cut into date slices paginated
    concurrently (as card transactions are: bot/services/transactions.py), the first open at the
    start and the last at the end, so nothing falls outside; an item on a boundary comes back twice
    and is kept once. `hint` (the last listing) sizes the slices and places the first boundary, and
    when it held more than a page, the slices start at once, without the one-page request; `slices`
    caps them (several kinds listed at once share Ramp's window and the client's pool).
    `on_part` is given each part as it arrives, in the thread that read it, so work on the items
    overlaps the wait for the other parts."""
    if row.scope in ramp.missing_scopes:
        raise NotEnabled(row)
    queries = [{**query, **(params or {})} for query in row.ready_queries]
    budget = max(1, slices // len(queries))

    def fetch(query: Mapping[str, Any]) -> list[SyncObject]:
        return _fetch_query(ramp, row, query, budget, hint, now or datetime.now(UTC), on_part or _ignore)

    try:
        if len(queries) == 1:
            parts = [fetch(queries[0])]
        else:
            with ThreadPoolExecutor(max_workers=len(queries), thread_name_prefix="ramp-ready") as pool:
                parts = list(pool.map(fetch, queries))
    except Forbidden as error:
        if error.required_scope == row.scope:
            raise NotEnabled(row) from None
        raise
    found = {item.id: item for part in parts for item in part}
    return sorted(found.values(), key=_oldest_first)


def _fetch_query(
    ramp: RampClient,
    row: SyncableKind,
    query: Mapping[str, Any],
    budget: int,
    hint: Hint | None,
    now: datetime,
    on_part: Callable[[list[SyncObject]], None],
) -> list[SyncObject]:
    def part(items: list[SyncObject]) -> list[SyncObject]:
        on_part(items)
        return items

    since, until = _date_params(row)
    first: list[SyncObject] = []
    if since and until and hint and hint.oldest and hint.count > RAMP_PAGE_SIZE:
        # The last listing took several pages: slice at once, saving the first page's round trip. The
        # first slice is open at the start, so what became ready since, older still, is not missed.
        low: datetime | None = query.get(since) or hint.oldest
    else:
        first, more = ramp.first_objects(row, **query)
        if not more or not since or not until:
            return part(first) if not more else part(list(ramp.iter_objects(row, **query)))
        low = query.get(since) or min(
            [i.when for i in first if i.when] + ([hint.oldest] if hint and hint.oldest else []), default=None
        )
    high = query.get(until) or now
    expected = hint.count if hint else budget * ITEMS_PER_SLICE
    slices = max(min(MIN_SLICES, budget), min(budget, -(-expected // ITEMS_PER_SLICE)))
    if low is None or low >= high:
        return part(list(ramp.iter_objects(row, **query)))
    step = (high - low) / slices
    bounds = [low + step * i for i in range(slices)] + [high]

    def fetch(index: int) -> list[SyncObject]:
        bounded = dict(query)
        if index > 0 or since in query:
            bounded[since] = bounds[index]
        if index < slices - 1 or until in query:
            bounded[until] = bounds[index + 1]
        return part(list(ramp.iter_objects(row, **bounded)))

    part(first)
    with ThreadPoolExecutor(max_workers=slices, thread_name_prefix="ramp-slice") as pool:
        return first + [item for found in pool.map(fetch, range(slices)) for item in found]


def _date_params(row: SyncableKind) -> tuple[str, str]:
    """The query parameters bounding the date the kind's items are listed by (`when`)."""
    since = next((f.param for f in row.filters if f.word == "since"), "")
    until = next((f.param for f in row.filters if f.word == "until"), "")
    return since, until


def _ignore(items: list[SyncObject]) -> None:
    pass


class RowsMadeEarly:
    """Rows for SQLite made in the threads that read their items, while other reads are still on their
    way (both listings: this one and bot/services/transactions.py). An item on a slice boundary
    comes twice; `rows` gives the row made from the copy that was kept."""

    def __init__(self, make: Callable[[Any], dict[str, Any]]) -> None:
        self._make = make
        self._made: dict[str, tuple[Any, dict[str, Any]]] = {}

    def add(self, items: Iterable[Any]) -> None:
        self._made.update((item.id, (item, self._make(item))) for item in items)

    def rows(self, items: Iterable[Any]) -> list[dict[str, Any]]:
        return [
            made[1] if (made := self._made.get(item.id)) and made[0] is item else self._make(item)
            for item in items
        ]


def _oldest_first(item: SyncObject) -> tuple[datetime, str]:
    return (item.when or datetime.max.replace(tzinfo=UTC), item.id)


class SyncObjectService:
    """Listing, paging and re-reading the other syncable objects, for `Services`."""

    def __init__(self, ramp: RampClient, store: Store) -> None:
        self._ramp = ramp
        self._store = store
        self._entities_lock = threading.Lock()
        self._entities: tuple[float | None, dict[str, str]] = (None, {})

    def list_ready(self, filters: ObjectFilters, *, slices: int = MAX_SLICES) -> ObjectList:
        """The kind's ready items with the filters, kept in SQLite with the listing itself (for its
        pages, its export and the next listing's slices)."""
        row = kind(filters.kind)
        params, local = self._split(row, filters)
        fetched_at = utc_now()
        early = RowsMadeEarly(lambda item: _row(item, fetched_at))

        def keep(part: list[SyncObject]) -> None:
            early.add(i for i in part if _matches(i, local))

        found = fetch_ready(self._ramp, row, params, hint=self._store_hint(row), slices=slices, on_part=keep)
        items = [i for i in found if _matches(i, local)]
        if row.key != TRANSACTIONS:
            self._store.save_objects(early.rows(items))
        listing = ObjectList(uuid.uuid4().hex[:16], row, filters, tuple(items))
        self._store.save_object_list(listing.id, row.key, filters.to_json(), [i.id for i in items])
        return listing

    def entity_names(self) -> dict[str, str]:
        """As `entity_names`, read at most every ENTITY_NAMES_TTL_S: entities are set up in Ramp's UI
        and rarely change, and every list page shows them."""
        with self._entities_lock:
            at, names = self._entities
            if at is None or time.monotonic() - at > ENTITY_NAMES_TTL_S:
                names = entity_names(self._ramp)
                self._entities = (time.monotonic(), names)
            return names

    def _store_hint(self, row: SyncableKind) -> Hint | None:
        count, oldest = self._store.object_span(row.key)
        return Hint(count, datetime.fromisoformat(oldest) if oldest else None) if count else None

    def load(self, list_id: str) -> ObjectList | None:
        saved = self._store.object_list(list_id)
        if saved is None:
            return None
        kind_key, filters_json, ids = saved
        rows = self._store.object_rows(kind_key, ids)
        items = tuple(SyncObject.from_json(json.loads(rows[i]["data"])) for i in ids if i in rows)
        return ObjectList(list_id, kind(kind_key), ObjectFilters.from_json(kind_key, filters_json), items)

    def marks(self, kind_key: str, ids: Iterable[str]) -> dict[str, str]:
        """What was posted for these items of the kind `kind_key`, as their rows show it: `✅ synced
        as ERP-1`. Only that kind's: a bill synced is not its payment synced (they share an id)."""
        posted = self._store.posted_results(kind(kind_key).sync_type, list(ids))
        return {
            object_id: f":white_check_mark: synced as {row['reference_id']}"
            if row["outcome"] == "synced"
            else f":warning: failed: {row['message']}"
            for object_id, row in posted.items()
        }

    def stored(self, kind_key: str, object_id: str) -> SyncObject | None:
        row = self._store.object_rows(kind_key, [object_id]).get(object_id)
        return SyncObject.from_json(json.loads(row["data"])) if row else None

    def not_ready_reason(self, kind_key: str, object_id: str) -> str | None:
        """Why Ramp would refuse a result for this item now, or None when it is still ready."""
        row = kind(kind_key)
        try:
            current = self._ramp.get_object(row, object_id)
        except NotFound:
            return f"Ramp has no {row.singular} with this id"
        except RampError:
            return None  # let the post itself say what Ramp thinks
        self._save([current])
        status = current.sync_status or ""
        if status in (row.synced_status, "BILL_AND_PAYMENT_SYNCED"):
            return "it is already synced"
        if status == "NOT_SYNC_READY":
            return "it is not ready to sync (not coded, or not yet approved)"
        return None

    def _split(
        self, row: SyncableKind, filters: ObjectFilters
    ) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
        params: dict[str, Any] = {}
        local: dict[str, tuple[str, str]] = {}
        for spec in row.filters:
            value = filters.get(spec.word)
            if value is None:
                continue
            if spec.op == "contains":
                local[spec.word] = (spec.attribute, value)
            elif spec.word == "entity":
                params[spec.param] = resolve_entity(self._ramp, value)
            elif spec.op == "from":
                params[spec.param] = datetime.fromisoformat(value).replace(tzinfo=UTC)
            elif spec.op == "to":
                params[spec.param] = datetime.fromisoformat(value + "T23:59:59.999999").replace(tzinfo=UTC)
            else:
                params[spec.param] = value
        return params, local

    def _save(self, items: list[SyncObject]) -> None:
        fetched_at = utc_now()
        self._store.save_objects([_row(i, fetched_at) for i in items if i.kind != TRANSACTIONS])


def entity_names(ramp: RampClient) -> dict[str, str]:
    """{entity id: name} when the business has several entities (rows then name theirs); {} when it
    has one, or the app may not read them (`entities:read` is optional)."""
    if "entities:read" in ramp.missing_scopes:
        return {}
    try:
        found = {e.id: e.entity_name or e.id for e in ramp.iter_entities()}
    except Forbidden:
        return {}
    return found if len(found) > 1 else {}


def resolve_entity(ramp: RampClient, name_or_id: str) -> str:
    """An entity's id from its name (any case) or id; FilterError when Ramp has none such."""
    try:
        entities = list(ramp.iter_entities())
    except Forbidden:
        raise FilterError(
            "`entity:` needs the `entities:read` scope, which the Ramp app does not have.",
            "Add it in Ramp > Settings > Developer API, or list without `entity:`.",
        ) from None
    wanted = name_or_id.casefold()
    for entity in entities:
        if wanted in (entity.id.casefold(), (entity.entity_name or "").casefold()):
            return entity.id
    names = ", ".join(e.entity_name or e.id for e in entities) or "none"
    raise FilterError(f"Ramp has no entity named `{name_or_id}`.", f"Its entities: {names}.")


def _matches(item: SyncObject, local: Mapping[str, tuple[str, str]]) -> bool:
    return all(value.casefold() in (getattr(item, attr) or "").casefold() for attr, value in local.values())


def _row(item: SyncObject, fetched_at: str) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "id": item.id,
        "fetched_at": fetched_at,
        "at": item.when.isoformat() if item.when else "",
        "amount": item.amount.amount,
        "currency": item.amount.currency,
        "sync_status": item.sync_status or "",
        "data": json.dumps(item.to_json()),
    }
