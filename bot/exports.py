"""CSV files the bot hands to people: UTF-8 with a BOM (Excel opens it right), formula-safe cells."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets
# (OWASP "CSV injection"); a leading apostrophe makes it text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _is_number(text: str) -> bool:
    # "-12.50" is an amount, not a formula: keep it a number for the spreadsheet. Only plain
    # decimals: float() would also take "-inf", "+nan" and "-1_000", which a spreadsheet reads
    # as formulas.
    return _PLAIN_NUMBER.fullmatch(text) is not None
