"""QuickBooks Desktop IIF files: several lists in one tab-separated file, one section each.

A section starts with a header row whose first cell is the list's keyword after "!" ("!ACCNT",
"!VEND", "!CLASS") and goes on with rows whose first cell is the keyword ("ACCNT"), until the
next "!" row (Intuit's IIF import kit: https://support.quickbooks.intuit.com/support/pages/
executable/iif/iif_import_kit.zip). "Export lists to IIF" writes every list ticked into one file,
so `one_section` keeps the rows of one list: the kind's, or the first list the bot reads. Other
lists (customers, items, terms…) and rows of other sections are left out, keeping their row
numbers, so every row of the chosen list is still counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from bot.category_kinds import FIELD_OPTIONS, GL_ACCOUNTS, VENDORS
from bot.importers.records import KIND_LABELS, ImportFileError

Rows = Iterator[tuple[int, list[str]]]

SECTION_KINDS: Final = {"ACCNT": GL_ACCOUNTS, "VEND": VENDORS, "CLASS": FIELD_OPTIONS}


def one_section(rows: Rows, kind: str | None = None) -> Rows:
    """The rows of one IIF list, header first; the rows unchanged when the file is not IIF."""
    for row_number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if not cells[0].strip().startswith("!"):
            yield row_number, cells
            yield from rows
            return
        yield from _section(_chained(row_number, cells, rows), kind)
        return


def _chained(row_number: int, cells: list[str], rows: Rows) -> Rows:
    yield row_number, cells
    yield from rows


def _section(rows: Rows, kind: str | None) -> Rows:
    keyword = ""  # of the section being read; "" while skipping other sections
    found: list[str] = []
    for row_number, cells in rows:
        first = cells[0].strip().upper() if cells else ""
        if first.startswith("!"):
            if keyword:
                return  # the chosen list ended
            name = first[1:]
            found.append(name)
            if name in SECTION_KINDS and (kind is None or SECTION_KINDS[name] == kind):
                keyword = name
                yield row_number, cells
        elif keyword and first == keyword:
            yield row_number, cells
    if not keyword:
        raise _no_section(found, kind)


def _no_section(found: list[str], kind: str | None) -> ImportFileError:
    sections = ", ".join(f"!{name}" for name in found) or "none"
    if kind is not None:
        wanted = next((f"!{name}" for name, of in SECTION_KINDS.items() if of == kind), "")
        if not wanted:
            return ImportFileError(f"An IIF file holds no {KIND_LABELS[kind]}: choose another kind.")
        return ImportFileError(
            f"This IIF file has no {wanted} list ({KIND_LABELS[kind]}); its lists are: {sections}. "
            "Export that list from QuickBooks, or choose another kind."
        )
    readable = ", ".join(f"!{name} ({KIND_LABELS[of]})" for name, of in SECTION_KINDS.items())
    return ImportFileError(
        f"This IIF file has none of the lists the bot reads ({readable}); its lists are: {sections}. "
        "In QuickBooks Desktop, export the Chart of Accounts, Vendor List or Class list to IIF."
    )
