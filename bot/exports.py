"""CSV files the bot hands to people: UTF-8 with a BOM (Excel opens it right), formula-safe cells."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence

# OWASP "CSV Injection": Excel, LibreOffice and Google Sheets run a cell that starts with = + - @ as a
# formula, and one that starts with a tab or a carriage return may be too; a leading apostrophe makes
# the cell text. They skip leading blanks before deciding (` =1+1` runs), so the check looks past
# whitespace and control and format characters (a zero-width space, a BOM) to the first real one.
_FORMULA_STARTS = ("=", "+", "-", "@")
_ALWAYS_QUOTED = ("\t", "\r")
_INVISIBLE = ("Cc", "Cf")  # Unicode categories: control, format
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: object) -> str:
    """The one guard every CSV cell the bot writes goes through (`to_csv`)."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if _runs_as_formula(text) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _runs_as_formula(text: str) -> bool:
    if text.startswith(_ALWAYS_QUOTED):
        return True
    first = _without_leading_blanks(text)
    return first.startswith(_FORMULA_STARTS) and not _is_number(first)


def _without_leading_blanks(text: str) -> str:
    for index, char in enumerate(text):
        if not (char.isspace() or unicodedata.category(char) in _INVISIBLE):
            return text[index:]
    return ""


def _is_number(text: str) -> bool:
    # "-12.50" is an amount, not a formula: keep it a number for the spreadsheet. Only plain
    # decimals: float() would also take "-inf", "+nan" and "-1_000", which a spreadsheet reads
    # as formulas.
    return _PLAIN_NUMBER.fullmatch(text) is not None
