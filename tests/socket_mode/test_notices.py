"""Ready notices in Socket Mode, where Ramp cannot reach the bot: the scheduler polls what is ready
(here every 0.3 s instead of 30 minutes) and posts the same notices, once per item, until
`/ramp notify off`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot, bot_settings, socket_bot
from tests.driver import (
    ADMIN,
    CHANNEL,
    deliveries,
    list_buttons,
    make_ready,
    notice_count,
    notices,
    pending_bills,
    text_of,
    unready_transactions,
    wait_for_text,
)

OTHER = "C0OTHER"


@pytest.fixture
def bot(tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn) -> Iterator[RunningBot]:
    slack.add_channel(OTHER, name="ap-team")
    with socket_bot(bot_settings(tmp_path, ramp, slack, poll_interval_s=0.3), slack) as running:
        yield running


def notify(slack: SlackStandIn, text: str, channel: str = CHANNEL) -> None:
    slack.slash_command("/ramp", f"notify {text}", user=ADMIN, channel=channel)


def wait_for_notices(slack: SlackStandIn, channel: str, count: int) -> list:
    return slack.wait_for(lambda: len(notices(slack, channel)) >= count and notices(slack, channel), 30)


def test_polling_posts_one_notice_for_what_became_ready_and_never_the_same_item_twice(
    bot: RunningBot, ramp: RampSandbox, slack: SlackStandIn
):
    already = unready_transactions(ramp, 2, seed=5)
    make_ready(ramp, "transactions", already)  # ready before anyone asked: the baseline, never announced
    bills, transactions = pending_bills(ramp, 4), unready_transactions(ramp, 5, seed=6)
    notify(slack, "on")
    shown = wait_for_text(slack, "Ready notices on for <#C0FIN>: every kind")
    assert "I look every 0.3 seconds" in shown
    assert deliveries(ramp)["subscriptions"] == []  # no webhooks in Socket Mode: polling only

    make_ready(ramp, "bills", bills)
    make_ready(ramp, "transactions", transactions)
    # A poll may fall between the two, or inside a listing whose slices read before and after the
    # change: then the rest comes with the next poll, and nothing is announced twice.
    slack.wait_for(lambda: announced(slack) == 9, 30)
    first = notices(slack, CHANNEL)[0]
    assert "ready to sync" in first.text and 1 <= notice_count(first) <= 9
    assert set(list_buttons(first)) <= {"transactions", "bills"}

    # Later polls find the same items again, and announce only the new one.
    so_far = len(notices(slack, CHANNEL))
    make_ready(ramp, "bills", pending_bills(ramp, 1))
    latest = wait_for_notices(slack, CHANNEL, so_far + 1)
    assert latest[-1].text.startswith("1 new bill is ready to sync")
    assert announced(slack) == 10  # the two ready before `notify on` were never announced
    assert bot.store.announced_count(CHANNEL) == 10


def announced(slack: SlackStandIn) -> int:
    return sum(notice_count(n) for n in notices(slack, CHANNEL))


def test_notify_off_stops_the_polled_notices_of_that_channel_only(
    bot: RunningBot, ramp: RampSandbox, slack: SlackStandIn
):
    first, second = pending_bills(ramp, 1), pending_bills(ramp, 2)
    notify(slack, "on bills")
    wait_for_text(slack, "Ready notices on for <#C0FIN>: bills.")
    notify(slack, "on bills", channel=OTHER)
    slack.wait_for(lambda: any("<#C0OTHER>" in text_of(m) for m in slack.messages(OTHER)))
    make_ready(ramp, "bills", first)
    wait_for_notices(slack, CHANNEL, 1)
    wait_for_notices(slack, OTHER, 1)

    notify(slack, "off")
    wait_for_text(slack, "Ready notices off for <#C0FIN>")
    make_ready(ramp, "bills", second)
    assert notice_count(wait_for_notices(slack, OTHER, 2)[1]) == 2
    assert len(notices(slack, CHANNEL)) == 1
