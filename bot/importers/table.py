"""Find the table in a sheet: the header row (below any report title lines) and the data rows
above the footer.

QuickBooks reports put the company name, the report title and a date range above the header,
and a TOTAL line plus "Cash Basis Monday, 1 January 2024 10:00 AM" below the data; other exports
add "Generated on …" lines or trailing blank rows. The header is the first row, among the first
HEADER_SEARCH_ROWS, that fits a known format. The data ends at the first footer line: a TOTAL
line without an id or name, a lone timestamp or "generated/printed/exported" line, or any lone
cell after a blank row that leaves a required column empty, or a long date ("Monday, January 6,
2025") even when the CSV export split it at its commas.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.importers.formats import FORMATS, Format, FormatMatch, best_match, formats_help, header_key
from bot.importers.readers import column_letter
from bot.importers.records import KIND_LABELS, ImportFileError

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
        cells = [cell.strip() for cell in raw]
        filled = [cell for cell in cells if cell]
        if not filled:
            after_blank = True
            continue
        if _is_footer(cells, filled, required, after_blank):
            return
        yield row_number, cells


def _is_footer(cells: list[str], filled: list[str], required: list[int], after_blank: bool) -> bool:
    missing_required = any(index >= len(cells) or not cells[index] for index in required)
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
