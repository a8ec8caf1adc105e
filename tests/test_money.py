"""bot/money.py: an integer amount in a currency's minor units. Decimal inputs are parsed exactly,
each currency keeps its own decimals (JPY none, KWD three), floats and garbage are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.money import Money, minor_units

# -- minor units per currency ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "places"),
    [
        ("USD", 2),
        ("EUR", 2),
        ("GBP", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("VND", 0),
        ("BHD", 3),
        ("KWD", 3),
        ("OMR", 3),
        ("TND", 3),
        ("CLF", 4),
        ("jpy", 0),  # the code's case does not matter
        ("XYZ", 2),  # a code it does not know: two, as most currencies have
    ],
)
def test_each_currency_has_its_own_number_of_decimals(currency: str, places: int):
    assert minor_units(currency) == places


# -- what a Money is made of ------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [40.0, 40.5, Decimal("40"), "4000", True, None])
def test_an_amount_that_is_not_an_int_of_minor_units_is_refused(amount: object):
    with pytest.raises(TypeError):
        Money(amount, "USD")  # type: ignore[arg-type]


def test_the_currency_code_is_kept_upper_case_and_trimmed():
    assert Money(1, " usd ").currency == "USD"
    assert Money(1, "usd") == Money(1, "USD")


@pytest.mark.parametrize("currency", ["US", "USDX", "U5D", "", "   ", None, 840])
def test_a_currency_that_is_not_an_iso_code_is_refused(currency: object):
    with pytest.raises(ValueError):
        Money(1, currency)  # type: ignore[arg-type]


def test_zero_is_zero_minor_units_of_the_currency():
    assert Money.zero("eur") == Money(0, "EUR")


# -- parsing decimal inputs (a number typed in Slack, Ramp's legacy `amount`) ---------------------------


@pytest.mark.parametrize(
    ("value", "currency", "amount"),
    [
        ("12.34", "USD", 1234),
        (" 12.34 ", "USD", 1234),
        ("-12.34", "USD", -1234),
        ("12", "USD", 1200),
        (12, "USD", 1200),
        (Decimal("0.01"), "EUR", 1),
        ("5000", "JPY", 5000),
        ("12.345", "KWD", 12345),
        ("0.001", "BHD", 1),
        ("1.2345", "CLF", 12345),
        ("1e3", "USD", 100000),
    ],
)
def test_a_decimal_in_major_units_becomes_exact_minor_units(value: object, currency: str, amount: int):
    assert Money.from_major(value, currency) == Money(amount, currency)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "currency", "amount"),
    [
        ("0.125", "USD", 12),  # half a cent: to the even cent
        ("0.135", "USD", 14),
        ("-0.125", "USD", -12),
        ("0.1251", "USD", 13),  # more than half: up
        ("0.5", "JPY", 0),  # no decimals at all: half a yen to the even yen
        ("1.5", "JPY", 2),
        ("2.5", "JPY", 2),
        ("1.0005", "KWD", 1000),
        ("1.0015", "KWD", 1002),
    ],
)
def test_digits_past_the_minor_unit_round_half_to_even(value: str, currency: str, amount: int):
    assert Money.from_major(value, currency).amount == amount


@pytest.mark.parametrize(
    "value", ["", "abc", "12,34", "1,000.50", "$12", "12 USD", "NaN", "Infinity", "-inf"]
)
def test_garbage_is_not_an_amount(value: str):
    with pytest.raises(ValueError):
        Money.from_major(value, "USD")


# -- reading Ramp's CurrencyAmount ----------------------------------------------------------------------


def test_ramps_currency_amount_is_minor_units_with_usd_as_the_default():
    assert Money.from_ramp({"amount": 4000, "currency_code": "USD"}) == Money(4000, "USD")
    assert Money.from_ramp({"amount": 5000, "currency_code": "JPY"}) == Money(5000, "JPY")
    assert Money.from_ramp({"amount": 4000}) == Money(4000, "USD")
    assert Money.from_ramp({"amount": 4000, "currency_code": None}) == Money(4000, "USD")
    assert Money.from_ramp({"currency_code": "EUR"}) == Money(0, "EUR")


def test_a_whole_number_in_another_json_shape_is_accepted():
    assert Money.from_ramp({"amount": "4000", "currency_code": "USD"}).amount == 4000
    assert Money.from_ramp({"amount": 4000.0, "currency_code": "USD"}).amount == 4000


@pytest.mark.parametrize("amount", [40.5, "40.5", "abc", float("nan"), float("inf")])
def test_a_fraction_of_a_minor_unit_from_ramp_is_refused(amount: object):
    with pytest.raises(ValueError):
        Money.from_ramp({"amount": amount, "currency_code": "USD"})


def test_a_boolean_from_ramp_is_not_an_amount():
    with pytest.raises(TypeError):
        Money.from_ramp({"amount": True, "currency_code": "USD"})


# -- formatting and exact decimals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(4000, "USD"), "USD 40.00"),
        (Money(123456789, "usd"), "USD 1,234,567.89"),
        (Money(5, "USD"), "USD 0.05"),
        (Money(-5, "USD"), "USD -0.05"),
        (Money(-1234567, "EUR"), "EUR -12,345.67"),
        (Money(0, "GBP"), "GBP 0.00"),
        (Money(5000, "JPY"), "JPY 5,000"),
        (Money(-5000, "JPY"), "JPY -5,000"),
        (Money(1000000, "KRW"), "KRW 1,000,000"),
        (Money(1500, "KWD"), "KWD 1.500"),
        (Money(-99, "BHD"), "BHD -0.099"),
        (Money(12345, "CLF"), "CLF 1.2345"),
    ],
)
def test_an_amount_is_shown_with_the_currencys_own_decimals_and_thousands_separators(money: Money, text: str):
    assert money.format() == text
    assert str(money) == text


@pytest.mark.parametrize(
    ("money", "decimal"),
    [
        (Money(1, "USD"), Decimal("0.01")),
        (Money(-1234, "USD"), Decimal("-12.34")),
        (Money(5000, "JPY"), Decimal("5000")),
        (Money(12345, "KWD"), Decimal("12.345")),
    ],
)
def test_to_decimal_gives_the_exact_major_units(money: Money, decimal: Decimal):
    assert money.to_decimal() == decimal


CURRENCIES = st.sampled_from(["USD", "EUR", "JPY", "KRW", "KWD", "BHD", "CLF", "XYZ"])


@given(st.integers(min_value=-(10**15), max_value=10**15), CURRENCIES)
def test_the_decimal_and_the_shown_text_read_back_as_the_same_amount(amount: int, currency: str):
    money = Money(amount, currency)
    assert Money.from_major(money.to_decimal(), currency) == money
    code, number = money.format().split(" ")
    assert code == currency and Money.from_major(number.replace(",", ""), currency) == money


# -- arithmetic -------------------------------------------------------------------------------------------


def test_amounts_of_one_currency_add_subtract_and_negate():
    assert Money(4000, "USD") + Money(1, "USD") == Money(4001, "USD")
    assert Money(4000, "USD") - Money(4001, "USD") == Money(-1, "USD")
    assert -Money(5, "JPY") == Money(-5, "JPY")
    assert sum([Money(1, "EUR"), Money(2, "EUR")]) == Money(3, "EUR")  # sum() starts from 0


def test_amounts_of_two_currencies_do_not_combine():
    with pytest.raises(ValueError):
        Money(1, "USD") + Money(1, "EUR")
    with pytest.raises(ValueError):
        Money(1, "USD") - Money(1, "EUR")
    with pytest.raises(ValueError):
        sum([Money(1, "USD"), Money(1, "JPY")])


@pytest.mark.parametrize("other", [1, 1.0, Decimal("1"), "1"])
def test_a_bare_number_is_not_added_to_money(other: object):
    with pytest.raises(TypeError):
        Money(1, "USD") + other  # type: ignore[operator]
    with pytest.raises(TypeError):
        other + Money(1, "USD")  # type: ignore[operator]
