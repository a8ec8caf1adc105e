"""A response_url is good for 5 uses in 30 minutes (docs.slack.dev/interactivity/handling-user-
interaction); past either the stand-in answers 404, and the bot's reply goes by the Web API instead
(handlers/replies.py). The stand-in holds the bot's reply at its door while the test moves the
clock or spends the URL's uses, so the reply really arrives late or sixth, without racing the bot.
Modal submissions and Home-tab buttons have no response_url at all: their answers go by DM, and a
failed write is audited even when no way of telling the user works.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

import pytest

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from sandbox.slack.state import Message
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CAFE,
    CHANNEL,
    FILES,
    click_and_wait,
    connect,
    listing_message,
    load_mix,
    preview_of,
    text_of,
)

HALF_AN_HOUR_S = 30 * 60
ACCOUNTS = (FILES / "qbo_chart_of_accounts.csv").read_bytes()
COMMAND = "audit 5"  # answered after the ack through the response_url, from the bot's own database


def audit_reply(slack: SlackStandIn) -> str:
    """`/ramp audit 5` by the admin; returns what the bot's reply shows, once it is there."""
    before = len(slack.messages(CHANNEL))
    slack.slash_command("/ramp", COMMAND, user=ADMIN, channel=CHANNEL)
    reply = slack.wait_for(
        lambda: next((m for m in slack.messages(CHANNEL)[before:] if m.source != "ack"), None), timeout=15
    )
    slack.wait_quiet()
    return text_of(reply)


def post(url: str, body: dict[str, object]) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def test_the_stand_in_answers_404_after_five_uses_and_after_30_minutes(
    bot: RunningBot, slack: SlackStandIn
) -> None:
    audit_reply(slack)  # the bot's reply is the first use
    first = slack.response_urls[-1]
    for n in range(2, 6):
        assert post(first, {"text": f"reply {n}"}) == (200, "ok")
    assert post(first, {"text": "reply 6"}) == (404, "used_url")

    audit_reply(slack)
    second = slack.response_urls[-1]
    slack.advance_clock(HALF_AN_HOUR_S - 1)
    assert post(second, {"text": "just in time"}) == (200, "ok")
    slack.advance_clock(2)
    assert post(second, {"text": "too late"}) == (404, "expired_url")
    shown = [m.text for m in slack.messages(CHANNEL) if m.source == "response_url"]
    assert [t for t in shown if t.startswith(("reply", "just", "too"))] == [
        *(f"reply {n}" for n in range(2, 6)),
        "just in time",
    ]


@pytest.mark.parametrize("late", ["after 30 minutes", "as the sixth use"])
def test_a_reply_the_response_url_refuses_reaches_the_user_by_the_web_api_once(
    bot: RunningBot, slack: SlackStandIn, late: str
) -> None:
    on_time = audit_reply(slack)
    assert [m.source for m in slack.messages(CHANNEL)][-1] == "response_url"
    before = len(slack.messages(CHANNEL))

    with slack.holding_response_urls():
        slack.slash_command("/ramp", COMMAND, user=ADMIN, channel=CHANNEL)
        if late == "after 30 minutes":
            slack.advance_clock(HALF_AN_HOUR_S + 1)
        else:
            slack.use_response_url(slack.response_urls[-1], times=5)

    fallback = slack.wait_for(lambda: slack.calls("chat.postEphemeral"), timeout=15)
    slack.wait_quiet()
    assert [(c.args["channel"], c.args["user"]) for c in fallback] == [(CHANNEL, ADMIN)]
    new = [m for m in slack.messages(CHANNEL)[before:] if m.source != "ack"]
    assert [(m.source, m.ephemeral_to) for m in new] == [("chat.postEphemeral", ADMIN)]
    assert text_of(new[0]) == on_time  # the same answer, by the other road, once
    assert len(slack.calls("response_url")) == 2  # the refused post was not retried


def dms(slack: SlackStandIn, user: str = ADMIN) -> list[Message]:
    """The bot's messages in its direct-message channel with `user`."""
    channel = slack.workspace.im_channel(user).id
    return [m for m in slack.messages(channel) if m.source == "chat.postMessage"]


