"""What an import produces: category records, row errors, the parsed file, and the one error type.

Every expected failure while reading a file (empty, not a spreadsheet, too big, a header we do
not know) is an `ImportFileError` whose message is written for the finance user, with a next step.
Row-level problems are not exceptions: they are `RowError` values collected in `ParsedFile.errors`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

GL_ACCOUNTS: Final = "gl_accounts"
VENDORS: Final = "vendors"
SUBSIDIARIES: Final = "subsidiaries"
FIELD_OPTIONS: Final = "field_options"
SYNC_RESULTS: Final = "sync_results"

CATEGORY_KINDS: Final = (GL_ACCOUNTS, VENDORS, SUBSIDIARIES, FIELD_OPTIONS)

KIND_LABELS: Final = {
    GL_ACCOUNTS: "GL accounts",
    VENDORS: "vendors",
    SUBSIDIARIES: "subsidiaries",
    FIELD_OPTIONS: "custom field options",
    SYNC_RESULTS: "sync results",
}


class ImportFileError(ValueError):
    """The file cannot be imported at all; `str(error)` is a message the user can act on."""


def too_many_rows(where: str, limit: int) -> ImportFileError:
    """The row cap's message, naming the limit: `where` is "The file" or a sheet."""
    return ImportFileError(
        f"{where} has more than {limit:,} rows below its header, the most one upload takes. Split it."
    )


@dataclass(frozen=True, slots=True)
class CategoryRecord:
    """One accounting category as Ramp will receive it.

    `id` is the ERP's id (Ramp's "remote id"). For field options, `field` is the custom field's
    name, `id` the option id and `name` the option value.
    """

    kind: str
    id: str
    name: str
    code: str | None = None
    classification: str | None = None
    field: str | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem in one cell, located as Excel shows it: row 12, column "C (Account Type)"."""

    row: int
    column: str
    message: str


@dataclass
class ParsedFile:
    """The outcome of reading one category file.

    `total_rows` counts the data rows between the header and the footer (blank rows excluded),
    including the inactive, non-posting and erroneous ones. `notes` are remarks the preview
    should show (how a classification was derived, how an ambiguous kind was chosen).
    """

    format_name: str
    kind: str
    records: list[CategoryRecord]
    errors: list[RowError]
    skipped_inactive: int
    total_rows: int
    skipped_non_posting: int = 0
    header_row: int = 0
    notes: list[str] = field(default_factory=list)
