"""Column mappings: how to read a file whose header fits no known format, as a person said.

    header = read_header(data, "export.csv")          # the header row and the first rows below it
    header.fingerprint                                  # the same for the same header, in any order
    mapping = ColumnMapping("gl_accounts", {"id": "Acct", "name": "Description", "type": "Kind"})
    parse_category_file(data, "export.csv", custom_format=mapping.format())

A mapping names, for each field the kind needs, the header of the column that holds it (or none:
"not in file"). It becomes an ordinary `Format` (formats.py) matched on those headers, so a mapped
file is read, skipped, validated and counted exactly like a known export. Which fields a kind
needs is the table `MAPPED_FIELDS`. Ramp keeps no parent for a category (shared/ramp-api/openapi.json
has none), so there is no parent field to map.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Final

from bot import category_kinds
from bot.category_kinds import FIELD_OPTIONS, FIELDS, GL_ACCOUNTS, SUBSIDIARIES, UPLOAD_KINDS, VENDORS
from bot.importers import classifications
from bot.importers.format_spec import Column, Format, header_key
from bot.importers.readers import Source, column_letter, read_rows
from bot.importers.records import ImportFileError

MAPPED_FORMAT = "Column mapping"  # the format name a mapped file shows in the preview
HEADER_SEARCH_ROWS: Final = 30  # as bot/importers/table.py looks for a header
SAMPLE_ROWS: Final = 3  # rows shown under the header in the mapping modal
UNKNOWN_TYPES: Final = 10  # type values the modal asks to classify, at most
TYPE_SCAN_ROWS: Final = 20_000  # rows looked through for them
MAX_TYPE_CHARS: Final = 100  # a longer "type" is a description: not asked (the modal carries the values)
CLASSIFICATIONS: Final = tuple(c for c in classifications.CLASSIFICATIONS if c != "ANY")


@dataclass(frozen=True)
class MappedField:
    """One field a mapping can fill: its key (a `Format` column field), how the modal asks for it,
    the kinds that have it, and whether a file must have it."""

    key: str
    label: str
    kinds: tuple[str, ...]
    required: bool = False
    hint: str = ""

    @property
    def noun(self) -> str:
        """The label inside a sentence: "name", "ERP id"."""
        return self.label if self.label[1:2].isupper() else self.label[:1].lower() + self.label[1:]


MAPPED_FIELDS: Final[tuple[MappedField, ...]] = (
    MappedField(
        "field",
        "Custom field name",
        (FIELD_OPTIONS,),
        hint="The column naming each option's custom field. Not in file: type the field's name below.",
    ),
    MappedField(
        "id",
        "ERP id",
        (GL_ACCOUNTS, VENDORS, SUBSIDIARIES, FIELDS, FIELD_OPTIONS),
        hint="The ERP's own id (internal id, number). Not in file: the name is the id.",
    ),
    # A mapped custom field is single choice, not splittable, required for nothing (parse.py).
    MappedField("name", "Name", (GL_ACCOUNTS, VENDORS, SUBSIDIARIES, FIELDS, FIELD_OPTIONS), required=True),
    MappedField(
        "code", "Code or account number", (GL_ACCOUNTS, VENDORS), hint="Shown beside the name in Ramp."
    ),
    MappedField(
        "type",
        "Type or classification",
        (GL_ACCOUNTS,),
        hint="Asset, Bank, Expense, Revenue… Not in file: UNKNOWN. Ramp sets it on create only.",
    ),
    MappedField(
        "active",
        "Active flag",
        (GL_ACCOUNTS, VENDORS, SUBSIDIARIES, FIELD_OPTIONS),
        hint="Yes/No, True/False or Active/Inactive: inactive rows are skipped.",
    ),
)
FIELDS_BY_KEY: Final = {f.key: f for f in MAPPED_FIELDS}


def fields_for(kind: str) -> list[MappedField]:
    """The fields the modal asks for a kind, in the order asked."""
    return [f for f in MAPPED_FIELDS if kind in f.kinds]


@dataclass(frozen=True)
class ColumnMapping:
    """What a person said about a header: the kind, and the column header per field."""

    kind: str
    columns: dict[str, str]  # field key -> the header text of its column
    field_name: str = ""  # custom field options without a field column: the field's name
    classes: dict[str, str] = field(default_factory=dict)  # a type value -> Ramp's classification

    def problems(self) -> dict[str, str]:
        """Why this mapping cannot be used, by field key ("" for the kind); {} when it can."""
        if self.kind not in UPLOAD_KINDS:
            return {"": f"Choose one of: {', '.join(UPLOAD_KINDS)}."}
        found: dict[str, str] = {}
        for f in fields_for(self.kind):
            header = self.columns.get(f.key, "")
            if f.required and not header:
                found[f.key] = f"Choose the column that holds the {f.noun}."
        if self.kind == FIELD_OPTIONS and not self.columns.get("field") and not self.field_name.strip():
            found["field"] = "Choose the column with the custom field's name, or type the name below."
        taken: dict[str, str] = {}
        for key, header in self.columns.items():
            other = taken.get(header_key(header)) if header else None
            if other is not None and {key, other} != {"id", "code"}:  # an account number is both
                found[key] = (
                    f"That column is already the {FIELDS_BY_KEY[other].noun}: choose one column per field."
                )
            elif header:
                taken[header_key(header)] = key
        return found

    def format(self) -> Format:
        """The mapping as a format the importer reads like any other."""
        kind = category_kinds.kind(self.kind)
        wanted = {f.key for f in fields_for(self.kind)}
        used = {key: header for key, header in self.columns.items() if header and key in wanted}
        code_is_id = "id" in used and used.get("code") == used["id"]  # the account number is both
        if code_is_id:
            del used["code"]
        columns = tuple(
            Column(key, (header,), required=FIELDS_BY_KEY[key].required or key in ("id", "field"))
            for key, header in used.items()
        )
        return Format(
            MAPPED_FORMAT,
            self.kind,
            columns,
            "A header the bot did not know, read as a person mapped its columns.",
            id_fields=("id",) if "id" in used else ("name",),
            classification="type" if kind.classified else "none",
            unknown_type="warning",
            type_values=tuple(self.classes.items()),
            code_is_id=code_is_id,
            field_name=self.field_name,
        )


@dataclass(frozen=True)
class FileHeader:
    """The header row of a file (the fullest of its first rows) and a few rows below it."""

    row: int
    cells: list[str]
    samples: list[list[str]] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """The non-empty header cells, in order: what a mapping chooses from."""
        return [cell for cell in self.cells if cell]

    @property
    def sample_table(self) -> list[list[str]]:
        """The sample rows cut to the non-empty header cells, one cell each: a table to show."""
        kept = [index for index, cell in enumerate(self.cells) if cell]
        return [[row[index] if index < len(row) else "" for index in kept] for row in self.samples]

    @property
    def fingerprint(self) -> str:
        """The same for the same header, whatever the order, case or spacing of its cells."""
        keys = sorted(header_key(cell) for cell in self.cells if header_key(cell))
        return hashlib.sha256("\x1f".join(keys).encode("utf-8")).hexdigest()[:32]

    def example(self, header: str) -> str:
        """The first sample values of a column, for the modal: "4000, 4010, 6000"."""
        index = self.cells.index(header)
        values = [row[index] for row in self.samples if index < len(row) and row[index]]
        return ", ".join(values)

    def label(self, header: str) -> str:
        """ "C (Acct Type)": the column as Excel names it, with its header."""
        return f"{column_letter(self.cells.index(header))} ({header})"


def read_header(data: Source, filename: str, encoding: str | None = None) -> FileHeader:
    """The row most likely to be the header (the fullest of the first rows: title lines above it
    have one cell) and the rows below it; `ImportFileError` when the file has no data."""
    with read_rows(data, filename, encoding=encoding) as rows:
        head = [
            (number, [cell.strip() for cell in cells])
            for number, cells in itertools.islice(rows, HEADER_SEARCH_ROWS + SAMPLE_ROWS)
        ]
    filled = [(number, cells) for number, cells in head if any(cells)]
    if not filled:
        raise ImportFileError("The file has no rows with data: there is nothing to import.")
    searched = filled[:HEADER_SEARCH_ROWS]
    widest = max(sum(1 for cell in cells if cell) for _, cells in searched)
    at = next(i for i, (_, cells) in enumerate(searched) if sum(1 for c in cells if c) == widest)
    number, cells = filled[at]
    return FileHeader(number, cells, [row for _, row in filled[at + 1 : at + 1 + SAMPLE_ROWS]])


def unknown_types(data: Source, filename: str, header: FileHeader, column: str) -> list[str]:
    """The values of a type column that no classification table knows ("Kassa"), the first
    UNKNOWN_TYPES of them among the first TYPE_SCAN_ROWS rows: what the modal asks to classify."""
    index = header.cells.index(column)
    found: list[str] = []
    with read_rows(data, filename) as rows:
        for number, cells in itertools.islice(rows, header.row + TYPE_SCAN_ROWS):
            value = cells[index].strip() if number > header.row and index < len(cells) else ""
            known = not value or len(value) > MAX_TYPE_CHARS or classifications.classify(value) is not None
            if not known and value not in found:
                found.append(value)
                if len(found) == UNKNOWN_TYPES:
                    break
    return found


def guessed_columns(header: FileHeader, kind: str) -> dict[str, str]:
    """A first answer for the modal: a header cell that contains a field's word ("Account Name"
    for the name). assumption: usual English headers; the person checks every select anyway."""
    words = {
        "field": ("field", "dimension"),
        "id": ("id", "internal", "no", "number", "key"),
        "name": ("name", "title", "description", "value"),
        "code": ("code", "number", "no", "acct"),
        "type": ("type", "classification", "category", "class", "kind"),
        "active": ("active", "status", "inactive", "enabled"),
    }
    chosen: dict[str, str] = {}
    for f in fields_for(kind):
        for cell in header.columns:
            key = header_key(cell)
            if cell in chosen.values():
                continue
            if any(_fits(key, word) for word in words[f.key]):
                chosen[f.key] = cell
                break
    return chosen


def _fits(key: str, word: str) -> bool:
    return key == word or key.endswith(word) or (len(word) > 3 and key.startswith(word))


__all__ = [
    "MAPPED_FIELDS",
    "MAPPED_FORMAT",
    "ColumnMapping",
    "FileHeader",
    "MappedField",
    "fields_for",
    "guessed_columns",
    "read_header",
]
