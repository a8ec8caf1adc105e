"""`/ramp status`: transactions ready to sync (count and amount per currency, the oldest), failures
reported in the last 7 days grouped by reason, results Ramp has not confirmed, the last uploads."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bot.money import Money
from bot.render import render_message
from bot.services.audit import AuditLog
from bot.services.categories import CategoryService
from bot.services.connection import ConnectionService
from bot.services.schedules import ScheduleBook
from bot.services.status import FailureGroup, ReadyItem, StatusService, SyncStatus, UploadLine
from bot.services.sync_results import SyncResult
from bot.services.transactions import TransactionService
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CAFE,
    CHANNEL,
    RAMEN,
    USER,
    connect,
    load_mix,
    post_results,
    sandbox_service,
    set_faults,
    text_of,
    upload_accounts,
    wait_for_text,
)


def status_text(slack: SlackStandIn) -> str:
    slack.slash_command("/ramp", "status", user=USER, channel=CHANNEL)
    return wait_for_text(slack, "Last category uploads")


def test_status_shows_what_is_ready_the_oldest_item_reported_failures_and_the_last_upload(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    upload_accounts(slack)
    load_mix(ramp)
    post_results(slack, f"{CAFE},failed,,Period <!here> closed")

    shown = status_text(slack)

    # A failed result leaves the transaction ready in Ramp, so all four still count.
    assert "*Ready to sync:* 4 transactions · EUR 100.00 · JPY 5,000 · USD 57.50" in shown
    assert "Oldest: 2025-06-01 · Tokyo Ramen Ichiran · USD 45.50" in shown
    assert "*Failures reported in the last 7 days:* 1" in shown
    cafe = "Café &lt;!channel&gt; &amp; Co · EUR 100.00"
    assert f"• Period &lt;!here&gt; closed — 1 card transaction ({cafe})" in shown
    assert "*qbo_chart_of_accounts.csv* (gl accounts) — done: 14 created · by <@U0ADMIN>" in shown
    assert "<!here>" not in shown and "<!channel>" not in shown


def test_status_with_nothing_ready_and_no_history_says_so(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    shown = status_text(slack)
    assert "*Ready to sync:* nothing right now." in shown and "Oldest:" not in shown
    assert "*Failures reported in the last 7 days:* none" in shown
    assert "*Last category uploads:* none yet." in shown


def test_status_follows_ramp_after_a_transaction_is_synced(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    post_results(slack, f"{RAMEN},success,JE-1,")
    shown = status_text(slack)
    assert "*Ready to sync:* 3 transactions · EUR 100.00 · JPY 5,000 · USD 12.00" in shown
    assert "Oldest: 2025-06-02" in shown and "*Failures reported in the last 7 days:* none" in shown


def test_failures_leave_the_window_after_7_days_and_unconfirmed_results_are_counted(
    ramp: RampSandbox, tmp_path: Path
):
    load_mix(ramp)
    syncs = sandbox_service(ramp, tmp_path)
    client, store = syncs._ramp, syncs._store
    connection = ConnectionService(client, store, AuditLog(store))
    transactions = TransactionService(client, store)
    status = StatusService(transactions, connection, CategoryService(client), ScheduleBook(store), store)
    syncs.post_sync_results([SyncResult(CAFE, error="Period closed")], user_id=ADMIN)
    set_faults(ramp, error_rate=1.0, kinds=["500"])
    try:
        syncs.post_sync_results([SyncResult(RAMEN, reference_id="JE-1")], user_id=ADMIN)
    finally:
        set_faults(ramp, error_rate=0)

    today = status.sync_status()
    assert (today.failure_count, today.unconfirmed) == (1, 1)
    (group,) = today.failures
    assert (group.reason, group.count, group.kinds) == ("Period closed", 1, (("card transaction", 1),))
    assert group.merchants[0].startswith("Café")
    later = status.sync_status(now=datetime.now(UTC) + timedelta(days=8))
    assert (later.failure_count, later.unconfirmed) == (0, 0)


def test_the_status_blocks_escape_outside_text_and_say_how_many_failures_are_not_shown():
    failures = tuple(
        FailureGroup(f"*bold* <@U1> {i}", 1, ("<!channel> Shop",), (("bill", 1),)) for i in range(5)
    )
    sync = SyncStatus(
        ready=1,
        totals=(Money(4550, "USD"),),
        oldest=ReadyItem("id-0", "<!everyone> & Co", Money(4550, "USD"), datetime(2025, 6, 1, tzinfo=UTC)),
        failures=failures,
        failure_count=12,
        unconfirmed=2,
    )
    uploads = [
        UploadLine("<!here>.csv", "gl accounts", "partial", {"created": 3, "failed": 1}, ADMIN, "2025-06-03")
    ]
    message = render_message(
        "status.json.j2", connection=None, counts=[], since=None, history=[], sync=sync, uploads=uploads
    )
    shown = json.dumps(message["blocks"], ensure_ascii=False)
    for raw in ("<!channel>", "<!everyone>", "<!here>", "<@U1>"):
        assert raw not in shown
    assert "*Ready to sync:* 1 transaction · USD 45.50" in shown
    assert "…and 7 more" in shown and "2 results of the last 7 days" in shown
    assert "— partial: 3 created, 1 failed" in shown


def test_status_calls_made_together_share_one_listing_and_a_later_one_fetches_again(
    bot: RunningBot, ramp: RampSandbox
):
    load_mix(ramp)
    set_faults(ramp, latency_ms=300)  # so the calls below overlap the first one's listing
    route = "GET /developer/v1/transactions"

    def transaction_requests() -> int:
        counts = httpx.get(f"{ramp.url}/_sandbox/state").json()["requests"]["by_route"]
        return int(counts.get(route, 0))

    service = bot.services.status
    service.sync_status()  # the first listing ever also looks for the oldest item
    before = transaction_requests()
    service.sync_status()  # asked after that one ended: fetched afresh
    one_listing = transaction_requests() - before
    assert one_listing > 0
    before = transaction_requests()
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(lambda _: service.sync_status(), range(6)))
    assert {s.ready for s in together} == {4}
    # Six askers at once: at most two listings (one under way when some asked, one for the rest).
    assert transaction_requests() - before <= 2 * one_listing


def test_status_lists_the_entities_when_there_are_several_and_not_for_one(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    shown = status_text(slack)
    assert "*Entities* (set up in Ramp):" in shown
    assert "• Acme Corp (USD, primary)\n• Acme GmbH (EUR)\n• Acme Ltd (GBP)" in shown
    with ramp.state.lock:
        ramp.state.entities = ramp.state.entities[:1]  # a business with one entity
    before = len(slack.messages(CHANNEL))
    slack.slash_command("/ramp", "status", user=USER, channel=CHANNEL)
    again = slack.wait_for(
        lambda: next(
            (m for m in slack.messages(CHANNEL)[before:] if "Last category uploads" in text_of(m)), None
        )
    )
    assert "Acme Corp" not in text_of(again) and "Entities" not in text_of(again)
