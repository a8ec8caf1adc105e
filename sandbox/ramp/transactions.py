"""Card transactions, their filters, and sync results posted back by the ERP side.

Rules from Ramp's spec and guides:
- `sync_status`, when given, overrides `sync_ready` and `has_no_sync_commits`;
- `from_date`/`to_date` compare against `user_transaction_time`; `min_amount`/`max_amount` are USD
  major units (non-USD transactions are converted at fixed sandbox rates);
- DECLINED transactions are left out unless `state` is ALL or DECLINED; one `order_by_*` at most;
- `POST /accounting/syncs` needs `idempotency_key` and `sync_type`; each list holds 1..5000 items
  when present, 5000 in total; unknown or not-ready ids reject the whole call; the same key again
  answers the first `sync_id` and writes nothing.
assumption: both successful and failed results count as a commit for `has_no_sync_commits`; the
spec says only "has never been synced". So a transaction reported failed leaves `has_no_sync_commits=
true` lists; the bot lists ready items with `sync_status=SYNC_READY`, which does not depend on it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from sandbox.ramp.errors import ApiError, invalid
from sandbox.ramp.generate import USD_PER_UNIT
from sandbox.ramp.pagination import Query, parse_datetime

# The spec's `Transaction.sync_status` and `.state` enums, for what the test API posts (`normalize`);
# the list's filters are checked against the spec's own parameters by validation.py.
SYNC_STATUSES = ("NOT_SYNC_READY", "SYNC_READY", "SYNCED")
STATES = ("ALL", "CLEARED", "COMPLETION", "DECLINED", "ERROR", "PENDING", "PENDING_INITIATION")
ORDERINGS = ("order_by_date_asc", "order_by_date_desc", "order_by_amount_asc", "order_by_amount_desc")
MAX_SYNC_ITEMS = 5000
PLAIN_FILTERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "entity_id": lambda t: t.get("entity_id"),
    "merchant_id": lambda t: t.get("merchant_id"),
    "card_id": lambda t: t.get("card_id"),
    "user_id": lambda t: (t.get("card_holder") or {}).get("user_id"),
    "department_id": lambda t: (t.get("card_holder") or {}).get("department_id"),
    "location_id": lambda t: (t.get("card_holder") or {}).get("location_id"),
    "sk_category_id": lambda t: str(t.get("sk_category_id")),
    "trip_id": lambda t: t.get("trip_id"),
}


def usd_amount(transaction: dict[str, Any]) -> Decimal:
    rate = USD_PER_UNIT.get(transaction.get("currency_code") or "USD", 1.0)
    return Decimal(str(transaction.get("amount") or 0)) * Decimal(str(rate))


def normalize(raw: Any, now: str) -> dict[str, Any]:
    """A transaction posted to the test API, with every field the spec requires filled in."""
    if not isinstance(raw, dict):
        raise invalid("Each transaction must be a JSON object.")
    amount = raw.get("amount", 0.0)
    currency = raw.get("currency_code", "USD")
    if not isinstance(amount, int | float):
        raise invalid("amount must be a number (major units).")
    base: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "amount": amount,
        "currency_code": currency,
        "original_transaction_amount": {"amount": round(float(amount) * 100), "currency_code": currency},
        "line_items": [],
        "accounting_field_selections": [],
        "accounting_categories": [],
        "sync_status": "NOT_SYNC_READY",
        "synced_at": None,
        "accounting_date": None,
        "user_transaction_time": now,
        "state": "CLEARED",
        "entity_id": None,
        "merchant_id": None,
        "merchant_name": None,
        "card_present": False,
        "memo": None,
        "sk_category_id": None,
        "sk_category_name": None,
        "receipts": [],
    }
    transaction = {**base, **raw}
    if transaction["sync_status"] not in SYNC_STATUSES:
        raise invalid(f"sync_status must be one of {', '.join(SYNC_STATUSES)}.")
    if transaction["state"] not in STATES[1:]:
        raise invalid(f"state must be one of {', '.join(STATES[1:])}.")
    try:
        parse_datetime(transaction["user_transaction_time"])
    except (ValueError, AttributeError) as exc:
        raise invalid("user_transaction_time must be an ISO 8601 date-time.") from exc
    return transaction


class TransactionBook:
    """Transactions in creation order, with their sync history. The caller holds the lock."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.by_id: dict[str, dict[str, Any]] = {}
        self.position: dict[str, int] = {}
        self.sync_commits: dict[str, int] = {}
        self.sync_errors: dict[str, str] = {}
        self.syncs: list[dict[str, Any]] = []
        self.idempotency: dict[str, tuple[str, dict[str, Any]]] = {}

    def add(self, transactions: list[dict[str, Any]]) -> list[str]:
        duplicates = [t["id"] for t in transactions if t["id"] in self.by_id]
        if duplicates or len({t["id"] for t in transactions}) != len(transactions):
            raise invalid(f"Duplicate transaction ids: {duplicates[:5] or 'within the list'}.")
        for transaction in transactions:
            self.position[transaction["id"]] = len(self.items)
            self.items.append(transaction)
            self.by_id[transaction["id"]] = transaction
            self.sync_commits[transaction["id"]] = 1 if transaction["sync_status"] == "SYNCED" else 0
        return [t["id"] for t in transactions]

    def get(self, transaction_id: str) -> dict[str, Any]:
        transaction = self.by_id.get(transaction_id)
        # assumption: an unknown id answers 404, as third parties report (reference §2); the spec
        # types transaction_id as a plain string, so a malformed id is not a 400 either.
        if transaction is None:
            raise ApiError(
                404, f"Transaction {transaction_id!r} was not found.", {"transaction_id": ["Not found."]}
            )
        return transaction

    # -- listing -------------------------------------------------------------------------------

    def list_page(self, query: Query) -> dict[str, Any]:
        keep = self._filter(query)
        return query.page(t for t in self._ordered(query) if keep(t))

    def _ordered(self, query: Query) -> Iterator[dict[str, Any]]:
        chosen = [name for name in ORDERINGS if query.boolean(name)]
        if len(chosen) > 1:
            raise invalid(
                "Use one order_by_* parameter at most.", **{name: ["Only one ordering."] for name in chosen}
            )
        start = query.start()
        if start is not None and start not in self.position:
            raise invalid(
                "start must be the id of the last item of the previous page.", start=["Unknown id."]
            )
        if not chosen:
            first = self.position[start] + 1 if start is not None else 0
            return (self.items[i] for i in range(first, len(self.items)))
        by_amount = "amount" in chosen[0]
        descending = chosen[0].endswith("desc")

        def key(t: dict[str, Any]) -> tuple[Any, int]:
            value = usd_amount(t) if by_amount else parse_datetime(t["user_transaction_time"])
            return (value, self.position[t["id"]])

        ordered = sorted(self.items, key=key, reverse=descending)
        if start is None:
            return iter(ordered)
        # Keyset: continue after the start item's place in this ordering, even if it no longer matches.
        start_key = key(self.by_id[start])
        return (t for t in ordered if (key(t) < start_key if descending else key(t) > start_key))

    def _filter(self, query: Query) -> Callable[[dict[str, Any]], bool]:
        # The values are the spec's enums, checked before (validation.py): read, not checked again.
        sync_status = query.get("sync_status")
        sync_ready = query.boolean("sync_ready")
        no_commits = query.boolean("has_no_sync_commits")
        if sync_status is not None:  # Ramp: sync_status overrides the two booleans
            sync_ready = no_commits = None
        state = query.get("state")
        from_date, to_date = query.datetime("from_date"), query.datetime("to_date")
        synced_after = query.datetime("synced_after")
        low, high = query.decimal("min_amount"), query.decimal("max_amount")
        plain = {name: query.get(name) for name in PLAIN_FILTERS if query.get(name) is not None}
        selection_id = query.get("accounting_field_selection_id")

        def keep(t: dict[str, Any]) -> bool:
            if state is None and t.get("state") == "DECLINED":
                return False
            if state not in (None, "ALL") and t.get("state") != state:
                return False
            if sync_status is not None and t["sync_status"] != sync_status:
                return False
            if sync_ready is not None and (t["sync_status"] == "SYNC_READY") != sync_ready:
                return False
            if no_commits is not None and (self.sync_commits[t["id"]] == 0) != no_commits:
                return False
            if from_date or to_date:
                when = parse_datetime(t["user_transaction_time"])
                if (from_date and when < from_date) or (to_date and when > to_date):
                    return False
            if synced_after and (not t.get("synced_at") or parse_datetime(t["synced_at"]) <= synced_after):
                return False
            if low is not None or high is not None:
                usd = usd_amount(t)
                if (low is not None and usd < low) or (high is not None and usd > high):
                    return False
            if selection_id and not _has_selection(t, selection_id):
                return False
            return all(PLAIN_FILTERS[name](t) == value for name, value in plain.items())

        return keep

    # -- syncs ---------------------------------------------------------------------------------

    def post_sync(self, body: Any, now: str) -> dict[str, Any]:
        key, sync_type, successes, failures = validate_sync(body)
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        if key in self.idempotency:  # the spec: the key lets Ramp recognise a retry of the same request
            first_fingerprint, answer = self.idempotency[key]
            # assumption: the same key with another body is refused (400), not replayed; the spec is silent.
            if first_fingerprint != fingerprint:
                raise invalid(
                    "This idempotency_key was already used with a different request body; "
                    "use a new key for a new batch.",
                    idempotency_key=["Already used with a different body."],
                )
            return answer
        ids = [item["id"] for item in successes + failures]
        repeated = sorted(i for i, count in Counter(ids).items() if count > 1)
        if repeated:
            raise invalid(
                f"These ids appear more than once in the call: {', '.join(repeated)}.", ids=repeated
            )
        # assumption: unknown and not-ready ids are listed (`unknown_ids`, `not_ready_ids`) in the
        # refusal; Ramp documents only that the whole call is refused.
        unknown = [i for i in ids if sync_type != "TRANSACTION_SYNC" or i not in self.by_id]
        if unknown:
            raise invalid(
                f"{len(unknown)} id(s) are not known {sync_type} objects; nothing was recorded: "
                f"{', '.join(unknown[:10])}",
                unknown_ids=unknown,
            )
        not_ready = [i for i in ids if self.by_id[i]["sync_status"] != "SYNC_READY"]
        if not_ready:
            raise invalid(
                f"{len(not_ready)} transaction(s) are not ready to sync (already synced or not coded); "
                f"nothing was recorded: {', '.join(not_ready[:10])}",
                not_ready_ids=not_ready,
            )
        for item in successes:
            transaction = self.by_id[item["id"]]
            transaction.update(sync_status="SYNCED", synced_at=now)
            self.sync_errors.pop(item["id"], None)
            self.sync_commits[item["id"]] += 1
        for item in failures:
            self.sync_errors[item["id"]] = item["error"]["message"]
            self.sync_commits[item["id"]] += 1
        answer = {"sync_id": str(uuid.uuid4())}
        self.idempotency[key] = (fingerprint, answer)
        self.syncs.append({**body, "sync_id": answer["sync_id"], "received_at": now})
        return answer


