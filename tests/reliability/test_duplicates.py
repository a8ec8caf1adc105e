"""Duplicates: Slack delivering the same event again, a button pressed twice at once, a modal
submitted twice, the same file shared twice. Each ends with one write in Ramp, read back from the
sandbox's own state (and its request counts), not from what the bot says."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn, interact, payloads
from sandbox.slack.state import BotResponse
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CAFE,
    CHANNEL,
    HYPERLINK,
    RAMEN,
    action_ids,
    active_connections,
    books,
    connect,
    first_reply,
    in_thread,
    listing_message,
    load_mix,
    message_with,
    now,
    posted,
    preview_of,
    ramp_state,
    results_csv,
    routed,
    share,
    synced_ids,
    upload_report,
    wait_for_text,
)

pytestmark = pytest.mark.reliability

VENDORS = "POST /developer/v1/accounting/vendors"
SYNCS = "POST /developer/v1/accounting/syncs"
ACCOUNTS = b"id,name,code,classification\n6000,Travel,6000,EXPENSE\n6100,Meals,6100,EXPENSE\n"


def vendor_file(count: int) -> bytes:
    return ("id,name\n" + "".join(f"V{n:04d},Vendor {n}\n" for n in range(count))).encode()


def twice(press: Callable[[], BotResponse]) -> list[BotResponse]:
    """The same press sent twice at the same moment, as a double click does."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda _: press(), range(2)))


def submit_twice(slack: SlackStandIn, values: dict[str, Any], user: str = ADMIN) -> list[BotResponse]:
    """The user's top modal submitted twice with the same state (a double press of Submit)."""
    ws = slack.workspace
    with ws.lock:
        top = ws.user_top_view(user)
        assert top is not None, "no open modal"
        view = json.loads(json.dumps(ws.views[top["id"]]))
    view["state"] = {"values": {**view["state"]["values"], **interact.view_state(view, values)}}
    body = payloads.interaction_form(
        payloads.view_submission_payload(ws, user=user, view=view, trigger_id=ws.issue_trigger(user))
    )
    return twice(lambda: slack._post(body, "application/x-www-form-urlencoded"))


# -- Slack delivering again ---------------------------------------------------------------------------


