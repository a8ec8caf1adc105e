"""From a file to validated category records: `parse_category_file` and `detect_kind`.

Reading (readers), finding the table (table) and knowing the formats (formats) happen elsewhere;
this module puts every data row in exactly one place: a `CategoryRecord`, a `SkippedRow` with
its reason (inactive, blocked, deleted, a heading or total, a type that is no account), or
`RowError`s that name the row and column as Excel shows them. Rows that are uploaded but deserve a
look carry warnings (an unknown account type) or checks (a contra or equity account that a
two-column classification rule may have got wrong). Nothing here talks to Ramp: whether a file
with errors may still be uploaded is the service's decision.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter

from bot import category_kinds
from bot.category_kinds import UPLOAD_KINDS
from bot.importers import classifications
from bot.importers.charsets import EncodingGuess
from bot.importers.classifications import PairRule, normalise
from bot.importers.dimension_formats import DEFAULT_DIMENSION, dimension_from_file_name
from bot.importers.formats import FORMATS, FORMATS_BY_NAME, STATUS_FIELDS, Format, inactive_reason
from bot.importers.iif import one_section
from bot.importers.readers import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, Source, read_rows
from bot.importers.records import (
    INPUT_TYPES,
    KIND_LABELS,
    MAX_LISTED_SKIPS,
    REQUIRABLE,
    SYNC_RESULTS,
    CategoryRecord,
    FieldSpec,
    ImportFileError,
    ParsedFile,
    RowError,
    SkippedRow,
)
from bot.importers.table import Table, find_table

# Ramp documents no length limits for names and ids; 255 keeps us inside any ERP's and Ramp's
# database columns, and a longer "name" is almost always a description in the wrong column.
MAX_TEXT_LENGTH = 255
SAMPLE_NAMES = 5  # names shown in the preview, to check the file was decoded right
_YES = frozenset({"true", "yes", "y", "1"})
_NO = frozenset({"false", "no", "n", "0", ""})
_LIST_SEPARATORS = re.compile(r"[\s,;]+")  # is_required_for: "TRANSACTION,BILL", "transaction; bill"


def parse_category_file(
    data: Source,
    filename: str,
    kind: str | None = None,
    format_name: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    encoding: str | None = None,
    custom_format: Format | None = None,
    field_name: str | None = None,
) -> ParsedFile:
    """Read a CSV or XLSX category file into records, skipped rows, row errors and warnings.

    `kind`, `format_name` and `encoding` (a key of `charsets.ENCODINGS`) override detection: the
    user changes them with selects in the preview. `field_name` names the custom field whose
    options a file without a field column holds, instead of the one proposed (NetSuite's
    departments: "Department"). Raises `ImportFileError` when the file cannot be read at all.
    """
    # A header no format knows, read the way a person mapped its columns (mapping.py).
    candidates = (custom_format,) if custom_format else _candidates(kind, format_name)
    limits = {"max_rows": max_rows, "max_bytes": max_bytes}
    section_kind = kind or (candidates[0].kind if len(candidates) == 1 else None)
    with read_rows(data, filename, kind=kind, encoding=encoding, **limits) as rows:
        table = find_table(one_section(rows, section_kind), filename, candidates)
        if table.match.format.kind == SYNC_RESULTS:
            raise ImportFileError(
                "This is a sync results file (transaction_id, status, reference_id, error), "
                "not a list of accounting categories. Share it with `/ramp sync` instead."
            )
        option_field, why = _option_field(table, filename, field_name)
        builder = _RecordBuilder(table, option_field)
        for row_number, cells in table.rows:
            builder.add(row_number, cells)
        return builder.result(_notes(table) + ([why] if why else []), rows.encoding)


def detect_kind(data: Source, filename: str) -> str | None:
    """What the file holds (gl_accounts, vendors, subsidiaries, field_options or sync_results),
    from its header (and, when the header fits several kinds, its first rows); None if the header
    fits no known format.

    Raises `ImportFileError` only when the file cannot be read at all (empty, not a spreadsheet).
    """
    with read_rows(data, filename) as rows:
        try:
            table = find_table(one_section(rows), filename, FORMATS)
        except ImportFileError:
            return None
        return table.match.format.kind


def _candidates(kind: str | None, format_name: str | None) -> tuple[Format, ...]:
    if kind is not None and kind not in UPLOAD_KINDS:
        raise ImportFileError(f"Unknown kind “{kind}”; choose one of {', '.join(UPLOAD_KINDS)}.")
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


def _option_field(table: Table, filename: str, chosen: str | None) -> tuple[str, str]:
    """The custom field the options of a file without a field column belong to, and a sentence
    for the preview saying where that name comes from ("", "" for other files)."""
    fmt = table.match.format
    if not category_kinds.kind(fmt.kind).in_field or (chosen is None and "field" in table.match.positions):
        return "", ""
    create = " If Ramp has no field of that name, Upload first asks how to create it."
    if chosen is not None and chosen.strip():
        return (
            chosen.strip(),
            f"Read as the options of the custom field “{chosen.strip()}”, as chosen.{create}",
        )
    if fmt.field_name:
        return (
            fmt.field_name,
            f"Read as the options of the custom field “{fmt.field_name}” ({fmt.name}).{create}",
        )
    from_name = dimension_from_file_name(filename)
    if from_name:
        return from_name, (
            f"Read as the options of the custom field “{from_name}”, as the file's name “{filename}” "
            f"suggests.{create}"
        )
    return DEFAULT_DIMENSION, (
        f"The file does not say which dimension its values belong to, so they were read as the options "
        f"of the custom field “{DEFAULT_DIMENSION}”. To use another field, add the Dimension Code column "
        "to the export or name the file after the dimension (“Department values.xlsx”), and share it again."
    )


def _notes(table: Table) -> list[str]:
    notes = []
    rule = table.match.format.classification
    if isinstance(rule, PairRule):
        notes.append(rule.note)
    if table.kind_guess:
        notes.append(table.kind_guess)
    return notes


class _RecordBuilder:
    """Sorts rows one at a time into records, skipped rows and errors, and remembers ids already
    seen, for the duplicate check."""

    def __init__(self, table: Table, option_field: str = "") -> None:
        self.table = table
        self.format = table.match.format
        self.option_field = option_field  # the custom field of every option, when no column names it
        self.kind = category_kinds.kind(self.format.kind)  # sync results never get here
        self.positions = table.match.positions
        self.fields = list(self.positions.items())
        self.has_status = any(field in self.positions for field in STATUS_FIELDS)
        # Formats without an id column fall back from the number to the name ("code", "name").
        self.id_fields = [field for field in self.format.id_fields if field in self.positions]
        self.skip_types = {normalise(spelling): reason for spelling, reason in self.format.skip_types}
        self.empty_values = frozenset(self.format.empty_values)
        self.posting_values = (
            None
            if self.format.posting_values is None
            else {normalise(value).replace(" ", "") for value in self.format.posting_values}
        )
        self.uncoded_skip_types = {normalise(spelling) for spelling in self.format.uncoded_skip_types}
        self.records: list[CategoryRecord] = []
        self.record_rows = array("I")  # each record's row: 4 bytes a row, not an int object
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.checks: list[RowError] = []
        self.row_notes: list[tuple[list[RowError], RowError]] = []  # kept only if the row is uploaded
        self.skipped: list[SkippedRow] = []
        self.skip_counts: Counter[str] = Counter()
        self.deleted_ids: set[str] = set()
        self.first_row_of: dict[str | tuple[str, str], int] = {}
        self.samples: list[str] = []
        self.accented_samples: list[str] = []
        self.total_rows = 0

    def add(self, row_number: int, cells: list[str]) -> None:
        self.total_rows += 1
        width = len(cells)
        values = {field: cells[index] if index < width else "" for field, index in self.fields}
        if self.empty_values:
            values = {field: "" if value in self.empty_values else value for field, value in values.items()}
        skip = self._skip_reason(values)
        if skip is not None:
            self._skip(row_number, values, *skip)
            return
        record = self._record(row_number, values)
        if record is not None:
            self.records.append(record)
            self.record_rows.append(row_number)
            self._sample(record.name)
            for target, note in self.row_notes:
                target.append(note)
        self.row_notes.clear()

    def _skip_reason(self, values: dict[str, str]) -> tuple[str, str] | None:
        """(reason, the cell that says so) for a row that is not to be uploaded, else None."""
        if self.has_status and (inactive := inactive_reason(values)) is not None:
            return inactive
        posting = values.get("posting", "")
        if self.posting_values is not None and posting.strip():
            if normalise(posting).replace(" ", "") not in self.posting_values:
                return self.format.layout_reason, posting
        suffix = self.format.deleted_suffix
        if suffix and values.get("name", "").lower().endswith(suffix.lower()):
            return "deleted", values["name"]
        account_type = normalise(values.get("type", ""))
        if account_type in self.skip_types:
            return self.skip_types[account_type], values["type"]
        if account_type in self.uncoded_skip_types and not values.get("code"):
            return "no_code", values["type"]
        return None

    def _skip(self, row_number: int, values: dict[str, str], reason: str, value: str) -> None:
        self.skip_counts[reason] += 1
        name = values.get("name", "")
        if reason == "deleted":
            name = name[: len(name) - len(self.format.deleted_suffix)].strip()
            values = {**values, "name": name}
        remote_id = next((values[field] for field in self.id_fields if values.get(field)), "")
        if reason == "deleted" and remote_id:
            self.deleted_ids.add(remote_id)
        if len(self.skipped) < MAX_LISTED_SKIPS:
            self.skipped.append(SkippedRow(row_number, name or remote_id, reason, value, remote_id))

    def _sample(self, name: str) -> None:
        """A few names as read, those with letters beyond ASCII first (where decoding shows)."""
        if len(self.accented_samples) < SAMPLE_NAMES and not name.isascii():
            self.accented_samples.append(name)
        if len(self.samples) < SAMPLE_NAMES:
            self.samples.append(name)

    def _record(self, row_number: int, values: dict[str, str]) -> CategoryRecord | None:
        errors_before = len(self.errors)
        name = values.get("name", "")
        id_field = next((field for field in self.id_fields if values.get(field)), self.id_fields[-1])
        remote_id = values.get(id_field, "")
        code = values.get("code", "")
        option_field = (self.option_field or values.get("field")) if self.kind.in_field else None
        self._require(row_number, "name", name)
        if id_field != "name":
            self._require(row_number, id_field, remote_id)
        if option_field is not None and not self.option_field:
            self._require(row_number, "field", option_field)
        for field, value in ((id_field, remote_id), ("name", name), ("code", code)):
            if len(value) > MAX_TEXT_LENGTH:
                self._error(
                    row_number,
                    field,
                    f"This value is {len(value):,} characters long; Ramp takes at most {MAX_TEXT_LENGTH}.",
                )
        classification = self._classify(row_number, values) if self.kind.classified else None
        spec = self._field_spec(row_number, values) if self.kind.key == category_kinds.FIELDS else None
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
            field_id=(values.get("field_id") or None) if option_field is not None else None,
            spec=spec,
        )

    def result(self, notes: list[str], encoding: EncodingGuess | None) -> ParsedFile:
        return ParsedFile(
            format_name=self.format.name,
            kind=self.format.kind,
            records=self.records,
            record_rows=self.record_rows,
            errors=self.errors,
            total_rows=self.total_rows,
            skipped=self.skipped,
            skip_counts=dict(self.skip_counts),
            warnings=self.warnings,
            checks=self.checks,
            header_row=self.table.header_row,
            notes=notes,
            kind_guess=self.table.kind_guess,
            encoding=encoding,
            samples=(self.accented_samples + [s for s in self.samples if s.isascii()])[:SAMPLE_NAMES],
            deleted_ids=frozenset(self.deleted_ids),
        )

    def _located(self, row_number: int, field: str, message: str) -> RowError:
        return RowError(row_number, self.table.column_name(self.positions[field]), message)

    def _error(self, row_number: int, field: str, message: str) -> None:
        self.errors.append(self._located(row_number, field, message))

    def _require(self, row_number: int, field: str, value: str) -> None:
        if not value:
            label = {"id": "id", "name": "name", "field": "custom field name"}.get(
                field, field.replace("_", " ")
            )
            self._error(row_number, field, f"The {label} is missing.")

    def _field_spec(self, row_number: int, values: dict[str, str]) -> FieldSpec:
        """A custom field's settings (the bot's own backup file: categories.py); bad values are errors."""
        input_type = values.get("input_type", "").strip().upper() or INPUT_TYPES[0]
        if input_type not in INPUT_TYPES:
            self._error(row_number, "input_type", f"“{input_type}” is not one of {', '.join(INPUT_TYPES)}.")
        splittable = values.get("is_splittable", "").strip().lower()
        if splittable not in _YES | _NO:
            self._error(row_number, "is_splittable", f"“{splittable}” is neither true nor false.")
        required = tuple(w for w in _LIST_SEPARATORS.split(values.get("is_required_for", "").upper()) if w)
        unknown = [w for w in required if w not in REQUIRABLE]
        if unknown:
            message = f"“{unknown[0]}” is not one of {', '.join(REQUIRABLE)}."
            self._error(row_number, "is_required_for", message)
        in_order = tuple(r for r in REQUIRABLE if r in required)
        display_name = values.get("display_name", "").strip() or None
        return FieldSpec(input_type, splittable in _YES, in_order, display_name)

    def _classify(self, row_number: int, values: dict[str, str]) -> str | None:
        rule = self.format.classification
        if isinstance(rule, PairRule):
            return self._classify_pair(row_number, values, rule)
        if rule != "type" or "type" not in self.positions:
            return "UNKNOWN"
        account_type = values["type"]
        column = self.format.column("type")
        if not account_type:
            if column is not None and column.required:
                self._error(row_number, "type", "The account type is missing.")
            return "UNKNOWN"
        found = classifications.classify(account_type, self.format.type_values)
        if found is not None:
            return found
        nearest = classifications.suggest(account_type)
        hint = f" Did you mean “{nearest}”?" if nearest else ""
        if self.format.unknown_type == "error":
            self._error(row_number, "type", f"Unknown account type “{account_type}”.{hint}")
            return None
        message = f"Unknown account type “{account_type}”: uploaded as UNKNOWN.{hint}"
        self.row_notes.append((self.warnings, self._located(row_number, "type", message)))
        return "UNKNOWN"

    def _classify_pair(self, row_number: int, values: dict[str, str], rule: PairRule) -> str | None:
        found = rule.classify(values)
        if found is None:
            field = rule.unknown_field(values)
            column = self.format.column(field)
            header = column.headers[0] if column is not None else field
            message = f"Unknown {header} “{values.get(field, '')}”: expected {rule.expected(field)}"
            if self.format.unknown_type == "error":
                self._error(row_number, field, message + ".")
                return None
            # An ERP export: one value the table lacks must not block the other rows (issue 14).
            warning = self._located(row_number, field, message + "; uploaded as UNKNOWN.")
            self.row_notes.append((self.warnings, warning))
            return "UNKNOWN"
        reason = rule.check(found, values)
        if reason is not None:
            note = self._located(row_number, rule.second, f"“{values.get('name', '')}” {reason}.")
            self.row_notes.append((self.checks, note))
        return found
