"""Bad input, fuzzed with hypothesis: the file readers, the results reader, the command parser and the
filters and schedules typed after it never raise anything but their own readable error; and through
the bot over HTTP, a few hundred malformed commands and files each get a message, never an apology
for an unhandled exception, and nothing is written to Ramp.

Default form: a few hundred examples per property; RAMP_BOT_LONG=1: thousands.
"""

from __future__ import annotations

import io
import logging
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.importers import ImportFileError, ParsedFile, describe_formats, detect_kind, parse_category_file
from bot.services.schedules import ScheduleError, parse_schedule
from bot.services.sync_results import ResultsFile, parse_results_file
from bot.services.transaction_filters import FilterError, parse_filters
from handlers.command_text import ParsedCommand, UnknownCommand
from handlers.commands import BY_NAME, parse
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CHANNEL,
    USER,
    connect,
    load_mix,
    preview_of,
    sized,
    text_of,
    texts,
    write_requests,
)

pytestmark = pytest.mark.reliability

UNIT = settings(max_examples=sized(300, 3000), deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADERS = sorted(
    {
        ",".join(f.required_columns + f.optional_columns[:k])
        for f in describe_formats()
        for k in (0, len(f.optional_columns))
    }
    | {"transaction_id,status,reference_id,error", "id,name", ""}
)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1e309",
        "NaN",
        "2025-13-45",
        "=SUM(A1)",
        "<!channel>",
        "*bold* _it_ `code`",
        '"',
        '""',
        '"a,b"',
        "a\nb",
        "\r",
        "\t",
        "\x00",
        "\ufeff",
        "\u202egnp.exe",
        "é",
        "日本語",
        "😀",
        "x" * 300,
        "TRUE",
        "Inactive",
        "success",
        "failed",
        "00000000-0000-4000-8000-000000000001",
    ]
)
CELL = NASTY | st.text(max_size=20)
SEPARATOR = st.sampled_from([",", ";", "\t", "|"])
ENCODING = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"])
NAMES = st.sampled_from(["f.csv", "f.xlsx", "f.txt", "f.tsv", "Chart of accounts.CSV", "results.csv", "f"])


@st.composite
def near_valid_text(draw: st.DrawFn) -> bytes:
    """A header an importer knows, then rows of awkward cells, in an awkward encoding."""
    separator = draw(SEPARATOR)
    header = draw(st.sampled_from(HEADERS)).replace(",", separator)
    rows = draw(st.lists(st.lists(CELL, max_size=8), max_size=25))
    text = header + "\n" + "\n".join(separator.join(row) for row in rows)
    return text.encode(draw(ENCODING), errors="replace")


def workbook(rows: list[list[Any]], title: str = "Sheet1") -> bytes:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX_CELL = (
    st.none()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | st.dates()
    | st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
)


def corrupt(data: bytes, cuts: list[int]) -> bytes:
    """Flip bytes of a valid file at a few places, as a broken download or a bad editor would."""
    out = bytearray(data)
    for cut in cuts:
        if out:
            out[cut % len(out)] ^= 0x5A
    return bytes(out)


def category_file_outcome(data: bytes, name: str) -> None:
    try:
        parsed = parse_category_file(data, name, max_rows=500, max_bytes=1_000_000)
    except ImportFileError as error:
        assert str(error).strip()
        return
    assert isinstance(parsed, ParsedFile)
    for problem in parsed.errors:  # every row error names its row and column, and says what is wrong
        assert problem.row >= 1 and problem.column and problem.message.strip()


# -- the readers ---------------------------------------------------------------------------------------


@UNIT
@given(near_valid_text(), NAMES)
def test_near_valid_text_files_parse_or_say_what_is_wrong(data: bytes, name: str):
    category_file_outcome(data, name)


@UNIT
@given(st.binary(max_size=3000), NAMES)
def test_arbitrary_bytes_parse_or_say_what_is_wrong(data: bytes, name: str):
    category_file_outcome(data, name)
    try:
        detect_kind(data, name)
    except ImportFileError as error:
        assert str(error).strip()


def results_outcome(data: bytes, name: str) -> None:
    try:
        results = parse_results_file(data, name)
    except ImportFileError as error:
        assert str(error).strip()
    else:
        assert isinstance(results, ResultsFile)


