"""Crashes: the bot as a real process (`python -m bot serve`), killed with SIGKILL at a random moment
of a results post or of an upload, then started again on the same database. Ramp must end with each
result and each row exactly once, nothing lost, and the user told how it ended.

Each run picks its kill moment from its own seeded generator (the seed is the run number, shown in
the test id), so a failing run can be replayed. Default: 2 runs of each; RAMP_BOT_LONG=1: 20.
The bot logs at DEBUG; after each run its log and database are scanned for the secrets.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import pytest

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.bot_process import CLIENT_SECRET, bot_process, wait_until
from tests.driver import (
    ADMIN,
    BOT_TOKEN,
    CHANNEL,
    SIGNING_SECRET,
    action_ids,
    books,
    connect,
    database_bytes,
    everything_slack_received,
    generate,
    issued_tokens,
    journal,
    now,
    press_post,
    preview_of,
    ramp_state,
    results_csv,
    secrets_found,
    set_faults,
    sized,
    synced_ids,
    text_of,
)

pytestmark = pytest.mark.reliability

RUNS = sized(2, 20)
SYNCS = "POST /developer/v1/accounting/syncs"
POSTING = "Posting the results to Ramp"
VENDOR_ROWS = 10_000  # 20 batches of 500: more than the 16 sent at once


def no_secrets(workdir: Path, ramp: RampSandbox, slack: SlackStandIn) -> None:
    secrets = [BOT_TOKEN, SIGNING_SECRET, CLIENT_SECRET, *issued_tokens(ramp)]
    log = (workdir / "bot.log").read_bytes()
    assert b"DEBUG" in log  # the log really was at DEBUG
    assert (
        secrets_found(
            secrets,
            log=log,
            database=database_bytes(workdir / "bot.sqlite3"),
            slack=everything_slack_received(slack),
        )
        == []
    )


def results_file(ids: list[str]) -> bytes:
    """One result per id: every third one failed, the others synced."""
    return results_csv(
        *(f"{t},success,JE-{n}," if n % 3 else f"{t},failed,,Period closed" for n, t in enumerate(ids))
    )


# -- a results post ------------------------------------------------------------------------------------


@pytest.mark.parametrize("run", range(RUNS))
def test_a_results_post_killed_at_a_random_moment_records_each_result_once(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn, run: int
):
    rng = random.Random(run)
    ids = generate(ramp, 40, seed=run)
    content = results_file(ids)
    # When to kill: right after the press, while the chunk is on the wire, or after Ramp answered;
    # then a random extra delay within the 400 ms the sandbox holds each request.
    phase = rng.choice(["after the press", "while on the wire", "after the answer"])
    extra = rng.uniform(0.0, 0.4)
    with bot_process(tmp_path, ramp, slack) as first:
        preview = preview_of(slack, content, "results.csv")
        set_faults(ramp, latency_ms=400)  # the post is on the wire for a while
        slack.click("sync_results_post", message=preview, user=ADMIN)
        if phase == "while on the wire":
            wait_until(lambda: ramp_state(ramp)["requests"]["by_route"].get(SYNCS), "never sent")
        elif phase == "after the answer":
            wait_until(
                lambda: any(c["state"] != "pending" for c in journal(tmp_path, "sync_chunks")), "no answer"
            )
        time.sleep(extra)
        first.kill()
    set_faults(ramp)
    wait_until(lambda: ramp_state(ramp)["requests"]["in_flight"] == 0, "Ramp still busy")
    at_kill = text_of(now(slack, preview))

    with bot_process(tmp_path, ramp, slack):
        # Start-up resends whatever was journalled but never answered.
        wait_until(
            lambda: all(c["state"] != "pending" for c in journal(tmp_path, "sync_chunks")), "not resent"
        )
        # The user shares the file again: what was posted is not offered again; the rest is.
        again = preview_of(slack, content, "results.csv")
        if "sync_results_post" in action_ids(again):
            press_post(slack, again, timeout=30)
        else:
            assert "Nothing to do" in text_of(again)
        slack.wait_quiet()
        assert synced_ids(ramp) == ids  # each result exactly once, none lost
        syncs = ramp_state(ramp)["syncs"]
        assert len({s["idempotency_key"] for s in syncs}) == len(syncs)
    said = "Posting…" if POSTING in at_kill else at_kill.splitlines()[0][:60]
    print(
        f"\ncrash results run {run}: killed {phase} +{extra:.2f}s; "
        f"the message said {said!r}; {len(syncs)} sync(s)"
    )
    no_secrets(tmp_path, ramp, slack)


def test_after_a_kill_mid_post_the_restarted_bot_tells_the_user_how_it_ended(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
):
    ids = generate(ramp, 10, seed=99)
    with bot_process(tmp_path, ramp, slack) as first:
        preview = preview_of(slack, results_file(ids), "results.csv")
        set_faults(ramp, latency_ms=1000)
        slack.click("sync_results_post", message=preview, user=ADMIN)
        wait_until(lambda: ramp_state(ramp)["requests"]["by_route"].get(SYNCS), "never sent")
        first.kill()
    set_faults(ramp)
    wait_until(lambda: ramp_state(ramp)["requests"]["in_flight"] == 0, "Ramp still busy")
    assert POSTING in now(slack, preview).text
    with bot_process(tmp_path, ramp, slack):
        told = slack.wait_for(
            lambda: POSTING not in now(slack, preview).text and now(slack, preview), timeout=15
        )
    assert "after a restart" in told.text and f"*{len(ids)}* result(s) recorded by Ramp" in text_of(told)
    assert synced_ids(ramp) == ids


def kill_while_slack_holds_the_posting_message(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
) -> tuple[Any, list[str]]:
    """Press Post and kill the bot while the stand-in holds its "Posting…" response_url post: the
    bot says "Posting…" only once the chunks are journalled, so they are, but none was sent."""
    ids = generate(ramp, 10, seed=98)
    with bot_process(tmp_path, ramp, slack) as first:
        preview = preview_of(slack, results_file(ids), "results.csv")
        slack.workspace.response_url_hold_before = True
        slack.workspace.response_url_hold_s = 2.0
        slack.click("sync_results_post", message=preview, user=ADMIN)
        wait_until(lambda: journal(tmp_path, "sync_chunks"), "never journalled")
        time.sleep(0.3)  # the bot is now waiting on the held response_url post
        first.kill()
    slack.workspace.response_url_hold_s = 0.0
    assert [c["state"] for c in journal(tmp_path, "sync_chunks")] == ["pending"]
    assert synced_ids(ramp) == [] and POSTING not in now(slack, preview).text
    return preview, ids


def test_killed_after_the_journal_but_before_posting_was_shown_the_restart_posts_and_says_so(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
):
    preview, ids = kill_while_slack_holds_the_posting_message(tmp_path, ramp, slack)
    with bot_process(tmp_path, ramp, slack):
        told = slack.wait_for(
            lambda: "after a restart" in now(slack, preview).text and now(slack, preview),
            timeout=20,  # the restarted bot first waits out the Ramp window its killed run may have filled
        )
    assert f"*{len(ids)}* result(s) recorded by Ramp" in text_of(told)
    assert synced_ids(ramp) == ids


def test_a_second_press_after_the_restart_posts_nothing_twice(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
):
    # The press is claimed for one run only: after a restart Post works again, and the journal
    # keeps the results it holds from going to Ramp a second time.
    preview, ids = kill_while_slack_holds_the_posting_message(tmp_path, ramp, slack)
    with bot_process(tmp_path, ramp, slack):
        slack.click("sync_results_post", message=preview, user=ADMIN)
        wait_until(
            lambda: not [c for c in journal(tmp_path, "sync_chunks") if c["state"] == "pending"], "pending"
        )
        slack.wait_quiet()
    assert synced_ids(ramp) == ids


# -- an upload -------------------------------------------------------------------------------------------


def vendors_file() -> tuple[bytes, list[tuple[str, str]]]:
    rows = [(f"V{n:05d}", f"Vendor {n}") for n in range(VENDOR_ROWS)]
    return ("id,name\n" + "".join(f"{i},{n}\n" for i, n in rows)).encode(), rows


def final_report(slack: SlackStandIn, preview: Any) -> Any:
    """The upload's report: the preview updated in place, or a reply in its thread after a restart."""
    for message in slack.messages(CHANNEL):
        if message.ts == preview.ts or message.thread_ts == preview.thread_ts:
            if message.text.startswith("Upload of vendors.csv") and "created" in message.text:
                return message
    return None


