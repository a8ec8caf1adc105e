"""The ERP account type → Ramp classification table, entry by entry, and Sage Intacct's rule."""

from __future__ import annotations

import pytest

from bot.importers.classifications import (
    ACCOUNT_TYPES,
    CLASSIFICATIONS,
    IIF_ACCOUNT_TYPES,
    INTACCT_TYPES,
    ODOO_ACCOUNT_TYPES,
    SAGE_50_ACCOUNT_TYPES,
    classify,
    contra_reason,
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
    "Wages Payable": "LIABILITY",
    "Historical Adjustment": "EQUITY",
    "Historical": "EQUITY",
    "Retained Earnings": "EQUITY",
    "Rounding": "EXPENSE",
    "Assets": "ASSET",
    "Liabilities": "LIABILITY",
    # MYOB (help.myob.com "Import and export fields"): capital is equity, cost of sales an expense.
    "Capital": "EQUITY",
    "Cost of Sales": "EXPENSE",
    "Other Liability": "LIABILITY",
    # Zoho Books' default account types, by the category its help puts each under.
    "Cash": "ASSET",
    "Stock": "ASSET",
    "Payment Clearing": "ASSET",
    "Deferred Tax Asset": "ASSET",
    "Intangible Asset": "ASSET",
    "Input Tax": "ASSET",
    "Overseas Tax Payable": "LIABILITY",
    "Output Tax": "LIABILITY",
    "Deferred Tax Liability": "LIABILITY",
    # Odoo's type labels, by the prefix of their technical key (asset_, liability_, equity_, …).
    "Receivable": "ASSET",
    "Bank and Cash": "ASSET",
    "Current Assets": "ASSET",
    "Non-current Assets": "ASSET",
    "Prepayments": "ASSET",
    "Payable": "LIABILITY",
    "Current Liabilities": "LIABILITY",
    "Non-current Liabilities": "LIABILITY",
    "Current Year Earnings": "EQUITY",
    "Cost of Revenue": "EXPENSE",
    "Other Expenses": "EXPENSE",
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
    [("long-term liability", "LIABILITY"), ("Non Current Asset", "ASSET"), ("wages_payable", "LIABILITY")],
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


# Every type Xero's chart of accounts carries, import and system types (issue 14's list, from
# Xero's help "Import a chart of accounts" and its payroll settings), written out independently.
XERO_TYPES = {
    "ASSET": "Bank, Current Asset, Inventory, Fixed Asset, Non-current Asset, Prepayment, "
    "Accounts Receivable",
    "LIABILITY": "Current Liability, Liability, Non-current Liability, Accounts Payable, "
    "Unpaid Expense Claims, Wages Payable, Sales Tax",
    "EQUITY": "Equity, Retained Earnings, Historical Adjustment",
    "REVENUE": "Revenue, Sales, Other Income",
    "EXPENSE": "Direct Costs, Expense, Overhead, Depreciation, Rounding",
}


@pytest.mark.parametrize(
    ("xero_type", "classification"),
    [(name, classification) for classification, names in XERO_TYPES.items() for name in names.split(", ")],
)
def test_every_documented_xero_type_maps(xero_type: str, classification: str) -> None:
    assert classify(xero_type) == classification


@pytest.mark.parametrize("pseudo_type", ["Tracking", "Statistical", "Non Posting"])
def test_types_that_are_not_accounts_have_no_classification_the_formats_skip_them(pseudo_type: str) -> None:
    assert classify(pseudo_type) is None


@pytest.mark.parametrize(
    ("category", "closing_type"),
    [("Equity", "non-closing account"), ("Retained Earnings", ""), ("", "closing account"), (" equity ", "")],
)
def test_an_intacct_credit_balance_sheet_account_is_equity_when_category_or_closing_type_says_so(
    category: str, closing_type: str
) -> None:
    assert intacct_classification("balancesheet", "credit", category, closing_type) == "EQUITY"
    assert intacct_classification("balancesheet", "credit", "Accounts Payable", "non-closing account") == (
        "LIABILITY"
    )


def test_intacct_contra_accounts_keep_the_rule_and_say_why_to_check_them() -> None:
    depreciation = contra_reason("LIABILITY", "Accumulated Depreciation", "Accum. Depr. - Vehicles")
    discounts = contra_reason("EXPENSE", "", "Sales Discounts")
    assert depreciation is not None and "contra asset" in depreciation
    assert discounts is not None and "contra revenue" in discounts
    assert contra_reason("EXPENSE", "Cost of Sales", "Cost of Sales") is None
    assert contra_reason("LIABILITY", "Accounts Payable", "Accounts Payable") is None
    assert contra_reason("ASSET", "Cash", "Cash - Operating") is None


def test_an_unknown_type_has_no_classification_and_an_obvious_typo_gets_a_suggestion() -> None:
    assert classify("Expnse") is None
    assert suggest("Expnse") == "Expense"
    assert suggest("Other Curent Liabilities") == "Other Current Liabilities"
    assert suggest("Banana") is None


# The ERPs that write codes: each code's classification, from the vendor's own description of it
# (IIF: "OCLIAB Other current liability"; Sage 50: "12=Other Current Liabilities"; Odoo's key prefix).
CODE_EXPECTED = {
    "IIF": (
        IIF_ACCOUNT_TYPES,
        {
            "AP": "LIABILITY",
            "AR": "ASSET",
            "BANK": "ASSET",
            "CCARD": "CREDCARD",
            "COGS": "EXPENSE",
            "EQUITY": "EQUITY",
            "EXEXP": "EXPENSE",
            "EXINC": "REVENUE",
            "EXP": "EXPENSE",
            "FIXASSET": "ASSET",
            "INC": "REVENUE",
            "LTLIAB": "LIABILITY",
            "OASSET": "ASSET",
            "OCASSET": "ASSET",
            "OCLIAB": "LIABILITY",
        },
    ),
    "Sage 50": (
        SAGE_50_ACCOUNT_TYPES,
        {"0": "ASSET", "1": "ASSET", "2": "ASSET", "3": "ASSET", "4": "ASSET", "5": "ASSET", "6": "ASSET"}
        | {"8": "ASSET", "10": "LIABILITY", "11": "LIABILITY", "12": "LIABILITY", "14": "LIABILITY"}
        | {"16": "EQUITY", "18": "EQUITY", "19": "EQUITY", "21": "REVENUE", "23": "EXPENSE", "24": "EXPENSE"},
    ),
    "Odoo": (
        ODOO_ACCOUNT_TYPES,
        {key: key.split("_")[0].upper().replace("INCOME", "REVENUE") for key, _ in ODOO_ACCOUNT_TYPES}
        | {"liability_credit_card": "CREDCARD"},
    ),
}


@pytest.mark.parametrize("erp", sorted(CODE_EXPECTED))
def test_each_erp_code_maps_to_its_ramp_classification_through_the_formats_own_table(erp: str) -> None:
    table, expected = CODE_EXPECTED[erp]

    assert {code: classify(code, table) for code, _ in table} == expected
    assert set(expected) == {code for code, _ in table}


def test_a_code_outside_the_formats_table_is_not_guessed_from_another_erps_codes() -> None:
    assert classify("OCASSET") is None  # an IIF code means nothing without IIF's table
    assert classify("24", SAGE_50_ACCOUNT_TYPES) == "EXPENSE" and classify("24") is None
    assert classify("7", SAGE_50_ACCOUNT_TYPES) is None  # Sage 50 documents no type 7
