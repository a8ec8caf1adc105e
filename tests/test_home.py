"""The App Home tab over HTTP: `app_home_opened` from the Slack stand-in, `views.publish` back, built
from the Ramp sandbox and the bot's database; its buttons answer in the user's DM."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

from bot.money import Money
from bot.ramp import Connection
from bot.render import render_message, render_view
from bot.services.schedules import Schedule, ScheduleRequest
from bot.services.status import FailureGroup, Overview, ReadyItem, SyncStatus, UploadLine
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CAFE,
    CHANNEL,
    FILES,
    USER,
    load_mix,
    post_results,
    preview_of,
    sandbox_connection,
    text_of,
    upload,
    upload_accounts,
)


def home_of(slack: SlackStandIn, user: str, after: int = 0) -> dict[str, Any]:
    """The user's Home tab once the bot has published it (a newer one than `after` publishes)."""
    slack.wait_for(lambda: len(slack.calls("views.publish")) > after)
    return slack.home_views[user]


def test_opening_home_shows_connection_categories_ready_totals_failures_uploads_and_summaries(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    upload_accounts(slack)
    load_mix(ramp)
    post_results(slack, f"{CAFE},failed,,Period <!here> closed")
    book = bot.services.summaries.schedules
    book.set(CHANNEL, ScheduleRequest(time(9), None, True), "Europe/London", ADMIN, datetime.now(UTC))
    book.set("C0GONE", ScheduleRequest(time(8), None, False), "Asia/Tokyo", ADMIN, datetime.now(UTC))
    book.pause("C0GONE", "is_archived")

    slack.open_home(USER)
    view = home_of(slack, USER)

    text = text_of(view)
    assert view["type"] == "home"
    assert ":large_green_circle: Connected to *QuickBooks Online*" in text
    assert "*GL accounts*\n14" in text
    assert "*Ready to sync:* 4 transactions · EUR 100.00 · JPY 5,000 · USD 57.50" in text
    assert "Oldest: 2025-06-01 · Tokyo Ramen Ichiran · USD 45.50" in text
    assert "*Sync failures, last 7 days:* 1" in text
    cafe = "Café &lt;!channel&gt; &amp; Co · EUR 100.00"
    assert f"• Period &lt;!here&gt; closed — 1 card transaction ({cafe})" in text
    assert "*qbo_chart_of_accounts.csv* (gl accounts) — done: 14 created" in text
    assert "• <#C0FIN> — 09:00 Europe/London, weekdays · set by <@U0ADMIN>" in text
    assert "• <#C0GONE> — 08:00 Asia/Tokyo, every day · :double_vertical_bar: paused (is_archived)" in text
    assert "<!here>" not in text
    buttons = [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["home_refresh", "home_list_transactions", "home_help"]
    assert slack.calls("views.publish")[-1].args["user_id"] == USER


def test_home_is_refreshed_each_time_it_is_opened(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox):
    slack.open_home(ADMIN)
    assert "*Ready to sync:* nothing right now." in text_of(home_of(slack, ADMIN))
    assert "No active accounting connection" in text_of(home_of(slack, ADMIN))
    load_mix(ramp)
    slack.open_home(ADMIN)
    assert "*Ready to sync:* 4 transactions" in text_of(home_of(slack, ADMIN, after=1))


def test_the_messages_tab_publishes_nothing(bot: RunningBot, slack: SlackStandIn):
    slack.open_home(ADMIN, tab="messages")
    slack.wait_quiet()
    assert slack.calls("views.publish") == []


def test_home_buttons_refresh_it_and_answer_in_the_users_dm(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    slack.open_home(USER)
    home_of(slack, USER)
    load_mix(ramp)

    slack.click("home_refresh", user=USER)
    assert "*Ready to sync:* 4 transactions" in text_of(home_of(slack, USER, after=1))

    dm = slack.workspace.im_channel(USER).id
    slack.click("home_list_transactions", user=USER)
    listing = slack.wait_for(
        lambda: next((m for m in slack.messages(dm) if "transactions_nav" in json.dumps(m.blocks)), None)
    )
    assert listing.text.startswith("4 transactions ready to sync")
    slack.click("home_help", user=USER)
    help_message = slack.wait_for(
        lambda: next((m for m in slack.messages(dm) if m.text == "Ramp bot commands"), None)
    )
    assert "/ramp summary [on HH:MM [Area/City] [weekdays] | off | now]" in text_of(help_message)


def test_the_home_tab_and_the_paused_notice_escape_outside_text_and_fit_slacks_limits():
    hostile = "<!channel> *x* & <@U1>"
    failures = tuple(FailureGroup(f"{hostile} {i}", 1, (hostile,), (("bill", 1),)) for i in range(5))
    sync = SyncStatus(
        ready=1,
        totals=(Money(4550, "USD"),),
        oldest=ReadyItem("t0", hostile, Money(4550, "USD"), datetime(2025, 6, 1, tzinfo=UTC)),
        failures=failures,
        failure_count=9,
        unconfirmed=0,
    )
    paused = Schedule(
        CHANNEL, time(9), "Europe/London", True, ADMIN, datetime(2025, 1, 1, tzinfo=UTC), "paused", hostile
    )
    dashboard = Overview(
        connection=Connection("c1", hostile, True, None, None),
        since=None,
        counts=[],
        history=[],
        sync=sync,
        uploads=[UploadLine(hostile, hostile, "done", {"created": 2}, ADMIN, "2025-06-03T10:00:00+00:00")],
        schedules=[paused] * 30,
        refreshed_at=datetime(2025, 6, 3, 10, tzinfo=UTC),
    )
    views = [render_view("home.json.j2", dashboard=dashboard)]
    notice = render_message("summary_paused.json.j2", schedule=paused, error=hostile)
    text = json.dumps([views, notice], ensure_ascii=False)
    for raw in ("<!channel>", "<@U1>"):
        assert raw not in text
    assert "…and 4 more" in text and "Slack answered `&lt;!channel&gt;" in text
    assert all(len(b["text"]["text"]) <= 3000 for b in views[0]["blocks"] if b["type"] == "section")


def test_home_lists_the_entities_of_a_business_with_several(bot: RunningBot, slack: SlackStandIn):
    slack.open_home(ADMIN)
    shown = text_of(home_of(slack, ADMIN))
    assert "*Entities* (set up in Ramp):" in shown
    assert "Acme Corp (USD, primary)" in shown and "Acme GmbH (EUR)" in shown and "Acme Ltd (GBP)" in shown


def test_home_says_a_connection_was_set_up_in_ramp_and_that_it_is_direct_once_ramp_refuses_a_write(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    sandbox_connection(ramp, "NetSuite", "direct")  # enabled in Ramp's UI, not by the bot
    slack.open_home(ADMIN)
    shown = text_of(home_of(slack, ADMIN))
    assert "Connected to *NetSuite* since" in shown and "Set up in Ramp (not by me)." in shown
    assert ":information_source: Ramp does not say which kind it is." in shown

    chart = (FILES / "qbo_chart_of_accounts.csv").read_bytes()
    upload(slack, preview_of(slack, chart, "qbo_chart_of_accounts.csv"))  # Ramp refuses: direct
    slack.open_home(ADMIN)
    shown = text_of(home_of(slack, ADMIN, after=1))
    assert "A direct integration (Ramp's own ERP integration)." in shown
    assert ":no_entry: Ramp refused a write for it as a direct integration" in shown
    assert "Ramp's UI under Accounting settings" in shown and "Set up in Ramp (not by me)" not in shown
