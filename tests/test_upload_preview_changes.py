"""The preview a controller can trust, through Slack: changed items as before → after per field,
new items and missing ones by name, classifications Ramp keeps named, the time the one-by-one
writes take at Ramp's rate limit, and every row of the file as a CSV in the thread."""

from __future__ import annotations

import csv
import io

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
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


def second_preview(slack: SlackStandIn) -> object:
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
    posted = slack.wait_for(
        lambda: next(
            (m for m in slack.messages(CHANNEL) if m.thread_ts == preview.thread_ts and m.files), None
        ),
        timeout=15,
    )
    rows = list(csv.DictReader(io.StringIO(posted.files[0].content.decode("utf-8-sig"))))
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
