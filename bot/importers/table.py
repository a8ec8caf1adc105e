"""Find the table in a sheet: the header row (below any report title lines) and the data rows
above the footer.

QuickBooks reports put the company name, the report title and a date range above the header,
and a TOTAL line plus "Cash Basis Monday, 1 January 2024 10:00 AM" below the data; other exports
add "Generated on …" lines or trailing blank rows. The header is the first row, among the first
HEADER_SEARCH_ROWS, that fits a known format; when several fit, the one that explains the
most header cells wins. A tie between kinds (`id,name` fits vendors, subsidiaries and GL
accounts) is decided by hints: the first VALUE_SAMPLE_ROWS data rows (ids such as "V-1" or
"4000", names such as "Acme Ltd": the kinds' `id_prefixes`, `numeric_ids`, `name_words`) and
words in the file name ("vendors.csv", or a format's own `file_words`: "Departments.csv" is
NetSuite's department list, whose header is a vendor list's); with no hint, the order of
`formats.FORMATS`. The table then says why it chose (`kind_guess`), for the preview to show that
the kind is a guess.

The data ends at the first footer line: a TOTAL line without an id or name, a lone timestamp or
"generated/printed/exported on" line, a long date ("Monday, January 6, 2025", even when the CSV
export split it at its commas), or a lone cell after a blank row that leaves a required column
empty.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot import category_kinds
from bot.importers.formats import FORMATS, STATUS_COLUMNS, Format, formats_help, header_key
from bot.importers.readers import column_letter
from bot.importers.records import KIND_LABELS, ImportFileError

HEADER_SEARCH_ROWS = 30
VALUE_SAMPLE_ROWS = 50
VALUE_SHARE = 0.6  # of the sampled rows whose id or name must look like a kind for it to count
FILE_WORD_WEIGHT = 0.75
_ID_PREFIX = re.compile(r"^([A-Za-z]+)(?:[-_ ./]|(?=\d))")  # "V-1", "V00010", "sub-us"
_NUMERIC_ID = re.compile(r"^\d+([.\-]\d+)*$")
_NAME_WORD = re.compile(r"[\w.]+")

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


@dataclass(frozen=True)
class FormatMatch:
    """A format fitted to a header row: where each of its fields is, and how many cells it explains."""

    format: Format
    positions: dict[str, int]
    score: int


def match_header(cells: list[str], fmt: Format, filename: str = "") -> FormatMatch | None:
    """Fit `fmt` to a header row, or None if a required column is missing, the header excludes
    it, or neither an identifying header nor the file's name says it is this format."""
    keys = [header_key(cell) for cell in cells]
    present = set(keys) - {""}
    identified = present.intersection(fmt.identifying) or fmt.named_by(filename)
    if (fmt.identifying or fmt.file_words) and not identified:
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
    matches = [found for fmt in formats if (found := match_header(cells, fmt, filename)) is not None]
    if not matches:
        return None, []
    top = max(found.score for found in matches)
    tied = [found for found in matches if found.score == top]
    hinted = [found for found in tied if _file_word(found.format, filename)]
    return (hinted or tied)[0], tied


def _file_word(fmt: Format, filename: str) -> str:
    """The word in the file's name that hints at the format or its kind ("department" in
    "Departments.csv", "vendor" in "Vendor export.csv"), or ""."""
    if fmt.kind not in category_kinds.KEYS:  # sync results share their header with no category
        return ""
    stem = filename.lower()
    return fmt.named_by(filename) or next(
        (word for word in category_kinds.kind(fmt.kind).file_words if word in stem), ""
    )


def _value_hits(kind: str, found: FormatMatch, rows: list[tuple[int, list[str]]]) -> list[tuple[str, float]]:
    """The ids or names among `rows` that look like `kind`'s ("V-1" for vendors), each with its
    weight: an id of digits only is weak evidence (vendors often have numeric ids too)."""
    if kind not in category_kinds.KEYS or not rows:
        return []
    row = category_kinds.kind(kind)
    id_at, name_at = found.positions.get("id"), found.positions.get("name")
    hits = []
    for _, cells in rows:
        remote_id = cells[id_at] if id_at is not None and id_at < len(cells) else ""
        name = cells[name_at] if name_at is not None and name_at < len(cells) else ""
        prefix = _ID_PREFIX.match(remote_id)
        words = {word.strip(".") for word in _NAME_WORD.findall(name.lower())}
        if prefix and prefix.group(1).upper() in row.id_prefixes:
            hits.append((remote_id, 1.0))
        elif words.intersection(word.strip(".") for word in row.name_words):
            hits.append((name, 1.0))
        elif row.numeric_ids and _NUMERIC_ID.match(remote_id):
            hits.append((remote_id, 0.5))
    return hits


def guess_kind(
    tied: list[FormatMatch], filename: str, rows: list[tuple[int, list[str]]]
) -> tuple[FormatMatch, str]:
    """Of formats of several kinds that fit the header equally, the one the values and the file
    name point to, and a sentence saying why (for the preview)."""
    first_of_kind: dict[str, FormatMatch] = {}
    for found in tied:
        first_of_kind.setdefault(found.format.kind, found)
    scores: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}
    for kind, found in first_of_kind.items():
        hits, word = _value_hits(kind, found, rows), _file_word(found.format, filename)
        share = sum(weight for _, weight in hits) / len(rows) if rows else 0.0
        # The file name outweighs values that are only mostly alike; values that all agree win.
        scores[kind] = (share if share >= VALUE_SHARE else 0.0) + (FILE_WORD_WEIGHT if word else 0.0)
        reasons[kind] = []
        if share >= VALUE_SHARE:
            examples = ", ".join(f"“{hit}”" for hit, _ in hits[:2])
            rows_like = "every row looks" if share == 1 else f"{share:.0%} of the rows look"
            singular = category_kinds.kind(kind).singular
            reasons[kind].append(f"{rows_like} like a {singular}'s ({examples})")
        if word:
            reasons[kind].append(f"the file name “{filename}” suggests it")
    chosen = max(first_of_kind, key=lambda kind: scores[kind])  # ties: the first in FORMATS order
    labels = [KIND_LABELS[kind] for kind in first_of_kind]
    fits = ", ".join(labels[:-1]) + " and " + labels[-1]
    why = " and ".join(reasons[chosen]) if scores[chosen] else "nothing in the values or the file name tells"
    return first_of_kind[chosen], (
        f"The header fits {fits}; it was read as {KIND_LABELS[chosen]} because {why}. "
        "Change the kind if that is wrong."
    )


@dataclass
class Table:
    """The header found in a file, the format it matched, and the data rows below it (lazily)."""

    header_row: int
    header: list[str]
    match: FormatMatch
    rows: Iterator[tuple[int, list[str]]]
    tied: list[FormatMatch] = field(default_factory=list)
    kind_guess: str = ""  # why this kind, when the header fits several; "" when it fits one

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
            guess = ""
            if len({found.format.kind for found in tied}) > 1:
                peeked = list(itertools.islice(data, VALUE_SAMPLE_ROWS))
                match, guess = guess_kind(tied, filename, peeked)
                data = itertools.chain(peeked, data)
            return Table(row_number, cells, match, data, tied, guess)
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
