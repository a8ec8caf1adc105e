"""ERP account types → Ramp's GL classifications, one table in code.

Ramp takes ANY, ASSET, CREDCARD, EQUITY, EXPENSE, LIABILITY, REVENUE or UNKNOWN (reference/
ramp-api.md §4). The table holds the type spellings of QuickBooks Online, Xero, NetSuite,
Business Central's account categories, MYOB, Zoho Books and Odoo (reference/landscape.md, and
the sources named below), plus Ramp's own values; ERPs that write codes (QuickBooks Desktop IIF,
Sage 50, Sage 100, Odoo's technical keys) have their own small tables, which their formats name.
Types that are not accounts at all (NetSuite's Statistical and Non Posting, Xero's Tracking, IIF's
NONPOSTING, Odoo's Off-Balance Sheet, Sage 100's non-financial 15) are not here: their rows are
skipped by the format (formats.py, erp_formats.py). Lookups ignore case, spaces, hyphens and
underscores. A type that is not in the table gets the nearest entry as a
suggestion; whether that is a row error or a warning is the format's rule.

Sage Intacct, Microsoft Dynamics GP and Sage 300 have no such type: each derives it from two
columns, balance sheet or income statement and debit or credit. Each is one `PairRule` row
(`INTACCT_ACCOUNTS`, `DYNAMICS_GP_ACCOUNTS`, `SAGE_300_ACCOUNTS`): its two fields, a table from
their values to a classification, and its small extras (Intacct's CATEGORY and CLOSINGTYPE telling
equity from liabilities). `contra_reason` names the accounts such a rule may misclassify.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
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
    # Xero chart of accounts: the import types (Xero's help "Import a chart of accounts", quoted at
    # https://www.process.st/templates/xero-ledger-financial-statement-complilation/; the API's
    # AccountType enum, https://app.unpkg.com/xero-node@15.0.0/files/dist/gen/model/accounting/
    # accountType.js), then the types of Xero's system accounts, which exports also carry: Accounts
    # Receivable, Accounts Payable, Unpaid Expense Claims, Sales Tax, Retained Earnings, Historical
    # Adjustment, Rounding (same help page), Wages Payable ("records the amounts owed to employees
    # on your balance sheet": https://help.xero.com/us/Payroll-Setup-Organization-US). Bank, Fixed
    # Asset, Equity, Expense, Revenue, Other Income, Liability, Inventory are shared with the lists
    # above. Historical Adjustment (and "Historical", as it is also written) is EQUITY as issue 14
    # decided; Xero's pages found say only that it is a system account.
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
    # Business Central account categories (enum "G/L Account Category": Assets, Liabilities,
    # Equity, Income, Cost of Goods Sold, Expense: https://learn.microsoft.com/en-us/dynamics365/
    # business-central/application/base-application/enum/microsoft.finance.generalledger.account.
    # g-l-account-category); the last four are shared with the lists above.
    "Assets": "ASSET",
    "Liabilities": "LIABILITY",
    # MYOB AccountRight's account types (header and detail accounts; "Capital" in older and UK
    # editions, "Equity" in AccountRight): https://help.myob.com/wiki/x/8YFk and
    # https://discmaster.textfiles.com/file/37224/DPCS0205.ISO/Trials/AccPlus/Data1.cab/impexptables.htm.
    # The rest are shared with the lists above.
    "Capital": "EQUITY",
    "Cost of Sales": "EXPENSE",
    "Other Liability": "LIABILITY",
    # Zoho Books' default account types ("Default Account Types in Chart of Accounts",
    # https://www.zoho.com/us/books/help/accountant/chart-of-accounts.html), and the input and
    # output tax types its exports carry beside them (its API's account types, as listed at
    # https://docs.cashflowy.io/library/jobs/zoho_books/fetch_chart_of_accounts). Tax paid on
    # purchases is an asset until it is reclaimed, tax collected a liability until paid.
    "Cash": "ASSET",
    "Stock": "ASSET",
    "Payment Clearing": "ASSET",
    "Deferred Tax Asset": "ASSET",
    "Intangible Asset": "ASSET",
    "Input Tax": "ASSET",
    "Overseas Tax Payable": "LIABILITY",
    "Output Tax": "LIABILITY",
    "Deferred Tax Liability": "LIABILITY",
    # Odoo's account types, as its exports label them (account.account's `account_type`
    # selection, odoo/odoo addons/account/models/account_account.py, Odoo 16 and later; its
    # chart-of-accounts guide, https://raw.githubusercontent.com/odoo/documentation/19.0/content/
    # applications/finance/accounting/get_started/chart_of_accounts.rst). "Off-Balance Sheet"
    # accounts are skipped by the format.
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

# Types some ERPs write as codes, each format's own table (formats name theirs in `type_values`),
# looked up before ACCOUNT_TYPES.
#
# QuickBooks Desktop IIF, !ACCNT's ACCNTTYPE keywords (Intuit's IIF import kit, "Chart of
# accounts (ACCNT)": https://support.quickbooks.intuit.com/support/pages/executable/iif/
# iif_import_kit.zip). NONPOSTING (purchase orders, estimates) is skipped by the format.
IIF_ACCOUNT_TYPES: Final = (
    ("AP", "LIABILITY"),
    ("AR", "ASSET"),
    ("BANK", "ASSET"),
    ("CCARD", "CREDCARD"),
    ("COGS", "EXPENSE"),
    ("EQUITY", "EQUITY"),
    ("EXEXP", "EXPENSE"),
    ("EXINC", "REVENUE"),
    ("EXP", "EXPENSE"),
    ("FIXASSET", "ASSET"),
    ("INC", "REVENUE"),
    ("LTLIAB", "LIABILITY"),
    ("OASSET", "ASSET"),
    ("OCASSET", "ASSET"),
    ("OCLIAB", "LIABILITY"),
)
# Sage 50 (US), CHART.CSV's Account Type numbers ("Chart of Accounts Fields (Import/Export)",
# https://help-sage50.na.sage.com/en-us/2019/Content/Importing_Exporting/Import_Export_Fields/
# IEFIELDS_Chart_of_Accounts.htm). 6, Accumulated Depreciation, is a contra asset: it sits among
# the assets on Sage's balance sheet, so ASSET.
SAGE_50_ACCOUNT_TYPES: Final = (
    ("0", "ASSET"),  # Cash
    ("1", "ASSET"),  # Accounts Receivable
    ("2", "ASSET"),  # Inventory
    ("3", "ASSET"),  # Receivable Retainage
    ("4", "ASSET"),  # Other Current Assets
    ("5", "ASSET"),  # Fixed Assets
    ("6", "ASSET"),  # Accumulated Depreciation
    ("8", "ASSET"),  # Other Assets
    ("10", "LIABILITY"),  # Accounts Payable
    ("11", "LIABILITY"),  # Payable Retainage
    ("12", "LIABILITY"),  # Other Current Liabilities
    ("14", "LIABILITY"),  # Long Term Liabilities
    ("16", "EQUITY"),  # Equity-doesn't close
    ("18", "EQUITY"),  # Equity-Retained Earnings
    ("19", "EQUITY"),  # Equity-gets closed
    ("21", "REVENUE"),  # Income
    ("23", "EXPENSE"),  # Cost of Sales
    ("24", "EXPENSE"),  # Expenses
)
# Sage 100 (formerly MAS 90/200), GL_Account's AccountType: two digits, zero-filled, validated
# against GL_AccountType, whose defaults are 01=Cash, 02=NetAR, 03=OtherRec, 04=Inv, 05=PpdExp,
# 06=OtherAssets, 07=CurrLiab, 08=LTLiab, 09=Equity, 10=RetEarn, 11=NetRev., 12=CostOfSales,
# 13=OpExp, 14=IntExp, 15=NonFin, 16=Other I&E, 17=IncTax, 18=IntExp (Sage's "File Layouts" 4.40,
# GL_AccountType: https://fayebsg.com/wp-content/uploads/2018/10/MAS90_File_Layouts.zip). 15,
# non-financial (statistical) accounts, is skipped by the format. 16 mixes income and expense and
# 18 repeats 14's label in the layouts, so neither is guessed: such rows are uploaded as UNKNOWN
# with a warning, as are types a company added. Each code is also accepted without its leading
# zero, as Excel writes it back.
_SAGE_100_DEFAULT_TYPES: Final = (
    ("01", "ASSET"),  # Cash
    ("02", "ASSET"),  # Net accounts receivable
    ("03", "ASSET"),  # Other receivables
    ("04", "ASSET"),  # Inventory
    ("05", "ASSET"),  # Prepaid expenses
    ("06", "ASSET"),  # Other assets
    ("07", "LIABILITY"),  # Current liabilities
    ("08", "LIABILITY"),  # Long-term liabilities
    ("09", "EQUITY"),  # Equity
    ("10", "EQUITY"),  # Retained earnings
    ("11", "REVENUE"),  # Net revenue
    ("12", "EXPENSE"),  # Cost of sales
    ("13", "EXPENSE"),  # Operating expenses
    ("14", "EXPENSE"),  # Interest expense
    ("17", "EXPENSE"),  # Income tax
)
SAGE_100_ACCOUNT_TYPES: Final = tuple(
    (spelling, classification)
    for code, classification in _SAGE_100_DEFAULT_TYPES
    for spelling in dict.fromkeys((code, code.lstrip("0")))
)
# Odoo's technical type keys, which an import-compatible export writes instead of the labels
# (same selection as above). off_balance is skipped by the format.
ODOO_ACCOUNT_TYPES: Final = (
    ("asset_receivable", "ASSET"),
    ("asset_cash", "ASSET"),
    ("asset_current", "ASSET"),
    ("asset_non_current", "ASSET"),
    ("asset_prepayments", "ASSET"),
    ("asset_fixed", "ASSET"),
    ("liability_payable", "LIABILITY"),
    ("liability_credit_card", "CREDCARD"),
    ("liability_current", "LIABILITY"),
    ("liability_non_current", "LIABILITY"),
    ("equity", "EQUITY"),
    ("equity_unaffected", "EQUITY"),
    ("income", "REVENUE"),
    ("income_other", "REVENUE"),
    ("expense", "EXPENSE"),
    ("expense_other", "EXPENSE"),
    ("expense_depreciation", "EXPENSE"),
    ("expense_direct_cost", "EXPENSE"),
)

# (ACCOUNTTYPE, NORMALBALANCE) → classification, for Sage Intacct. Intacct's GLACCOUNT takes
# ACCOUNTTYPE balancesheet / incomestatement, NORMALBALANCE debit / credit, CLOSINGTYPE and
# CATEGORY (Intacct's SDK, github.com/intacct/intacct-sdk-php, src/Intacct/Functions/
# GeneralLedger/AccountCreate.php; its test writes CLOSINGTYPE "non-closing account", and SDK
# users write "closed to account" for income-statement accounts closed into retained earnings).
# The account others close into is the "closing account": per issue 14 it, and a CATEGORY of
# Equity or Retained Earnings, mark a balance-sheet credit account as EQUITY.
INTACCT_TYPES: Final[dict[tuple[str, str], str]] = {
    ("balancesheet", "debit"): "ASSET",
    ("balancesheet", "credit"): "LIABILITY",
    ("incomestatement", "credit"): "REVENUE",
    ("incomestatement", "debit"): "EXPENSE",
}


@functools.lru_cache(maxsize=4096)  # called for every row's type: a file repeats a few dozen
def normalise(text: str) -> str:
    """Lower case, hyphens and underscores as spaces, runs of spaces as one."""
    return re.sub(r"[\s_\-]+", " ", text).strip().lower()


_BY_KEY: Final = {normalise(name): classification for name, classification in ACCOUNT_TYPES.items()}
_DISPLAY: Final = {normalise(name): name for name in ACCOUNT_TYPES}


def classify(account_type: str, own: tuple[tuple[str, str], ...] = ()) -> str | None:
    """Ramp's classification for an ERP account type, or None if the type is in neither the
    format's `own` table (codes such as IIF's "OCASSET") nor the shared one."""
    key = normalise(account_type)
    found = next((classification for value, classification in own if normalise(value) == key), None)
    return found or _BY_KEY.get(key)


def suggest(account_type: str) -> str | None:
    """The table entry nearest to an unknown type, if one is obviously meant ("Expnse" → "Expense")."""
    matches = difflib.get_close_matches(normalise(account_type), list(_BY_KEY), n=1, cutoff=0.8)
    return _DISPLAY[matches[0]] if matches else None


def _pair_key(value: str) -> str:
    """How a pair rule compares values: "Balance Sheet " and "balancesheet" are both "balancesheet"."""
    return re.sub(r"\s+", "", value).lower()


def _alternatives(values: list[str]) -> str:
    """Values as a sentence lists them: "a or b", "a, b or c"."""
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


@dataclass(frozen=True)
class PairRule:
    """A classification derived from two columns: one of a format's rows, held as data.

    `first` and `second` are the format's fields for the two columns (its `Column`s name their
    headers); `table` holds (value of `first`, value of `second`, classification) as the ERP writes
    the values, compared ignoring case and spaces; `aliases` other spellings of a value, as
    (field, spelling, value). `equity_when`: (field, values) pairs: an account the table makes
    LIABILITY is EQUITY when that field holds one of the values (compared by `normalise`), for an
    ERP that marks equity in a third column. `equity_by_name`: the ERP's columns cannot tell equity
    from liabilities, so a LIABILITY whose name reads like equity is listed to check. `note`: what
    the preview says of the rule. Rows a format skips (Dynamics GP's unit accounts) are the
    format's `skip_types`, as for any other format.
    """

    first: str
    second: str
    table: tuple[tuple[str, str, str], ...]
    note: str
    aliases: tuple[tuple[str, str, str], ...] = ()
    equity_when: tuple[tuple[str, frozenset[str]], ...] = ()
    equity_by_name: bool = False
    _by_key: dict[tuple[str, str], str] = field(init=False, repr=False, compare=False)
    _spellings: dict[tuple[str, str], str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key = {(_pair_key(a), _pair_key(b)): classification for a, b, classification in self.table}
        spellings = {(name, _pair_key(spelling)): _pair_key(value) for name, spelling, value in self.aliases}
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_spellings", spellings)

    def _key(self, name: str, value: str) -> str:
        key = _pair_key(value)
        return self._spellings.get((name, key), key)

    def classify(self, values: dict[str, str]) -> str | None:
        """The classification of a row's values (by field), or None when the pair is not in the table."""
        first = self._key(self.first, values.get(self.first, ""))
        found = self._by_key.get((first, self._key(self.second, values.get(self.second, ""))))
        if found == "LIABILITY" and any(
            normalise(values.get(name, "")) in marks for name, marks in self.equity_when
        ):
            return "EQUITY"
        return found

    def unknown_field(self, values: dict[str, str]) -> str:
        """The field to blame for a pair the table lacks: `first` if its value is unknown, else `second`."""
        known = {a for a, _ in self._by_key}
        return self.first if self._key(self.first, values.get(self.first, "")) not in known else self.second

    def expected(self, name: str) -> str:
        """The values the table knows for field `name`, as the ERP writes them: "debit or credit"."""
        index = 0 if name == self.first else 1
        return _alternatives(list(dict.fromkeys(row[index] for row in self.table)))

    def check(self, classification: str, values: dict[str, str]) -> str | None:
        """Why the row's account may be one the rule misclassifies (see `contra_reason`), or None."""
        category, title = values.get("category", ""), values.get("name", "")
        reason = contra_reason(classification, category, title)
        if reason is None and self.equity_by_name:
            reason = _equity_reason(classification, title)
        return reason


# Sage Intacct's row: INTACCT_TYPES above, and its equity extra (issue 14, as said there).
INTACCT_ACCOUNTS: Final = PairRule(
    "account_type",
    "normal_balance",
    tuple((account_type, balance, found) for (account_type, balance), found in INTACCT_TYPES.items()),
    "Classifications were derived from ACCOUNTTYPE and NORMALBALANCE: balance sheet + debit is "
    "ASSET, + credit is LIABILITY (EQUITY for a CATEGORY of Equity or Retained Earnings, or the "
    "closing account); income statement + credit is REVENUE, + debit is EXPENSE.",
    equity_when=(
        ("category", frozenset({"equity", "retained earnings"})),
        ("closing_type", frozenset({"closing account"})),
    ),
)
# Dynamics GP's GL00100: PSTNGTYP "0=Balance sheet; 1=Profit & loss account", TPCLBLNC "0=Debit;
# 1=Credit" (eConnect's <taUpdateCreateAccountRcd>, https://learn.microsoft.com/en-us/previous-
# versions/dynamicsgp/developer/ff623978(v=msdn.10)). GP has no column that marks equity: its
# account categories (ACCATNUM) are numbers whose list eConnect does not give, so equity accounts
# come out LIABILITY and are listed to check by their names.
# assumption: a SmartList or report export writes the labels instead of the numbers; those
# spellings are accepted too.
DYNAMICS_GP_ACCOUNTS: Final = PairRule(
    "posting_type",
    "typical_balance",
    (
        ("0", "0", "ASSET"),  # balance sheet, debit
        ("0", "1", "LIABILITY"),  # balance sheet, credit
        ("1", "1", "REVENUE"),  # profit and loss, credit
        ("1", "0", "EXPENSE"),  # profit and loss, debit
    ),
    "Classifications were derived from PSTNGTYP and TPCLBLNC: balance sheet (0) + debit (0) is ASSET, "
    "+ credit (1) is LIABILITY; profit and loss (1) + credit is REVENUE, + debit is EXPENSE. GP marks no "
    "account as equity: those come out LIABILITY, and the ones whose names look like equity are listed "
    "to check.",
    aliases=(
        ("posting_type", "Balance Sheet", "0"),
        ("posting_type", "Profit and Loss", "1"),
        ("posting_type", "Profit & Loss", "1"),
        ("typical_balance", "Debit", "0"),
        ("typical_balance", "Credit", "1"),
    ),
    equity_by_name=True,
)
# Sage 300's GLAMF: ACCTTYPE "I=Income Statement, B=Balance Sheet, R=Retained Earnings", ACCTBAL
# "1=Debit, 2=Credit" (Sage's Accpac Object Model, http://sageaom.kcsvar.com/AOM54/GLAMF.HTM; the
# same in Sage 300's "Account Master Fields", https://documentation.help/GL61AENG/
# AccountMasterFields.htm). The retained earnings account is EQUITY whatever its balance; other
# equity accounts are balance-sheet credit accounts, LIABILITY by the rule, listed to check.
# assumption: an export may write the list's labels ("Balance Sheet", "Credit"), as Sage's
# financial reporter does; those spellings are accepted too.
SAGE_300_ACCOUNTS: Final = PairRule(
    "account_type",
    "normal_balance",
    (
        ("B", "1", "ASSET"),
        ("B", "2", "LIABILITY"),
        ("I", "2", "REVENUE"),
        ("I", "1", "EXPENSE"),
        ("R", "2", "EQUITY"),
        ("R", "1", "EQUITY"),
    ),
    "Classifications were derived from ACCTTYPE and ACCTBAL: balance sheet (B) + debit (1) is ASSET, "
    "+ credit (2) is LIABILITY; income statement (I) + credit is REVENUE, + debit is EXPENSE; the "
    "retained earnings account (R) is EQUITY. Other equity accounts come out LIABILITY: the ones whose "
    "names look like equity are listed to check.",
    aliases=(
        ("account_type", "Balance Sheet", "B"),
        ("account_type", "Income Statement", "I"),
        ("account_type", "Retained Earnings", "R"),
        ("normal_balance", "Debit", "1"),
        ("normal_balance", "Credit", "2"),
    ),
    equity_by_name=True,
)


def intacct_classification(
    account_type: str, normal_balance: str, category: str = "", closing_type: str = ""
) -> str | None:
    """Sage Intacct: balance sheet + debit → ASSET, + credit → LIABILITY, or EQUITY for an equity
    CATEGORY or a closing account; income statement + credit → REVENUE, + debit → EXPENSE."""
    values = {
        "account_type": account_type,
        "normal_balance": normal_balance,
        "category": category,
        "closing_type": closing_type,
    }
    return INTACCT_ACCOUNTS.classify(values)


# assumption: Intacct documents no list of CATEGORY values, and GP and Sage 300 have no such column,
# so contra and equity accounts are recognised by words in CATEGORY or the name. A false hit only
# adds a line to the preview's "check these".
_CONTRA_ASSET_WORDS: Final = (
    "accumulated",
    "depreciation",
    "amortization",
    "amortisation",
    "allowance",
    "doubtful",
    "asset",
    "receivable",
    "inventory",
)
_REVENUE_WORDS: Final = ("revenue", "sales", "income", "discount", "returns")
_NOT_REVENUE_WORDS: Final = ("cost", "expense", "tax")
_EQUITY_WORDS: Final = (
    "equity",
    "capital",
    "stock",
    "share",
    "retained",
    "earnings",
    "drawing",
    "dividend",
    "distribution",
    "treasury",
    "paid in",
)
_NOT_EQUITY_WORDS: Final = ("payable", "loan", "note")


def contra_reason(classification: str, category: str, title: str) -> str | None:
    """Why an account classified by its normal balance may be a contra account the rule
    misclassifies, or None: a credit-balance asset (accumulated depreciation) comes out LIABILITY,
    a debit-balance revenue account (sales discounts) EXPENSE."""
    text = normalise(f"{category} {title}")
    if classification == "LIABILITY" and any(word in text for word in _CONTRA_ASSET_WORDS):
        return "looks like an asset with a credit balance (a contra asset); the rule made it LIABILITY"
    if (
        classification == "EXPENSE"
        and any(word in text for word in _REVENUE_WORDS)
        and not any(word in text for word in _NOT_REVENUE_WORDS)
    ):
        return "looks like revenue with a debit balance (a contra revenue account); the rule made it EXPENSE"
    return None


def _equity_reason(classification: str, title: str) -> str | None:
    """Why a LIABILITY may be equity, for an ERP whose columns cannot tell them apart, or None."""
    text = normalise(title)
    if (
        classification == "LIABILITY"
        and any(word in text for word in _EQUITY_WORDS)
        and not any(word in text for word in _NOT_EQUITY_WORDS)
    ):
        return "looks like equity (capital, stock, retained earnings); the rule made it LIABILITY"
    return None
