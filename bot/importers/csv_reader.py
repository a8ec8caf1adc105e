"""Delimited text as finance teams' tools write it, decoded incrementally.

Encodings: UTF-8 with or without BOM (Excel's "CSV UTF-8" adds one), UTF-16 with BOM (Excel's
"Unicode text", tab-separated), and the Windows code pages older Excel writes as "CSV" (1252
Western, 1250 Central European, 1251 Cyrillic). Without a BOM, the first 64 KB decide: valid UTF-8
means UTF-8, with any later stray byte read as Windows-1252 rather than failing half-way through;
anything else is the code page `charsets.guess` finds likeliest, marked uncertain when it is a
close call. An encoding the user chose in the preview replaces the guess (a BOM still wins).

Delimiters: comma, semicolon (European locales) or tab, chosen by parsing the first lines with
each candidate and keeping the one that gives the most rows with the same number of columns
(csv.Sniffer guesses from character frequencies and is easily fooled by commas inside names).

Row numbers are record numbers, which is what Excel shows: a quoted field holding a newline
stays in one row, and a blank line is a row.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections import Counter
from collections.abc import Iterator
from typing import BinaryIO

from bot.importers import charsets
from bot.importers.charsets import EncodingGuess
from bot.importers.records import ImportFileError, too_many_rows

SAMPLE_CHARS = 64 * 1024
# "Total number of characters that a cell can contain: 32,767" (Microsoft, Excel specifications and
# limits, https://support.microsoft.com/en-us/office/excel-specifications-and-limits-1672b34d-7043-467e-8e27-269d656771c3).
# A longer cell is named by its row and column. Python's csv module stops at its own field limit
# (131,072) without saying which column; it is raised, process-wide, past any file we accept, so
# our check sees the cell first.
MAX_CELL_CHARS = 32_767
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_FALLBACK_ERRORS = "bot-importers-cp1252"


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decode bytes the file's encoding cannot (a stray byte in UTF-8, a hole in a code page) as
    Windows-1252, its own five holes as Latin-1: a character is kept rather than the read failing."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    text = "".join(bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in bad)
    return text, error.end


codecs.register_error(_FALLBACK_ERRORS, _cp1252_fallback)


def read(
    stream: BinaryIO, *, max_rows: int, encoding: str | None = None
) -> tuple[Iterator[tuple[int, list[str]]], str, EncodingGuess]:
    """Rows of the delimited text in `stream`, a description of how it was read, and the encoding
    used. `encoding` (a key of `charsets.ENCODINGS`) overrides the guess for text without a BOM."""
    found = _detect_encoding(stream, encoding)
    codec = "utf-8-sig" if found.codec == "utf-8" else found.codec  # a stray BOM after a choice
    text = io.TextIOWrapper(stream, encoding=codec, errors=_FALLBACK_ERRORS, newline="")
    sample = _read_sample(text)
    delimiter = detect_delimiter(sample)
    lines = itertools.chain(io.StringIO(sample, newline=""), text)
    label = found.label.partition(" (")[0]  # "Windows-1250", without the region
    description = f"CSV, {label}, {DELIMITERS[delimiter]}-separated"
    return _records(lines, delimiter, max_rows, text), description, found


def detect_delimiter(sample: str) -> str:
    """The delimiter that splits the most lines of `sample` into the same number (> 1) of cells."""
    best, best_score = ",", 0
    for delimiter in DELIMITERS:
        widths = _widths(sample, delimiter)
        if not widths:
            continue
        width, count = widths.most_common(1)[0]
        score = count * (width - 1)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _widths(sample: str, delimiter: str) -> Counter[int]:
    widths: Counter[int] = Counter()
    try:
        for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            if len(row) > 1:
                widths[len(row)] += 1
    except csv.Error:
        pass  # an over-long field (an unclosed quote): judge by the rows before it
    return widths


def _detect_encoding(stream: BinaryIO, chosen: str | None) -> EncodingGuess:
    head = stream.read(SAMPLE_CHARS)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return EncodingGuess.known("utf-8-sig", "UTF-8")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return EncodingGuess.known("utf-16", "UTF-16")
    sample = head[:1024]
    odd_nuls, even_nuls = sample[1::2].count(0), sample[0::2].count(0)
    if len(sample) >= 4 and odd_nuls > len(sample) // 4 and even_nuls == 0:
        return EncodingGuess.known("utf-16-le", "UTF-16")
    if len(sample) >= 4 and even_nuls > len(sample) // 4 and odd_nuls == 0:
        return EncodingGuess.known("utf-16-be", "UTF-16")
    if 0 in sample:
        raise ImportFileError(
            "This file is neither a spreadsheet nor text. Export it from your ERP as CSV or XLSX."
        )
    if chosen is not None:
        return EncodingGuess.known(chosen, charsets.ENCODINGS[chosen], chosen=True)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return charsets.guess(head)
    return EncodingGuess.known("utf-8", "UTF-8")


def _read_sample(text: io.TextIOWrapper) -> str:
    """The first SAMPLE_CHARS characters, extended to the end of the line they stop in."""
    try:
        sample = text.read(SAMPLE_CHARS)
        if sample.endswith("\r"):
            sample += text.read(1)
        if sample and not sample.endswith(("\n", "\r")):
            sample += text.readline()
    except UnicodeError as error:
        raise ImportFileError(f"The file's text could not be decoded ({error}).") from error
    return sample


def _long_cell(row_number: int, row: list[str], first_row: list[str]) -> ImportFileError:
    """A cell longer than a spreadsheet cell holds: named by row and column (with the first row's
    title for it, when that row looks like a header). One that runs over line breaks is most likely
    a quote never closed, which swallows the rows below it."""
    from bot.importers.readers import column_letter  # readers imports this module

    index, cell = next((i, c) for i, c in enumerate(row) if len(c) > MAX_CELL_CHARS)
    title = first_row[index].strip() if index < len(first_row) and sum(map(bool, first_row)) > 1 else ""
    where = f"Row {row_number}, column {column_letter(index)}" + (f" ({title})" if title else "")
    if "\n" in cell or "\r" in cell:
        return ImportFileError(
            f"{where} runs on over several lines ({len(cell):,} characters): a quote that is never "
            "closed is the usual cause. Close or remove that quote, then share the file again."
        )
    return ImportFileError(
        f"{where} holds {len(cell):,} characters; a cell holds at most {MAX_CELL_CHARS:,}. "
        "Shorten that cell, or leave its column out of the export, then share the file again."
    )


def _records(
    lines: Iterator[str], delimiter: str, max_rows: int, text: io.TextIOWrapper
) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(lines, delimiter=delimiter)
    row_number = header = 0
    first_row: list[str] = []
    try:
        for row_number, row in enumerate(reader, start=1):
            header = header or (row_number if any(cell.strip() for cell in row) else 0)
            if header and row_number - header > max_rows:
                raise too_many_rows("The file", max_rows)
            if header == row_number:
                first_row = row
            if any(len(cell) > MAX_CELL_CHARS for cell in row):
                raise _long_cell(row_number, row, first_row)
            yield row_number, row
    except csv.Error as error:
        raise ImportFileError(
            f"Row {row_number + 1} could not be read ({error}); a quote that is never closed "
            "is the usual cause."
        ) from error
    except UnicodeError as error:
        raise ImportFileError(f"Row {row_number + 1} could not be decoded ({error}).") from error
    finally:
        text.detach()
