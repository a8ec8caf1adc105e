"""The ERP account type → Ramp classification table, entry by entry."""

from __future__ import annotations

import pytest

from bot.importers.classifications import (
    ACCOUNT_TYPES,
    CLASSIFICATIONS,
    INTACCT_TYPES,
    classify,
    intacct_classification,
    suggest,
)

# Written out independently of the table, from reference/landscape.md's mapping.
EXPECTED = {
    "Any": "ANY",
    "Asset": "ASSET",
    "Credcard": "CREDCARD",
    "Equity": "EQUITY",
    "Expense": "EXPENSE",
    "Liability": "LIABILITY",
    "Revenue": "REVENUE",
    "Unknown": "UNKNOWN",
    "Bank": "ASSET",
    "Accounts receivable (A/R)": "ASSET",
    "Other Current Assets": "ASSET",
    "Fixed Assets": "ASSET",
    "Other Assets": "ASSET",
    "Accounts payable (A/P)": "LIABILITY",
    "Credit Card": "CREDCARD",
    "Other Current Liabilities": "LIABILITY",
    "Long Term Liabilities": "LIABILITY",
    "Income": "REVENUE",
    "Other Income": "REVENUE",
    "Cost of Goods Sold": "EXPENSE",
    "Expenses": "EXPENSE",
    "Other Expense": "EXPENSE",
    "Accounts Receivable": "ASSET",
    "Other Current Asset": "ASSET",
    "Fixed Asset": "ASSET",
    "Other Asset": "ASSET",
    "Accounts Payable": "LIABILITY",
    "Other Current Liability": "LIABILITY",
    "Long Term Liability": "LIABILITY",
    "Deferred Revenue": "LIABILITY",
    "Deferred Expense": "ASSET",
    "Unbilled Receivable": "ASSET",
    "Statistical": "UNKNOWN",
    "Non Posting": "UNKNOWN",
    "Current Asset": "ASSET",
    "Inventory": "ASSET",
    "Non-current Asset": "ASSET",
    "Prepayment": "ASSET",
    "Current Liability": "LIABILITY",
    "Non-current Liability": "LIABILITY",
    "Depreciation": "EXPENSE",
    "Direct Costs": "EXPENSE",
    "Overhead": "EXPENSE",
    "Sales": "REVENUE",
    "Sales Tax": "LIABILITY",
    "Unpaid Expense Claims": "LIABILITY",
    "Historical": "LIABILITY",
    "Retained Earnings": "EQUITY",
    "Rounding": "EXPENSE",
    "Tracking": "UNKNOWN",
    "Assets": "ASSET",
    "Liabilities": "LIABILITY",
}


def test_the_expectations_cover_every_entry_of_the_table() -> None:
    assert set(EXPECTED) == set(ACCOUNT_TYPES)


@pytest.mark.parametrize(("account_type", "classification"), sorted(EXPECTED.items()))
def test_each_account_type_maps_to_its_ramp_classification(account_type: str, classification: str) -> None:
    assert classification in CLASSIFICATIONS
    assert classify(account_type) == classification
    assert classify(f"  {account_type.upper()} ") == classification


@pytest.mark.parametrize(
    ("spelling", "classification"),
    [("long-term liability", "LIABILITY"), ("Non Current Asset", "ASSET"), ("non_posting", "UNKNOWN")],
)
def test_lookups_ignore_hyphens_underscores_and_spacing(spelling: str, classification: str) -> None:
    assert classify(spelling) == classification


@pytest.mark.parametrize(
    ("pair", "classification"),
    [
        (("balancesheet", "debit"), "ASSET"),
        (("balancesheet", "credit"), "LIABILITY"),
        (("incomestatement", "credit"), "REVENUE"),
        (("incomestatement", "debit"), "EXPENSE"),
    ],
)
def test_each_intacct_type_and_balance_maps_to_its_classification(
    pair: tuple[str, str], classification: str
) -> None:
    assert INTACCT_TYPES[pair] == classification
    assert intacct_classification(pair[0].upper(), f" {pair[1].title()} ") == classification


def test_the_intacct_expectations_cover_every_entry() -> None:
    assert len(INTACCT_TYPES) == 4


def test_an_unknown_type_has_no_classification_and_an_obvious_typo_gets_a_suggestion() -> None:
    assert classify("Expnse") is None
    assert suggest("Expnse") == "Expense"
    assert suggest("Other Curent Liabilities") == "Other Current Liabilities"
    assert suggest("Banana") is None
