"""The upload, resume and post flows against a Ramp whose reads lag its writes by 2 s.

Every GET in Ramp's spec is marked `x-uses-read-replica` (shared/reference/ramp-api.md §2), so a
read right after a write may not show it. The sandbox's `read_lag_ms` option serves every GET from
the state as it was 2 s earlier. What must hold, read back from the sandbox's own (current) state:
Ramp holds exactly each file's rows, each sync result is recorded once, and every report is true.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.bot_process import bot_process
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CHANNEL,
    books,
    connect,
    generate,
    journal,
    press_post,
    preview_of,
    ramp_state,
    results_csv,
    set_faults,
    synced_ids,
    text_of,
    upload,
)

pytestmark = pytest.mark.reliability

LAG_MS = 2000


def read_lag(ramp: RampSandbox, lag_ms: int) -> None:
    httpx.post(f"{ramp.url}/_sandbox/options", json={"read_lag_ms": lag_ms}).raise_for_status()


def accounts_csv(rows: list[tuple[str, str]]) -> bytes:
    return ("id,name,classification\n" + "".join(f"{i},{n},EXPENSE\n" for i, n in rows)).encode()


def held(ramp: RampSandbox, kind: str) -> list[tuple[str, str, bool]]:
    return sorted((i["id"], i.get("name") or i.get("value"), i["is_active"]) for i in books(ramp)[kind])


def test_uploads_right_after_connecting_and_after_each_other_end_exactly_right(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
) -> None:
    read_lag(ramp, LAG_MS)
    connect(slack, "NetSuite")
    first = [(str(4000 + n), f"Account {n}") for n in range(700)]
    report = upload(slack, preview_of(slack, accounts_csv(first), "accounts.csv"), timeout=120)
    assert "700 created" in report and "0 failed" in report, report
    assert held(ramp, "gl_accounts") == sorted((i, n, True) for i, n in first)

    # At once a second file: 10 renamed, 5 new, the rest as they are; the replica may still be behind.
    second = [(i, f"Renamed {n}" if k < 10 else n) for k, (i, n) in enumerate(first)]
    second += [(str(5000 + n), f"New {n}") for n in range(5)]
    report = upload(slack, preview_of(slack, accounts_csv(second), "accounts v2.csv"), timeout=120)
    assert "0 failed" in report, report
    assert held(ramp, "gl_accounts") == sorted((i, n, True) for i, n in second)
    assert "5 created" in report and "10 updated" in report, report  # what this upload did


def test_results_posted_under_a_read_lag_are_recorded_once_and_reported_truly(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
) -> None:
    generate(ramp, 30, seed=3)
    ready = _ready_ids(ramp)[:6]
    read_lag(ramp, LAG_MS)
    connect(slack, "NetSuite")
    rows = [f"{t},success,JE-{n}," if n % 2 else f"{t},failed,,Period closed" for n, t in enumerate(ready)]
    report = text_of(press_post(slack, preview_of(slack, results_csv(*rows), "results.csv"), timeout=60))
    assert "refused" not in report and "got no answer" not in report, report
    assert synced_ids(ramp) == sorted(ready)  # each result recorded, successful or failed
    # The same file again at once: the replica still shows them ready, but nothing is recorded twice.
    again = preview_of(slack, results_csv(*rows), "results again.csv")
    if "sync_results_post" in json.dumps(again.blocks):
        press_post(slack, again, timeout=60)
    assert synced_ids(ramp) == sorted(ready)  # each result once


def _ready_ids(ramp: RampSandbox) -> list[str]:
    state = httpx.get(f"{ramp.url}/_sandbox/state").json()
    assert state["transactions"]["by_sync_status"].get("SYNC_READY")
    token = httpx.post(
        f"{ramp.url}/developer/v1/token",
        auth=("test", "test"),
        data={"grant_type": "client_credentials", "scope": "transactions:read"},
    ).json()["access_token"]
    found: list[str] = []
    url: str | None = f"{ramp.url}/developer/v1/transactions?sync_status=SYNC_READY&page_size=100"
    while url:
        page = httpx.get(url, headers={"Authorization": f"Bearer {token}"}).json()
        found += [t["id"] for t in page["data"]]
        url = page["page"]["next"]
    return found


ROWS = 10_000  # 20 batches of 500: more than the 16 sent at once, so some are unsent at the kill


def test_a_bot_killed_mid_upload_resumes_exactly_right_under_a_read_lag(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
) -> None:
    vendors = [(f"V{n:05d}", f"Vendor {n}") for n in range(ROWS)]
    content = ("id,name\n" + "".join(f"{i},{n}\n" for i, n in vendors)).encode()
    batches = lambda: journal(tmp_path, "upload_batches", order_by="batch_no")  # noqa: E731
    try:
        with bot_process(tmp_path, ramp, slack, log_level="WARNING") as first:
            connect(slack, "NetSuite")
            preview = preview_of(slack, content, "vendors.csv")
            read_lag(ramp, LAG_MS)
            set_faults(ramp, latency_ms=1000)
            slack.click("upload_start", message=preview, user=ADMIN)
            slack.wait_for(lambda: any(b["state"] == "done" for b in batches()), timeout=30)
            first.kill()
    finally:
        set_faults(ramp)
    slack.wait_for(lambda: ramp_state(ramp)["requests"]["in_flight"] == 0, timeout=10)
    assert len(books(ramp)["vendors"]) < ROWS  # killed truly mid-upload

    with bot_process(tmp_path, ramp, slack, log_level="WARNING"):
        report = slack.wait_for(lambda: _finished(slack, preview.thread_ts, preview.ts), timeout=120)
    assert report.text.startswith(f"Upload of vendors.csv finished: {ROWS} created"), report.text
    assert report.text.endswith("0 failed"), report.text
    assert sorted((v["id"], v["name"]) for v in books(ramp)["vendors"]) == vendors  # each row once


def _finished(slack: SlackStandIn, thread_ts: str | None, preview_ts: str) -> Any:
    return next(
        (
            m
            for m in slack.messages(CHANNEL)
            if m.thread_ts == thread_ts and m.ts != preview_ts and "finished" in m.text
        ),
        None,
    )