@pytest.mark.parametrize("run", range(RUNS))
def test_an_upload_killed_at_a_random_moment_ends_with_each_row_once_and_a_report(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn, run: int
):
    rng = random.Random(1000 + run)
    content, rows = vendors_file()
    # When to kill: a random moment within 1.6 s of the press. The sandbox holds each request
    # 500 ms and the bot sends 16 batches at once, so this spans: before anything is journalled,
    # every batch on the wire, the first 16 confirmed, all 20 confirmed but the report not yet shown.
    kill_after = rng.uniform(0.0, 1.6)
    with bot_process(tmp_path, ramp, slack) as first:
        connect(slack, "NetSuite")
        preview = preview_of(slack, content, "vendors.csv")
        set_faults(ramp, latency_ms=500)
        slack.click("upload_start", message=preview, user=ADMIN)
        time.sleep(kill_after)
        first.kill()
    set_faults(ramp)
    wait_until(lambda: ramp_state(ramp)["requests"]["in_flight"] == 0, "Ramp still busy")
    batches = journal(tmp_path, "upload_batches")
    moment = (
        "before any batch"
        if not batches
        else "after every batch"
        if all(b["state"] == "done" for b in batches) and len(batches) == VENDOR_ROWS // 500
        else f"mid-upload ({sum(b['state'] == 'done' for b in batches)} of {len(batches)} batches confirmed)"
    )

    with bot_process(tmp_path, ramp, slack):
        time.sleep(0.5)  # start-up picks the interrupted upload up, if there is one
        if final_report(slack, preview) is None and "upload_start" in action_ids(now(slack, preview)):
            # Killed before the press was acted on: the preview still offers Upload, and says so.
            slack.click("upload_start", message=now(slack, preview), user=ADMIN)
        report = slack.wait_for(lambda: final_report(slack, preview), timeout=60)
        slack.wait_quiet()

    held = books(ramp)["vendors"]
    assert sorted((v["id"], v["name"]) for v in held) == rows  # each row once, none missing
    assert report.text.endswith("0 failed"), report.text
    assert f"{VENDOR_ROWS:,} created" in report.text or f"{VENDOR_ROWS} created" in report.text, report.text
    print(
        f"\ncrash upload run {run}: killed {kill_after:.2f}s after the press, {moment}; {report.text[:70]!r}"
    )
    no_secrets(tmp_path, ramp, slack)


