"""What a file format is made of: its columns, and the rules that turn one of its rows into a
record. The rows themselves (one per ERP export) are data in `formats.py`, `dimension_formats.py`
and `erp_formats.py`; this module is the shape they share.

A format names its columns by the headers ERPs write (matched ignoring case, spaces, `*`, `_`,
`.` and `-`, in any order, with any extra columns), says which must be present, and which kind of
category it holds. Every format also recognises the usual "this row is inactive" columns
(`Inactive`, `Status`, `Active`, `Blocked`): such rows are skipped and counted with their reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from bot.importers.classifications import PairRule

Rule = Literal["none", "type"]


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
    `classifications.py` (after the format's own `type_values`, for ERPs that write codes such
    as IIF's "OCASSET" or Sage 50's "24"), or two columns through a `PairRule` (Sage Intacct,
    Dynamics GP, Sage 300: balance sheet or income statement, and debit or credit). `unknown_type`:
    whether a type the tables lack is a row error (a file in Ramp's own shape, where it is a typo)
    or a warning, the row uploaded as UNKNOWN (an ERP export, whose types the bot may not all know).

    `posting_values`: when set, a row whose `posting` column holds anything else is a heading or
    total, skipped with `layout_reason` (Business Central's "Posting" accounts and "Standard"
    dimension values; `()` for MYOB, whose `Header` column is blank on postable accounts).
    `skip_types`: (type, reason) pairs whose rows are skipped; `uncoded_skip_types`: types whose
    rows are skipped when they have no code; `deleted_suffix`: a name ending so marks a deleted
    record; `empty_values`: cells that mean "no entry" (MYOB's "*None"). `code_is_id`: the id
    is the account number or code, which Ramp should also show as the code. `field_name`: for
    custom field options without a `field` column, the custom field the file's values belong to
    (NetSuite's departments are the field "Department").

    `identifying`: at least one of these headers must be present, or one of `file_words` in the
    file's name ("departments.csv"); `excluding`: none of the headers may be. `file_words` also
    break ties between formats that fit a header equally.
    """

    name: str
    kind: str
    columns: tuple[Column, ...]
    about: str
    id_fields: tuple[str, ...] = ("id",)
    classification: Rule | PairRule = "none"
    unknown_type: Literal["error", "warning"] = "warning"
    type_values: tuple[tuple[str, str], ...] = ()
    posting_values: tuple[str, ...] | None = None
    layout_reason: str = "layout"
    skip_types: tuple[tuple[str, str], ...] = ()
    uncoded_skip_types: tuple[str, ...] = ()
    deleted_suffix: str = ""
    empty_values: tuple[str, ...] = ()
    code_is_id: bool = False
    field_name: str = ""
    identifying: tuple[str, ...] = ()
    excluding: tuple[str, ...] = ()
    file_words: tuple[str, ...] = ()

    def column(self, field: str) -> Column | None:
        return next((column for column in self.columns if column.field == field), None)

    def named_by(self, filename: str) -> str:
        """The word of `file_words` the file's name contains ("department" in "Departments.csv"), or ""."""
        stem = filename.lower()
        return next((word for word in self.file_words if word in stem), "")


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


def col(field: str, *headers: str, required: bool = False) -> Column:
    """A column, written the short way the format tables use."""
    return Column(field, headers, required)
