"""Column mappings for files whose header the bot does not know: what the mapping step shows, the
mapping a person saves, and the mapping a later file with the same header is read with.

    step = mappings.step(content, "export.csv")                # header, first rows, fields to ask
    saved = mappings.save(content, "export.csv", "gl_accounts", {"name": 1, "id": 0}, user_id="U1")
    mappings.for_file(content, "export.csv")                   # that mapping again, for the same header

A mapping is kept per header (its fingerprint, bot/importers/mapping.py) and applies only while
no known format fits the header: a format added later wins over a mapping saved before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot import category_kinds
from bot.category_kinds import UPLOAD_KINDS
from bot.errors import UserError
from bot.importers import ParsedFile, detect_kind, parse_category_file
from bot.importers.format_spec import header_key
from bot.importers.mapping import (
    CLASSIFICATIONS,
    ColumnMapping,
    FileHeader,
    MappedField,
    fields_for,
    guessed_columns,
    read_header,
    unknown_types,
)
from bot.store import Store

MAX_COLUMNS = 99  # a Slack select holds 100 options; one is "not in file"


class MappingProblem(UserError):
    """The mapping cannot be used; `str(error)` says which field and what to do."""


@dataclass(frozen=True)
class SavedMapping:
    mapping: ColumnMapping
    saved_by: str
    saved_at: str  # ISO UTC

    @property
    def kind_label(self) -> str:
        return category_kinds.kind(self.mapping.kind).plural


@dataclass(frozen=True)
class MappingStep:
    """What the mapping modal shows for one file and one kind."""

    file_name: str
    header: FileHeader
    kind: str
    fields: list[MappedField]
    chosen: dict[str, int]  # field key -> column index, the saved answer or a first guess
    field_name: str
    saved: SavedMapping | None
    columns: list[tuple[int, str]]  # (index, header cell) of the columns offered
    types: list[str] = field(default_factory=list)  # values of the type column no table knows
    classes: dict[str, str] = field(default_factory=dict)  # what they were mapped to before

    @property
    def type_column(self) -> str:
        index = self.chosen.get("type")
        return self.header.label(self.header.cells[index]) if index is not None else ""

    @property
    def classifications(self) -> tuple[str, ...]:
        return CLASSIFICATIONS

    @property
    def kinds(self) -> dict[str, str]:
        return {key: category_kinds.kind(key).plural for key in UPLOAD_KINDS}


class ColumnMappings:
    def __init__(self, store: Store) -> None:
        self.store = store

    def step(self, content: bytes, name: str, kind: str | None = None) -> MappingStep:
        """The header and first rows of a file, and the fields the modal asks for `kind` (the saved
        mapping's, else a guess from the file name, else GL accounts)."""
        header = read_header(content, name)
        saved = self._saved(header)
        kind = kind or (saved.mapping.kind if saved else _kind_from_name(name))
        if saved is not None and saved.mapping.kind == kind:
            by_header = saved.mapping.columns
        else:
            by_header = guessed_columns(header, kind)
        # A saved mapping may come from a file whose header differs in case or spacing.
        at = {header_key(cell): index for index, cell in reversed(list(enumerate(header.cells))) if cell}
        chosen = {key: at[header_key(cell)] for key, cell in by_header.items() if header_key(cell) in at}
        columns = [(index, cell) for index, cell in enumerate(header.cells) if cell][:MAX_COLUMNS]
        field_name = saved.mapping.field_name if saved else ""
        type_at = chosen.get("type") if category_kinds.kind(kind).classified else None
        types = unknown_types(content, name, header, header.cells[type_at]) if type_at is not None else []
        classes = saved.mapping.classes if saved else {}
        return MappingStep(
            name, header, kind, fields_for(kind), chosen, field_name, saved, columns, types, classes
        )

    def save(
        self,
        content: bytes,
        name: str,
        kind: str,
        chosen: dict[str, int],
        *,
        user_id: str,
        field_name: str = "",
        classes: dict[str, str] | None = None,
    ) -> SavedMapping:
        """Keep the answers (field key -> column index) for this file's header; `MappingProblem`
        when they do not make a mapping (no name column, one column for two fields)."""
        header = read_header(content, name)
        columns = {
            key: header.cells[index] for key, index in chosen.items() if 0 <= index < len(header.cells)
        }
        known = {value: c for value, c in (classes or {}).items() if c in CLASSIFICATIONS and c != "UNKNOWN"}
        mapping = ColumnMapping(kind, columns, field_name.strip(), known)
        problems = mapping.problems()
        if problems:
            raise MappingProblem(" ".join(problems.values()))
        self.store.save_mapping(
            {
                "fingerprint": header.fingerprint,
                "header": json.dumps(header.cells),
                "kind": kind,
                "columns": json.dumps(columns),
                "field_name": mapping.field_name,
                "classes": json.dumps(mapping.classes),
                "saved_by": user_id,
            }
        )
        saved = self._saved(header)
        assert saved is not None
        return saved

    def for_file(self, content: bytes, name: str, encoding: str | None = None) -> SavedMapping | None:
        """The mapping saved for this file's header, when no known format fits it."""
        if detect_kind(content, name) is not None:
            return None
        return self._saved(read_header(content, name, encoding))

    def read(self, saved: SavedMapping, content: bytes, name: str, encoding: str | None = None) -> ParsedFile:
        """The file read with a mapping, like a known export; options without a field column get
        the field name the person typed, type values the classifications they chose."""
        return parse_category_file(content, name, encoding=encoding, custom_format=saved.mapping.format())

    def _saved(self, header: FileHeader) -> SavedMapping | None:
        row = self.store.mapping_row(header.fingerprint)
        if row is None:
            return None
        classes = json.loads(row["classes"] or "{}")
        mapping = ColumnMapping(row["kind"], json.loads(row["columns"]), row["field_name"] or "", classes)
        return SavedMapping(mapping, row["saved_by"] or "", row["saved_at"])


def problems_of(kind: str, chosen: dict[str, int], field_name: str) -> dict[str, str]:
    """The modal's answers checked before the file is read again: by field key, {} when fine."""
    return ColumnMapping(kind, {key: str(index) for key, index in chosen.items()}, field_name).problems()


def _kind_from_name(name: str) -> str:
    """The kind whose words the file name has ("Suppliers.csv": vendors), else GL accounts."""
    stem = name.lower()
    for key in UPLOAD_KINDS:
        if any(word in stem for word in category_kinds.kind(key).file_words):
            return key
    return UPLOAD_KINDS[0]
