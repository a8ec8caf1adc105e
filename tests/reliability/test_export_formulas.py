"""Spreadsheet formulas hidden behind whitespace, in every CSV file the bot hands out, read back from
the bytes Slack received: category lists, the backups taken before a disconnect, the transaction export,
the other kinds' exports (bot/services/object_export.py) and an upload preview's rows CSV.

OWASP's "CSV Injection" page: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
is run as a formula, and spreadsheets skip leading spaces before deciding (` =1+1` runs in Excel and
LibreOffice). The bot prefixes such a cell with `'`, which makes it text. These tests do not know the
bot's rule: they know which names are formulas and check what arrived in the file.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CHANNEL,
    FIXTURE,
    USER,
    connect,
    listing_message,
    make_ready,
    message_with,
    preview_of,
)

pytestmark = pytest.mark.reliability

# Formulas behind spaces, tabs, line breaks, no-break and ideographic spaces, zero-width characters.
DISGUISED = [
    " =1+1",
    "  +1+1",
    "\t=cmd|' /C calc'!A0",
    "\r\n=1+1",
    " \t@SUM(1+1)",
    '\u00a0=HYPERLINK("http://evil.example")',
    "\u3000-1+1",
    "\x0b=1+1",
    "\u200b=1+1",
]
# Values a spreadsheet keeps as they are: they must arrive unchanged (amounts stay numbers).
PLAIN = ["-12.50", "+3", "Café & Co", "a = b", "e-mail"]
NAMES = DISGUISED + PLAIN


def inert(names: list[str], trimmed: bool = False) -> list[str]:
    """What each name must look like in the file: a formula quoted whole, anything else as it was;
    `trimmed`: where the bot trims what it reads (`str.strip`) before it writes the file."""
    shown = {name: name.strip() if trimmed else name for name in names}
    return sorted("'" + shown[name] if name in DISGUISED else shown[name] for name in names)


def rows_of(slack: SlackStandIn, file: Any) -> list[dict[str, str]]:
    text = slack.file_content(file.id).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def files_in(slack: SlackStandIn, count: int) -> dict[str, Any]:
    """The files the bot has posted in the channel by name, once there are `count` of them."""
    return slack.wait_for(
        lambda: (
            found
            if len(
                found := {f.name: f for m in slack.messages(CHANNEL) for f in m.files if m.source != "user"}
            )
            >= count
            else None
        )
    )


def hold_hostile_categories(bot: RunningBot) -> None:
    ramp = bot.ramp
    ramp.create_gl_accounts(
        [{"id": f"G{i}", "name": n, "classification": "EXPENSE"} for i, n in enumerate(NAMES)]
    )
    ramp.create_vendors([{"id": f"V{i}", "name": n} for i, n in enumerate(NAMES)])
    field = ramp.create_field("department", NAMES[0], "SINGLE_CHOICE")
    ramp.create_field_options(field.ramp_id, [{"id": f"D{i}", "value": n} for i, n in enumerate(NAMES)])


def test_a_category_list_quotes_formulas_hidden_behind_whitespace(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    hold_hostile_categories(bot)
    slack.slash_command("/ramp", "categories vendors", user=USER, channel=CHANNEL)
    (vendors,) = files_in(slack, 1).values()
    assert sorted(row["name"] for row in rows_of(slack, vendors)) == inert(NAMES)


def test_the_backups_taken_before_a_disconnect_quote_formulas_hidden_behind_whitespace(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    hold_hostile_categories(bot)
    slack.slash_command("/ramp", "disconnect", user=ADMIN, channel=CHANNEL)
    slack.click("connection_disconnect", message=message_with(slack, "connection_disconnect"), user=ADMIN)
    backups = {name.split("-2")[0]: file for name, file in files_in(slack, 4).items()}
    assert sorted(backups) == ["custom-field-options", "custom-fields", "gl-accounts", "vendors"]
    assert sorted(r["name"] for r in rows_of(slack, backups["gl-accounts"])) == inert(NAMES)
    assert sorted(r["name"] for r in rows_of(slack, backups["vendors"])) == inert(NAMES)
    assert [r["name"] for r in rows_of(slack, backups["custom-fields"])] == inert(NAMES[:1])
    options = rows_of(slack, backups["custom-field-options"])
    assert sorted(r["option_value"] for r in options) == inert(NAMES)
    assert {r["field"] for r in options} == set(inert(NAMES[:1]))


def test_the_transaction_export_quotes_formulas_hidden_behind_whitespace(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    template = json.loads(FIXTURE.read_text("utf-8"))[0]
    transactions = [
        {**template, "id": f"b{i:07d}-1111-4111-8111-111111111111", "merchant_name": name, "memo": name}
        for i, name in enumerate(NAMES)
    ]
    for transaction, name in zip(transactions, NAMES, strict=True):
        transaction["line_items"] = [{**transaction["line_items"][0], "memo": name}]
    httpx.post(f"{ramp.url}/_sandbox/transactions", json=transactions).raise_for_status()
    slack.slash_command("/ramp", "transactions", user=USER, channel=CHANNEL)
    slack.click("transactions_export", message=listing_message(slack), user=USER)
    (export,) = files_in(slack, 1).values()
    rows = rows_of(slack, export)
    for column in ("merchant", "memo", "line_memo"):
        assert sorted(row[column] for row in rows) == inert(NAMES), column


def test_a_kinds_export_quotes_formulas_hidden_behind_whitespace(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    usd = {"amount": 1250, "currency_code": "USD"}
    reimbursements = [
        {
            "type": "OUT_OF_POCKET",
            "direction": "BUSINESS_TO_USER",
            "merchant": name,
            "memo": name,
            "currency": "USD",
            "amount": 12.5,
            "payee_amount": usd,
            "original_reimbursement_amount": usd,
            "line_items": [{"amount": usd, "memo": name, "accounting_field_selections": []}],
        }
        for name in NAMES
    ]
    added = httpx.post(
        f"{ramp.url}/_sandbox/objects", json={"kind": "reimbursements", "objects": reimbursements}
    )
    make_ready(ramp, "reimbursements", added.json()["ids"])
    slack.slash_command("/ramp", "reimbursements", user=USER, channel=CHANNEL)
    slack.click("objects_export", message=message_with(slack, "objects_export"), user=USER)
    (export,) = files_in(slack, 1).values()
    rows = rows_of(slack, export)
    # Ramp's merchant and memo arrive trimmed (bot/ramp/objects.py); a line's memo as Ramp sent it.
    assert sorted(row["counterparty"] for row in rows) == inert(NAMES, trimmed=True)
    assert sorted(row["memo"] for row in rows) == inert(NAMES, trimmed=True)
    assert sorted(row["line_memo"] for row in rows) == inert(NAMES)


def test_the_rows_csv_of_an_upload_preview_quotes_formulas(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    chart = io.StringIO(newline="")
    writer = csv.writer(chart)
    writer.writerow(["id", "name", "code", "classification"])
    writer.writerows([f"{6000 + n}", name, f"{6000 + n}", "EXPENSE"] for n, name in enumerate(NAMES))
    preview = preview_of(slack, chart.getvalue().encode(), "accounts.csv")
    slack.click("upload_rows_csv", message=preview, user=USER)
    (rows_file,) = files_in(slack, 1).values()
    rows = rows_of(slack, rows_file)
    assert {row["outcome"] for row in rows} == {"new"}
    # The importer trims each cell before the file is planned (bot/importers).
    assert sorted(row["name"] for row in rows) == inert(NAMES, trimmed=True)
