"""Where the bot may post, as Slack decides it (docs.slack.dev/reference/methods/chat.postMessage,
chat.postEphemeral and files.completeUploadExternal, "Errors"): an unknown channel is
`channel_not_found`, a DM channel exists only once the bot opened it or the user wrote to the bot,
a public channel the bot is not in is `not_in_channel` (a file: `no_permission`). The stand-in says
so, and the bot meets each with a short message or a paused schedule, never a traceback or a loop.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import build_scheduler
from bot.services.schedules import ScheduleRequest
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import ADMIN, BOT_TOKEN, CHANNEL, USER, connect, load_mix, message_with, text_of

ELSEWHERE = "C0ELSEWHERE"  # a public channel the bot was never invited to


@pytest.fixture()
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=slack.url)


def refusal(call: object) -> str:
    with pytest.raises(SlackApiError) as refused:
        call()  # type: ignore[operator]
    return str(refused.value.response["error"])


# -- the stand-in ----------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["C0NOSUCH", "G0NOSUCH", "D0NOSUCH"])
def test_an_unknown_channel_is_channel_not_found_on_every_way_to_post(
    client: WebClient, channel: str
) -> None:
    assert refusal(lambda: client.chat_postMessage(channel=channel, text="x")) == "channel_not_found"
    assert refusal(lambda: client.chat_postEphemeral(channel=channel, user=ADMIN, text="x")) == (
        "channel_not_found"
    )
    assert refusal(lambda: client.files_upload_v2(channel=channel, content="a", filename="a.csv")) == (
        "invalid_channel"
    )


def test_a_dm_channel_exists_once_the_bot_opened_it_or_the_user_wrote(
    slack: SlackStandIn, client: WebClient
) -> None:
    with slack.workspace.lock:
        assert not [c for c in slack.workspace.channels.values() if c.im_user]  # nobody wrote yet
    opened = client.conversations_open(users=ADMIN)["channel"]["id"]
    assert opened.startswith("D") and client.chat_postMessage(channel=opened, text="hello")["ok"]
    assert client.conversations_open(users=ADMIN)["channel"]["id"] == opened  # the same DM again
    # A user who writes to the bot has a DM with it; posting to a user id opens the app's DM too.
    written = slack.open_dm(USER)
    assert client.chat_postMessage(channel=written, text="hi")["ok"]
    assert refusal(lambda: client.chat_postMessage(channel="U0NOBODY", text="x")) == "channel_not_found"


def test_a_channel_the_bot_is_not_in_refuses_its_posts_and_files(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.add_channel(ELSEWHERE, name="elsewhere", members_include_bot=False)
    slack.add_channel("G0SECRET", name="secret", is_private=True, members_include_bot=False)
    assert refusal(lambda: client.chat_postMessage(channel=ELSEWHERE, text="x")) == "not_in_channel"
    assert refusal(lambda: client.chat_postEphemeral(channel=ELSEWHERE, user=ADMIN, text="x")) == (
        "not_in_channel"
    )
    assert refusal(lambda: client.files_upload_v2(channel=ELSEWHERE, content="a", filename="a.csv")) == (
        "no_permission"
    )
    # A private channel the bot is not in is invisible to it.
    assert refusal(lambda: client.chat_postMessage(channel="G0SECRET", text="x")) == "channel_not_found"


# -- the bot ---------------------------------------------------------------------------------------


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_an_export_in_a_channel_the_bot_is_not_in_says_to_invite_it(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    slack.add_channel(ELSEWHERE, name="elsewhere", members_include_bot=False)
    connect(slack, "NetSuite")
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions", user=USER, channel=ELSEWHERE)
    listing = message_with(slack, "transactions_export")
    assert listing.channel == ELSEWHERE  # the command's own reply reaches the channel (response_url)

    slack.click("transactions_export", message=listing, user=USER)

    told = slack.wait_for(
        lambda: next((m for m in slack.messages(ELSEWHERE) if "/invite" in text_of(m)), None), timeout=15
    )
    assert "I cannot post in this channel" in text_of(told) and told.ephemeral_to == USER
    assert not [m for m in slack.messages(ELSEWHERE) if m.files]
    assert not no_tracebacks(caplog)


def test_a_summary_for_a_channel_the_bot_was_removed_from_pauses_once_and_logs_once(
    bot: RunningBot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    since = datetime(2025, 6, 1, tzinfo=UTC)
    request = ScheduleRequest(time(9, 0), "Europe/London", False)
    bot.services.summaries.schedules.set(CHANNEL, request, "Europe/London", ADMIN, since)
    slack.remove_bot(CHANNEL)
    scheduler = build_scheduler(bot.services, WebClient(token=BOT_TOKEN, base_url=slack.url))
    caplog.set_level(logging.INFO)

    minute, outcomes = datetime(2025, 6, 2, 7, 0, tzinfo=UTC), []
    while minute < datetime(2025, 6, 4, 12, 0, tzinfo=UTC):  # two days and a half, every minute
        outcomes += [posted.outcome.value for posted in scheduler.tick(minute)]
        minute += timedelta(minutes=1)

    assert outcomes == ["gone"]  # tried once, then paused: no retry loop
    schedule = bot.services.summaries.schedules.get(CHANNEL)
    assert schedule is not None and (schedule.state, schedule.reason) == ("paused", "not_in_channel")
    assert len([c for c in slack.calls("chat.postMessage") if c.args.get("channel") == CHANNEL]) == 1
    owner_told = [m for m in slack.messages() if m.channel == slack.open_dm(ADMIN)]
    assert len(owner_told) == 1 and "/invite @Ramp Accounting" in text_of(owner_told[0])
    about_it = [r for r in caplog.records if CHANNEL in r.getMessage() and r.name.startswith("bot")]
    assert len(about_it) == 1 and "paused" in about_it[0].getMessage()
    assert not no_tracebacks(caplog)
