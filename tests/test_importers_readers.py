"""Readers: encodings, delimiters, Excel row numbers, workbook cells, and the size guards."""

from __future__ import annotations

import codecs
import io
import re
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from bot.importers import ImportFileError, parse_category_file, read_rows
from bot.importers.csv_reader import detect_delimiter
from bot.importers.readers import DEFAULT_MAX_ROWS, column_letter
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import action_ids, books, connect, preview_of, text_of, write_requests

FILES = Path(__file__).parent / "fixtures" / "files"


def _rows(data: bytes, filename: str = "file.csv", **limits: int) -> list[tuple[int, list[str]]]:
    with read_rows(data, filename, **limits) as rows:
        return list(rows)


def test_utf8_with_and_without_bom_read_the_same() -> None:
    text = "id,name\r\n1,Café\r\n"
    assert (
        _rows(codecs.BOM_UTF8 + text.encode())
        == _rows(text.encode())
        == [(1, ["id", "name"]), (2, ["1", "Café"])]
    )


def test_utf16_unicode_text_from_excel_is_tab_separated_and_decoded() -> None:
    with read_rows((FILES / "netsuite_vendors_unicode.txt").read_bytes(), "vendors.txt") as rows:
        assert rows.description == "CSV, UTF-16, tab-separated"
        assert list(rows)[5] == (6, ["205", "東京オフィス株式会社", "", "", "Japan Sub", "No"])


def test_utf16_without_a_bom_is_still_recognised() -> None:
    assert _rows("id\tname\n1\tÜber\n".encode("utf-16-le")) == [(1, ["id", "name"]), (2, ["1", "Über"])]


def test_windows_1252_is_the_fallback_for_text_that_is_not_utf8() -> None:
    with read_rows((FILES / "intacct_vendors_cp1252.csv").read_bytes(), "vendors.csv") as rows:
        assert rows.description == "CSV, Windows-1252, comma-separated"
        assert list(rows)[1][1][1] == "Café Lumière"


def test_a_stray_windows_1252_byte_deep_in_a_utf8_file_does_not_fail_the_read() -> None:
    data = b"id,name\n" + b"1,plain\n" * 20_000 + b"2,Caf\xe9\n"
    rows = _rows(data)
    assert rows[-1] == (20_002, ["2", "Café"])


def test_undefined_windows_1252_bytes_are_kept_rather_than_failing() -> None:
    assert _rows(b"id,name\n1,Caf\xe9\x81\n")[1] == (2, ["1", "Café\x81"])


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n4;5,0;6\n", ";"),
        ("a\tb\n1\t2, 3\n", "\t"),
        ('Title\nname,code\n"Postage, Printing",1\n', ","),
        ("id;name\nV-1;Smith, Jones & Partners\nV-2;A, B, C\n", ";"),
        ("just one column\nsecond\n", ","),
    ],
)
def test_the_delimiter_is_the_one_that_splits_rows_evenly(sample: str, expected: str) -> None:
    assert detect_delimiter(sample) == expected


def test_quoted_fields_keep_commas_newlines_and_crlf_inside_one_excel_row() -> None:
    data = b'id,name\r\n1,"Postage, Printing\r\n& Stationery"\r\n2,Next\r\n'
    assert _rows(data) == [
        (1, ["id", "name"]),
        (2, ["1", "Postage, Printing\r\n& Stationery"]),
        (3, ["2", "Next"]),
    ]


def test_blank_lines_count_as_rows_like_in_excel() -> None:
    assert [number for number, _ in _rows(b"a,b\n\n1,2\n")] == [1, 2, 3]


