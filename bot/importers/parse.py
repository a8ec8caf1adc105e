"""From a file to validated category records: `parse_category_file` and `detect_kind`.

Reading (readers), finding the table (table) and knowing the formats (formats) happen elsewhere;
this module turns each data row into a `CategoryRecord` or into `RowError`s that name the row and
column as Excel shows them, and counts what it skipped. Nothing here talks to Ramp: whether a
file with errors may still be uploaded is the service's decision.
"""

from __future__ import annotations

from bot.importers import classifications
from bot.importers.formats import FORMATS, FORMATS_BY_NAME, STATUS_FIELDS, Format, is_inactive
from bot.importers.readers import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, Source, read_rows
from bot.importers.records import (
    CATEGORY_KINDS,
    FIELD_OPTIONS,
    GL_ACCOUNTS,
    KIND_LABELS,
    SYNC_RESULTS,
    CategoryRecord,
    ImportFileError,
    ParsedFile,
    RowError,
)
from bot.importers.table import Table, find_table

# Ramp documents no length limits for names and ids; 255 keeps us inside any ERP's and Ramp's
# database columns, and a longer "name" is almost always a description in the wrong column.
MAX_TEXT_LENGTH = 255


def parse_category_file(
    data: Source,
    filename: str,
    kind: str | None = None,
    format_name: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParsedFile:
    """Read a CSV or XLSX category file into records, row errors and counts.

    `kind` and `format_name` override detection (the user changes them with selects in the
    preview). Raises `ImportFileError` when the file cannot be read at all.
    """
    candidates = _candidates(kind, format_name)
    with read_rows(data, filename, kind=kind, max_rows=max_rows, max_bytes=max_bytes) as rows:
        table = find_table(rows, filename, candidates)
        if table.match.format.kind == SYNC_RESULTS:
            raise ImportFileError(
                "This is a sync results file (transaction_id, status, reference_id, error), "
                "not a list of accounting categories. Share it with `/ramp sync` instead."
            )
        builder = _RecordBuilder(table)
        for row_number, cells in table.rows:
            builder.add(row_number, cells)
        return builder.result(_notes(table, kind))


def detect_kind(data: Source, filename: str) -> str | None:
    """What the file holds (gl_accounts, vendors, subsidiaries, field_options or sync_results),
    from its header alone; None if the header fits no known format.

    Raises `ImportFileError` only when the file cannot be read at all (empty, not a spreadsheet).
    """
    with read_rows(data, filename) as rows:
        try:
            table = find_table(rows, filename, FORMATS)
        except ImportFileError:
            return None
        return table.match.format.kind


def _candidates(kind: str | None, format_name: str | None) -> tuple[Format, ...]:
    if kind is not None and kind not in CATEGORY_KINDS:
        raise ImportFileError(f"Unknown kind “{kind}”; choose one of {', '.join(CATEGORY_KINDS)}.")
    if format_name is not None:
        fmt = FORMATS_BY_NAME.get(format_name.strip().lower())
        if fmt is None or fmt.kind == SYNC_RESULTS:
            known = "; ".join(f.name for f in FORMATS if f.kind != SYNC_RESULTS)
            raise ImportFileError(f"Unknown format “{format_name}”. Known formats: {known}.")
        if kind is not None and fmt.kind != kind:
            raise ImportFileError(
                f"{fmt.name} holds {KIND_LABELS[fmt.kind]}, not {KIND_LABELS[kind]}: choose a matching pair."
            )
        return (fmt,)
    if kind is not None:
        return tuple(fmt for fmt in FORMATS if fmt.kind == kind)
    return FORMATS


def _notes(table: Table, kind: str | None) -> list[str]:
    fmt = table.match.format
    notes = []
    if fmt.classification == "intacct":
        notes.append(
            "Classifications were derived from ACCOUNTTYPE and NORMALBALANCE: balance sheet + debit is "
            "ASSET, + credit is LIABILITY (equity accounts included); income statement + credit is "
            "REVENUE, + debit is EXPENSE."
        )
    kinds = {found.format.kind for found in table.tied}
    if kind is None and len(kinds) > 1:
        others = ", ".join(sorted(KIND_LABELS[k] for k in kinds - {fmt.kind}))
        notes.append(
            f"The header fits {KIND_LABELS[fmt.kind]} and also {others}; it was read as "
            f"{KIND_LABELS[fmt.kind]}. Change the kind if that is wrong."
        )
    return notes


class _RecordBuilder:
    """Validates rows one at a time and remembers ids already seen, for the duplicate check."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.format = table.match.format
        self.positions = table.match.positions
        self.fields = list(self.positions.items())
        self.has_status = any(field in self.positions for field in STATUS_FIELDS)
        # Formats without an id column fall back from the number to the name ("code", "name").
        self.id_fields = [field for field in self.format.id_fields if field in self.positions]
        self.records: list[CategoryRecord] = []
        self.errors: list[RowError] = []
        self.first_row_of: dict[str | tuple[str, str], int] = {}
        self.skipped_inactive = 0
        self.skipped_non_posting = 0
        self.total_rows = 0

    def add(self, row_number: int, cells: list[str]) -> None:
        self.total_rows += 1
        width = len(cells)
        values = {field: cells[index] if index < width else "" for field, index in self.fields}
        if self.has_status and is_inactive(values):
            self.skipped_inactive += 1
            return
        if self.format.posting_only and values.get("posting", "").lower() not in ("", "posting"):
            self.skipped_non_posting += 1
            return
        record = self._record(row_number, values)
        if record is not None:
            self.records.append(record)

    def _record(self, row_number: int, values: dict[str, str]) -> CategoryRecord | None:
        errors_before = len(self.errors)
        name = values.get("name", "")
        id_field = next((field for field in self.id_fields if values.get(field)), self.id_fields[-1])
        remote_id = values.get(id_field, "")
        code = values.get("code", "")
        option_field = values.get("field") if self.format.kind == FIELD_OPTIONS else None
        self._require(row_number, "name", name)
        if id_field != "name":
            self._require(row_number, id_field, remote_id)
        if option_field is not None:
            self._require(row_number, "field", option_field)
        for field, value in ((id_field, remote_id), ("name", name), ("code", code)):
            if len(value) > MAX_TEXT_LENGTH:
                self._error(
                    row_number,
                    field,
                    f"This value is {len(value):,} characters long; Ramp takes at most {MAX_TEXT_LENGTH}.",
                )
        classification = self._classify(row_number, values) if self.format.kind == GL_ACCOUNTS else None
        if remote_id:
            key = remote_id if option_field is None else (option_field, remote_id)
            first = self.first_row_of.setdefault(key, row_number)
            if first != row_number:
                self._error(row_number, id_field, f"The id “{remote_id}” is already used on row {first}.")
        if len(self.errors) > errors_before:
            return None
        return CategoryRecord(
            kind=self.format.kind,
            id=remote_id,
            name=name,
            code=(remote_id if self.format.code_is_id else code) or None,
            classification=classification,
            field=option_field,
        )

    def result(self, notes: list[str]) -> ParsedFile:
        return ParsedFile(
            format_name=self.format.name,
            kind=self.format.kind,
            records=self.records,
            errors=self.errors,
            skipped_inactive=self.skipped_inactive,
            total_rows=self.total_rows,
            skipped_non_posting=self.skipped_non_posting,
            header_row=self.table.header_row,
            notes=notes,
        )

    def _error(self, row_number: int, field: str, message: str) -> None:
        self.errors.append(RowError(row_number, self.table.column_name(self.positions[field]), message))

    def _require(self, row_number: int, field: str, value: str) -> None:
        if not value:
            label = {"id": "id", "name": "name", "field": "custom field name"}.get(
                field, field.replace("_", " ")
            )
            self._error(row_number, field, f"The {label} is missing.")

    def _classify(self, row_number: int, values: dict[str, str]) -> str | None:
        if self.format.classification == "intacct":
            return self._classify_intacct(row_number, values)
        if self.format.classification != "type" or "type" not in self.positions:
            return "UNKNOWN"
        account_type = values["type"]
        column = self.format.column("type")
        if not account_type:
            if column is not None and column.required:
                self._error(row_number, "type", "The account type is missing.")
            return "UNKNOWN"
        found = classifications.classify(account_type)
        if found is None:
            nearest = classifications.suggest(account_type)
            hint = f" Did you mean “{nearest}”?" if nearest else ""
            self._error(row_number, "type", f"Unknown account type “{account_type}”.{hint}")
        return found

    def _classify_intacct(self, row_number: int, values: dict[str, str]) -> str | None:
        account_type, balance = values["account_type"], values["normal_balance"]
        found = classifications.intacct_classification(account_type, balance)
        if found is not None:
            return found
        if account_type.replace(" ", "").lower() not in ("balancesheet", "incomestatement"):
            self._error(
                row_number,
                "account_type",
                f"Unknown ACCOUNTTYPE “{account_type}”: expected balancesheet or incomestatement.",
            )
        else:
            self._error(
                row_number, "normal_balance", f"Unknown NORMALBALANCE “{balance}”: expected debit or credit."
            )
        return None
