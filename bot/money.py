"""Money: an integer amount in a currency's minor units, plus the currency. The one money type.

Ramp's `CurrencyAmount` is `{amount: integer in minor units, currency_code: ISO 4217}`: USD 4000
means $40.00, JPY 5000 means ¥5,000 (shared/reference/ramp-api.md, "Money"). A float never
enters: decimal inputs (Ramp's legacy `amount`, a number typed in Slack) go through
`decimal.Decimal`, and `format()` works on integers only.

    >>> Money(123456, "USD").format()
    'USD 1,234.56'
    >>> Money(5000, "JPY").format()
    'JPY 5,000'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

# ISO 4217 minor-unit exponents that are not 2 (ISO 4217 list one, as Ramp and card networks use).
_ZERO_DECIMAL = frozenset("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split())
_THREE_DECIMAL = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
_FOUR_DECIMAL = frozenset("CLF UYW".split())


def minor_units(currency: str) -> int:
    """How many decimal places `currency` has: JPY 0, USD 2, KWD 3; unknown codes default to 2."""
    code = currency.upper()
    if code in _ZERO_DECIMAL:
        return 0
    if code in _THREE_DECIMAL:
        return 3
    if code in _FOUR_DECIMAL:
        return 4
    return 2


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: `amount` in minor units of `currency` (an upper-case ISO 4217 code)."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError(f"Money amount must be an int of minor units, got {type(self.amount).__name__}")
        code = self.currency.strip().upper() if isinstance(self.currency, str) else ""
        if len(code) != 3 or not code.isalpha():
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")
        object.__setattr__(self, "currency", code)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_ramp(cls, payload: Mapping[str, Any]) -> Money:
        """Parse a Ramp `CurrencyAmount` (`currency_code` defaults to USD, as in Ramp's schema)."""
        return cls(_whole_number(payload.get("amount", 0)), payload.get("currency_code") or "USD")

    @classmethod
    def from_major(cls, value: Decimal | int | str, currency: str) -> Money:
        """From a major-unit decimal (`"12.34"` USD → 1234), rounding half to even past the minor unit."""
        try:
            major = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"not an amount: {value!r}") from None
        if not major.is_finite():
            raise ValueError(f"not an amount: {value!r}")
        minor = (major.scaleb(minor_units(currency))).to_integral_value(rounding=ROUND_HALF_EVEN)
        return cls(int(minor), currency)

    def to_decimal(self) -> Decimal:
        """The amount in major units, exact (for CSV exports and ERP files)."""
        return Decimal(self.amount).scaleb(-minor_units(self.currency))

    def format(self) -> str:
        """`USD 1,234.56`, `JPY 5,000`, `KWD -1.500`: the currency's own decimals, thousands separators."""
        places = minor_units(self.currency)
        sign = "-" if self.amount < 0 else ""
        whole, fraction = divmod(abs(self.amount), 10**places)
        text = f"{whole:,}"
        if places:
            text += f".{fraction:0{places}d}"
        return f"{self.currency} {sign}{text}"

    def __str__(self) -> str:
        return self.format()

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __radd__(self, other: object) -> Money:
        # `sum(amounts)` starts from the integer 0.
        if other == 0 and not isinstance(other, Money):
            return self
        return NotImplemented

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency} amounts")


def _whole_number(value: Any) -> int:
    """An integer from JSON: an int, or a Decimal/str/float holding a whole number (Ramp sends ints)."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount")
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a whole number of minor units: {value!r}") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"not a whole number of minor units: {value!r}")
    return int(number)