@settings(max_examples=sized(20, 300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(HEADERS),
    st.lists(st.lists(XLSX_CELL, max_size=6), max_size=12),
    st.sampled_from(["Sheet1", "Vendors", "Chart of Accounts", "Results"]),
)
def test_workbooks_of_any_cells_parse_or_say_what_is_wrong(header: str, rows: list[list[Any]], title: str):
    data = workbook([header.split(","), *rows], title)
    category_file_outcome(data, "f.xlsx")
    results_outcome(data, "results.xlsx")


@cache
def base_workbook(header: str) -> bytes:
    return workbook([header.split(","), ["1", "Cash", "1000", "Asset"], [2, 3.5, True, None]])


@UNIT
@given(st.sampled_from(HEADERS), st.lists(st.integers(0, 10**6), min_size=1, max_size=4))
def test_damaged_workbooks_parse_or_say_what_is_wrong(header: str, cuts: list[int]):
    data = corrupt(base_workbook(header), cuts)
    category_file_outcome(data, "f.xlsx")
    results_outcome(data, "results.xlsx")


def test_a_workbook_with_a_damaged_deflate_stream_says_so():
    data = corrupt(workbook([[""]]), [46])
    with pytest.raises(ImportFileError, match="damaged"):
        parse_category_file(data, "f.xlsx")


@UNIT
@given(near_valid_text() | st.binary(max_size=2000), NAMES)
def test_results_files_parse_or_say_what_is_wrong(data: bytes, name: str):
    try:
        results = parse_results_file(data, name)
    except ImportFileError as error:
        assert str(error).strip()
        return
    for row in results.results:  # what is kept is postable: an id and exactly one of the two outcomes
        assert row.transaction_id and (row.reference_id is None) != (row.error is None)


# -- what people type --------------------------------------------------------------------------------

WORDS = st.sampled_from([*BY_NAME, "STATUS", "conect", "upload field", "summary on", "transactions since:"])
TOKENS = (
    NASTY
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "--reactivate",
            "--",
            "since:2025-01-01",
            "since:",
            "min:abc",
            "max:-1",
            "merchant:",
            "x:y",
            "on",
            "off",
            "now",
            "25:99",
            "08:30",
            "Mars/Olympus",
            "weekdays",
            '"Sage',
            'Intacct"',
            "\u201cSage Intacct\u201d",
        ]
    )
)
COMMAND_TEXT = st.text(max_size=60) | st.builds(
    lambda word, rest: " ".join([word, *rest]), WORDS, st.lists(TOKENS, max_size=6)
)


@UNIT
@given(COMMAND_TEXT)
def test_any_text_parses_to_a_command_or_an_unknown_one(text: str):
    result = parse(text)
    if isinstance(result, UnknownCommand):
        assert result.suggestion is None or result.suggestion in BY_NAME
    else:
        assert isinstance(result, ParsedCommand) and result.name in BY_NAME
        try:
            parse_filters(result.options)
        except FilterError as error:
            assert str(error).strip()
        try:
            parse_schedule(result.args[1:] if result.args else ())
        except ScheduleError as error:
            assert str(error).strip()


# -- through the bot, over HTTP -------------------------------------------------------------------------

UNHANDLED = ("something went wrong on my side", "Sorry, I could not read that file")
THROUGH_BOT = settings(
    max_examples=sized(100, 500),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@pytest.fixture
def quiet_bot(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox) -> RunningBot:
    """A connected bot with transactions to read; every later Ramp write would be counted."""
    connect(slack, "NetSuite")
    load_mix(ramp)
    return bot


COMMANDS_TO_SEND = st.tuples(
    st.sampled_from([ADMIN, USER]),
    st.text(max_size=40) | st.builds(lambda w, r: " ".join([w, *r]), WORDS, st.lists(TOKENS, max_size=5)),
)


def _bot_messages(slack: SlackStandIn) -> int:
    return sum(1 for m in slack.messages() if m.source != "user")


@THROUGH_BOT
@given(case=COMMANDS_TO_SEND)
def test_malformed_commands_through_the_bot_always_get_a_message_and_write_nothing(
    quiet_bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, case: tuple[str, str], caplog: Any
):
    user, text = case
    parsed = parse(text)
    if isinstance(parsed, ParsedCommand) and parsed.name == "connect":
        user = USER  # an admin's connect is a legitimate write; a non-admin's is refused
    caplog.set_level(logging.ERROR)
    writes = write_requests(ramp)
    before = _bot_messages(slack)
    response = slack.slash_command("/ramp", text, user=user, channel=CHANNEL)
    assert response.status == 200
    slack.wait_for(lambda: _bot_messages(slack) > before, timeout=10)
    slack.wait_quiet(idle=0.02)
    shown = texts(slack)
    assert not any(words in shown for words in UNHANDLED), text
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert write_requests(ramp) == writes


FILE_CONTENT = near_valid_text() | st.binary(max_size=1500)


@THROUGH_BOT
@given(content=FILE_CONTENT, name=st.sampled_from(["f.csv", "f.xlsx", "f.txt", "f.tsv", "Vendors.CSV"]))
def test_malformed_files_through_the_bot_always_get_a_message_and_write_nothing(
    quiet_bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, content: bytes, name: str, caplog: Any
):
    caplog.set_level(logging.ERROR)
    # A person shares one file at a time: a few seconds pass on the stand-in's clock between them, so
    # Slack's one-message-a-second-per-channel limit (tested in tests/test_slack_rate_limits.py) does
    # not make a hundred examples wait a hundred real seconds.
    slack.advance_clock(5)
    writes = write_requests(ramp)
    shown = text_of(preview_of(slack, content, name, timeout=10))
    assert shown.strip() and not any(words in shown for words in UNHANDLED), content[:200]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert write_requests(ramp) == writes
