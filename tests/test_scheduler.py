"""The daily summary scheduler, driven by an injected clock: local times across time zones and DST
changes, once a day across two processes on one database, catch-up after downtime, a channel that is
gone. Summaries are posted for real to the Slack stand-in and built from the Ramp sandbox."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from slack_sdk import WebClient

from bot.app import Services, build_scheduler, build_services
from bot.scheduler import Outcome, SummaryScheduler
from bot.services.schedules import Schedule, ScheduleError, ScheduleRequest, parse_schedule
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import ADMIN, BOT_TOKEN, CHANNEL, USER, wait_for_text

TOKYO, NEW_YORK = "C0TOKYO", "C0NYC"


def at(text: str) -> datetime:
    """`2025-03-30 08:00` UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def scheduler_for(services: Services, slack: SlackStandIn) -> SummaryScheduler:
    return build_scheduler(services, WebClient(token=BOT_TOKEN, base_url=slack.url))


def set_schedule(
    services: Services, channel: str, hhmm: str, tz: str, since: datetime, weekdays: bool = False
) -> Schedule:
    hours, minutes = map(int, hhmm.split(":"))
    request = ScheduleRequest(time(hours, minutes), tz, weekdays)
    return services.summaries.schedules.set(channel, request, tz, ADMIN, since)


def run_minutes(scheduler: SummaryScheduler, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """Tick once a minute from `start` to `end`; (when, outcome) of every summary sent."""
    sent = []
    now = start
    while now < end:
        sent += [(now, posted.outcome.value) for posted in scheduler.tick(now)]
        now += timedelta(minutes=1)
    return sent


def summaries_in(slack: SlackStandIn, channel: str) -> list[str]:
    return [m.text for m in slack.messages(channel) if m.text.startswith("Ramp daily summary")]


# -- what the user types --------------------------------------------------------------------------------


def test_a_schedule_is_read_with_its_time_zone_and_weekdays():
    assert parse_schedule(("8:30",)) == ScheduleRequest(time(8, 30), None, False)
    assert parse_schedule(("17:05", "europe/paris", "weekdays")) == ScheduleRequest(
        time(17, 5), "Europe/Paris", True
    )
    assert parse_schedule(("07:00", "Weekdays", "America/Argentina/Buenos_Aires")).tz == (
        "America/Argentina/Buenos_Aires"
    )


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ((), "At what time"),
        (("25:00",), "`25:00` is not a time"),
        (("9am",), "HH:MM"),
        (("09:00", "Mars/Olympus"), "`Mars/Olympus` is not a time zone"),
        (("09:00", "../../etc/passwd"), "not a time zone"),
        (("09:00", "UTC", "Europe/London"), "I don't know what `Europe/London` means"),
    ],
)
def test_a_bad_schedule_says_what_is_wrong(words: tuple[str, ...], message: str):
    with pytest.raises(ScheduleError, match=message):
        parse_schedule(words)


def test_a_schedule_turned_on_after_todays_time_starts_tomorrow():
    schedule = Schedule(CHANNEL, time(9, 0), "Europe/London", False, ADMIN, set_at=at("2025-06-02 10:00"))
    assert not schedule.is_due(at("2025-06-02 10:01"))
    assert schedule.next_run(at("2025-06-02 10:01")) == at("2025-06-03 08:00")
    assert schedule.is_due(at("2025-06-03 08:00"))


# -- local times, time zones and daylight saving ------------------------------------------------------


def test_a_summary_keeps_its_local_time_when_the_clocks_go_forward_and_back(
    bot: RunningBot, slack: SlackStandIn
):
    slack.add_channel(NEW_YORK, name="finance-us")
    scheduler = scheduler_for(bot.services, slack)

    def set_both(since: datetime) -> None:  # set at `since`: nothing due before it is owed
        set_schedule(bot.services, CHANNEL, "09:00", "Europe/London", since=since)
        set_schedule(bot.services, NEW_YORK, "09:00", "America/New_York", since=since)

    set_both(at("2025-03-29 00:00"))
    spring = run_minutes(scheduler, at("2025-03-29 00:00"), at("2025-03-31 00:00"))
    # London moves to BST on 30 March: 09:00 local is 09:00 UTC before and 08:00 UTC after.
    # New York moved to EDT on 9 March: 13:00 UTC both days.
    assert [when for when, _ in spring] == [
        at("2025-03-29 09:00"),
        at("2025-03-29 13:00"),
        at("2025-03-30 08:00"),
        at("2025-03-30 13:00"),
    ]
    set_both(at("2025-11-01 00:00"))
    autumn = run_minutes(scheduler, at("2025-11-01 00:00"), at("2025-11-03 00:00"))
    # New York leaves EDT on 2 November: 09:00 local is 13:00 UTC, then 14:00 UTC.
    assert [when for when, _ in autumn] == [
        at("2025-11-01 09:00"),
        at("2025-11-01 13:00"),
        at("2025-11-02 09:00"),
        at("2025-11-02 14:00"),
    ]
    assert len(summaries_in(slack, CHANNEL)) == 4 and len(summaries_in(slack, NEW_YORK)) == 4


