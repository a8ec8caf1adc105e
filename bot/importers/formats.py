"""The file formats we recognise from a header row, and how each maps to category records.

`FORMATS` is every format, one row each: the first ERPs' exports here (Xero, QuickBooks Online,
NetSuite, Sage Intacct, Business Central, and Ramp's own shape), their dimension lists as custom
field options in `dimension_formats`, and the ERPs Ramp has no integration for in `erp_formats`.
What a row is made of is `format_spec.Format`. Fitting a header to these formats, and choosing
between several that fit, happens in `table`; the order of `FORMATS` breaks the last ties, which
is why the dimension lists come first (a NetSuite "Locations.csv" is a Location field's options
before it is a list of subsidiaries, which Ramp's API no longer takes).

A format adds its own skip rules as data (types that are not accounts, layout rows, QuickBooks'
" (deleted)" names), and says whether an account type it does not know blocks the file or only
warns. Column lists come from reference/landscape.md and the documents cited beside each format;
Ramp's Universal CSV templates use the API's own names (`id`, `name`, `code`, `classification`;
`field`, `option_id`, `option_value`), which is the plain format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot import category_kinds
from bot.category_kinds import FIELD_OPTIONS, FIELDS, GL_ACCOUNTS, SUBSIDIARIES, VENDORS
from bot.importers.classifications import INTACCT_ACCOUNTS
from bot.importers.dimension_formats import DIMENSION_FORMATS
from bot.importers.erp_formats import ERP_FORMATS
from bot.importers.format_spec import (
    STATUS_COLUMNS,
    STATUS_FIELDS,
    Column,
    Format,
    header_key,
    inactive_reason,
)
from bot.importers.format_spec import col as _c
from bot.importers.records import KIND_LABELS, SYNC_RESULTS

__all__ = [
    "FORMATS",
    "FORMATS_BY_NAME",
    "STATUS_COLUMNS",
    "STATUS_FIELDS",
    "Column",
    "Format",
    "FormatDescription",
    "describe_formats",
    "formats_help",
    "header_key",
    "inactive_reason",
]

_FIRST_FORMATS: Final[tuple[Format, ...]] = (
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
    # Intuit page says so). Such rows are skipped; if Ramp holds the account active, Upload
    # deactivates it (bot/services/upload_plan.py), with no need to tick "Also deactivate".
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
        classification=INTACCT_ACCOUNTS,
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
        posting_values=("Posting",),
        code_is_id=True,
        identifying=("income/balance", "accountcategory", "accounttype", "directposting"),
    ),
    # Ramp's own shape: the API's names. openapi GLAccount (id*, name*, classification*, code), the
    # items of ApiAccountingGLAccountUploadRequestBody; reference/ramp-api.md §4 "GL accounts".
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
    # QuickBooks Online's Vendor Contact List report. A vendor's DisplayName "must be unique across
    # all Customer, Employee and Vendor objects" (Intuit, Vendor entity,
    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/most-commonly-used/vendor),
    # so the name is the id. assumption: the report's column headers (Vendor, Company, Phone, Email,
    # Full name) and its " (deleted)" names come from users' exports: no Intuit page lists them.
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
    # Xero's contacts export and import template: "ContactName" (`*` = the only mandatory column in
    # the template: "Import contacts into Xero", https://help.xero.com/us/Contacts_Import), and a
    # contact is matched by that name, which an import cannot change ("Update multiple contacts'
    # details in one go", https://help.xero.com/us/Contacts-Import-Existing); AccountNumber ("Contact
    # account numbers", https://help.xero.com/nz/ContactsAccountNumber). assumption: EmailAddress is
    # the template's email column as users' files show it; no page above names it.
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
    # NetSuite's vendor record: companyName, email, phone, subsidiary, currency, category (SOAP
    # Schema Browser, https://system.netsuite.com/help/helpcenter/en_US/srbrowser/Browser2025_2/
    # schema/record/vendor.html). assumption: a list or saved-search export heads its columns with
    # the field labels shown here (Internal ID, Name…); no NetSuite page shows an export's header row.
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
    # NetSuite's subsidiary record: internal id, name, parent ("subsubsidiary of"), currency, the
    # country of its address (REST record, https://docs.oracle.com/en/cloud/saas/netsuite/
    # ns-online-help/section_157607424766.html; SOAP, .../section_N3754626.html). assumption: the
    # export's header labels, as for NetSuite vendors.
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
    # Sage Intacct's VENDOR object: VENDORID, the unique id, and NAME (Zynk, "Sage Intacct Vendor
    # XML", https://docs.zynk.com/workflow/developers/sage-intacct/vendor-xml.html; Workato, "Sage
    # Intacct - Create vendor action", https://docs.workato.com/connectors/intacct/create-vendor-action).
    # assumption: a CSV export or import template heads its columns with these field names, as the
    # chart of accounts does; no Sage page shows the vendor file's header row.
    Format(
        "Sage Intacct vendors",
        VENDORS,
        (_c("id", "VENDORID", required=True), _c("name", "NAME", required=True)),
        "Vendors CSV export or template.",
    ),
    # Sage Intacct's entities are LOCATIONENTITY records, listed by LOCATIONID and NAME (Intacct
    # developer docs, "Entities", https://developer.intacct.com/api/company-console/entities/).
    # assumption: the CSV export uses those field names as headers, as for Sage Intacct vendors.
    Format(
        "Sage Intacct entities",
        SUBSIDIARIES,
        (_c("id", "LOCATIONID", required=True), _c("name", "NAME", required=True)),
        "Entities (locations) CSV export.",
    ),
    # Business Central's Vendor table (table 23 "Vendor"): No., Name, Contact, Phone No., Blocked,
    # whose values are blank, Payment or All (the vendor API's `blocked`, https://learn.microsoft.com/
    # dynamics365/business-central/dev-itpro/api-reference/v2.0/resources/dynamics_vendor). Edit in
    # Excel heads its columns with the fields' captions, as the chart of accounts shows.
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
    # openapi AccountingVendor (id*, name*), the items of ApiAccountingVendorUploadRequestBody; `code`
    # is not taken on upload and is PATCHed after (reference/ramp-api.md §4 "Accounting vendors").
    Format(
        "Ramp vendors (id, name)",
        VENDORS,
        (_c("id", "id", "remote_id", required=True), _c("name", "name", required=True), _c("code", "code")),
        "Ramp's own shape, or a file made by hand.",
    ),
    # The May 2023 spec's POST /accounting/subsidiaries {subsidiaries: [{id, name}]}; the current
    # openapi has no subsidiaries schema (reference/ramp-api.md §4 "Subsidiaries: gone from the API").
    Format(
        "Ramp subsidiaries (id, name)",
        SUBSIDIARIES,
        (_c("id", "id", "remote_id", required=True), _c("name", "name", required=True)),
        "Ramp's own shape, or a file made by hand.",
    ),
    # openapi FieldOption (id*, value*, code), the options of
    # ApiAccountingCustomFieldOptionUploadRequestBody, under a custom field named in `field`
    # (reference/ramp-api.md §4 "Custom fields", "Field options"). assumption: the column names
    # `field`, `option_id` and `option_value` are ours: Ramp documents no file.
    Format(
        "Ramp custom field options (field, option_id, option_value)",
        FIELD_OPTIONS,
        (
            _c("field", "field", "field_name", "custom_field", required=True),
            _c("id", "option_id", required=True),
            _c("name", "option_value", "value", required=True),
            _c("code", "code"),
            _c("field_id", "field_id"),
        ),
        "One row per option; `field` is the custom field's name (created first if Ramp lacks it, with "
        "the ERP id in `field_id` when there is one).",
    ),
    # openapi ApiAccountingCustomFieldCreateRequestBody (id*, name*, input_type*, is_splittable,
    # is_required_for, display_name): the custom-fields file a backup posts (bot/services/categories.py).
    # assumption: `is_required_for` lists Ramp's values in one cell ("TRANSACTION,BILL"); Ramp
    # documents no file.
    Format(
        "Ramp custom fields (id, name, input_type)",
        FIELDS,
        (
            _c("id", "id", "remote_id", required=True),
            _c("name", "name", required=True),
            _c("input_type", "input_type", required=True),
            _c("is_splittable", "is_splittable"),
            _c("is_required_for", "is_required_for"),
            _c("display_name", "display_name"),
        ),
        "The custom fields themselves, with their settings: input_type is SINGLE_CHOICE, FREE_FORM_TEXT "
        "or BOOLEAN; is_required_for lists TRANSACTION, REIMBURSEMENT, BILL, BILL_PAYMENT, PURCHASE_ORDER.",
        identifying=("inputtype",),
    ),
    # What the bot reports through POST /accounting/syncs: openapi ApiAccountingSuccessfulSyncRequestBody
    # (id, reference_id, deep_link_url) and ApiAccountingFailedSyncRequestBody (id, error {message}),
    # reference/ramp-api.md §6. assumption: the file's column names (transaction_id, status, …) are
    # ours: Ramp documents no results file.
    Format(
        "Ramp sync results",
        SYNC_RESULTS,
        (
            _c("transaction_id", "transaction_id", "id", required=True),
            _c("status", "status", required=True),
            _c("reference_id", "reference_id", required=True),
            _c("error", "error", required=True),
            _c("type", "type"),  # transaction (default), reimbursement, bill, bill_payment, transfer …
            _c("deep_link_url", "deep_link_url"),  # bills only: the bill in the ERP
        ),
        "Results of posting any syncable object to the ERP; read by the sync feature, not imported as "
        "categories.",
        id_fields=("transaction_id",),
    ),
)

FORMATS: Final[tuple[Format, ...]] = DIMENSION_FORMATS + ERP_FORMATS + _FIRST_FORMATS
FORMATS_BY_NAME: Final = {fmt.name.lower(): fmt for fmt in FORMATS}
_KIND_ORDER: Final = {kind: index for index, kind in enumerate(KIND_LABELS)}
# How help lists them: by kind (GL accounts, vendors, subsidiaries, field options), the ERPs with
# a Ramp integration first, then the others, then Ramp's own shape (last in `_FIRST_FORMATS`).
_DESCRIBED: Final = sorted(
    (fmt for fmt in _FIRST_FORMATS + ERP_FORMATS + DIMENSION_FORMATS if fmt.kind != SYNC_RESULTS),
    key=lambda fmt: (_KIND_ORDER[fmt.kind], fmt.name.startswith("Ramp ")),
)


@dataclass(frozen=True)
class FormatDescription:
    """One known format, for `/ramp upload` help and for "header not recognised" messages."""

    name: str
    kind: str
    required_columns: tuple[str, ...]
    optional_columns: tuple[str, ...]
    about: str

    @property
    def kind_title(self) -> str:
        """`GL accounts`, `Custom field options`: the kind as a heading."""
        return category_kinds.kind(self.kind).title if self.kind in category_kinds.KEYS else self.kind


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
        for fmt in _DESCRIBED
    ]


def formats_help(formats: tuple[Format, ...] = FORMATS) -> str:
    """A plain-text list of formats and their required columns, one per line."""
    return "\n".join(
        f"• {fmt.name} ({KIND_LABELS[fmt.kind]}): "
        + ", ".join(column.headers[0] for column in fmt.columns if column.required)
        for fmt in formats
        if fmt.kind != SYNC_RESULTS
    )
