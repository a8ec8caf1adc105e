"""The pure pieces behind the mapping step and the preview: header fingerprints, mappings read as a
format, the time estimates, the progress message's time left, and a cell too long for a spreadsheet."""

from __future__ import annotations

import pytest

from bot.importers import ImportFileError, parse_category_file, read_rows
from bot.importers.mapping import ColumnMapping, read_header
from bot.render import render_message
from bot.services.upload_estimate import Pace, duration, planned_seconds
from tests.driver import text_of

EXPORT = b"Acme ledger\n\nAcct,Description,Kind,Enabled\n4000,Sales,Revenue,yes\n6100,Old,Expense,no\n"


def test_the_header_is_found_below_title_lines_and_its_fingerprint_ignores_order_and_case() -> None:
    header = read_header(EXPORT, "ledger.csv")
    assert (header.row, header.columns) == (3, ["Acct", "Description", "Kind", "Enabled"])
    assert header.samples[0] == ["4000", "Sales", "Revenue", "yes"]
    other = read_header(b"ENABLED;kind;description;acct\nyes;Expense;Rent;6000\n", "b.csv")
    assert other.fingerprint == header.fingerprint
    assert read_header(b"Acct,Description\n1,x\n", "c.csv").fingerprint != header.fingerprint


def test_a_mapping_reads_the_file_like_a_known_export() -> None:
    mapping = ColumnMapping(
        "gl_accounts", {"id": "Acct", "code": "Acct", "name": "Description", "type": "Kind"}
    )
    parsed = parse_category_file(
        EXPORT + b"7000,Misc,Banana,yes\n",
        "ledger.csv",
        custom_format=ColumnMapping(mapping.kind, {**mapping.columns, "active": "Enabled"}).format(),
    )
    records = zip(parsed.record_rows, parsed.records, strict=True)
    assert [(row, r.id, r.code, r.name, r.classification) for row, r in records] == [
        (4, "4000", "4000", "Sales", "REVENUE"),
        (6, "7000", "7000", "Misc", "UNKNOWN"),
    ]
    assert parsed.skip_counts == {"inactive": 1}
    assert "Unknown account type “Banana”" in parsed.warnings[0].message


def test_a_mapping_needs_a_name_and_one_column_per_field() -> None:
    assert "name" in ColumnMapping("vendors", {"id": "Acct"}).problems()
    twice = ColumnMapping("vendors", {"id": "Acct", "name": "Acct"}).problems()
    assert twice == {"name": "That column is already the ERP id: choose one column per field."}
    options = ColumnMapping("field_options", {"name": "Description"}).problems()
    assert "type the name" in options["field"]
    assert ColumnMapping("field_options", {"name": "Description"}, "Department").problems() == {}


def test_one_by_one_writes_are_estimated_at_rampss_rate_limit() -> None:
    assert planned_seconds(5_000) == 250.0  # 200 requests per 10 s
    assert [duration(s) for s in (3, 41, 250, 1_260, 4_000)] == [
        "under 5 s",
        "about 45 s",
        "about 4 min 10 s",
        "about 21 min",
        "about 1 h 10 min",
    ]


def test_the_time_left_comes_from_the_recent_pace_once_there_is_one() -> None:
    pace = Pace()
    pace.add(0.0, 0)
    assert pace.seconds_left(0, 5_000) is None  # nothing to go by yet
    pace.add(3.0, 60)
    assert pace.seconds_left(60, 5_000) == pytest.approx(247.0)
    for at in range(6, 60, 3):
        pace.add(float(at), 60 + (at - 3) * 40)  # faster now: only the last 15 s count
    assert pace.seconds_left(60 + 54 * 40, 5_000) == pytest.approx((5_000 - 2_220) / 40)


def test_the_progress_message_says_the_time_left_or_that_it_is_estimating() -> None:
    shown = text_of(
        render_message("upload_progress.json.j2", done=60, total=5_000, user_id="U1", left="about 4 min")
    )
    assert "60 of 5,000 · about 4 min left" in shown
    first = text_of(render_message("upload_progress.json.j2", done=0, total=5_000, user_id="U1", left=""))
    assert "estimating the time left" in first


def test_a_cell_longer_than_a_spreadsheet_cell_names_its_column_without_blaming_a_quote() -> None:
    data = b"id,name,description\n1,Rent," + b"y" * 40_000 + b"\n"
    with pytest.raises(ImportFileError) as raised, read_rows(data, "long.csv") as rows:
        list(rows)
    message = str(raised.value)
    assert message.startswith("Row 2, column C (description) holds 40,000 characters")
    assert "quote" not in message