def _has_selection(transaction: dict[str, Any], selection_id: str) -> bool:
    selections = list(transaction.get("accounting_field_selections") or [])
    for line in transaction.get("line_items") or []:
        selections.extend(line.get("accounting_field_selections") or [])
    return any(s.get("id") == selection_id for s in selections)


def validate_sync(body: Any) -> tuple[str, str, list[dict[str, Any]], list[dict[str, Any]]]:
    """The rules of a sync body beyond its schema (checked first by sandbox/ramp/validation.py):
    at most 5,000 results per call in total (the accounting guide), and the assumptions below."""
    problems: dict[str, Any] = {}
    key = body["idempotency_key"]
    if not key.strip():  # assumption: a blank key cannot tell retries apart, so it is refused
        problems["idempotency_key"] = ["Field may not be blank."]
    successes, failures = body.get("successful_syncs", []), body.get("failed_syncs", [])
    # assumption: a blank reference_id or error message is refused; the spec says only `string`.
    for name, items, field, blank in (
        ("successful_syncs", successes, "reference_id", lambda item: not item["reference_id"].strip()),
        ("failed_syncs", failures, "error", lambda item: not item["error"]["message"].strip()),
    ):
        errors = {str(i): {field: ["Field may not be blank."]} for i, item in enumerate(items) if blank(item)}
        if errors:
            problems[name] = errors
    total = len(successes) + len(failures)
    if total == 0:  # assumption: neither list is required by the spec, but a call with none records nothing
        problems["successful_syncs"] = ["Send successful_syncs, failed_syncs or both."]
    if total > MAX_SYNC_ITEMS:
        problems["_schema"] = [f"At most {MAX_SYNC_ITEMS} results per call; got {total}."]
    if problems:
        first = next(iter(problems))
        raise ApiError(400, f"Invalid sync request ({first}); nothing was recorded.", problems)
    return str(key), str(body["sync_type"]), successes, failures
