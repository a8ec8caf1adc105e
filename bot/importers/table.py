"""Find the table in a sheet: the header row (below any report title lines) and the data rows
above the footer.

QuickBooks reports put the company name, the report title and a date range above the header,
and a TOTAL line plus "Cash Basis Monday, 1 January 2024 10:00 AM" below the data; other exports
add "Generated on …" lines or trailing blank rows. The header is the first row, among the first
HEADER_SEARCH_ROWS, that fits a known format; when several fit, the one that explains the
most header cells wins, and a tie between kinds goes to words in the file name ("vendors.csv"),
else to the order of `formats.FORMATS`, and the parser notes the guess.

The data ends at the first footer line: a TOTAL line without an id or name, a lone timestamp or
"generated/printed/exported on" line, a long date ("Monday, January 6, 2025", even when the CSV
export split it at its commas), or a lone cell after a blank row that leaves a required column
empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from bot.importers.formats import FORMATS, STATUS_COLUMNS, Format, formats_help, header_key
from bot.importers.readers import column_letter
from bot.importers.records import (
    FIELD_OPTIONS,
    GL_ACCOUNTS,
    KIND_LABELS,
    SUBSIDIARIES,
    VENDORS,
    ImportFileError,
)

HEADER_SEARCH_ROWS = 30

_TOTAL = re.compile(r"^(grand\s+)?totals?\b", re.IGNORECASE)
_FOOTER_TEXT = re.compile(
    r"^(generated|printed|exported|created|run|report (run|generated))\s+(on|at|by)\b.*\d"
    r"|\b\d{1,2}:\d{2}(:\d{2})?\s*([ap]m)?\b"
    r"|^page \d+( of \d+)?$",
    re.IGNORECASE,
)
# "Monday, January 6, 2025" or "Monday, 6 January 2025": QuickBooks' footer, often split by its commas.
_LONG_DATE = re.compile(
    r"\b(mon|tues|wednes|thurs|fri|satur|sun)day,?\s+"
    r"(\w+\s+\d{1,2}|\d{1,2}\s+\w+),?\s+\d{4}\b",
    re.IGNORECASE,
)


# Words in a file name that hint at the kind, for headers several kinds share ("id,name").
KIND_HINTS: Final = {
    VENDORS: ("vendor", "supplier", "contact", "payee"),
    SUBSIDIARIES: ("subsidiar", "entit", "location"),
    FIELD_OPTIONS: ("option", "field"),
    GL_ACCOUNTS: ("account", "chart", "coa", "ledger", "gl"),
}


@dataclass(frozen=True)
class FormatMatch:
    """A format fitted to a header row: where each of its fields is, and how many cells it explains."""

    format: Format
    positions: dict[str, int]
    score: int


def match_header(cells: list[str], fmt: Format) -> FormatMatch | None:
    """Fit `fmt` to a header row, or None if a required column is missing or the header excludes it."""
    keys = [header_key(cell) for cell in cells]
    present = set(keys) - {""}
    if fmt.identifying and not present.intersection(fmt.identifying):
        return None
    if present.intersection(fmt.excluding):
        return None
    positions: dict[str, int] = {}
    for column in fmt.columns + STATUS_COLUMNS:
        index = next((keys.index(key) for key in column.keys if key in present), None)
        if index is not None and index not in positions.values():
            positions[column.field] = index
        elif column.required:
            return None
    return FormatMatch(fmt, positions, len(positions))


def best_match(
    cells: list[str], formats: tuple[Format, ...], filename: str = ""
) -> tuple[FormatMatch | None, list[FormatMatch]]:
    """The best-fitting format for a header row, and every format that tied with it."""
    matches = [found for fmt in formats if (found := match_header(cells, fmt)) is not None]
    if not matches:
        return None, []
    top = max(found.score for found in matches)
    tied = [found for found in matches if found.score == top]
    hinted = [found for found in tied if _hinted(found.format.kind, filename)]
    return (hinted or tied)[0], tied


def _hinted(kind: str, filename: str) -> bool:
    stem = filename.lower()
    return any(word in stem for word in KIND_HINTS.get(kind, ()))


@dataclass
class Table:
    """The header found in a file, the format it matched, and the data rows below it (lazily)."""

    header_row: int
    header: list[str]
    match: FormatMatch
    rows: Iterator[tuple[int, list[str]]]
    tied: list[FormatMatch] = field(default_factory=list)

    def column_name(self, index: int) -> str:
        """Excel's name for a column with its header: "C (Account Type)"."""
        title = self.header[index] if index < len(self.header) else ""
        return f"{column_letter(index)} ({title})" if title else column_letter(index)


