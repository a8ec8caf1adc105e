"""Whatever bytes arrive, parsing returns a ParsedFile or raises ImportFileError, nothing else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.importers import ImportFileError, ParsedFile, parse_category_file

HEADERS = [
    b"id,name,code,classification\n",
    b"Account Name,Type\n",
    b"field;option_id;option_value\r\n",
    b"\xef\xbb\xbfInternal ID\tName\tType\n",
    b"ACCOUNTNO,TITLE,ACCOUNTTYPE,NORMALBALANCE\n",
    b"PK\x03\x04",
    b"\xff\xfe",
    b"",
]
CELLS = st.sampled_from(
    [
        b"",
        b"1",
        b"Cash",
        b"Expense",
        b'"a,b"',
        b'"open',
        b"\xe9",
        b"\x00",
        b"=SUM(A1)",
        b"TOTAL",
        b"\r",
        b"\t",
    ]
)


def _check(data: bytes, filename: str) -> None:
    try:
        result = parse_category_file(data, filename, max_rows=500, max_bytes=100_000)
    except ImportFileError as error:
        assert str(error)
    else:
        assert isinstance(result, ParsedFile)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2_000), filename=st.sampled_from(["f.csv", "f.xlsx", "f.txt", "vendors"]))
def test_arbitrary_bytes_parse_or_raise_import_file_error(data: bytes, filename: str) -> None:
    _check(data, filename)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.sampled_from(HEADERS),
    rows=st.lists(st.lists(CELLS, max_size=6), max_size=20),
    separator=st.sampled_from([b",", b";", b"\t"]),
)
def test_near_valid_files_parse_or_raise_import_file_error(
    header: bytes, rows: list[list[bytes]], separator: bytes
) -> None:
    body = b"\n".join(separator.join(cells) for cells in rows)
    _check(header + body, "f.csv")