def test_a_redelivered_file_share_previews_once_and_uploads_once(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    shared = share(slack, vendor_file(10), "vendors.csv")
    preview = first_reply(slack, shared)
    for retry in (1, 2, 3):  # Slack retries up to three times
        assert slack.share_file(shared.file_id, channel=CHANNEL, user=ADMIN, retry_num=retry).status == 200
    slack.click("upload_start", message=preview, user=ADMIN)
    wait_for_text(slack, "10 created")
    slack.wait_quiet()
    replies = in_thread(slack, shared.thread)
    assert len([m for m in replies if not m.files]) == 1  # one preview, updated in place into the report
    assert len([m for m in replies if m.files]) == 1  # 10 new, more than the preview names: one CSV
    assert len(books(ramp)["vendors"]) == 10 and routed(ramp, VENDORS) == 1


# -- double clicks on every write button, double submissions of every write modal -----------------------


def test_upload_pressed_twice_at_once_uploads_once(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox):
    connect(slack, "NetSuite")
    preview = preview_of(slack, vendor_file(1200), "vendors.csv")
    responses = twice(lambda: slack.click("upload_start", message=preview, user=ADMIN))
    assert [r.status for r in responses] == [200, 200]
    upload_report(slack, preview)
    slack.wait_quiet()
    assert sorted(v["id"] for v in books(ramp)["vendors"]) == [f"V{n:04d}" for n in range(1200)]
    assert routed(ramp, VENDORS) == 3  # 500 + 500 + 200: each batch once


def test_post_pressed_twice_at_once_posts_once(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox):
    load_mix(ramp)
    preview = preview_of(slack, results_csv(f"{RAMEN},success,JE-1,"), "results.csv")
    twice(lambda: slack.click("sync_results_post", message=preview, user=ADMIN))
    posted(slack, preview)
    slack.wait_quiet()
    assert synced_ids(ramp) == [RAMEN] and routed(ramp, SYNCS) == 1


def test_replace_pressed_twice_at_once_replaces_once(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox):
    connect(slack, "NetSuite")
    slack.slash_command("/ramp", "connect Xero", user=ADMIN, channel=CHANNEL)
    conflict = message_with(slack, "connection_replace")
    twice(lambda: slack.click("connection_replace", message=conflict, user=ADMIN))
    slack.wait_for(lambda: [c["remote_provider_name"] for c in active_connections(ramp)] == ["Xero"])
    slack.wait_quiet()
    connections = ramp_state(ramp)["connections"]
    assert sorted(c["remote_provider_name"] for c in connections) == ["NetSuite", "Xero"]
    assert routed(ramp, "DELETE /developer/v1/accounting/connection") == 1


def test_disconnect_pressed_twice_at_once_backs_up_and_disconnects_once(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    bot.ramp.create_vendors([{"id": "V1", "name": "Delta"}])
    slack.slash_command("/ramp", "disconnect", user=ADMIN, channel=CHANNEL)
    confirm = message_with(slack, "connection_disconnect")
    twice(lambda: slack.click("connection_disconnect", message=confirm, user=ADMIN))
    slack.wait_for(lambda: not active_connections(ramp))
    slack.wait_quiet()
    assert routed(ramp, "DELETE /developer/v1/accounting/connection") == 1
    assert len([m for m in slack.messages(CHANNEL) if m.files]) == 1  # one backup


@pytest.mark.parametrize("kind", ["synced", "failed"])
def test_a_mark_modal_submitted_twice_posts_once(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, kind: str
):
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions", user=ADMIN, channel=CHANNEL)
    slack.click(
        "transaction_row",
        message=listing_message(slack),
        user=ADMIN,
        block_id=f"tx|{CAFE}",
        value=f"{kind}|{CAFE}",
    )
    slack.wait_for(lambda: slack.views)
    values = {"reference": {"value": "JE-7"}} if kind == "synced" else {"reason": {"value": "Period closed"}}
    submit_twice(slack, values)
    slack.wait_for(lambda: synced_ids(ramp))
    slack.wait_quiet()
    # Both submissions may reach Ramp, but with one idempotency key: Ramp records one sync.
    assert synced_ids(ramp) == [CAFE] and len(ramp_state(ramp)["syncs"]) == 1


def test_the_field_modal_submitted_twice_creates_each_field_and_option_once(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    content = b"field,option_id,option_value\nDepartment,D-1,Engineering\nDepartment,D-2,Sales\n"
    preview = preview_of(slack, content, "options.csv")
    slack.click("upload_fields", message=preview, user=ADMIN)
    slack.wait_for(lambda: slack.views)
    submit_twice(slack, {})
    upload_report(slack, preview)
    slack.wait_quiet()
    held = books(ramp)
    assert [f["name"] for f in held["fields"]] == ["Department"]
    assert sorted(o["id"] for o in held["field_options"]) == ["D-1", "D-2"]
    assert routed(ramp, "POST /developer/v1/accounting/fields") == 1


# -- the same file twice ---------------------------------------------------------------------------------


def test_the_same_category_file_shared_twice_and_both_uploaded_writes_once(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    first = preview_of(slack, ACCOUNTS, "accounts.csv")
    second = preview_of(slack, ACCOUNTS, "accounts (1).csv")
    slack.click("upload_start", message=first, user=ADMIN)
    upload_report(slack, first)
    slack.wait_quiet()
    if "upload_start" in action_ids(second):  # the second preview was made before the upload
        slack.click("upload_start", message=second, user=ADMIN)
        slack.wait_quiet()
    accounts = books(ramp)["gl_accounts"]
    assert sorted(a["id"] for a in accounts) == ["6000", "6100"]
    assert routed(ramp, "POST /developer/v1/accounting/accounts") == 1
    # ...and the second upload's report is true: it created nothing.
    assert "2 created" not in now(slack, second).text


def test_the_same_results_file_shared_twice_and_both_posted_writes_each_result_once(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    content = results_csv(f"{RAMEN},success,JE-1,", f"{HYPERLINK},failed,,No vendor")
    first = preview_of(slack, content, "results.csv")
    second = preview_of(slack, content, "results again.csv")
    slack.click("sync_results_post", message=first, user=ADMIN)
    slack.click("sync_results_post", message=second, user=ADMIN)
    posted(slack, first)
    posted(slack, second)
    slack.wait_quiet()
    assert synced_ids(ramp) == sorted([RAMEN, HYPERLINK])


# -- results files of several kinds (issue 16) -------------------------------------------------------


def test_post_of_every_kind_pressed_twice_at_once_sends_each_kind_once(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    from tests.driver import every_kind, expected, kinds_file, recorded

    ids = every_kind(ramp, 4)
    preview = preview_of(slack, kinds_file(ids), "results.csv")
    twice(lambda: slack.click("sync_results_post", message=preview, user=ADMIN))
    posted(slack, preview)
    slack.wait_quiet()
    assert recorded(ramp) == expected(ids) and routed(ramp, SYNCS) == 6  # one call per kind


def test_a_redelivered_share_of_an_every_kind_file_then_both_posts_write_each_object_once(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    from tests.driver import every_kind, expected, kinds_file, recorded

    ids = every_kind(ramp, 4)
    content = kinds_file(ids)
    shared = share(slack, content)
    first = first_reply(slack, shared)
    assert slack.share_file(shared.file_id, channel=CHANNEL, user=ADMIN, retry_num=1).status == 200
    second = preview_of(slack, content, "results again.csv")  # and someone shares it again
    slack.click("sync_results_post", message=first, user=ADMIN)
    slack.click("sync_results_post", message=second, user=ADMIN)
    posted(slack, first)
    posted(slack, second)
    slack.wait_quiet()
    assert len(in_thread(slack, shared.thread)) == 1  # the redelivery previewed nothing
    assert recorded(ramp) == expected(ids)
