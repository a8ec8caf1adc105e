"""Sync results, exactly once: results files (preview, Post), double clicks, files shared twice,
chunks journalled before sending and resent with their own key, chunking at 5,000."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.importers import ImportFileError
from bot.services.sync_results import SyncResult, parse_results_file
from bot.services.syncs import plan_chunks
from bot.store import Store
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot, bot_settings, start_bot
from tests.driver import (
    ADMIN,
    CAFE,
    CHANNEL,
    HYPERLINK,
    RAMEN,
    SHINKANSEN,
    SYNCED,
    USER,
    action_ids,
    click_and_wait,
    first_reply,
    in_thread,
    load_mix,
    post_results,
    press_post,
    preview_of,
    ramp_state,
    results_csv,
    routed,
    sandbox_service,
    set_faults,
    share,
    text_of,
    wait_for_text,
)

UNKNOWN = "f6666666-6666-4666-8666-666666666666"
SYNCS = "POST /developer/v1/accounting/syncs"


# -- the results file, read -----------------------------------------------------------------------------


def test_a_results_file_is_read_with_its_problems_by_row():
    parsed = parse_results_file(
        results_csv(
            f"{RAMEN},success,JE-1,",
            f"{CAFE},FAILED,,Period closed",
            f"{HYPERLINK},success,,",
            f"{RAMEN},success,JE-1,",
            f"{SHINKANSEN},success,JE-2,",
            f"{SHINKANSEN},failed,,Wrong account",
            "not-an-id,success,JE-3,",
            f"{SYNCED},maybe,JE-4,",
            f"{UNKNOWN},success,{'R' * 300},",
        ),
        "results.csv",
    )
    assert [(r.transaction_id, r.reference_id, r.error) for r in parsed.results] == [
        (RAMEN, "JE-1", None),
        (CAFE, None, "Period closed"),
    ]
    assert [(n.row, n.transaction_id) for n in parsed.incomplete] == [(4, HYPERLINK)]
    assert [(n.row, n.reason) for n in parsed.duplicates] == [
        (5, "also on row 2"),
        (7, "also on row 6 with a different result: both left out"),
    ]
    reasons = [n.reason for n in parsed.invalid]
    assert "not a Ramp transaction id" in reasons[0] and "neither success nor failed" in reasons[1]
    assert "the limit is 255" in reasons[2]


def test_a_file_without_the_results_columns_is_refused_naming_them():
    with pytest.raises(ImportFileError, match="reference_id"):
        parse_results_file(b"transaction_id,status\nx,success\n", "results.csv")


def test_an_xlsx_results_file_is_read_too(tmp_path: Path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["transaction_id", "status", "reference_id", "error"])
    sheet.append([RAMEN, "success", 1001, None])
    workbook.save(tmp_path / "results.xlsx")
    parsed = parse_results_file((tmp_path / "results.xlsx").read_bytes(), "results.xlsx")
    assert [(r.transaction_id, r.reference_id) for r in parsed.results] == [(RAMEN, "1001")]


# -- chunks ------------------------------------------------------------------------------------------------


def test_chunks_hold_at_most_5000_and_their_keys_depend_only_on_content():
    results = [
        SyncResult(f"00000000-0000-4000-8000-{i:012d}", reference_id=f"JE-{i}")
        if i % 3
        else SyncResult(f"00000000-0000-4000-8000-{i:012d}", error="closed")
        for i in range(12_001)
    ]
    chunks = plan_chunks(results)
    assert [c.items for c in chunks] == [5000, 5000, 2001]
    shuffled = results[:]
    random.Random(3).shuffle(shuffled)
    assert [c.key for c in plan_chunks(shuffled)] == [c.key for c in chunks]
    assert len({c.key for c in chunks}) == 3
    changed = [*results[:-1], SyncResult(results[-1].transaction_id, reference_id="JE-other")]
    assert plan_chunks(changed)[-1].key != chunks[-1].key and plan_chunks(changed)[0].key == chunks[0].key


def test_an_empty_list_is_left_out_of_the_body(ramp: RampSandbox, tmp_path: Path):
    load_mix(ramp)
    service = sandbox_service(ramp, tmp_path)
    service.post_sync_results([SyncResult(RAMEN, reference_id="JE-1")], user_id=ADMIN)
    (sync,) = ramp_state(ramp)["syncs"]
    assert "failed_syncs" not in sync and sync["successful_syncs"] == [{"id": RAMEN, "reference_id": "JE-1"}]


# -- exactly once -------------------------------------------------------------------------------------


def test_a_chunk_sent_before_a_crash_is_resent_with_its_key_and_ramp_writes_it_once(
    ramp: RampSandbox, tmp_path: Path
):
    load_mix(ramp)
    service = sandbox_service(ramp, tmp_path)
    (chunk,) = plan_chunks([SyncResult(RAMEN, reference_id="JE-1"), SyncResult(CAFE, error="closed")])
    store = service._store
    assert store.journal_chunk(chunk.key, chunk.rows(), source="test", user_id=ADMIN)
    # Ramp got it, the bot died before reading the answer.
    first_id = service._ramp.post_syncs(chunk.key, successful=chunk.successful, failed=chunk.failed)
    (outcome,) = service.resend_pending()
    assert (outcome.state, outcome.sync_id) == ("sent", first_id)
    assert len(ramp_state(ramp)["syncs"]) == 1
    assert service.journal(chunk.key)["state"] == "sent"  # type: ignore[index]
    assert service.resend_pending() == []


def test_no_answer_leaves_the_chunk_pending_and_the_next_attempt_writes_once(
    ramp: RampSandbox, tmp_path: Path
):
    load_mix(ramp)
    service = sandbox_service(ramp, tmp_path)
    results = [SyncResult(RAMEN, reference_id="JE-1")]
    set_faults(ramp, error_rate=1.0, kinds=["500"])
    try:
        outcome = service.post_sync_results(results, user_id=ADMIN)
    finally:
        set_faults(ramp, error_rate=0)
    assert outcome.count("pending") == 1 and "resend" not in outcome.errors[0]
    key = outcome.chunks[0].key
    assert service.journal(key)["state"] == "pending"  # type: ignore[index]
    (resent,) = service.resend_pending()
    assert resent.state == "sent" and resent.key == key
    again = service.post_sync_results(results, user_id=ADMIN)
    assert again.nothing_to_do
    assert len(ramp_state(ramp)["syncs"]) == 1


def test_a_timeout_after_ramp_applied_the_chunk_is_retried_with_its_key_and_written_once(
    ramp: RampSandbox, tmp_path: Path
):
    load_mix(ramp)
    service = sandbox_service(ramp, tmp_path)
    results = [SyncResult(RAMEN, reference_id="JE-1"), SyncResult(CAFE, error="Period closed")]
    service._ramp.get_transaction(RAMEN)  # a token first: the faults below would hit its request too
    # Ramp writes the chunk, then holds the connection and drops it without an answer, twice.
    set_faults(ramp, error_rate=1.0, kinds=["timeout"], after_apply_rate=1.0, timeout_hold_s=0.2)
    try:
        outcome = service.post_sync_results(results, user_id=ADMIN)
    finally:
        set_faults(ramp, error_rate=0)
    assert outcome.count("pending") == 2 and len(ramp_state(ramp)["syncs"]) == 1
    retried = service.post_sync_results(results, user_id=ADMIN)  # the user retries
    # The retry first resends the unanswered chunk with its key; then nothing of it is left to send.
    assert retried.nothing_to_do and retried.count("already sent") == 2
    assert service.journal(outcome.chunks[0].key)["state"] == "sent"  # type: ignore[index]
    state = ramp_state(ramp)
    assert len(state["syncs"]) == 1 and state["requests"]["by_route"][SYNCS] == 2 + 1


def test_a_result_posted_before_is_not_sent_again_inside_a_new_chunk(ramp: RampSandbox, tmp_path: Path):
    load_mix(ramp)
    service = sandbox_service(ramp, tmp_path)
    service.post_sync_results([SyncResult(CAFE, error="Period closed")], user_id=ADMIN)
    # A later file repeats the failure beside a new row: only the new row goes, in a chunk of its own.
    again = service.post_sync_results(
        [SyncResult(CAFE, error="Period closed"), SyncResult(HYPERLINK, error="No vendor")], user_id=ADMIN
    )
    assert (again.count("already sent"), again.count("sent")) == (1, 1)
    syncs = ramp_state(ramp)["syncs"]
    assert [[i["id"] for i in s["failed_syncs"]] for s in syncs] == [[CAFE], [HYPERLINK]]
    # A new reason for the same transaction is a new result, and is posted.
    changed = service.post_sync_results([SyncResult(CAFE, error="Wrong account")], user_id=ADMIN)
    assert changed.count("sent") == 1 and len(ramp_state(ramp)["syncs"]) == 3


def test_a_pending_chunk_is_resent_when_the_bot_starts(
    ramp: RampSandbox, slack: SlackStandIn, tmp_path: Path
):
    load_mix(ramp)
    settings = bot_settings(tmp_path, ramp, slack)
    (chunk,) = plan_chunks([SyncResult(CAFE, error="Period closed")])
    store = Store(settings.db_path)
    store.journal_chunk(chunk.key, chunk.rows(), source="t", user_id=ADMIN)
    store.close()
    for running in start_bot(settings, slack):
        slack.wait_for(lambda: ramp_state(ramp)["syncs"], timeout=10)
        slack.wait_for(lambda r=running: r.services.syncs.journal(chunk.key)["state"] == "sent")
    (sync,) = ramp_state(ramp)["syncs"]
    assert sync["idempotency_key"] == chunk.key


def test_ramps_per_item_errors_are_shown_against_their_rows(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    message = preview_of(slack, results_csv(f"{RAMEN},success,JE-1,", f"{CAFE},failed,,closed"))
    # Between preview and Post someone syncs the ramen lunch elsewhere; Ramp refuses the whole chunk.
    bot.ramp.post_syncs("elsewhere", successful=[{"id": RAMEN, "reference_id": "X"}])
    slack.click("sync_results_post", message=message, user=ADMIN)
    shown = wait_for_text(slack, "Ramp's complaints, by row")
    assert f"Row 2 `{RAMEN}`: not ready" in shown
    assert len(ramp_state(ramp)["syncs"]) == 1


# -- results files through Slack ---------------------------------------------------------------------


def test_a_results_file_is_previewed_then_posted_once(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    message = preview_of(
        slack,
        results_csv(
            f"{RAMEN},success,JE-1,",
            f"{CAFE},failed,,Period closed",
            f"{UNKNOWN},success,JE-2,",
            f"{SYNCED},success,JE-3,",
            f"{RAMEN},success,JE-1,",
            f"{HYPERLINK},failed,,",
        ),
    )
    assert action_ids(message) == ["sync_results_post", "sync_results_cancel"]
    said = text_of(message)
    assert "*1* synced and *1* failed result(s) are ready to post" in said
    for words in ("1 unknown ids", "1 not ready to sync", "1 duplicates", "1 rows with neither a reference"):
        assert words in said
    assert ramp_state(ramp)["syncs"] == []  # nothing before Post
    press_post(slack, message)
    (sync,) = ramp_state(ramp)["syncs"]
    assert sync["successful_syncs"] == [{"id": RAMEN, "reference_id": "JE-1"}]
    assert sync["failed_syncs"] == [{"id": CAFE, "error": {"message": "Period closed"}}]
    entry = bot.services.audit.recent(1)[0]
    assert (entry.command, entry.outcome, entry.user_id) == ("sync", "ok", ADMIN)


def test_the_same_file_shared_twice_has_nothing_to_do_the_second_time(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    row = f"{CAFE},failed,,Period closed"  # a failed result stays ready in Ramp
    post_results(slack, row)
    second = preview_of(slack, results_csv(row))
    assert "Nothing to do" in text_of(second) and "already posted" in text_of(second)
    assert action_ids(second) == []
    assert len(ramp_state(ramp)["syncs"]) == 1


def test_a_slack_retry_of_the_file_share_previews_once_and_posts_once(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    shared = share(slack, results_csv(f"{RAMEN},success,JE-1,"))
    message = first_reply(slack, shared)
    retried = slack.share_file(shared.file_id, channel=CHANNEL, user=ADMIN, retry_num=1)  # Slack redelivers
    assert retried.status == 200
    press_post(slack, message)
    slack.wait_quiet()
    assert len(in_thread(slack, shared.thread)) == 1  # one preview, turned into the post's report
    assert len(ramp_state(ramp)["syncs"]) == 1


def test_cancel_posts_nothing(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox):
    load_mix(ramp)
    preview = preview_of(slack, results_csv(f"{RAMEN},success,JE-1,"))
    cancelled = click_and_wait(slack, "sync_results_cancel", preview)
    assert action_ids(cancelled) == []  # the preview, replaced: nothing left to press
    slack.wait_quiet()
    assert ramp_state(ramp)["syncs"] == [] and routed(ramp, SYNCS) == 0


def test_ramp_sync_explains_the_results_file_to_anyone(bot: RunningBot, slack: SlackStandIn):
    # Reading how to post is for everyone; Post itself is for admins (the test below).
    for user in (ADMIN, USER):
        response = slack.slash_command("/ramp", "sync", user=user, channel=CHANNEL)
        assert "transaction_id,status,reference_id,error" in response.body


def test_post_by_a_non_admin_is_refused_audited_and_sends_nothing(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    message = preview_of(slack, results_csv(f"{RAMEN},success,JE-1,"))
    slack.click("sync_results_post", message=message, user=USER)
    assert "Only admins can post sync results" in wait_for_text(slack, "Only admins")
    entry = slack.wait_for(lambda: bot.services.audit.recent(1))[0]
    assert (entry.user_id, entry.command, entry.outcome) == (USER, "sync_results_post", "refused")
    assert ramp_state(ramp)["syncs"] == []
    press_post(slack, message)  # an admin's Post still goes through: the refusal claimed nothing
    assert [s["successful_syncs"] for s in ramp_state(ramp)["syncs"]] == [
        [{"id": RAMEN, "reference_id": "JE-1"}]
    ]