def test_a_sample_boundary_inside_a_quoted_newline_does_not_shift_rows() -> None:
    # The delimiter sample is 64 KB: put a quoted multi-line cell and a CRLF across that boundary.
    filler = b"1,x\r\n" * (65_536 // 5)
    data = b"id,name\r\n" + filler + b'2,"a\r\nb"\r\n3,c\r\n'
    rows = _rows(data)
    assert rows[-2:] == [(len(rows) - 1, ["2", "a\r\nb"]), (len(rows), ["3", "c"])]
    assert len(rows) == 1 + len(filler) // 5 + 2


def test_csv_rows_are_produced_lazily() -> None:
    data = b"id,name\n" + b"1,x\n" * 10 + b'2,"never closed\n' + b"y" * 200_000
    with read_rows(data, "big.csv") as rows:
        assert next(rows) == (1, ["id", "name"])
        with pytest.raises(ImportFileError, match="quote that is never closed"):
            list(rows)


def test_the_row_limit_is_a_readable_error() -> None:
    with pytest.raises(ImportFileError, match="more than 3 rows"):
        _rows(b"a\n1\n2\n3\n4\n", max_rows=3)


def test_a_csv_one_row_over_the_limit_is_refused_while_streaming_naming_the_limit() -> None:
    data = b"\n" + b"id,name\n" + b"1,x\n" * 1_000_001  # a blank line, the header, 1,000,001 rows
    read = 0
    with pytest.raises(ImportFileError) as refused, read_rows(data, "big.csv") as rows:
        for _ in rows:
            read += 1
    # The blank line, the header and the 1,000,000 rows the limit allows came out before the refusal.
    assert read == 1_000_002
    assert "more than 1,000,000 rows below its header" in str(refused.value)


def test_the_readme_states_the_row_limit_the_readers_apply() -> None:
    readme = " ".join((Path(__file__).parent.parent / "README.md").read_text("utf-8").split())
    # The limit's own sentence, not any "1,000,000 rows" (a benchmark's row has that too).
    limit = re.search(r"Files are capped at [^.]*\.", readme)
    assert limit is not None, "the README no longer says how large a shared file may be"
    assert f" and {DEFAULT_MAX_ROWS:,} rows (the header row does not count)" in limit.group(0)


def test_a_file_shared_in_slack_over_the_row_limit_gets_a_message_naming_it_and_writes_nothing(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
) -> None:
    connect(slack, "NetSuite")
    # One account, then the empty rows a spreadsheet saves when its used range runs on: each is a
    # row below the header, and reading them is quick (real rows take the bot ~10 s to refuse).
    header = b"id,name,code,classification\r\n6000,Travel,6000,EXPENSE\r\n"
    reply = preview_of(slack, header + b",,,\r\n" * DEFAULT_MAX_ROWS, "accounts.csv")
    assert f"more than {DEFAULT_MAX_ROWS:,} rows below its header" in text_of(reply)
    assert "upload_start" not in action_ids(reply)
    assert books(ramp)["gl_accounts"] == [] and write_requests(ramp) == 1  # the connection only


def test_the_size_limit_is_a_readable_error() -> None:
    with pytest.raises(ImportFileError, match="the limit is"):
        _rows(b"id,name\n" + b"1,x\n" * 1000, max_bytes=1000)


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "empty.csv", "is empty"),
        (b"\r\n \r\n", "blank.csv", "is empty"),
        (b"<!DOCTYPE html><html><body>Sign in to Slack</body></html>", "coa.csv", "web page"),
        (b"id,name\n1,x\n", "coa.xlsx", "not one"),
        (b"%PDF-1.7\x00\x00binary\x00", "coa.csv", "neither a spreadsheet nor text"),
        (b"PK\x03\x04garbage that is not a zip", "coa.xlsx", "damaged"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "coa.xlsx", "could not be opened"),
    ],
)
def test_files_that_are_not_spreadsheets_are_readable_errors(
    data: bytes, filename: str, message: str
) -> None:
    with pytest.raises(ImportFileError, match=message):
        parse_category_file(data, filename)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\x00" * 5_000_000})
    assert len(bomb) < 20_000
    with pytest.raises(ImportFileError, match="unpacks to more than"):
        parse_category_file(bomb, "coa.xlsx", max_bytes=1_000_000)


def test_a_zip_bomb_that_lies_about_its_size_is_refused_too() -> None:
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\x00" * 5_000_000})
    lying = bomb.replace(struct.pack("<I", 5_000_000), struct.pack("<I", 100))
    assert lying != bomb
    with pytest.raises(ImportFileError, match="damaged"):
        parse_category_file(lying, "coa.xlsx", max_bytes=1_000_000)


def test_a_zip_that_is_not_a_workbook_says_so() -> None:
    with pytest.raises(ImportFileError, match="not an Excel workbook"):
        parse_category_file(_zip({"a.csv": b"id,name\n"}), "coa.xlsx")


def _workbook(rows: list[list[object]], *sheets: str) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for name in sheets:
        workbook.create_sheet(name).append(["from", name])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_workbook_cells_come_out_as_excel_shows_them() -> None:
    import datetime

    data = _workbook(
        [[4000, 4000.0, 12.5, "0400", True, datetime.date(2024, 1, 31), datetime.datetime(2024, 1, 31, 8, 5)]]
    )
    assert _rows(data, "x.xlsx") == [
        (1, ["4000", "4000", "12.5", "0400", "TRUE", "2024-01-31", "2024-01-31T08:05:00"])
    ]


def test_the_workbook_row_limit_is_checked_before_reading() -> None:
    with pytest.raises(ImportFileError, match="more than 1 rows below its header"):
        _rows(_workbook([["a"], ["b"], ["c"]]), "x.xlsx", max_rows=1)


def test_the_first_sheet_is_read_unless_one_is_named_for_the_kind() -> None:
    data = _workbook([["first"]], "Subsidiaries")
    with read_rows(data, "x.xlsx") as rows:
        assert list(rows) == [(1, ["first"])]
    with read_rows(data, "x.xlsx", kind="subsidiaries") as rows:
        assert rows.description == "XLSX, sheet “Subsidiaries”"
        assert list(rows) == [(1, ["from", "Subsidiaries"])]


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (2, "C"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters_match_excel(index: int, letters: str) -> None:
    assert column_letter(index) == letters
