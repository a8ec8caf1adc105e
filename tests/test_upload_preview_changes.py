"""The preview a controller can trust, through Slack: changed items as before → after per field,
new items and missing ones by name, classifications Ramp keeps named, the time the one-by-one
writes take at Ramp's rate limit, and every row of the file as a CSV in the thread."""

from __future__ import annotations

import csv
import io
from typing import Any

from sandbox.ramp import RampSandbox
from sandbox.slack import Message, SlackStandIn
from tests.conftest import RunningBot
from tests.driver import CHANNEL, books, connect, now, preview_of, text_of, upload

FIRST = (
    b"id,name,code,classification\n"
    b"1000,Cash,1000,ASSET\n"
    b"6000,Travel,6000,EXPENSE\n"
    b"7000,Old Stationery,7000,EXPENSE\n"
)
SECOND = (
    b"id,name,code,classification\n"
    b"1000,Cash : Operating - US,1000,LIABILITY\n"
    b"6000,Travel & Meals,6100,EXPENSE\n"
    b"4000,Product Sales,4000,REVENUE\n"
)


# NetSuite's chart of accounts with a Non Posting account (skipped) and a row without a name (an error).
WITH_PROBLEMS = (
    b"Internal ID,Number,Name,Type\n1,1000,Cash,Bank\n-5,,Purchase Orders,Non Posting\n3,6000,,Expense\n"
)


def files_in_thread(slack: SlackStandIn, preview: Message) -> list[Message]:
    return [m for m in slack.messages(CHANNEL) if m.thread_ts == preview.thread_ts and m.files]


def rows_in_thread(slack: SlackStandIn, preview: Message) -> list[dict[str, Any]]:
    """The CSV of every row the bot posted in the preview's thread (waits for it)."""
    posted = slack.wait_for(lambda: next(iter(files_in_thread(slack, preview)), None), timeout=15)
    return list(csv.DictReader(io.StringIO(posted.files[0].content.decode("utf-8-sig"))))


def second_preview(slack: SlackStandIn) -> Message:
    connect(slack, "NetSuite")
    upload(slack, preview_of(slack, FIRST, "gl accounts.csv"))
    return preview_of(slack, SECOND, "gl accounts.csv")


def test_changes_show_before_and_after_and_ramp_keeps_its_classifications_by_name(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    preview = second_preview(slack)
    shown = text_of(preview)

    assert "• `6000` Travel &amp; Meals: name Travel → *Travel &amp; Meals* · code 6000 → *6100*" in shown
    assert "• `1000` Cash : Operating - US: name Cash → *Cash : Operating - US*" in shown
    assert "• `4000` Product Sales (REVENUE)" in shown  # new, as Ramp will get it
    assert "• `7000` Old Stationery" in shown  # in Ramp, missing from the file
    assert "the file says LIABILITY, Ramp keeps ASSET" in shown
    assert "2 of these writes are one request each" in shown and "under 5 s" in shown

    upload(slack, preview)
    held = {a["id"]: (a["name"], a["classification"]) for a in books(ramp)["gl_accounts"]}
    assert held["1000"] == ("Cash : Operating - US", "ASSET")  # what the preview said Ramp keeps


def test_every_row_goes_to_the_thread_as_a_csv_with_its_excel_row_and_outcome(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    preview = second_preview(slack)
    slack.click("upload_rows_csv", message=preview)
    rows = rows_in_thread(slack, preview)
    outcomes = [(r["row"], r["outcome"], r["id"]) for r in rows]
    assert outcomes == [
        ("2", "changed", "1000"),
        ("3", "changed", "6000"),
        ("4", "new", "4000"),
        ("", "missing from the file", "7000"),
    ]
    assert rows[0]["detail"] == (
        "name: Cash → Cash : Operating - US; classification stays ASSET (Ramp sets it on create only)"
    )
    assert "upload_start" in str(now(slack, preview).blocks)  # the preview is untouched

    problems = preview_of(slack, WITH_PROBLEMS, "netsuite accounts.csv")
    slack.click("upload_rows_csv", message=problems)
    rows = rows_in_thread(slack, problems)
    assert [(r["row"], r["outcome"], r["name"], r["detail"]) for r in rows] == [
        ("2", "not uploaded", "Cash", "the file has errors: fix them, share it again"),
        ("3", "skipped", "Purchase Orders", "a Non Posting account"),
        ("4", "error", "", "column C (Name): The name is missing."),
    ]


def test_a_preview_that_lists_only_the_first_rows_brings_every_row_as_a_csv_unasked(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    few = preview_of(slack, SECOND, "few.csv")  # 3 new rows: the preview names them all
    accounts = b"".join(b"%d,%d,Account %d,Expense\n" % (n, 6000 + n, n) for n in range(11, 18))
    many = preview_of(slack, WITH_PROBLEMS.split(b"\n3,")[0] + b"\n" + accounts, "many accounts.csv")
    assert "…and 3 more" in text_of(many)  # Cash and the 7 accounts: 8 new, 5 named

    rows = rows_in_thread(slack, many)  # no click

    assert [r["outcome"] for r in rows] == ["new", "skipped"] + ["new"] * 7
    assert rows[1]["name"] == "Purchase Orders" and rows[1]["detail"] == "a Non Posting account"
    assert "more than the preview lists" in files_in_thread(slack, many)[0].text
    assert files_in_thread(slack, few) == []
