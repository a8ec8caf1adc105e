"""Every object Ramp syncs, read into one shape: `SyncObject`.

Card transactions, reimbursements, bills, bill payments, transfers and cashbacks differ in their
fields (shared/ramp-api/openapi-all-objects.json: Transaction, Reimbursement, Bill, ApiBillPayment,
Transfer, Cashback), but a finance user reads each the same way: when, who was paid, who spent,
how much, how it is coded. One parser per kind maps its payload onto those; the table of kinds
(bot/syncable_kinds.py) names the parser of each.

Amounts: transactions carry line items in CurrencyAmount (minor units) and a legacy decimal
`amount`; reimbursements a decimal `amount` with `currency` (and CurrencyAmount `payee_amount`);
bills, transfers and cashbacks a CurrencyAmount `amount` (reference §11: check each schema).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.money import Money
from bot.ramp.models import LineItem, Selection, Transaction, parse_datetime

Payload = Mapping[str, Any]


@dataclass(frozen=True)
class SyncObject:
    """One item waiting to sync, of any kind (`kind` is its key in bot/syncable_kinds.py).

    `id` is the id Ramp takes in `POST /accounting/syncs`: a bill payment's is its bill's id, since
    the spec's ApiBillPayment has none (assumption, as in sandbox/ramp/objects/kinds.py).
    """

    kind: str
    id: str
    when: datetime | None
    counterparty: str | None  # merchant, vendor, or what the item pays
    person: str | None  # card holder, employee, bill owner
    amount: Money
    original_amount: Money
    memo: str | None
    entity_id: str | None
    sync_status: str | None
    selections: tuple[Selection, ...] = ()
    line_items: tuple[LineItem, ...] = ()
    reference: str | None = None  # invoice number, payment id
    due: datetime | None = None
    detail: str | None = None  # "Mileage, 42 mi", "Repayment", a transfer's status

    @property
    def is_split(self) -> bool:
        return len(self.line_items) > 1

    def to_json(self) -> dict[str, Any]:
        def when(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        def money(value: Money) -> list[Any]:
            return [value.amount, value.currency]

        def selections(items: tuple[Selection, ...]) -> list[dict[str, Any]]:
            return [vars(s).copy() for s in items]

        return {
            **{k: getattr(self, k) for k in ("kind", "id", "counterparty", "person", "memo")},
            **{k: getattr(self, k) for k in ("entity_id", "sync_status", "reference", "detail")},
            "when": when(self.when),
            "due": when(self.due),
            "amount": money(self.amount),
            "original_amount": money(self.original_amount),
            "selections": selections(self.selections),
            "line_items": [
                {"amount": money(li.amount), "memo": li.memo, "selections": selections(li.selections)}
                for li in self.line_items
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SyncObject:
        def when(value: str | None) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        def selections(items: list[dict[str, Any]]) -> tuple[Selection, ...]:
            return tuple(Selection(**s) for s in items)

        return cls(
            **{k: data[k] for k in ("kind", "id", "counterparty", "person", "memo")},
            **{k: data[k] for k in ("entity_id", "sync_status", "reference", "detail")},
            when=when(data["when"]),
            due=when(data["due"]),
            amount=Money(*data["amount"]),
            original_amount=Money(*data["original_amount"]),
            selections=selections(data["selections"]),
            line_items=tuple(
                LineItem(Money(*li["amount"]), li["memo"], selections(li["selections"]))
                for li in data["line_items"]
            ),
        )


# -- one parser per kind -------------------------------------------------------------------------


def _text(payload: Payload, key: str) -> str | None:
    value = payload.get(key)
    return str(value).strip() or None if value is not None else None


def _money(value: Any, currency: str = "USD") -> Money:
    return Money.from_ramp(value) if isinstance(value, Mapping) else Money.zero(currency)


def _selections(payload: Payload) -> tuple[Selection, ...]:
    items = payload.get("accounting_field_selections") or ()
    return tuple(Selection.from_ramp(item) for item in items if isinstance(item, Mapping))


def _lines(payload: Payload, currency: str) -> tuple[LineItem, ...]:
    items = payload.get("line_items") or ()
    return tuple(LineItem.from_ramp(item, currency) for item in items if isinstance(item, Mapping))


def _name(person: Any) -> str | None:
    if not isinstance(person, Mapping):
        return None
    return " ".join(str(person[k]).strip() for k in ("first_name", "last_name") if person.get(k)) or None


def transaction(payload: Payload) -> SyncObject:
    return from_transaction(Transaction.from_ramp(payload))


def from_transaction(t: Transaction) -> SyncObject:
    return SyncObject(
        kind="transactions",
        id=t.id,
        when=t.user_transaction_time,
        counterparty=t.merchant_name,
        person=t.card_holder_name,
        amount=t.amount,
        original_amount=t.original_amount,
        memo=t.memo,
        entity_id=t.entity_id,
        sync_status=t.sync_status,
        selections=t.selections,
        line_items=t.line_items,
    )


REIMBURSEMENT_TYPES = {
    "MILEAGE": "Mileage",
    "OUT_OF_POCKET": "Out of pocket",
    "PAYBACK_FULL": "Repayment",
    "PAYBACK_PARTIAL": "Partial repayment",
}


def reimbursement(payload: Payload) -> SyncObject:
    currency = _text(payload, "currency") or "USD"
    payee = payload.get("payee_amount")
    legacy = payload.get("amount")
    if isinstance(payee, Mapping) and payee.get("currency_code") == currency:
        amount = Money.from_ramp(payee)
    elif legacy is not None and not isinstance(legacy, bool):
        amount = Money.from_major(legacy if isinstance(legacy, Decimal | int) else str(legacy), currency)
    else:
        amount = Money.zero(currency)
    original = payload.get("original_reimbursement_amount")
    kind = _text(payload, "type") or ""
    detail = REIMBURSEMENT_TYPES.get(kind, kind.replace("_", " ").capitalize() or None)
    if kind == "MILEAGE" and payload.get("distance") is not None:
        detail = f"Mileage, {payload['distance']} mi"
    if payload.get("direction") == "USER_TO_BUSINESS" and detail and "epayment" not in detail:
        detail = f"{detail} (repayment)"
    return SyncObject(
        kind="reimbursements",
        id=str(payload["id"]),
        when=parse_datetime(payload.get("transaction_date") or payload.get("created_at")),
        counterparty=_text(payload, "merchant") or detail,
        person=_text(payload, "user_full_name"),
        amount=amount,
        original_amount=_money(original, currency) if isinstance(original, Mapping) else amount,
        memo=_text(payload, "memo"),
        entity_id=_text(payload, "entity_id"),
        sync_status=_text(payload, "sync_status"),
        selections=_selections(payload),
        line_items=_lines(payload, currency),
        reference=_text(payload, "payment_id"),
        detail=detail,
    )


def _vendor(payload: Payload) -> str | None:
    vendor = payload.get("vendor")
    if not isinstance(vendor, Mapping):
        return None
    return _text(vendor, "name") or _text(vendor, "remote_name")


def bill(payload: Payload) -> SyncObject:
    amount = _money(payload.get("amount"))
    return SyncObject(
        kind="bills",
        id=str(payload["id"]),
        when=parse_datetime(payload.get("issued_at") or payload.get("created_at")),
        counterparty=_vendor(payload),
        person=_name(payload.get("bill_owner")),
        amount=amount,
        original_amount=amount,
        memo=_text(payload, "memo"),
        entity_id=_text(payload, "entity_id"),
        sync_status=_text(payload, "sync_status"),
        selections=_selections(payload),
        line_items=_lines(payload, amount.currency),
        reference=_text(payload, "invoice_number"),
        due=parse_datetime(payload.get("due_at")),
        detail=f"due {str(payload['due_at'])[:10]}" if payload.get("due_at") else None,
    )


def bill_payment(payload: Payload) -> SyncObject:
    """The payment of a paid bill: its amount and date, the bill's vendor and codings."""
    the_bill = bill(payload)
    raw = payload.get("payment")
    payment: Payload = raw if isinstance(raw, Mapping) else {}
    amount = (
        _money(payment.get("amount"), the_bill.amount.currency) if payment.get("amount") else the_bill.amount
    )
    method = str(payment.get("payment_method") or "").replace("_", " ").lower()
    paid = parse_datetime(payload.get("paid_at") or payment.get("payment_date"))
    waiting = the_bill.sync_status == "NOT_SYNCED"
    return replace(
        the_bill,
        kind="bill_payments",
        when=paid or the_bill.when,
        amount=amount,
        original_amount=amount,
        due=None,
        detail=" · ".join(
            part
            for part in (
                f"paid by {method}" if method and method != "unspecified" else "paid",
                "its bill is not synced yet: sync the bill first" if waiting else "",
            )
            if part
        ),
    )


def transfer(payload: Payload) -> SyncObject:
    amount = _money(payload.get("amount"))
    status = (_text(payload, "status") or "").replace("_", " ").lower()
    return SyncObject(
        kind="transfers",
        id=str(payload["id"]),
        when=parse_datetime(payload.get("created_at")),
        counterparty="Ramp card statement payment",
        person=None,
        amount=amount,
        original_amount=amount,
        memo=None,
        entity_id=_text(payload, "entity_id"),
        sync_status=_text(payload, "sync_status"),
        reference=_text(payload, "payment_id"),
        detail=status or None,
    )


def cashback(payload: Payload) -> SyncObject:
    amount = _money(payload.get("amount"))
    return SyncObject(
        kind="cashbacks",
        id=str(payload["id"]),
        when=parse_datetime(payload.get("created_at")),
        counterparty="Ramp cashback",
        person=None,
        amount=amount,
        original_amount=amount,
        memo=None,
        entity_id=_text(payload, "entity_id"),
        sync_status=_text(payload, "sync_status"),
    )
