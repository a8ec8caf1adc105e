"""Workbooks (XLSX, and the ODS and XLS that python-calamine also opens) read as text rows.

Why python-calamine: measured once (not in the test suite) on 100,000 generated rows × 6 columns
(a vendor list: id, name, email, phone, a decimal, a date; 3.9 MB XLSX written by openpyxl),
Python 3.11 in this project's container, each reader in a fresh process, reading every cell and
converting it with `cell_text`:

    reader                            time (2 runs)     peak RSS above the interpreter
    python-calamine 0.9.1             0.86 s, 1.55 s    +57 MB
    openpyxl 3.1.5, read_only=True    7.39 s, 8.69 s    +25 MB
    read_rows() on the same bytes     1.05 s            +64 MB (includes the zip-bomb check)

calamine is 5-9 times faster, which is what lets a preview answer within seconds. The price is
memory: calamine parses the whole sheet into a Rust range (about 95 bytes a cell) before the
first row comes out, while openpyxl's read-only mode streams. openpyxl is also only a test
dependency here.

For workbooks, then, memory is bounded by the guards rather than by streaming: before
calamine sees the workbook, every zip member is inflated once and counted
(declared sizes can lie), and a workbook that unpacks to more than `max_bytes`, has more than
`max_rows` rows below its first one or is encrypted is refused with a readable message.

Cells come out as Excel displays them for our purposes: whole numbers without ".0" (account
codes such as 4000), other numbers in their shortest form, dates in ISO 8601, booleans as
TRUE/FALSE, and formulas as their cached value.
"""

from __future__ import annotations

import datetime
import math
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from python_calamine import (
    CalamineError,
    CalamineSheet,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from bot import category_kinds
from bot.importers.records import ImportFileError, too_many_rows

MAX_ZIP_MEMBERS = 10_000
_CHUNK = 1024 * 1024
# What zipfile raises for a workbook whose archive or deflate data is damaged.
_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, zlib.error)

Cell = int | float | str | bool | datetime.time | datetime.date | datetime.datetime | datetime.timedelta


def read(
    stream: BinaryIO, *, kind: str | None, max_rows: int, max_bytes: int
) -> tuple[Iterator[tuple[int, list[str]]], str]:
    """Rows of the chosen sheet of the zipped workbook in `stream`, and a description."""
    _check_unpacked_size(stream, max_bytes)
    stream.seek(0)
    return _read_sheet(stream, kind=kind, max_rows=max_rows, label="XLSX")


def read_legacy(
    stream: BinaryIO, *, kind: str | None, max_rows: int
) -> tuple[Iterator[tuple[int, list[str]]], str]:
    """An OLE2 file: an old .xls workbook, or a password-protected XLSX (Excel encrypts into OLE2)."""
    return _read_sheet(stream, kind=kind, max_rows=max_rows, label="XLS")


def cell_text(value: Cell) -> str:
    """A cell's value as text: 4000.0 → "4000", a date → "2024-01-31", True → "TRUE"."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _check_unpacked_size(stream: BinaryIO, max_bytes: int) -> None:
    too_big = ImportFileError(
        f"This workbook unpacks to more than {max_bytes / 1_048_576:.0f} MB, more than any chart "
        "of accounts or vendor list needs; it was not opened. Save the sheet you want as CSV."
    )
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise too_big
            names = {member.filename for member in members}
            if "xl/workbook.xml" not in names and "content.xml" not in names:
                raise ImportFileError(
                    "This is a zip archive but not an Excel workbook. Upload the .xlsx or .csv itself."
                )
            if any(member.flag_bits & 0x1 for member in members):
                raise ImportFileError(_PASSWORD_MESSAGE)
            if sum(member.file_size for member in members) > max_bytes:
                raise too_big
            unpacked = 0
            for member in members:
                with archive.open(member) as content:
                    while chunk := content.read(_CHUNK):
                        unpacked += len(chunk)
                        if unpacked > max_bytes:
                            raise too_big
    except ImportFileError:
        raise
    except (*_DAMAGED, ValueError) as error:  # zipfile raises ValueError on a bad offset too
        raise ImportFileError(
            f"This workbook is damaged and could not be opened ({error}). Open it in Excel and save it again."
        ) from error


_PASSWORD_MESSAGE = (
    "This workbook is password-protected, so the bot cannot read it. "
    "Save a copy without a password (File → Info → Protect Workbook) and share that."
)


def _read_sheet(
    stream: BinaryIO, *, kind: str | None, max_rows: int, label: str
) -> tuple[Iterator[tuple[int, list[str]]], str]:
    try:
        workbook = CalamineWorkbook.from_filelike(stream)
        name = _choose_sheet(workbook, kind)
        sheet = workbook.get_sheet_by_name(name)
    except PasswordError as error:
        raise ImportFileError(_PASSWORD_MESSAGE) from error
    except CalamineError as error:
        raise ImportFileError(
            f"This workbook could not be opened ({error}). If it is password-protected, save a copy "
            "without a password; otherwise open it in Excel and save it again as .xlsx."
        ) from error
    except (ValueError, OSError, TypeError) as error:
        raise ImportFileError(f"This workbook could not be opened ({error}).") from error
    start, end = sheet.start, sheet.end
    if start is not None and end is not None and end[0] - start[0] > max_rows:
        raise too_many_rows(f"Sheet “{name}”", max_rows)
    return _rows(sheet), f"{label}, sheet “{name}”"


def _choose_sheet(workbook: CalamineWorkbook, kind: str | None) -> str:
    worksheets = [
        meta.name
        for meta in workbook.sheets_metadata
        if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible
    ] or [meta.name for meta in workbook.sheets_metadata if meta.typ == SheetTypeEnum.WorkSheet]
    if not worksheets:
        raise ImportFileError("This workbook has no worksheet to read.")
    # Sheet names that say which kind of category a sheet holds.
    wanted = category_kinds.kind(kind).sheet_names if kind in category_kinds.KEYS else ()
    for name in worksheets:
        if name.strip().lower() in wanted:
            return name
    return worksheets[0]


def _rows(sheet: CalamineSheet) -> Iterator[tuple[int, list[str]]]:
    # iter_rows starts at row 1 but at the first used column: pad so index 0 is column A.
    start = sheet.start
    padding = [""] * (start[1] if start else 0)
    for index, row in enumerate(sheet.iter_rows()):
        yield index + 1, padding + [cell_text(value) for value in row]