def test_a_preview_buttons_reply_whose_response_url_is_used_up_goes_by_an_ephemeral(
    bot: RunningBot, slack: SlackStandIn
) -> None:
    connect(slack, "NetSuite")
    preview = preview_of(slack, ACCOUNTS, "accounts.csv")
    click_and_wait(slack, "upload_cancel", preview)  # cancelled: the preview says so
    with slack.holding_response_urls():
        slack.click("upload_cancel", message=preview, user=ADMIN)  # too late: answered by respond()
        slack.use_response_url(slack.response_urls[-1], times=5)
    fallback = slack.wait_for(lambda: slack.calls("chat.postEphemeral"), timeout=15)
    slack.wait_quiet()
    assert [(c.args["channel"], c.args["user"]) for c in fallback] == [(CHANNEL, ADMIN)]
    assert "Too late to cancel" in fallback[0].args["text"]


def test_a_file_the_bot_cannot_answer_about_in_its_channel_is_answered_by_dm(
    bot: RunningBot, slack: SlackStandIn
) -> None:
    """A file-share event has no response_url: when Slack refuses the thread reply (the bot was
    removed from the channel just after the share), whoever shared the file hears it by DM."""
    slack.add_channel("C0LEFT", name="left")
    file_id = slack.add_file(name="accounts.csv", content=b"\xff\xfe\x00garbage", filetype="csv", user=ADMIN)
    slack.remove_bot("C0LEFT")
    slack.share_file(file_id, channel="C0LEFT", user=ADMIN)
    told = slack.wait_for(lambda: dms(slack), timeout=15)
    slack.wait_quiet()
    assert told[0].text.startswith("I could not answer in <#C0LEFT>, where you shared a file")
    assert "cannot post in this channel" in told[0].text
    assert not [m for m in slack.messages("C0LEFT") if m.source != "user"]


def test_a_home_tab_buttons_failure_has_no_response_url_and_reaches_the_user_by_dm(
    bot: RunningBot, slack: SlackStandIn
) -> None:
    slack.open_home(ADMIN)
    slack.wait_for(lambda: slack.home_views.get(ADMIN), timeout=15)
    slack.fail_next("chat.postMessage", error="channel_not_found", status=200)  # the listing's post
    slack.click("home_list_transactions", user=ADMIN)
    told = slack.wait_for(lambda: dms(slack), timeout=15)
    slack.wait_quiet()
    assert "I cannot post in this channel" in text_of(told[0])
    assert slack.calls("response_url") == []


@pytest.mark.parametrize("dm", ["delivered", "refused"])
def test_a_modal_submissions_failure_reaches_the_user_by_dm_and_is_audited_either_way(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, caplog: pytest.LogCaptureFixture, dm: str
) -> None:
    connect(slack, "NetSuite")
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions", user=ADMIN, channel=CHANNEL)
    listing = listing_message(slack)
    slack.click("transaction_row", message=listing, user=ADMIN, block_id=f"tx|{CAFE}", value=f"synced|{CAFE}")
    slack.wait_for(lambda: slack.views, timeout=15)
    # Slack refuses the report in the channel (and, "refused", the direct message that would say so).
    slack.fail_next(
        "chat.postMessage", error="channel_not_found", status=200, times=1 if dm == "delivered" else 2
    )
    with caplog.at_level(logging.INFO, logger="handlers.replies"):
        slack.submit_view(values={"reference": {"value": "JE-9"}}, user=ADMIN)
        audited = slack.wait_for(
            lambda: [
                e for e in bot.services.audit.recent(10) if e.command == "sync" and e.outcome == "failed"
            ],
            timeout=15,
        )
        slack.wait_quiet()
    assert len(audited) == 1 and "I cannot post in this channel" in audited[0].detail
    if dm == "delivered":
        assert [text_of(m).split("\n")[0] for m in dms(slack)] == [audited[0].detail.split("\n")[0]]
    else:
        assert dms(slack) == []
        assert f"could not reach user {ADMIN} by any means" in caplog.text
