"""ERP account types → Ramp's GL classifications, one table in code.

Ramp takes ANY, ASSET, CREDCARD, EQUITY, EXPENSE, LIABILITY, REVENUE or UNKNOWN (reference/
ramp-api.md §4). The table holds the type spellings of QuickBooks Online, Xero, NetSuite and
Business Central's account categories (reference/landscape.md), plus Ramp's own values; a type the
ERP has but Ramp cannot express (NetSuite's Statistical) maps to UNKNOWN on purpose. Lookups
ignore case, spaces, hyphens and underscores. A type that is not in the table is an error, with
the nearest entry as a suggestion.

Sage Intacct has no such type: `intacct_classification` derives it from ACCOUNTTYPE and
NORMALBALANCE, and cannot tell liabilities from equity.
"""

from __future__ import annotations

import difflib
import re
from typing import Final

CLASSIFICATIONS: Final = ("ANY", "ASSET", "CREDCARD", "EQUITY", "EXPENSE", "LIABILITY", "REVENUE", "UNKNOWN")

ACCOUNT_TYPES: Final[dict[str, str]] = {
    # Ramp's own values, as written in a plain file.
    "Any": "ANY",
    "Asset": "ASSET",
    "Credcard": "CREDCARD",
    "Equity": "EQUITY",
    "Expense": "EXPENSE",
    "Liability": "LIABILITY",
    "Revenue": "REVENUE",
    "Unknown": "UNKNOWN",
    # QuickBooks Online account list.
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
    # NetSuite (singular spellings; the rest are shared with the lists above).
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
    # Xero chart of accounts (import types, then the system types exports also carry).
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
    # Business Central account categories.
    "Assets": "ASSET",
    "Liabilities": "LIABILITY",
}

# (ACCOUNTTYPE, NORMALBALANCE) → classification, for Sage Intacct.
INTACCT_TYPES: Final[dict[tuple[str, str], str]] = {
    ("balancesheet", "debit"): "ASSET",
    ("balancesheet", "credit"): "LIABILITY",
    ("incomestatement", "credit"): "REVENUE",
    ("incomestatement", "debit"): "EXPENSE",
}


def normalise(text: str) -> str:
    """Lower case, hyphens and underscores as spaces, runs of spaces as one."""
    return re.sub(r"[\s_\-]+", " ", text).strip().lower()


_BY_KEY: Final = {normalise(name): classification for name, classification in ACCOUNT_TYPES.items()}
_DISPLAY: Final = {normalise(name): name for name in ACCOUNT_TYPES}


def classify(account_type: str) -> str | None:
    """Ramp's classification for an ERP account type, or None if the type is not in the table."""
    return _BY_KEY.get(normalise(account_type))


def suggest(account_type: str) -> str | None:
    """The table entry nearest to an unknown type, if one is obviously meant ("Expnse" → "Expense")."""
    matches = difflib.get_close_matches(normalise(account_type), list(_BY_KEY), n=1, cutoff=0.8)
    return _DISPLAY[matches[0]] if matches else None


def intacct_classification(account_type: str, normal_balance: str) -> str | None:
    """Sage Intacct: balance sheet + debit → ASSET, + credit → LIABILITY; income statement likewise."""
    key = (account_type.replace(" ", "").lower(), normal_balance.strip().lower())
    return INTACCT_TYPES.get(key)
