"""A response_url is good for 5 uses in 30 minutes (docs.slack.dev/interactivity/handling-user-
interaction); past either the stand-in answers 404, and the bot's reply goes by the Web API instead
(handlers/replies.py). The stand-in holds the bot's reply at its door while the test moves the
clock or spends the URL's uses, so the reply really arrives late or sixth, without racing the bot.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import ADMIN, CHANNEL, text_of

HALF_AN_HOUR_S = 30 * 60
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