# -- a results post of several kinds (issue 16) ------------------------------------------------------


@pytest.mark.parametrize("run", range(RUNS))
def test_a_post_of_every_kind_killed_at_a_random_moment_records_each_object_once_with_its_sync_type(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn, run: int
):
    from tests.driver import every_kind, expected, kinds_file, recorded, syncs

    rng = random.Random(1000 + run)
    ids = every_kind(ramp, 9, seed=run + 1)  # bill payments of bills synced and paid before
    content = kinds_file(ids)
    # Six chunks, one per kind, sent one after the other: kill between kinds once one was answered,
    # while one is on the wire, or before the first (in turn, so the default two runs see the first
    # two); then a random extra delay.
    phase = ["between kinds", "while on the wire", "after the press"][run % 3]
    extra = rng.uniform(0.0, 0.4)
    with bot_process(tmp_path, ramp, slack) as first:
        preview = preview_of(slack, content, "results.csv")
        set_faults(ramp, latency_ms=400)
        slack.click("sync_results_post", message=preview, user=ADMIN)
        if phase == "while on the wire":
            wait_until(lambda: ramp_state(ramp)["requests"]["by_route"].get(SYNCS), "never sent")
        elif phase == "between kinds":
            wait_until(
                lambda: any(c["state"] == "sent" for c in journal(tmp_path, "sync_chunks")), "no answer"
            )
        time.sleep(extra)
        first.kill()
    set_faults(ramp)
    wait_until(lambda: ramp_state(ramp)["requests"]["in_flight"] == 0, "Ramp still busy")
    at_kill = [(c["sync_type"], c["state"]) for c in journal(tmp_path, "sync_chunks")]

    with bot_process(tmp_path, ramp, slack):
        wait_until(
            lambda: all(c["state"] != "pending" for c in journal(tmp_path, "sync_chunks")), "not resent"
        )
        again = preview_of(slack, content, "results.csv")
        if "sync_results_post" in action_ids(again):
            press_post(slack, again, timeout=30)
        else:
            assert "Nothing to do" in text_of(again)
        slack.wait_quiet()
    assert recorded(ramp) == expected(ids)  # each object exactly once, under its own sync_type
    made = syncs(ramp)
    assert sorted(s["sync_type"] for s in made) == [
        "BILL_PAYMENT_SYNC", "BILL_SYNC", "REIMBURSEMENT_SYNC", "STATEMENT_CREDIT_SYNC",
        "TRANSACTION_SYNC", "TRANSFER_SYNC",
    ]  # fmt: skip
    assert len({s["idempotency_key"] for s in made}) == len(made)
    print(f"\ncrash kinds run {run}: killed {phase} +{extra:.2f}s; journal then {at_kill}")
    no_secrets(tmp_path, ramp, slack)
