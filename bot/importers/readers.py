"""Read an uploaded file, CSV or XLSX, into rows as Excel shows them: `(row_number, cells)`.

`read_rows` looks at the bytes, not only the name, to decide how to read a file: a zip is a
workbook (XLSX or ODS, through `xlsx_reader`), an OLE2 container is an old `.xls` or a
password-protected workbook, an HTML page is what Slack sends instead of the file when the
download is not authorised, and anything else is read as delimited text (`csv_reader`).

Both readers are lazy: rows are produced one at a time, and the size guards (`max_bytes` on the
file and on what a workbook unpacks to, `max_rows` on the rows) raise `ImportFileError` with a
message the user can act on.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from bot.importers import charsets, csv_reader, xlsx_reader
from bot.importers.charsets import EncodingGuess
from bot.importers.records import ImportFileError

# The most data rows one upload takes, the limit the README states (not Excel's sheet size,
# 1,048,576, which it once was here). The header, the first row with anything in it, does not
# count; title rows above it do. Both readers take the cap from here and refuse a file as soon as
# they pass it.
DEFAULT_MAX_ROWS = 1_000_000
# Applies to a CSV file and to the unpacked content of a workbook; the service caps the raw
# download separately (`RAMP_BOT_MAX_FILE_MB`, 20 MB by default: bot/config.py).
DEFAULT_MAX_BYTES = 256 * 1024 * 1024

Source = bytes | str | os.PathLike[str]

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


class RowStream(Iterator[tuple[int, list[str]]]):
    """The rows of one table, produced lazily; a context manager that closes the file.

    `description` says how the file was read ("CSV, UTF-8, comma-separated" or "XLSX, sheet
    'Vendors'"), for the preview; `encoding` how text was decoded (None for a workbook).
    """

    def __init__(
        self,
        rows: Iterator[tuple[int, list[str]]],
        description: str,
        closer: BinaryIO | None,
        encoding: EncodingGuess | None = None,
    ):
        self._rows = rows
        self.description = description
        self._closer = closer
        self.encoding = encoding

    def __next__(self) -> tuple[int, list[str]]:
        return next(self._rows)

    def close(self) -> None:
        close_rows = getattr(self._rows, "close", None)
        if close_rows is not None:
            close_rows()
        if self._closer is not None:
            self._closer.close()

    def __enter__(self) -> RowStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def read_rows(
    data: Source,
    filename: str,
    *,
    kind: str | None = None,
    encoding: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> RowStream:
    """Open `data` (the file's bytes or a path) and return its rows as Excel numbers them.

    `kind` only chooses the worksheet of a workbook: a sheet named for the kind ("Vendors")
    wins over the first sheet. `encoding` (a key of `charsets.ENCODINGS`) decodes a text file
    that way instead of the guess; a workbook ignores it.
    """
    if encoding is not None and encoding not in charsets.ENCODINGS:
        known = ", ".join(charsets.ENCODINGS)
        raise ImportFileError(f"Unknown encoding “{encoding}”; choose one of {known}.")
    stream, size = _open(data)
    try:
        rows, description, found = _read_by_content(
            stream, size, filename, kind=kind, encoding=encoding, max_rows=max_rows, max_bytes=max_bytes
        )
        return RowStream(rows, description, stream, found)
    except BaseException:
        stream.close()
        raise


def _read_by_content(
    stream: BinaryIO,
    size: int,
    filename: str,
    *,
    kind: str | None,
    encoding: str | None,
    max_rows: int,
    max_bytes: int,
) -> tuple[Iterator[tuple[int, list[str]]], str, EncodingGuess | None]:
    """The rows, how they were read and how text was decoded, by the reader the first bytes call
    for (the name only explains a refusal)."""
    head = stream.read(512)
    stream.seek(0)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ImportFileError(f"“{filename}” is empty: there is nothing to import.")
    if head.startswith(_ZIP_MAGIC):
        return (*xlsx_reader.read(stream, kind=kind, max_rows=max_rows, max_bytes=max_bytes), None)
    if head.startswith(_OLE2_MAGIC):
        return (*xlsx_reader.read_legacy(stream, kind=kind, max_rows=max_rows), None)
    if filename.lower().endswith(_SPREADSHEET_SUFFIXES):
        raise ImportFileError(
            f"“{filename}” is named like an Excel workbook but is not one. "
            "Open it in Excel and save it again as .xlsx or .csv."
        )
    _refuse_html(head, filename)
    if size > max_bytes:
        raise ImportFileError(
            f"“{filename}” is {size / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB. "
            "Split the file or remove columns you do not need."
        )
    return csv_reader.read(stream, max_rows=max_rows, encoding=encoding)


def column_letter(index: int) -> str:
    """Excel's name for the zero-based column `index`: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _open(data: Source) -> tuple[BinaryIO, int]:
    if isinstance(data, bytes | bytearray | memoryview):
        return io.BytesIO(data), len(data)
    path = Path(data)
    try:
        return path.open("rb"), path.stat().st_size
    except OSError as error:
        raise ImportFileError(f"Could not open “{path.name}”: {error.strerror}.") from error


def _refuse_html(head: bytes, filename: str) -> None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head")):
        raise ImportFileError(
            f"“{filename}” is a web page, not a spreadsheet. When Slack sends its sign-in page "
            "instead of the file, the bot's token lacks the files:read scope: reinstall the app, "
            "then share the file again."
        )
