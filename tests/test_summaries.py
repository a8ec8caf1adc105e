"""The daily summary's content against sandbox data with known answers, `/ramp summary on|off|now`
end to end, its buttons, the 14-day picture, and `python -m bot summary` for cron."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.__main__ import main
from bot.chart import describe
from bot.money import Money
from bot.render import render_message
from bot.services.schedules import Schedule
from bot.services.status import ReadyItem, UploadLine
from bot.services.summaries import DayBar, FailureGroup, Picture, ReadyLine, Summary
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from sandbox.slack.state import Message
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    BOT_TOKEN,
    CAFE,
    CHANNEL,
    RAMEN,
    USER,
    in_thread,
    load_mix,
    post_results,
    text_of,
    upload_accounts,
    wait_for_text,
)


def summaries(slack: SlackStandIn, channel: str = CHANNEL) -> list[Message]:
    return [m for m in slack.messages(channel) if m.text.startswith("Ramp daily summary")]


def summary_now(slack: SlackStandIn, count: int, user: str = USER) -> str:
    """Ask for a summary and return everything the `count`-th one shows."""
    slack.slash_command("/ramp", "summary now", user=user, channel=CHANNEL)
    message = slack.wait_for(lambda: len(summaries(slack)) >= count and summaries(slack)[count - 1])
    return text_of(message)


def chart_of(slack: SlackStandIn, summary: Message) -> Image.Image:
    """The PNG the bot posted in a summary's thread, as Slack stored its bytes, decoded."""
    (posted,) = slack.wait_for(lambda: [m for m in in_thread(slack, summary.ts) if m.files])
    (file,) = posted.files
    assert (file.mimetype, file.name.endswith(".png")) == ("image/png", True)
    image = Image.open(io.BytesIO(file.content))
    image.load()
    return image


# -- the content, end to end ------------------------------------------------------------------------------


