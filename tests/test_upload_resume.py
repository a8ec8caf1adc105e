"""A bot killed mid-upload (a real `python -m bot serve` process, SIGKILLed) finishes the upload when
it is started again: it re-reads Ramp, sends only what Ramp lacks, and reports in the thread.
Also the journal read after a restart, and the report when Ramp cannot be reached then."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.importers import VENDORS, CategoryRecord
from bot.services.category_diff import Change, Held
from bot.services.upload_plan import PlanPart
from bot.services.upload_resume import Journal
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.bot_process import bot_process
from tests.driver import ADMIN, CHANNEL, books, connect, journal, preview_of, ramp_state, set_faults

ROWS = 20_000  # 40 batches of 500: more than the 16 sent at once, so some are unsent at the kill


def batches(tmp_path: Path) -> list[dict[str, Any]]:
    return journal(tmp_path, "upload_batches", order_by="batch_no")


def test_a_bot_killed_mid_upload_finishes_it_when_started_again(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
):
    vendors = [(f"V{n:05d}", f"Vendor {n}") for n in range(ROWS)]
    content = ("id,name\n" + "".join(f"{i},{n}\n" for i, n in vendors)).encode()
    try:
        with bot_process(tmp_path, ramp, slack, log_level="WARNING") as first:
            connect(slack, "NetSuite")
            preview = preview_of(slack, content, "vendors.csv")
            set_faults(ramp, latency_ms=1000)
            slack.click("upload_start", message=preview, user=ADMIN)
            slack.wait_for(lambda: any(b["state"] == "done" for b in batches(tmp_path)), timeout=30)
            first.kill()
    finally:
        set_faults(ramp)
    # Requests the dead process had sent are still held by the latency: let them land first, as
    # they would on Ramp within a request's time, so the restart sees the state they leave.
    slack.wait_for(lambda: ramp_state(ramp)["requests"]["in_flight"] == 0, timeout=10)
    at_kill = batches(tmp_path)
    assert len(at_kill) == ROWS // 500
    assert {"done", "pending"} <= {b["state"] for b in at_kill}  # killed truly mid-upload
    assert len(books(ramp)["vendors"]) < ROWS

    with bot_process(tmp_path, ramp, slack, log_level="WARNING"):
        report = slack.wait_for(
            lambda: next(
                (
                    m
                    for m in slack.messages(CHANNEL)
                    if m.thread_ts == preview.thread_ts and m.ts != preview.ts and "finished" in m.text
                ),
                None,
            ),
            timeout=90,
        )

    assert report.text.startswith(f"Upload of vendors.csv finished: {ROWS} created")
    assert report.text.endswith("0 failed")
    shown = " ".join(str(b) for b in report.blocks)
    assert "The bot restarted during this upload" in shown
    held = books(ramp)["vendors"]
    assert sorted((v["id"], v["name"]) for v in held) == vendors  # each row once, none missing
    after = batches(tmp_path)
    assert {b["state"] for b in after[: len(at_kill)]} <= {"done", "rechecked"}
    resent = [b for b in after[len(at_kill) :]]
    assert resent and all(b["op"] == "create" and b["state"] == "done" for b in resent)
    # Only what Ramp lacked was sent again: never a batch Ramp had confirmed, always the unsent ones.
    resent_ids = {i for b in resent for i in json.loads(b["item_ids"])}
    confirmed = {i for b in at_kill if b["state"] == "done" for i in json.loads(b["item_ids"])}
    unsent = {i for b in at_kill if b["state"] == "pending" for i in json.loads(b["item_ids"])}
    assert not resent_ids & confirmed and unsent <= resent_ids
    # A repeated id fails a whole batch with a 400; at most one 400 is the request the kill cut short.
    assert ramp_state(ramp)["requests"]["by_status"].get("400", 0) <= 1


# -- the journal, read after a restart ---------------------------------------------------------------


def batch(no: int, op: str, ids: list[str], state: str, failed: list[str] | None = None) -> dict[str, Any]:
    return {
        "batch_no": no,
        "op": op,
        "kind": VENDORS,
        "item_ids": json.dumps(ids),
        "state": state,
        "error": "1 item(s): The name is too long." if failed else "",
        "failed_ids": json.dumps(failed or []),
    }


def record(item_id: str) -> CategoryRecord:
    return CategoryRecord(VENDORS, item_id, f"Vendor {item_id}")


def test_what_a_killed_run_wrote_is_counted_from_the_journal_and_a_fresh_diff():
    read = Journal.read(
        [
            batch(1, "create", ["a", "b"], "done"),
            batch(2, "create", ["c", "d"], "sent"),  # landed before the kill: gone from the new diff
            batch(3, "create", ["e", "f"], "pending"),  # never sent: still new
            batch(4, "update", ["g"], "sent"),
        ]
    )
    fresh = PlanPart(VENDORS, [record("e"), record("f")], [Change(record("g"), "r-g", {"name": "G"})], [])
    before = read.written_before([fresh], deactivate_missing=False)
    assert (before.created, before.updated, before.deactivated) == (4, 0, 0)
    assert read.last_batch == 4 and read.in_flight[("create", VENDORS)] == {"c", "d", "e", "f"}


def test_when_ramp_cannot_be_read_the_report_is_what_ramp_confirmed_and_what_stayed_in_flight():
    read = Journal.read(
        [
            batch(1, "create", ["a", "b", "c"], "failed", failed=["c"]),
            batch(2, "create", ["d", "e"], "sent"),
            batch(3, "deactivate", ["x"], "done"),
        ]
    )
    report = read.confirmed_report("Ramp did not answer")
    assert (report.created, report.deactivated) == (2, 1)
    assert [(f.ids, "in flight" in f.reason) for f in report.failures] == [
        (("c",), False),
        (("d", "e"), True),
    ]
    assert report.outcome == "partial"


def test_missing_items_count_as_deactivated_only_once_gone_from_the_fresh_diff():
    read = Journal.read([batch(1, "deactivate", ["x", "y"], "sent")])
    fresh = PlanPart(VENDORS, [], [], [Held("r-y", "y", "Y")])
    before = read.written_before([fresh], deactivate_missing=True)
    assert before.deactivated == 1
