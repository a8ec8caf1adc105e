"""Our own types for what Ramp returns, parsed once at the edge (`Model.from_ramp(payload)`).

Parsing is lenient: Ramp marks many fields optional or nullable, and older or trimmed payloads
leave keys out, so a missing key becomes None (or an empty tuple) rather than an error. Only an
object's identity is required (`ramp_id` for categories, `id` for the rest). Money is never a
float: CurrencyAmounts are integer minor units, and the legacy decimal `amount` goes through
`decimal.Decimal` (the client parses JSON numbers as Decimal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bot.money import Money

Payload = Mapping[str, Any]


def _text(payload: Payload, key: str) -> str | None:
    value = payload.get(key)
    return None if value is None else str(value)


def _flag(payload: Payload, key: str, default: bool = False) -> bool:
    value = payload.get(key)
    if isinstance(value, str):  # Ramp's own examples send "True" for booleans now and then
        return value.strip().lower() == "true"
    return default if value is None else bool(value)


def _required(payload: Payload, key: str) -> str:
    value = payload.get(key)
    if value in (None, ""):
        raise ValueError(f"Ramp object without {key!r}")
    return str(value)


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 from Ramp; a datetime without an offset is UTC (Ramp's convention)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Connection:
    """An accounting connection (`AccountingProvider`)."""

    id: str
    remote_provider_name: str | None
    is_active: bool
    created_at: datetime | None
    last_linked_at: datetime | None

    @classmethod
    def from_ramp(cls, payload: Payload) -> Connection:
        return cls(
            id=_required(payload, "id"),
            remote_provider_name=_text(payload, "remote_provider_name"),
            is_active=_flag(payload, "is_active"),
            created_at=parse_datetime(payload.get("created_at")),
            last_linked_at=parse_datetime(payload.get("last_linked_at")),
        )


@dataclass(frozen=True)
class GLAccount:
    ramp_id: str
    id: str | None
    name: str
    code: str | None
    classification: str | None
    is_active: bool

    @classmethod
    def from_ramp(cls, payload: Payload) -> GLAccount:
        return cls(
            ramp_id=_required(payload, "ramp_id"),
            id=_text(payload, "id"),
            name=_text(payload, "name") or "",
            code=_text(payload, "code"),
            classification=_text(payload, "classification"),
            is_active=_flag(payload, "is_active", default=True),
        )


@dataclass(frozen=True)
class Vendor:
    """An accounting vendor (not a bill-pay vendor, not a card merchant)."""

    ramp_id: str
    id: str | None
    name: str
    code: str | None
    is_active: bool

    @classmethod
    def from_ramp(cls, payload: Payload) -> Vendor:
        return cls(
            ramp_id=_required(payload, "ramp_id"),
            id=_text(payload, "id"),
            name=_text(payload, "name") or "",
            code=_text(payload, "code"),
            is_active=_flag(payload, "is_active", default=True),
        )


@dataclass(frozen=True)
class CustomField:
    ramp_id: str
    id: str | None
    name: str
    input_type: str | None
    is_splittable: bool
    is_active: bool
    display_name: str | None = None
    is_required_for: tuple[str, ...] = ()  # TRANSACTION, BILL…: coded before it may be marked ready

    @classmethod
    def from_ramp(cls, payload: Payload) -> CustomField:
        required = payload.get("is_required_for")
        return cls(
            ramp_id=_required(payload, "ramp_id"),
            id=_text(payload, "id"),
            name=_text(payload, "name") or "",
            input_type=_text(payload, "input_type"),
            is_splittable=_flag(payload, "is_splittable"),
            is_active=_flag(payload, "is_active", default=True),
            display_name=_text(payload, "display_name"),
            is_required_for=tuple(str(v) for v in required) if isinstance(required, list) else (),
        )


@dataclass(frozen=True)
class FieldOption:
    ramp_id: str
    id: str | None
    value: str
    code: str | None
    is_active: bool

    @classmethod
    def from_ramp(cls, payload: Payload) -> FieldOption:
        return cls(
            ramp_id=_required(payload, "ramp_id"),
            id=_text(payload, "id"),
            value=_text(payload, "value") or "",
            code=_text(payload, "code"),
            is_active=_flag(payload, "is_active", default=True),
        )


@dataclass(frozen=True)
class Subsidiary:
    """A subsidiary from the 2023 API (the current spec has no such endpoint)."""

    ramp_id: str
    id: str | None
    name: str
    is_active: bool

    @classmethod
    def from_ramp(cls, payload: Payload) -> Subsidiary:
        return cls(
            ramp_id=_required(payload, "ramp_id"),
            id=_text(payload, "id"),
            name=_text(payload, "name") or "",
            is_active=_flag(payload, "is_active", default=True),
        )


@dataclass(frozen=True)
class Entity:
    """A legal entity (read-only through the API)."""

    id: str
    entity_name: str | None
    currency: str | None
    is_primary: bool

    @classmethod
    def from_ramp(cls, payload: Payload) -> Entity:
        return cls(
            id=_required(payload, "id"),
            entity_name=_text(payload, "entity_name"),
            currency=_text(payload, "currency"),
            is_primary=_flag(payload, "is_primary"),
        )


@dataclass(frozen=True)
class Selection:
    """One coding: the option chosen (`name`, ERP `external_id`/`external_code`) for a field."""

    type: str | None
    name: str | None
    external_id: str | None
    external_code: str | None
    field_name: str | None
    field_external_id: str | None

    @classmethod
    def from_ramp(cls, payload: Payload) -> Selection:
        info = payload.get("category_info") or {}
        kind = _text(payload, "type")
        return cls(
            type=kind.upper() if kind else None,  # the seed's sample says "Subsidiary"
            name=_text(payload, "name"),
            external_id=_text(payload, "external_id"),
            external_code=_text(payload, "external_code"),
            field_name=_text(info, "name"),
            field_external_id=_text(info, "external_id"),
        )


def _selections(payload: Payload) -> tuple[Selection, ...]:
    items = payload.get("accounting_field_selections") or ()
    return tuple(Selection.from_ramp(item) for item in items if isinstance(item, Mapping))


@dataclass(frozen=True)
class LineItem:
    """A split of a transaction, with its own codings; `amount` is in the settlement currency."""

    amount: Money
    memo: str | None
    selections: tuple[Selection, ...]

    @classmethod
    def from_ramp(cls, payload: Payload, currency: str = "USD") -> LineItem:
        amount = payload.get("amount") or payload.get("converted_amount")
        return cls(
            amount=Money.from_ramp(amount) if isinstance(amount, Mapping) else Money.zero(currency),
            memo=_text(payload, "memo"),
            selections=_selections(payload),
        )


@dataclass(frozen=True)
class Transaction:
    """A card transaction with its codings, top level and per line item."""

    id: str
    user_transaction_time: datetime | None
    accounting_date: datetime | None
    merchant_name: str | None
    card_holder_name: str | None
    amount: Money
    original_amount: Money
    state: str | None
    sync_status: str | None
    memo: str | None
    entity_id: str | None
    selections: tuple[Selection, ...]
    line_items: tuple[LineItem, ...]

    @classmethod
    def from_ramp(cls, payload: Payload) -> Transaction:
        currency = _text(payload, "currency_code") or "USD"
        line_items = tuple(
            LineItem.from_ramp(item, currency)
            for item in payload.get("line_items") or ()
            if isinstance(item, Mapping)
        )
        amount = _settled_amount(payload, line_items, currency)
        original = payload.get("original_transaction_amount")
        return cls(
            id=_required(payload, "id"),
            user_transaction_time=parse_datetime(payload.get("user_transaction_time")),
            accounting_date=parse_datetime(payload.get("accounting_date")),
            merchant_name=_text(payload, "merchant_name"),
            card_holder_name=_holder_name(payload.get("card_holder")),
            amount=amount,
            # No conversion recorded: the original amount is the settled one.
            original_amount=Money.from_ramp(original) if isinstance(original, Mapping) else amount,
            state=_text(payload, "state"),
            sync_status=_text(payload, "sync_status"),
            memo=_text(payload, "memo"),
            entity_id=_text(payload, "entity_id"),
            selections=_selections(payload),
            line_items=line_items,
        )

    @property
    def is_split(self) -> bool:
        return len(self.line_items) > 1


def _settled_amount(payload: Payload, line_items: tuple[LineItem, ...], currency: str) -> Money:
    """Sum of the line items' CurrencyAmounts (exact, minor units); else the legacy decimal `amount`."""
    raw_items = [item for item in payload.get("line_items") or () if isinstance(item, Mapping)]
    amounts = [item.amount for item in line_items]
    every_item_has_amount = all(isinstance(item.get("amount"), Mapping) for item in raw_items)
    if amounts and every_item_has_amount and len({m.currency for m in amounts}) == 1:
        return sum(amounts, Money.zero(amounts[0].currency))
    legacy = payload.get("amount")
    if legacy is None or isinstance(legacy, bool):
        return Money.zero(currency)
    # Decimal(str(...)) keeps 90.1 as 90.1 even if a float slipped in; the client parses as Decimal.
    value = legacy if isinstance(legacy, Decimal | int) else str(legacy)
    return Money.from_major(value, currency)


def _holder_name(holder: Any) -> str | None:
    if not isinstance(holder, Mapping):
        return None
    name = " ".join(str(holder[k]).strip() for k in ("first_name", "last_name") if holder.get(k))
    return name or None