def test_a_summary_shows_ready_totals_the_oldest_item_coding_failures_uploads_and_the_picture(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    upload_accounts(slack)
    load_mix(ramp)
    post_results(slack, f"{CAFE},failed,,Period <!here> closed")

    shown = summary_now(slack, 1)

    age = (datetime.now(UTC) - datetime(2025, 6, 1, 12, tzinfo=UTC)).days
    assert "*Ready to sync: 4 transactions*" in shown
    assert "• *EUR 100.00* in 1\n• *JPY 5,000* in 1\n• *USD 57.50* in 2\n" in shown  # no previous summary
    assert f"Oldest: 2025-06-01 · Tokyo Ramen Ichiran · USD 45.50 · waiting {age:,} days" in shown
    assert ":warning: 1 uncoded and 1 partly coded" in shown
    assert "*Sync failures reported in the last 24 hours:* 1" in shown
    assert "• Period &lt;!here&gt; closed — 1 (Café &lt;!channel&gt; &amp; Co)" in shown
    assert "*Category uploads in the last 24 hours:* 1" in shown
    assert "*qbo_chart_of_accounts.csv* (gl accounts) — done: 14 created · by <@U0ADMIN>" in shown
    assert (
        ":bar_chart: Card transactions ready to sync versus synced by the bot, per day and currency"
        " (USD, EUR, JPY), the day I have seen: the chart is in the thread." in shown
    )
    today = datetime.now(ZoneInfo("America/New_York")).strftime("%a %d %b")  # USER's zone: no schedule here
    chart = chart_of(slack, summaries(slack)[0])
    assert chart.size == (560, 3 * 220)  # one panel a currency; one day needs no more width
    assert chart.info["Description"] == (
        f"USD: {today} ready USD 57.50, synced USD 0.00. EUR: {today} ready EUR 100.00, synced EUR 0.00."
        f" JPY: {today} ready JPY 5,000, synced JPY 0."
    )
    assert "<!here>" not in shown and "<!channel>" not in shown
    buttons = [
        e["action_id"] for b in summaries(slack)[0].blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["summary_open_list", "transactions_export"]


def test_the_next_summary_shows_the_change_and_only_what_happened_since_the_previous_one(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    post_results(slack, f"{CAFE},failed,,Period closed")
    summary_now(slack, 1)
    post_results(slack, f"{RAMEN},success,JE-1,")

    shown = summary_now(slack, 2)

    assert "*Ready to sync: 3 transactions*" in shown
    assert "• *EUR 100.00* in 1 — no change since the last summary" in shown
    assert "• *USD 12.00* in 1 — −1 · −USD 45.50 since the last summary" in shown
    assert "Oldest: 2025-06-02" in shown
    assert re.search(
        r"\*Sync failures reported since the last summary \(\w{3} \d\d \w{3} \d\d:\d\d\):\* none", shown
    )
    assert re.search(r"\*Category uploads since the last summary \([^)]*\):\* none", shown)
    today = datetime.now(ZoneInfo("America/New_York")).strftime("%a %d %b")
    assert (
        f"USD: {today} ready USD 12.00, synced USD 45.50."
        in chart_of(slack, summaries(slack)[1]).info["Description"]
    )  # the second summary's chart: the day's last reading, and what the bot synced today


def test_a_quiet_day_is_one_line_without_a_chart(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox):
    summary_now(slack, 1)
    message = summaries(slack)[0]
    assert len(message.blocks) == 1
    assert (
        "a quiet day. Nothing waiting to sync, no sync failures and no category uploads"
        in message.blocks[0]["text"]["text"]
    )
    slack.wait_quiet()
    assert in_thread(slack, message.ts) == []


def test_the_chart_shows_only_the_days_the_bot_saw(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox):
    zone = ZoneInfo("America/New_York")  # USER's: no schedule here
    today = datetime.now(zone).date()
    seen = [today - timedelta(days=n) for n in (20, 9, 4)]  # 20 days back is out of the 14-day window
    for day, amount in zip(seen, (990_000, 120_000, 0), strict=True):
        noon = datetime.combine(day, datetime.min.time(), tzinfo=zone) + timedelta(hours=12)
        totals = [{"currency": "USD", "count": 3, "amount": amount}] if amount else []
        bot.store.add_ready_snapshot(noon.astimezone(UTC).isoformat(timespec="seconds"), totals)
    load_mix(ramp)

    shown = summary_now(slack, 1)

    assert "(USD, EUR, JPY), the 3 days I have seen: the chart is in the thread." in shown
    chart = chart_of(slack, summaries(slack)[0])
    assert chart.info["Description"].startswith(
        f"USD: {seen[1]:%a %d %b} ready USD 1,200.00, synced USD 0.00;"
        f" {seen[2]:%a %d %b} ready USD 0.00, synced USD 0.00;"  # nothing was ready that day: a reading of 0
        f" {today:%a %d %b} ready USD 57.50, synced USD 0.00. EUR: {seen[1]:%a %d %b} ready EUR 0.00"
    )


def test_a_summary_is_sent_once_even_when_slack_refuses_its_chart(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    slack.set_scopes([s for s in slack.workspace.scopes.split(",") if s != "files:write"])
    summary_now(slack, 1)
    slack.wait_quiet()
    (summary,) = summaries(slack)
    assert in_thread(slack, summary.ts) == []  # files.getUploadURLExternal answered missing_scope
    assert bot.store.last_summary(CHANNEL)["message_ts"] == summary.ts  # the baseline of the next one


def test_the_summary_buttons_open_the_list_and_export_it(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    summary_now(slack, 1)
    summary = summaries(slack)[0]
    slack.click("summary_open_list", message=summary, user=USER)
    wait_for_text(slack, "4 transactions ready to sync")
    slack.click("transactions_export", message=summary, user=USER)
    upload = slack.wait_for("files.completeUploadExternal")
    assert (upload.args["channel_id"], upload.args["thread_ts"]) == (CHANNEL, summary.ts)


# -- /ramp summary on | off | now ---------------------------------------------------------------------------


def test_on_without_a_zone_uses_the_admins_profile_and_status_lists_it(bot: RunningBot, slack: SlackStandIn):
    slack.slash_command("/ramp", "summary on 8:30 weekdays", user=ADMIN, channel=CHANNEL)
    shown = wait_for_text(slack, "Daily summary on for <#C0FIN>: 08:30 Europe/London, weekdays.")
    assert "the time zone is from their Slack profile" in shown
    schedule = bot.services.summaries.schedules.get(CHANNEL)
    assert schedule is not None and (schedule.tz, schedule.set_by, schedule.weekdays_only) == (
        "Europe/London",
        ADMIN,
        True,
    )
    assert bot.services.audit.recent(1)[0].command == "summary"
    slack.slash_command("/ramp", "status", user=USER, channel=CHANNEL)
    assert "• <#C0FIN> — 08:30 Europe/London, weekdays · set by <@U0ADMIN>" in wait_for_text(
        slack, "*Daily summaries:*"
    )


def test_on_with_a_zone_and_a_bare_summary_shows_the_schedule_then_off_stops_it(
    bot: RunningBot, slack: SlackStandIn
):
    slack.slash_command("/ramp", "summary on 17:05 asia/tokyo", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, "17:05 Asia/Tokyo, every day")
    shown = slack.slash_command("/ramp", "summary", user=USER, channel=CHANNEL).json()
    assert "gets a daily summary at 17:05 Asia/Tokyo, every day" in shown["text"]
    slack.slash_command("/ramp", "summary off", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, "Daily summary off for <#C0FIN> (it was 17:05 Asia/Tokyo, every day).")
    assert bot.services.summaries.schedules.listed() == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("summary on 25:00", "`25:00` is not a time"),
        ("summary on 09:00 Mars/Olympus", "`Mars/Olympus` is not a time zone"),
        ("summary on", "At what time?"),
        ("summary sometimes", "I don't know `/ramp summary sometimes`"),
        ("summary now please", "takes nothing after it"),
    ],
)
def test_a_bad_summary_command_says_what_is_wrong_and_stores_nothing(
    bot: RunningBot, slack: SlackStandIn, text: str, problem: str
):
    ack = slack.slash_command("/ramp", text, user=ADMIN, channel=CHANNEL).json()
    assert problem in ack["text"] and "/ramp summary on HH:MM [Area/City] [weekdays]" in json.dumps(ack)
    assert bot.services.summaries.schedules.listed() == []


def test_only_admins_turn_summaries_on_or_off_and_refusals_are_audited(bot: RunningBot, slack: SlackStandIn):
    ack = slack.slash_command("/ramp", "summary on 09:00", user=USER, channel=CHANNEL).json()
    assert "Only admins can run `/ramp summary on 09:00`" in json.dumps(ack)  # as typed
    assert bot.services.summaries.schedules.listed() == []
    entry = slack.wait_for(lambda: bot.services.audit.recent(1))[0]  # written just after the ack
    assert (entry.user_id, entry.command, entry.outcome) == (USER, "summary on", "refused")


def test_summary_now_in_a_channel_without_the_bot_says_how_to_invite_it(bot: RunningBot, slack: SlackStandIn):
    slack.remove_bot(CHANNEL)
    slack.slash_command("/ramp", "summary now", user=USER, channel=CHANNEL)
    assert "/invite @Ramp Accounting" in wait_for_text(
        slack, "I cannot post in this channel (`not_in_channel`)"
    )


# -- cron ------------------------------------------------------------------------------------------------


def test_python_m_bot_summary_now_sends_one_summary(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.chdir(tmp_path)  # no .env from the working directory
    environment = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.url,
        "RAMP_API_URL": ramp.url,
        "RAMP_CLIENT_ID": "test-client",
        "RAMP_CLIENT_SECRET": "test-client-secret",
        "RAMP_BOT_DB": str(bot.settings.db_path),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    load_mix(ramp)
    assert main(["summary", "--channel", CHANNEL, "--now"]) == 0
    assert len(summaries(slack)) == 1 and "4 ready to sync" in summaries(slack)[0].text
    assert main(["summary", "--now"]) == 2  # which channel?
    assert main(["summary"]) == 0  # nothing scheduled: nothing due


# -- pure pieces -----------------------------------------------------------------------------------------


def test_the_chart_is_described_in_words_for_its_alt_text():
    days = (DayBar(date(2025, 6, 2), 100_000, 0), DayBar(date(2025, 6, 3), None, 50_000))
    assert describe((Picture("USD", days),)) == (
        "USD: Mon 02 Jun ready USD 1,000.00, synced USD 0.00; Tue 03 Jun ready not read, synced USD 500.00."
    )


def test_the_summary_escapes_outside_text_and_fits_slacks_limits():
    hostile = "<!channel> *Shop* & <@U1>"
    set_at = datetime(2025, 1, 1, tzinfo=UTC)
    schedule = Schedule(CHANNEL, datetime(2025, 6, 2, 9).time(), "Europe/London", True, ADMIN, set_at)
    summary = Summary(
        channel_id=CHANNEL,
        tz="Europe/London",
        built_at=datetime(2025, 6, 2, 8, tzinfo=UTC),
        local_date=date(2025, 6, 2),
        list_id="list-1",
        ready_count=1,
        lines=(ReadyLine(Money(4550, "USD"), 1, 1, Money(4550, "USD")),),
        oldest=ReadyItem("t1", hostile, Money(4550, "USD"), datetime(2025, 6, 1, tzinfo=UTC)),
        oldest_days=1,
        uncoded=0,
        partly_coded=0,
        failures=tuple(FailureGroup(f"{hostile} {i}", 2, (hostile,)) for i in range(5)),
        failure_count=10,
        uploads=tuple(
            UploadLine(f"{hostile}.csv", "vendors", "done", {"created": 1}, ADMIN, "x") for _ in range(7)
        ),
        pictures=(Picture("USD", tuple(DayBar(date(2025, 6, d), 4550, 0) for d in range(1, 15))),),
        since=datetime(2025, 6, 1, 8, tzinfo=UTC),
        first=False,
        schedule=schedule,
        late_minutes=90,
    )
    message = render_message("summary.json.j2", summary=summary)
    shown = json.dumps(message, ensure_ascii=False)
    for raw in ("<!channel>", "<@U1>"):
        assert raw not in shown
    assert "+1 · +USD 45.50" in shown and "…and 2 more" in shown and "Sent late" in shown
    assert "since the last summary (Sun 01 Jun 09:00)" in shown
    assert len(message["blocks"]) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if b["type"] == "section")


def test_a_weekday_schedule_runs_next_at_its_local_time_skipping_the_weekend():
    set_at = datetime(2025, 1, 1, tzinfo=UTC)
    schedule = Schedule(CHANNEL, datetime(2025, 1, 1, 9).time(), "Europe/London", True, ADMIN, set_at)
    friday_morning = datetime(2025, 6, 6, 6, tzinfo=UTC)
    assert schedule.next_run(friday_morning) == datetime(2025, 6, 6, 8, tzinfo=UTC)  # 09:00 BST
    assert schedule.next_run(friday_morning + timedelta(hours=3)) == datetime(2025, 6, 9, 8, tzinfo=UTC)


def test_the_schedule_messages_escape_a_pause_reason():
    hostile = "<!channel> & <@U1>"
    set_at = datetime(2025, 1, 1, tzinfo=UTC)
    paused = Schedule(
        CHANNEL, datetime(2025, 1, 1, 9).time(), "Europe/London", False, ADMIN, set_at, "paused", hostile
    )
    shown = json.dumps(
        [
            render_message(
                "summary_schedule.json.j2",
                mode=mode,
                channel_id=CHANNEL,
                schedule=paused,
                next_run="",
                from_profile=True,
                syntax="/ramp summary on HH:MM",
                example="/ramp summary on 09:00",
            )
            for mode in ("on", "off", "show")
        ],
        ensure_ascii=False,
    )
    assert "<!channel>" not in shown and "<@U1>" not in shown
    assert (
        "is paused (&lt;!channel&gt; &amp; &lt;@U1&gt;). `/ramp summary on 09:00 Europe/London` resumes it"
        in shown
    )