def find_table(
    rows: Iterator[tuple[int, list[str]]],
    filename: str,
    candidates: tuple[Format, ...],
) -> Table:
    """Read rows until one is a header of a candidate format; raise a readable error if none is."""
    seen: list[list[str]] = []
    for row_number, raw in rows:
        cells = [cell.strip() for cell in raw]
        if not any(cells):
            continue
        match, tied = best_match(cells, candidates, filename)
        if match is not None:
            data = _data_rows(rows, match)
            return Table(row_number, cells, match, data, tied)
        other, _ = best_match(cells, FORMATS, filename)
        if other is not None:
            raise _wrong_format(other, candidates, cells)
        seen.append(cells)
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    raise _not_recognised(seen, candidates)


def _data_rows(rows: Iterator[tuple[int, list[str]]], match: FormatMatch) -> Iterator[tuple[int, list[str]]]:
    required = [match.positions[column.field] for column in match.format.columns if column.required]
    after_blank = False
    for row_number, raw in rows:
        cells = list(map(str.strip, raw))
        width = len(cells)
        filled_count = width - cells.count("")
        if not filled_count:
            after_blank = True
            continue
        missing_required = any(index >= width or not cells[index] for index in required)
        # Only short rows or rows missing a required cell can be footers: most rows stop here.
        if (missing_required or filled_count <= 3) and _is_footer(
            [cell for cell in cells if cell], missing_required, after_blank
        ):
            return
        yield row_number, cells


def _is_footer(filled: list[str], missing_required: bool, after_blank: bool) -> bool:
    if missing_required and _TOTAL.match(filled[0]):
        return True
    if len(filled) == 1 and _FOOTER_TEXT.search(filled[0]):
        return True
    if len(filled) <= 3 and _LONG_DATE.search(", ".join(filled)):
        return True
    return after_blank and len(filled) == 1 and missing_required


def _missing_columns(fmt: Format, header: list[str]) -> list[str]:
    present = {header_key(cell) for cell in header}
    return [
        column.headers[0]
        for column in fmt.columns
        if column.required and not present.intersection(column.keys)
    ]


def _wrong_format(found: FormatMatch, candidates: tuple[Format, ...], header: list[str]) -> ImportFileError:
    fmt = found.format
    wanted = sorted({KIND_LABELS[candidate.kind] for candidate in candidates})
    if len(candidates) == 1:
        missing = ", ".join(_missing_columns(candidates[0], header))
        return ImportFileError(
            f"This file looks like a {fmt.name} ({KIND_LABELS[fmt.kind]}), not a {candidates[0].name}, "
            f"which needs the columns {missing}. Pick the detected format, or share the file you meant."
        )
    return ImportFileError(
        f"This file looks like a {fmt.name}, which holds {KIND_LABELS[fmt.kind]}, not "
        f"{' or '.join(wanted)}. Choose “{KIND_LABELS[fmt.kind]}” as the kind, or share the file you meant."
    )


def _not_recognised(seen: list[list[str]], candidates: tuple[Format, ...]) -> ImportFileError:
    if not seen:
        return ImportFileError("The file has no rows with data: there is nothing to import.")
    header = max(seen, key=lambda cells: sum(1 for cell in cells if cell))
    found = ", ".join(cell for cell in header if cell)[:500]
    if len(candidates) == 1:
        fmt = candidates[0]
        missing = _missing_columns(fmt, header) or [c.headers[0] for c in fmt.columns if c.required]
        return ImportFileError(
            f"No header row for {fmt.name} was found: it needs the columns {', '.join(missing)}; "
            f"the file's header seems to be: {found}."
        )
    return ImportFileError(
        "The header row was not recognised, so the bot cannot tell what this file holds. "
        f"The file's header seems to be: {found}.\n"
        "Known formats and the columns they need:\n" + formats_help(candidates)
    )