def test_each_channel_gets_its_summary_at_its_own_local_time_and_weekday_ones_skip_the_weekend(
    bot: RunningBot, slack: SlackStandIn
):
    slack.add_channel(TOKYO, name="finance-jp")
    slack.add_channel(NEW_YORK, name="finance-us")
    set_schedule(bot.services, TOKYO, "08:30", "Asia/Tokyo", since=at("2025-06-06 00:00"))
    set_schedule(
        bot.services, NEW_YORK, "09:00", "America/New_York", since=at("2025-06-06 00:00"), weekdays=True
    )
    scheduler = scheduler_for(bot.services, slack)

    # Friday 6 June to Monday 9 June 2025, UTC.
    sent = run_minutes(scheduler, at("2025-06-06 00:00"), at("2025-06-09 14:00"))
    assert [when for when, _ in sent] == [
        at("2025-06-06 13:00"),  # New York, Friday 09:00 EDT
        at("2025-06-06 23:30"),  # Tokyo, Saturday 08:30 JST
        at("2025-06-07 23:30"),  # Tokyo, Sunday
        at("2025-06-08 23:30"),  # Tokyo, Monday
        at("2025-06-09 13:00"),  # New York, Monday (not Saturday or Sunday)
    ]
    tokyo, new_york = summaries_in(slack, TOKYO), summaries_in(slack, NEW_YORK)
    assert len(tokyo) == 3 and len(new_york) == 2
    assert "Sat 07 Jun" in tokyo[0] and "Fri 06 Jun" in new_york[0] and "Mon 09 Jun" in new_york[1]


# -- once a day ---------------------------------------------------------------------------------------------


@pytest.fixture
def second_process(bot: RunningBot) -> Iterator[Services]:
    """Another bot process on the same database file."""
    services = build_services(bot.settings)
    yield services
    services.close()


def test_two_schedulers_on_one_database_send_the_summary_once(
    bot: RunningBot, slack: SlackStandIn, second_process: Services
):
    set_schedule(bot.services, CHANNEL, "09:00", "Europe/London", since=at("2025-06-01 00:00"))
    schedulers = [scheduler_for(bot.services, slack), scheduler_for(second_process, slack)]
    due = at("2025-06-02 08:00")
    start = threading.Barrier(len(schedulers))
    results: list[list[object]] = [[], []]

    def run(index: int) -> None:
        start.wait()
        for step in range(3):  # both wake several times in the same minute
            results[index] += schedulers[index].tick(due + timedelta(seconds=20 * step))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(schedulers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(len(r) for r in results) == [0, 1]
    assert len(summaries_in(slack, CHANNEL)) == 1
    assert bot.services.summaries.schedules.get(CHANNEL).last_date == date(2025, 6, 2)  # type: ignore[union-attr]


def test_a_summary_missed_while_the_bot_was_down_is_sent_when_it_returns_that_day_once(
    bot: RunningBot, slack: SlackStandIn
):
    set_schedule(bot.services, CHANNEL, "09:00", "Europe/London", since=at("2025-06-01 00:00"))
    scheduler = scheduler_for(bot.services, slack)
    # Down from Monday 07:00 to 14:30 London time (06:00 to 13:30 UTC): the first tick catches up.
    assert run_minutes(scheduler, at("2025-06-02 13:30"), at("2025-06-02 23:00")) == [
        (at("2025-06-02 13:30"), "sent")
    ]
    texts = summaries_in(slack, CHANNEL)
    assert len(texts) == 1
    late = json.dumps(slack.messages(CHANNEL)[-1].blocks, ensure_ascii=False)
    assert "Sent late: it was due at 09:00 Europe/London" in late
    # Down all of Tuesday: Tuesday's is not sent on Wednesday; Wednesday's comes at 09:00.
    sent = run_minutes(scheduler, at("2025-06-04 00:00"), at("2025-06-04 12:00"))
    assert sent == [(at("2025-06-04 08:00"), "sent")]
    assert "Sent late" not in json.dumps(slack.messages(CHANNEL)[-1].blocks)


def test_a_restarted_process_does_not_send_todays_summary_again(
    bot: RunningBot, slack: SlackStandIn, second_process: Services
):
    set_schedule(bot.services, CHANNEL, "09:00", "Europe/London", since=at("2025-06-01 00:00"))
    assert len(scheduler_for(bot.services, slack).tick(at("2025-06-02 08:00"))) == 1
    restarted = scheduler_for(second_process, slack)
    assert run_minutes(restarted, at("2025-06-02 08:00"), at("2025-06-02 22:59")) == []
    assert len(summaries_in(slack, CHANNEL)) == 1


def test_a_post_slack_refuses_is_tried_again_on_the_next_tick(bot: RunningBot, slack: SlackStandIn):
    set_schedule(bot.services, CHANNEL, "09:00", "Europe/London", since=at("2025-06-01 00:00"))
    scheduler = scheduler_for(bot.services, slack)
    slack.fail_next("chat.postMessage", error="internal_error", status=200)
    first = scheduler.tick(at("2025-06-02 08:00"))
    assert [(p.outcome, p.error) for p in first] == [(Outcome.FAILED, "internal_error")]
    assert [p.outcome for p in scheduler.tick(at("2025-06-02 08:01"))] == [Outcome.SENT]
    assert scheduler.tick(at("2025-06-02 08:02")) == []
    assert len(summaries_in(slack, CHANNEL)) == 1


def test_turning_a_schedule_off_stops_it(bot: RunningBot, slack: SlackStandIn):
    set_schedule(bot.services, CHANNEL, "09:00", "Europe/London", since=at("2025-06-01 00:00"))
    assert bot.services.summaries.schedules.turn_off(CHANNEL) is not None
    assert (
        run_minutes(scheduler_for(bot.services, slack), at("2025-06-02 07:00"), at("2025-06-02 12:00")) == []
    )


# -- a channel that is gone ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_gone", "error", "why"),
    [
        ("remove_bot", "not_in_channel", "I am no longer a member of it"),
        ("archive_channel", "is_archived", "it was archived"),
        ("private_removal", "channel_not_found", "I cannot find it any more"),
    ],
)
def test_a_channel_that_is_gone_pauses_the_schedule_and_tells_whoever_set_it(
    bot: RunningBot, slack: SlackStandIn, make_gone: str, error: str, why: str
):
    if make_gone == "private_removal":
        slack.add_channel(CHANNEL, name="finance", is_private=True, members_include_bot=False)
    else:
        getattr(slack, make_gone)(CHANNEL)
    set_schedule(bot.services, CHANNEL, "09:00", "Europe/London", since=at("2025-06-01 00:00"), weekdays=True)
    scheduler = scheduler_for(bot.services, slack)

    sent = scheduler.tick(at("2025-06-02 08:00"))

    assert [(p.outcome, p.error) for p in sent] == [(Outcome.GONE, error)]
    schedule = bot.services.summaries.schedules.get(CHANNEL)
    assert schedule is not None and (schedule.state, schedule.reason) == ("paused", error)
    dm = [m for m in slack.messages() if m.channel.startswith("D")]
    assert len(dm) == 1 and dm[0].channel == slack.workspace.im_channel(ADMIN).id
    told = json.dumps(dm[0].blocks, ensure_ascii=False)
    assert why in told and "`/ramp summary on 09:00 Europe/London weekdays`" in told
    assert run_minutes(scheduler, at("2025-06-03 07:00"), at("2025-06-03 10:00")) == []  # paused
    assert len([m for m in slack.messages() if m.channel.startswith("D")]) == 1  # told once


