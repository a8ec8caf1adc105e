"""The filters of `/ramp transactions`: read from the command's `key:value` words, kept with a listing.

`since:`/`until:` are days (ISO 8601), `min:`/`max:` amounts in US dollars (Ramp reads
`min_amount`/`max_amount` in USD major units: shared/reference/ramp-api.md section 5), `merchant:`
a piece of the merchant's name. A filter that cannot be read raises `FilterError`, whose message
says which and what to write instead. `Filters` goes to JSON with a saved listing and comes back
through `parse_filters`, so a stored listing is read by the same rules as a typed one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from bot.errors import UserError

FILTER_SYNTAX = (
    "/ramp transactions [since:YYYY-MM-DD] [until:YYYY-MM-DD] [min:N] [max:N] [merchant:TEXT] [entity:NAME]"
)
FILTER_EXAMPLE = "/ramp transactions since:2025-01-01 until:2025-01-31 min:100 merchant:delta"


class FilterError(UserError, ValueError):
    """A filter the user typed cannot be read; the message says which and shows the syntax."""


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    merchant: str | None = None
    entity: str | None = None  # an entity's name or id, as typed; Ramp filters by `entity_id`

    @property
    def narrowing(self) -> bool:
        """True when amounts or merchant leave ready transactions out (the range alone does not)."""
        return self.min is not None or self.max is not None or bool(self.merchant) or bool(self.entity)

    def describe(self) -> str:
        parts = [
            f"since {self.since}" if self.since else "",
            f"until {self.until}" if self.until else "",
            f"at least USD {self.min}" if self.min is not None else "",
            f"at most USD {self.max}" if self.max is not None else "",
            f'merchant containing "{self.merchant}"' if self.merchant else "",
            f"entity {self.entity}" if self.entity else "",
        ]
        return ", ".join(p for p in parts if p) or "no filters"

    def to_json(self) -> str:
        return json.dumps({k: None if v is None else str(v) for k, v in asdict(self).items()})

    @classmethod
    def from_json(cls, text: str) -> Filters:
        return parse_filters({k: v for k, v in json.loads(text).items() if v is not None})


def parse_filters(options: Mapping[str, str]) -> Filters:
    """`{"since": "2025-01-01", "min": "100"}` from the command's `key:value` words."""
    unknown = sorted(set(options) - {"since", "until", "min", "max", "merchant", "entity"})
    if unknown:
        raise FilterError(f"I don't know the filter `{unknown[0]}:`.")
    since, until = _date(options, "since"), _date(options, "until")
    low, high = _amount(options, "min"), _amount(options, "max")
    if since and until and since > until:
        raise FilterError(f"`since:{since}` is after `until:{until}`.")
    if low is not None and high is not None and low > high:
        raise FilterError(f"`min:{low}` is more than `max:{high}`.")
    merchant = (options.get("merchant") or "").strip() or None
    entity = (options.get("entity") or "").strip() or None
    return Filters(since, until, low, high, merchant, entity)


def _date(options: Mapping[str, str], key: str) -> date | None:
    if key not in options:
        return None
    try:
        return date.fromisoformat(options[key].strip())
    except ValueError:
        raise FilterError(f"`{key}:{options[key]}` is not a date; write it as YYYY-MM-DD.") from None


def _amount(options: Mapping[str, str], key: str) -> Decimal | None:
    if key not in options:
        return None
    try:
        value = Decimal(options[key].strip().replace(",", ""))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        raise FilterError(f"`{key}:{options[key]}` is not an amount; write a number of US dollars, e.g. 250.")
    return value
