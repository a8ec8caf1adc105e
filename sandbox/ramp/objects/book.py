"""Reimbursements, bills, transfers, cashbacks and statements: storage, filtered keyset pages, the
test API's "make it ready", and `POST /accounting/syncs` for their sync types.

Rules (spec and shared/reference/ramp-api.md §2, §6, §11): lists page like transactions (`start` is
the last id of the previous page, `page.next` a full URL); a `sync_status` that supersedes
`sync_ready`/`has_no_sync_commits` makes them ignored; a sync call carries one `sync_type`, is
all-or-nothing (an id of another kind, or one not ready, rejects it whole), shares its idempotency
keys with transaction syncs, and takes synced objects out of the ready lists. Both successful and
failed results count as a sync commit.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sandbox.ramp.categories import public
from sandbox.ramp.errors import invalid, not_found
from sandbox.ramp.generate import minor_units
from sandbox.ramp.objects import generate as gen
from sandbox.ramp.objects.kinds import BY_SYNC_TYPE, KINDS, Filter, Obj, ObjectKind
from sandbox.ramp.pagination import Query, parse_datetime

# One validator for every sync call (CONVENTIONS "one way to do each thing").
from sandbox.ramp.transactions import validate_sync

Test = Callable[[Obj], bool]


def field_value(item: Obj, path: str) -> Any:
    value: Any = item
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _when(item: Obj, path: str) -> datetime | None:
    value = field_value(item, path)
    return parse_datetime(value) if isinstance(value, str) else None


def _major(item: Obj, path: str) -> Decimal:
    amount = field_value(item, path) or {}
    return Decimal(amount.get("amount", 0)) / minor_units(amount.get("currency_code", "USD"))


def _selections(item: Obj) -> list[Obj]:
    found = list(item.get("accounting_field_selections") or [])
    for line in [*(item.get("line_items") or []), *(item.get("inventory_line_items") or [])]:
        found.extend(line.get("accounting_field_selections") or [])
    return found


class ObjectBook:
    """Every non-transaction object, by kind, in creation order. The caller holds the sandbox lock.

    `syncs` and `idempotency` are the transaction book's, so `/_sandbox/state` lists every sync and
    an idempotency key means one batch whatever its type."""

    def __init__(self, syncs: list[Obj], idempotency: dict[str, tuple[str, Obj]]) -> None:
        self.items: dict[str, list[Obj]] = {name: [] for name in KINDS if not KINDS[name].stored_in}
        self.by_id: dict[str, dict[str, Obj]] = {name: {} for name in self.items}
        self.position: dict[str, dict[str, int]] = {name: {} for name in self.items}
        self.sync_commits: Counter[str] = Counter()
        self.sync_errors: dict[str, str] = {}
        self.syncs = syncs
        self.idempotency = idempotency

    # -- adding --------------------------------------------------------------------------------

    def add(self, kind_name: str, body: Any) -> Obj:
        """`{"generate": N, "seed": S}` or `{"objects": [...]}` (each laid over a generated one)."""
        kind = KINDS.get(kind_name)
        if kind is None or not kind.generated:
            names = ", ".join(name for name, k in KINDS.items() if k.generated)
            raise invalid(f"kind must be one of {names}.", kind=["Unknown kind."])
        if isinstance(body.get("generate"), int) and body["generate"] >= 0:
            seed = body.get("seed", 0)
            if not isinstance(seed, int):
                raise invalid("seed must be an integer.")
            created = gen.generate(kind.name, body["generate"], seed)
        elif isinstance(body.get("objects"), list):
            rng, now = random.Random(len(self.items[kind.name])), gen.today()
            created = [self._laid_over(gen.GENERATORS[kind.name](rng, now), raw) for raw in body["objects"]]
        else:
            raise invalid('Send {"kind": K, "generate": N, "seed": S} or {"kind": K, "objects": [...]}.')
        ids = [item["id"] for item in created]
        known = [i for i in ids if i in self.by_id[kind.name]]
        if known or len(set(ids)) != len(ids):
            raise invalid(f"Duplicate {kind.label} ids: {known[:5] or 'within the list'}.")
        for item in created:
            self._store(kind.name, item)
            if "_statement_month" in item:
                self._link_statement(item, kind.name)
        return {"created": len(ids), "ids": ids}

    @staticmethod
    def _laid_over(default: Obj, raw: Any) -> Obj:
        if not isinstance(raw, dict):
            raise invalid("Each object must be a JSON object.")
        default["id"] = str(uuid.uuid4())
        return {**default, **raw}

    def _store(self, store: str, item: Obj) -> None:
        self.position[store][item["id"]] = len(self.items[store])
        self.items[store].append(item)
        self.by_id[store][item["id"]] = item
        if item.get("sync_status") in ("SYNCED", "BILL_SYNCED", "BILL_AND_PAYMENT_SYNCED"):
            self.sync_commits[item["id"]] += 1

    def _link_statement(self, item: Obj, kind_name: str) -> None:
        """The statement a transfer pays or a cashback is credited on, with a line and the totals."""
        month = item.pop("_statement_month")
        found = gen.statement(datetime.fromisoformat(month))
        statement = self.by_id["statements"].get(found["id"])
        if statement is None:
            statement = found
            self._store("statements", statement)
        item["_statement_id"] = statement["id"]
        line_type = "TRANSFER_PAYMENT" if kind_name == "transfers" else "CASHBACK"
        statement["statement_lines"].append(
            {"id": item["id"], "type": line_type, "created_at": item["created_at"]}
        )
        total = "payments" if kind_name == "transfers" else "credits"
        for section in statement["balance_sections"]:
            if (
                section["entity_id"] == item["entity_id"]
                and section[total]["currency_code"] == item["amount"]["currency_code"]
            ):
                section[total]["amount"] += item["amount"]["amount"]
                section["ending_balance"]["amount"] -= item["amount"]["amount"]

    # -- reading -------------------------------------------------------------------------------

    def get(self, kind_name: str, ident: str) -> Obj:
        kind = KINDS[kind_name]
        item = self.by_id[kind.store].get(ident)
        if item is None:
            raise not_found(kind.label.capitalize(), ident)
        return public(item)

    def list_page(self, kind_name: str, query: Query) -> Obj:
        kind = KINDS[kind_name]
        tests = self._tests(kind, query)
        start = query.start()
        positions = self.position[kind.store]
        if start is not None and start not in positions:
            raise invalid(
                "start must be the id of the last item of the previous page.", start=["Unknown id."]
            )
        items = self.items[kind.store]
        first = positions[start] + 1 if start is not None else 0
        return query.page(public(t) for t in items[first:] if all(test(t) for test in tests))

    def _tests(self, kind: ObjectKind, query: Query) -> list[Test]:
        given = {f.param for f in kind.filters if query.get(f.param) is not None}
        ignored = {name for f in kind.filters if f.param in given for name in f.supersedes}
        tests = []
        # The date bounds first: a sliced listing's query rejects most items on them, and `all()`
        # then skips the other tests (the sandbox scans its list; Ramp has indexes).
        for filter_ in sorted(kind.filters, key=lambda f: f.op not in ("from", "to", "after")):
            if filter_.param in ignored:
                continue
            test = self._test(kind, filter_, query)
            if test is not None:
                tests.append(test)
        return tests

    def _test(self, kind: ObjectKind, f: Filter, query: Query) -> Test | None:
        if query.get(f.param) is None and f.default is None:
            return None
        if f.op == "enum":
            value = query.get(f.param) or f.default  # one of the spec's enum: validation.py checked it
            return lambda t: field_value(t, f.field) == value
        if f.op == "eq":
            wanted = query.get(f.param)
            return lambda t: field_value(t, f.field) == wanted
        if f.op in ("ready", "no_commits", "archived"):
            flag = query.boolean(f.param)
            if flag is None:
                flag = f.default == "true"
            if f.op == "ready":
                return lambda t: kind.ready(t) == flag
            if f.op == "archived":
                return lambda t: (t.get(f.field) is not None) == flag
            return lambda t: (self.sync_commits[t["id"]] == 0) == flag
        if f.op == "selection":
            wanted = query.get(f.param)
            return lambda t: any(s.get("id") == wanted for s in _selections(t))
        if f.op in ("min", "max"):
            bound = query.decimal(f.param)
            assert bound is not None
            return (
                (lambda t: _major(t, f.field) >= bound)
                if f.op == "min"
                else (lambda t: _major(t, f.field) <= bound)
            )
        moment = query.datetime(f.param) or datetime.now(UTC)  # only "to_date" has a default: now
        if f.op == "from":
            return lambda t: (w := _when(t, f.field)) is not None and w >= moment
        if f.op == "to":
            return lambda t: (w := _when(t, f.field)) is not None and w <= moment
        return lambda t: (w := _when(t, f.field)) is not None and w > moment  # "after": strictly

    # -- the test API: make objects ready ------------------------------------------------------

    def mark_ready(self, kind_name: str, ids: list[str], now: str) -> list[tuple[str, str]]:
        """Makes each object ready to sync as a Ramp user would; returns the webhook events to fire."""
        kind = KINDS[kind_name]
        missing = [i for i in ids if i not in self.by_id[kind.store]]
        if missing:
            raise invalid(f"Unknown {kind.label} id(s): {', '.join(missing[:10])}.", ids=missing)
        for ident in ids:
            item = self.by_id[kind.store][ident]
            if kind.name == "bills":
                item.update(approval_status="APPROVED", archived_at=None)
            elif kind.name == "bill_payments":
                if item["status"] != "PAID":
                    gen.pay_bill(item, "ACH", parse_datetime(now), random.Random(ident))
            elif kind.name == "transfers":
                item.update(status="COMPLETED", sync_status="SYNC_READY")
            elif kind.name == "reimbursements":
                item.update(sync_status="SYNC_READY", synced_at=None, updated_at=now)
                item["state"] = "APPROVED" if item["state"] in ("PENDING", "INIT", "DRAFT") else item["state"]
            else:
                item.update(sync_status="SYNC_READY")
        return [(event, ident) for ident in ids for event in kind.ready_events]

    # -- syncs ---------------------------------------------------------------------------------

    def post_sync(self, body: Any, now: str) -> Obj:
        key, sync_type, successes, failures = validate_sync(body)
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        if key in self.idempotency:  # the spec: the key lets Ramp recognise a retry of the same request
            first, answer = self.idempotency[key]
            # assumption: the same key with another body is refused (400), not replayed; the spec is silent.
            if first != fingerprint:
                raise invalid(
                    "This idempotency_key was already used with a different request body; use a new key.",
                    idempotency_key=["Already used with a different body."],
                )
            return answer
        kind = BY_SYNC_TYPE[sync_type]
        ids = [item["id"] for item in successes + failures]
        repeated = sorted(i for i, count in Counter(ids).items() if count > 1)
        if repeated:
            raise invalid(
                f"These ids appear more than once in the call: {', '.join(repeated)}.", ids=repeated
            )
        stored = self.by_id[kind.store]
        # assumption: unknown and not-ready ids are listed (`unknown_ids`, `not_ready_ids`) in the
        # refusal; Ramp documents only that syncing an object that is not ready is an error (bills).
        unknown = [i for i in ids if i not in stored]
        if unknown:
            raise invalid(
                f"{len(unknown)} id(s) are not known {kind.label}s (sync_type {sync_type}); nothing was "
                f"recorded: {', '.join(unknown[:10])}",
                unknown_ids=unknown,
            )
        not_ready = [i for i in ids if not kind.ready(stored[i])]
        if not_ready:
            raise invalid(
                f"{len(not_ready)} {kind.label}(s) are not ready to sync ({kind.not_ready_reason}); nothing "
                f"was recorded: {', '.join(not_ready[:10])}",
                not_ready_ids=not_ready,
            )
        links = [i["id"] for i in successes if "deep_link_url" in i]
        if links and kind.name != "bills":  # the spec: deep_link_url is for bills only
            raise invalid("deep_link_url is accepted for BILL_SYNC only.", deep_link_url=links)
        for item in successes:
            self._synced(kind, stored[item["id"]], item, now)
        for item in failures:  # assumption: a failed result counts as a sync commit (see transactions.py)
            self.sync_errors[item["id"]] = item["error"]["message"]
            self.sync_commits[item["id"]] += 1
        answer = {"sync_id": str(uuid.uuid4())}
        self.idempotency[key] = (fingerprint, answer)
        self.syncs.append({**body, "sync_id": answer["sync_id"], "received_at": now})
        return answer

    def _synced(self, kind: ObjectKind, stored: Obj, result: Obj, now: str) -> None:
        stored["sync_status"] = kind.synced_status
        if "synced_at" in stored:
            stored["synced_at"] = now
        if kind.name == "bills":
            stored.update(remote_id=result["reference_id"], posting_date=now)
            if "deep_link_url" in result:
                stored["deep_link_url"] = result["deep_link_url"]
        self.sync_errors.pop(result["id"], None)
        self.sync_commits[result["id"]] += 1

    def summary(self) -> Obj:
        return {
            name: {"count": len(items), "by_sync_status": dict(Counter(i.get("sync_status") for i in items))}
            for name, items in self.items.items()
        }
