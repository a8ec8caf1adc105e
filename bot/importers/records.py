"""What an import produces: category records, row errors and warnings, skipped rows and why, the
parsed file, and the one error type.

Every expected failure while reading a file (empty, not a spreadsheet, too big, a header we do
not know) is an `ImportFileError` whose message is written for the finance user, with a next step.
Row-level problems are not exceptions: they are `RowError` values collected in `ParsedFile.errors`.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Final

from bot.category_kinds import KINDS
from bot.errors import UserError
from bot.importers.charsets import EncodingGuess

MAX_LISTED_SKIPS: Final = 1_000  # skipped rows kept with their details; the rest are only counted
SYNC_RESULTS: Final = "sync_results"  # a file of sync results: read by the importers, not a category

# Lower-case plurals, as they read inside a sentence: "NetSuite chart of accounts (GL accounts)".
KIND_LABELS: Final = {row.key: row.plural for row in KINDS} | {SYNC_RESULTS: "sync results"}


class ImportFileError(UserError, ValueError):
    """The file cannot be imported at all; `str(error)` is a message the user can act on."""


def too_many_rows(where: str, limit: int) -> ImportFileError:
    """The row cap's message, naming the limit: `where` is "The file" or a sheet."""
    return ImportFileError(
        f"{where} has more than {limit:,} rows below its header, the most one upload takes. Split it."
    )


# Ramp's custom field input types and the objects a field can be required for
# (openapi: ApiAccountingCustomFieldCreateRequestBody.input_type, .is_required_for).
INPUT_TYPES: Final = ("SINGLE_CHOICE", "FREE_FORM_TEXT", "BOOLEAN")
REQUIRABLE: Final = ("TRANSACTION", "REIMBURSEMENT", "BILL", "BILL_PAYMENT", "PURCHASE_ORDER")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A custom field's settings, as its create body takes them (custom fields only)."""

    input_type: str
    is_splittable: bool = False
    is_required_for: tuple[str, ...] = ()
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class CategoryRecord:
    """One accounting category as Ramp will receive it.

    `id` is the ERP's id (Ramp's "remote id"). For field options, `field` is the custom field's
    name (`field_id` its ERP id, when the file says), `id` the option id and `name` the option
    value. A custom field carries its settings in `spec`.
    """

    kind: str
    id: str
    name: str
    code: str | None = None
    classification: str | None = None
    field: str | None = None
    field_id: str | None = None
    spec: FieldSpec | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem in one cell, located as Excel shows it: row 12, column "C (Account Type)"."""

    row: int
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class SkipReason:
    """Why a row of a file is not uploaded: `row_text` follows a row ("Row 4: a heading or
    total"), `count_text` a count ("3 headings or totals"); `shows_value`: the cell that says so
    adds something ("End-Total", a vendor blocked for "All")."""

    key: str
    row_text: str
    count_text: str
    shows_value: bool = False


# Every reason a row is skipped, in the order the preview lists them. Where each rule comes from is
# said beside the format that applies it (formats.py).
SKIP_REASONS: Final = {
    reason.key: reason
    for reason in (
        SkipReason("inactive", "inactive in the ERP", "inactive in the ERP"),
        SkipReason("blocked", "blocked in the ERP", "blocked in the ERP", shows_value=True),
        SkipReason("deleted", "deleted in QuickBooks", "deleted in QuickBooks"),
        SkipReason("layout", "a heading or total, not an account", "headings or totals", shows_value=True),
        SkipReason("non_posting", "a Non Posting account", "Non Posting accounts"),
        SkipReason("statistical", "a Statistical account (no money is posted to it)", "Statistical accounts"),
        SkipReason("tracking", "Xero's Tracking pseudo-account", "Tracking pseudo-accounts"),
        SkipReason("no_code", "a bank account without a code", "bank accounts without a code"),
        SkipReason("off_balance", "an off-balance-sheet account", "off-balance-sheet accounts"),
        SkipReason(
            "layout_value",
            "a heading or total, not a value to code to",
            "heading and total values",
            shows_value=True,
        ),
    )
}


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A data row that is deliberately not uploaded: where it is, what it is called, and why
    (`reason` is a key of SKIP_REASONS; `value` the cell that says so, e.g. "End-Total")."""

    row: int
    name: str
    reason: str
    value: str = ""
    id: str = ""  # the id the row would have had, so a plan can tell a deleted item from a missing one

    @property
    def reason_text(self) -> str:
        """"a heading or total, not an account (End-Total)": the reason, with the cell when it adds to it."""
        reason = SKIP_REASONS[self.reason]
        return f"{reason.row_text} ({self.value})" if reason.shows_value and self.value else reason.row_text


@dataclass
class ParsedFile:
    """The outcome of reading one category file.

    Every data row between the header and the footer (blank rows excluded) is counted once in
    `total_rows` and ends up in exactly one place: a record, a skipped row (counted by reason in
    `skip_counts`; the first MAX_LISTED_SKIPS are kept in `skipped`), or a row with errors:
    `len(records) + sum(skip_counts.values()) + error_rows == total_rows`.

    `warnings` are rows uploaded anyway that deserve a look (an account type the bot does not
    know, uploaded as UNKNOWN); `checks` are rows classified by a rule that may not fit them
    (Sage Intacct contra accounts). `notes` are remarks for the preview. `kind_guess` is set when
    the header fits several kinds, and says why this one was taken. `encoding` says how a text
    file was decoded (None for workbooks); `samples` are a few names as read, for the user to
    check the decoding.
    """

    format_name: str
    kind: str
    records: list[CategoryRecord]
    errors: list[RowError] = field(default_factory=list)
    total_rows: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)
    skip_counts: dict[str, int] = field(default_factory=dict)
    warnings: list[RowError] = field(default_factory=list)
    checks: list[RowError] = field(default_factory=list)
    header_row: int = 0
    notes: list[str] = field(default_factory=list)
    kind_guess: str = ""
    encoding: EncodingGuess | None = None
    samples: list[str] = field(default_factory=list)
    deleted_ids: frozenset[str] = frozenset()  # ids of the rows skipped as deleted in the ERP
    record_rows: array[int] = field(default_factory=lambda: array("I"))  # the row of each record, in order

    @property
    def error_rows(self) -> int:
        """How many rows have at least one error (a row may have several)."""
        return len({error.row for error in self.errors})

    @property
    def skipped_count(self) -> int:
        return sum(self.skip_counts.values())
