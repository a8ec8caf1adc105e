"""The file formats we recognise from a header row, and how each maps to category records.

A format names its columns by the headers ERPs write (matched ignoring case, spaces, `*`, `_`,
`.` and `-`, in any order, with any extra columns), says which must be present, and which kind of
category it holds. Fitting a header to these formats, and choosing between several that fit,
happens in `table`; the order below breaks the last ties.

Every format also recognises the usual "this row is inactive" columns (`Inactive`, `Status`,
`Active`, `Blocked`): such rows are skipped and counted with their reason. A format adds its own
skip rules as data (types that are not accounts, layout rows, QuickBooks' " (deleted)" names), and
says whether an account type it does not know blocks the file or only warns. Column lists come
from reference/landscape.md and the documents cited beside each format; Ramp's Universal CSV
templates use the API's own names (`id`, `name`, `code`, `classification`; `field`, `option_id`,
`option_value`), which is the plain format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from bot.category_kinds import FIELD_OPTIONS, GL_ACCOUNTS, SUBSIDIARIES, VENDORS
from bot.importers.records import KIND_LABELS, SYNC_RESULTS

Rule = Literal["none", "type", "intacct"]


def header_key(text: str) -> str:
    """How header cells are compared: "*Account Type " and "account_type" are both "accounttype"."""
    return re.sub(r"[\s*_.\-\ufeff]+", "", text).lower()


@dataclass(frozen=True)
class Column:
    """One column a format reads: our `field` name, the headers ERPs give it, whether it must exist."""

    field: str
    headers: tuple[str, ...]
    required: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(header_key(header) for header in self.headers)


@dataclass(frozen=True)
class Format:
    """A file format: its columns and the rules that turn one of its rows into a record.

    `id_fields` are tried in order for the ERP id (the first non-empty wins). `classification`
    says where a GL account's classification comes from: a `type` column through the table in
    `classifications.py`, or Intacct's columns. `unknown_type`: whether a type the table lacks is
    a row error (a file in Ramp's own shape, where it is a typo) or a warning, the row uploaded as
    UNKNOWN (an ERP export, whose types the bot may not all know). `posting_only` skips rows whose
    `posting` column is not "Posting" (Business Central's headings and totals). `skip_types`:
    (type, reason) pairs whose rows are skipped; `uncoded_skip_types`: types whose rows are
    skipped when they have no code; `deleted_suffix`: a name ending so marks a deleted record.
    `code_is_id`: the id is the account number, which Ramp should also show as the code.
    `identifying`: at least one of these headers must be present; `excluding`: none of them may be.
    """

    name: str
    kind: str
    columns: tuple[Column, ...]
    about: str
    id_fields: tuple[str, ...] = ("id",)
    classification: Rule = "none"
    unknown_type: Literal["error", "warning"] = "warning"
    posting_only: bool = False
    skip_types: tuple[tuple[str, str], ...] = ()
    uncoded_skip_types: tuple[str, ...] = ()
    deleted_suffix: str = ""
    code_is_id: bool = False
    identifying: tuple[str, ...] = ()
    excluding: tuple[str, ...] = ()

    def column(self, field: str) -> Column | None:
        return next((column for column in self.columns if column.field == field), None)


# Columns any format may carry that mark a row inactive (see `inactive_reason`).
STATUS_COLUMNS: Final = (
    Column("inactive", ("Inactive", "Is Inactive")),
    Column("status", ("Status", "Account Status")),
    Column("active", ("Active", "Is Active")),
    Column("blocked", ("Blocked",)),
)
STATUS_FIELDS: Final = tuple(column.field for column in STATUS_COLUMNS)
_TRUE: Final = frozenset({"yes", "y", "true", "t", "1", "x", "inactive"})
_FALSE: Final = frozenset({"no", "n", "false", "f", "0", "inactive"})
_INACTIVE_STATUSES: Final = frozenset({"inactive", "archived", "deleted", "disabled"})


def inactive_reason(values: dict[str, str]) -> tuple[str, str] | None:
    """("inactive" or "blocked", the cell that says so) when the status columns mark a row
    inactive, else None.

    Business Central's vendor `Blocked` is blank, Payment, Invoice or All: only All stops a
    vendor being used at all, so a payment block keeps it active for coding card spend. A G/L
    account's `Blocked` is a yes/no: "entries cannot be posted to the account"
    (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/
    resources/dynamics_account).
    """
    cell = {field: values.get(field, "").strip() for field in ("inactive", "status", "active", "blocked")}
    lowered = {field: value.lower() for field, value in cell.items()}
    if lowered["inactive"] in _TRUE:
        return "inactive", cell["inactive"]
    if lowered["status"] in _INACTIVE_STATUSES:
        return "inactive", cell["status"]
    if lowered["active"] in _FALSE:
        return "inactive", cell["active"]
    if lowered["blocked"] in _TRUE | {"all"}:
        return "blocked", cell["blocked"]
    return None


def _c(field: str, *headers: str, required: bool = False) -> Column:
    return Column(field, headers, required)


FORMATS: Final[tuple[Format, ...]] = (
    # Xero's help "Import a chart of accounts" names the columns (`*` = mandatory) and the types,
    # and says bank accounts follow other rules (their code is optional); quoted at
    # https://www.process.st/templates/xero-ledger-financial-statement-complilation/ and
    # https://support.cloudscape.ae/portal/en/kb/articles/setting-up-chart-of-accounts-in-xero-via-a-csv.
    # Exports add Balance and the system accounts, among them Tracking Transfers, whose type
    # Tracking is no account to code spend to (issue 14), like a bank account without a code.
    Format(
        "Xero chart of accounts",
        GL_ACCOUNTS,
        (
            _c("code", "*Code", required=True),
            _c("name", "*Name", required=True),
            _c("type", "*Type", required=True),
            _c("tax_code", "*Tax Code"),
            _c("description", "Description"),
        ),
        "Accounting → Chart of accounts → Export. No id column: the account code is the id, the name "
        "when an account has no code. Bank accounts without a code and the Tracking pseudo-account are "
        "skipped.",
        id_fields=("code", "name"),
        classification="type",
        skip_types=(("Tracking", "tracking"),),
        uncoded_skip_types=("Bank",),
        identifying=(
            "taxcode",
            "dashboard",
            "expenseclaims",
            "enablepayments",
            "reportcode",
            "reportingname",
        ),
    ),
    # QuickBooks Online's Account List report (reference/landscape.md). assumption: a removed
    # account keeps its row with " (deleted)" after its name (issue 14, from users' exports; no
    # Intuit page says so). Such rows are skipped; if Ramp holds the account it is "missing from
    # the file" and deactivated only when the user ticks "Also deactivate", like any missing item.
    Format(
        "QuickBooks Online chart of accounts",
        GL_ACCOUNTS,
        (
            _c("name", "Account Name", "Account", "Full Name", required=True),
            _c("type", "Type", "Account Type", required=True),
            _c("code", "Account #", "Account Number", "Number", "Acct Num"),
            _c("detail_type", "Detail Type"),
            _c("description", "Description"),
            _c("balance", "Total Balance", "Balance"),
        ),
        "Reports → Account List, exported. QuickBooks reports carry no ids: the account number is the id "
        "when the export has one, else the name (sub-accounts as Parent:Child). Names ending "
        "“(deleted)” are skipped.",
        id_fields=("code", "name"),
        classification="type",
        deleted_suffix=" (deleted)",
    ),
    # NetSuite's account record: Number, Name, Type (https://system.netsuite.com/help/helpcenter/en_US/
    # srbrowser/Browser2024_2/script/record/account.html). Its AccountType enum has Non Posting
    # and Statistical beside the posting types (SuiteTalk, as in github.com/netsuitephp/netsuite-php,
    # src/Classes/AccountType.php); statistical accounts "track non-monetary data" (NetSuite help,
    # https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_0902085857.html) and
    # non-posting ones hold orders and estimates: neither takes card spend, so both are skipped.
    Format(
        "NetSuite chart of accounts",
        GL_ACCOUNTS,
        (
            _c("id", "Internal ID", required=True),
            _c("code", "Number", "Account Number"),
            _c("name", "Name", "Account Name", required=True),
            _c("type", "Type", "Account Type", required=True),
            _c("description", "Description"),
            _c("subsidiary", "Subsidiary"),
        ),
        "Account saved search or list exported as CSV. Non Posting and Statistical accounts are skipped.",
        classification="type",
        skip_types=(("Non Posting", "non_posting"), ("Statistical", "statistical")),
    ),
    # Intacct's GLACCOUNT fields ACCOUNTNO, TITLE, ACCOUNTTYPE, NORMALBALANCE, CLOSINGTYPE,
    # CATEGORY, STATUS (github.com/intacct/intacct-sdk-php, src/Intacct/Functions/GeneralLedger/
    # AccountCreate.php); the classification rule is in classifications.py.
    Format(
        "Sage Intacct chart of accounts",
        GL_ACCOUNTS,
        (
            _c("id", "ACCOUNTNO", required=True),
            _c("name", "TITLE", required=True),
            _c("account_type", "ACCOUNTTYPE", required=True),
            _c("normal_balance", "NORMALBALANCE", required=True),
            _c("closing_type", "CLOSINGTYPE"),
            _c("category", "CATEGORY"),
        ),
        "Chart of accounts CSV template. The classification comes from ACCOUNTTYPE and NORMALBALANCE; "
        "a balance-sheet account with a credit balance is LIABILITY, or EQUITY when its CATEGORY is "
        "Equity or Retained Earnings or it is the closing account.",
        classification="intacct",
        code_is_id=True,
    ),
    # Business Central's G/L account: No., Name, Income/Balance, Account Category, Account
    # Subcategory, Account Type (Posting, Heading, Total, Begin-Total, End-Total: only Posting
    # "accepts direct transaction postings", https://microsoft.github.io/BCApps/reference/
    # base-application/Enum/Microsoft.Finance.GeneralLedger.Account.G-L-Account-Type.html), Direct
    # Posting, Blocked (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/
    # api-reference/v2.0/resources/dynamics_account).
    Format(
        "Business Central chart of accounts",
        GL_ACCOUNTS,
        (
            _c("id", "No.", required=True),
            _c("name", "Name", required=True),
            _c("income_balance", "Income/Balance"),
            _c("type", "Account Category"),
            _c("subcategory", "Account Subcategory"),
            _c("posting", "Account Type"),
            _c("direct_posting", "Direct Posting"),
        ),
        "Chart of Accounts → Edit in Excel. Only Posting accounts are imported; headings, totals and "
        "blocked accounts are skipped. The classification comes from Account Category.",
        classification="type",
        posting_only=True,
        code_is_id=True,
        identifying=("income/balance", "accountcategory", "accounttype", "directposting"),
    ),
    Format(
        "Ramp GL accounts (id, name, code, classification)",
        GL_ACCOUNTS,
        (
            _c("id", "id", "remote_id", required=True),
            _c("name", "name", required=True),
            _c("code", "code"),
            _c("type", "classification"),
        ),
        "Ramp's own shape, or a file made by hand. A blank classification is UNKNOWN.",
        classification="type",
        unknown_type="error",
    ),
    Format(
        "QuickBooks Online vendor list",
        VENDORS,
        (
            _c("name", "Vendor", "Vendor Name", "Vendor Display Name", "Display Name", required=True),
            _c("company", "Company", "Company Name"),
            _c("phone", "Phone"),
            _c("email", "Email"),
        ),
        "Reports → Vendor Contact List, exported. No id column: the vendor's display name is the id. "
        "Names ending “(deleted)” are skipped.",
        id_fields=("name",),
        deleted_suffix=" (deleted)",
    ),
    Format(
        "Xero contacts",
        VENDORS,
        (
            _c("name", "*ContactName", required=True),
            _c("account_number", "AccountNumber"),
            _c("email", "EmailAddress"),
        ),
        "Contacts → Suppliers → Export. No id column: Xero keeps contact names unique; the name is the id.",
        id_fields=("name",),
    ),
    Format(
        "NetSuite vendors",
        VENDORS,
        (
            _c("id", "Internal ID", required=True),
            _c("name", "Name", "Company Name", required=True),
            _c("email", "Email"),
            _c("phone", "Phone"),
            _c("subsidiary", "Subsidiary"),
            _c("currency", "Currency"),
            _c("category", "Category"),
        ),
        "Vendor list or saved search exported as CSV.",
        excluding=("type", "accounttype"),
    ),
    Format(
        "NetSuite subsidiaries",
        SUBSIDIARIES,
        (
            _c("id", "Internal ID", required=True),
            _c("name", "Name", required=True),
            _c("country", "Country"),
            _c("currency", "Currency"),
            _c("parent", "Parent"),
        ),
        "Subsidiaries list exported as CSV.",
        identifying=("country", "parent"),
        excluding=("type", "accounttype", "email", "phone"),
    ),
    Format(
        "Sage Intacct vendors",
        VENDORS,
        (_c("id", "VENDORID", required=True), _c("name", "NAME", required=True)),
        "Vendors CSV export or template.",
    ),
    Format(
        "Sage Intacct entities",
        SUBSIDIARIES,
        (_c("id", "LOCATIONID", required=True), _c("name", "NAME", required=True)),
        "Entities (locations) CSV export.",
    ),
    Format(
        "Business Central vendors",
        VENDORS,
        (
            _c("id", "No.", required=True),
            _c("name", "Name", required=True),
            _c("phone", "Phone No."),
            _c("contact", "Contact"),
        ),
        "Vendors → Edit in Excel. Vendors blocked for All are skipped; a payment block is not.",
        excluding=("income/balance", "accountcategory", "accounttype", "directposting"),
    ),
    Format(
        "Ramp vendors (id, name)",
        VENDORS,
        (_c("id", "id", "remote_id", required=True), _c("name", "name", required=True), _c("code", "code")),
        "Ramp's own shape, or a file made by hand.",
    ),
    Format(
        "Ramp subsidiaries (id, name)",
        SUBSIDIARIES,
        (_c("id", "id", "remote_id", required=True), _c("name", "name", required=True)),
        "Ramp's own shape, or a file made by hand.",
    ),
    Format(
        "Ramp custom field options (field, option_id, option_value)",
        FIELD_OPTIONS,
        (
            _c("field", "field", "field_name", "custom_field", required=True),
            _c("id", "option_id", required=True),
            _c("name", "option_value", "value", required=True),
        ),
        "One row per option; `field` is the custom field's name (created first if Ramp lacks it).",
    ),
    Format(
        "Ramp sync results",
        SYNC_RESULTS,
        (
            _c("transaction_id", "transaction_id", required=True),
            _c("status", "status", required=True),
            _c("reference_id", "reference_id", required=True),
            _c("error", "error", required=True),
        ),
        "Results of posting transactions to the ERP; read by the sync feature, not imported as categories.",
        id_fields=("transaction_id",),
    ),
)

FORMATS_BY_NAME: Final = {fmt.name.lower(): fmt for fmt in FORMATS}


@dataclass(frozen=True)
class FormatDescription:
    """One known format, for `/ramp upload` help and for "header not recognised" messages."""

    name: str
    kind: str
    required_columns: tuple[str, ...]
    optional_columns: tuple[str, ...]
    about: str


def describe_formats() -> list[FormatDescription]:
    """Every category format we recognise, with the columns it needs."""
    return [
        FormatDescription(
            name=fmt.name,
            kind=fmt.kind,
            required_columns=tuple(column.headers[0] for column in fmt.columns if column.required),
            optional_columns=tuple(column.headers[0] for column in fmt.columns if not column.required),
            about=fmt.about,
        )
        for fmt in FORMATS
        if fmt.kind != SYNC_RESULTS
    ]


def formats_help(formats: tuple[Format, ...] = FORMATS) -> str:
    """A plain-text list of formats and their required columns, one per line."""
    return "\n".join(
        f"• {fmt.name} ({KIND_LABELS[fmt.kind]}): "
        + ", ".join(column.headers[0] for column in fmt.columns if column.required)
        for fmt in formats
        if fmt.kind != SYNC_RESULTS
    )