def test_a_paused_schedule_is_listed_by_status_and_resumed_by_turning_it_on_again(
    bot: RunningBot, slack: SlackStandIn
):
    set_schedule(bot.services, CHANNEL, "09:00", "Europe/London", since=at("2025-06-01 00:00"))
    bot.services.summaries.schedules.pause(CHANNEL, "not_in_channel")
    slack.slash_command("/ramp", "status", user=USER, channel=CHANNEL)
    shown = wait_for_text(slack, "Daily summaries:")
    assert "<#C0FIN> — 09:00 Europe/London, every day · paused (not_in_channel)" in shown
    slack.slash_command("/ramp", "summary on 09:00 Europe/London", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, "Daily summary on for <#C0FIN>")
    assert bot.services.summaries.schedules.get(CHANNEL).state == "active"  # type: ignore[union-attr]


# -- the thread ------------------------------------------------------------------------------------------


def test_the_running_scheduler_sends_with_the_clock_it_is_given(bot: RunningBot, slack: SlackStandIn):
    set_schedule(bot.services, CHANNEL, "09:00", "Europe/London", since=at("2025-06-01 00:00"))
    client = WebClient(token=BOT_TOKEN, base_url=slack.url)
    scheduler = build_scheduler(bot.services, client, clock=lambda: at("2025-06-02 08:00")).start()
    try:
        slack.wait_for(lambda: summaries_in(slack, CHANNEL))
    finally:
        scheduler.stop()
    assert len(summaries_in(slack, CHANNEL)) == 1


def test_a_time_the_clocks_skip_is_sent_just_after_the_gap_and_a_repeated_one_at_its_first():
    set_at = at("2025-01-01 00:00")
    skipped = Schedule(CHANNEL, time(1, 30), "Europe/London", False, ADMIN, set_at)
    # 30 March 2025: 01:00 GMT jumps to 02:00 BST, so 01:30 never happens; 02:30 BST is 01:30 UTC.
    assert skipped.due_at(date(2025, 3, 30)) == at("2025-03-30 01:30")
    assert skipped.due_at(date(2025, 3, 30)).astimezone(skipped.zone).strftime("%H:%M") == "02:30"  # type: ignore[union-attr]
    # 26 October 2025: 01:30 happens in BST (00:30 UTC) and again in GMT (01:30 UTC); the first counts.
    assert skipped.due_at(date(2025, 10, 26)) == at("2025-10-26 00:30")
    assert skipped.is_due(at("2025-10-26 00:30")) and not skipped.is_due(at("2025-10-26 00:29"))
