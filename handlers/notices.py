"""Ready notices in Slack: `/ramp notify on [kinds] | off` (admins; a bare `/ramp notify` says what
this channel gets), `SlackNoticeChannel`, through which the notice scheduler posts them, and
`RampWebhookDoor`, which the HTTP front door hands Ramp's webhooks (`POST /ramp/webhooks`) to.

A webhook is answered at once: 401 unless one of our subscriptions' secrets signed its raw body, 503
while a subscription is being made and its secret is not stored yet (Ramp retries 5xx), 400 for a
body that is not an event, else 200, and the event goes to the app's worker pool (Ramp wants 2xx
within 10 s, reference/ramp-api.md §8). What it means is decided there (bot/services/notices.py).
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.render import render_message
from bot.scheduler import Outcome, Posted
from bot.services.notices import Notice, NoticeSubscription, UnknownKinds, kinds_from_words
from bot.services.webhooks import BadEvent, Verdict, parse_event
from handlers.after_ack import run_event
from handlers.errors import failure_message
from handlers.summary import GONE
from handlers.turn import Turn

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

SYNTAX = "/ramp notify on [kinds]"
EXAMPLE = "/ramp notify on transactions bills"


# -- /ramp notify ------------------------------------------------------------------------------


def _words(turn: Turn) -> tuple[str, tuple[str, ...]]:
    return (turn.args[0].lower() if turn.args else ""), turn.args[1:]


def check_notify(turn: Turn) -> dict[str, Any] | None:
    """In the ack: a command that cannot be read, or a bare `/ramp notify` (what this channel gets)."""
    word, rest = _words(turn)
    problem, next_step = "", f"Syntax: `{SYNTAX}` or `/ramp notify off`. For example: `{EXAMPLE}`"
    if word == "on":
        try:
            kinds_from_words(rest)
        except UnknownKinds as error:
            problem, next_step = error.what_happened, error.what_to_do
    elif word == "off" and rest:
        problem = "`/ramp notify off` takes nothing after it."
    elif word not in ("", "off"):
        problem = f"I don't know `/ramp notify {word}`."
    if problem:
        return failure_message(problem, next_step)
    if word == "":
        return settings_message(
            turn, "show", subscription=turn.services.notices.subscription(turn.channel_id)
        )
    return None


def run_notify(turn: Turn) -> None:
    word, rest = _words(turn)
    notices = turn.services.notices
    if word == "on":
        kinds = kinds_from_words(rest)
        subscribed = notices.subscribe(turn.channel_id, kinds, turn.user_id)
        turn.audit(
            "notify", " ".join(turn.args), "ok", "ready notices for " + ", ".join(k.plural for k in kinds)
        )
        turn.respond(response_type="in_channel", **settings_message(turn, "on", subscribed=subscribed))
    elif word == "off":
        was = notices.unsubscribe(turn.channel_id)
        if was is not None:
            turn.audit("notify", "off", "ok", "ready notices off")
        message = settings_message(turn, "off", subscription=was)
        turn.respond(response_type="in_channel" if was else "ephemeral", **message)


def settings_message(turn: Turn, mode: str, **data: Any) -> dict[str, Any]:
    notices = turn.services.notices
    return render_message(
        "notice_settings.json.j2",
        mode=mode,
        channel_id=turn.channel_id,
        uses_webhooks=notices.uses_webhooks(),
        poll_s=notices.poll_every_s(),
        syntax=SYNTAX,
        example=EXAMPLE,
        **{"subscribed": None, "subscription": None, **data},
    )


# -- the notices -------------------------------------------------------------------------------


class SlackNoticeChannel:
    """Posts ready notices with the bot's Web API client (the scheduler's `NoticeChannel`)."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def post_notice(self, notice: Notice) -> Posted:
        message = render_message("notice_ready.json.j2", notice=notice)  # before the send: a bug is no post
        try:
            reply = self._client.chat_postMessage(channel=notice.channel_id, **message)
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            return Posted(Outcome.GONE if code in GONE else Outcome.FAILED, error=code)
        except Exception as error:  # no answer: the notice may be in the channel already
            return Posted(Outcome.UNCERTAIN, error=type(error).__name__)
        return Posted(Outcome.SENT, message_ts=str(reply.get("ts") or ""))

    def tell_owner(self, subscription: NoticeSubscription, error: str) -> None:
        text = (
            f"Ready notices for <#{subscription.channel_id}> are off: I cannot post there (`{error}`)."
            f" Invite me with `/invite @Ramp Accounting`, then run `{SYNTAX}` there again."
        )
        try:
            dm = self._client.conversations_open(users=subscription.set_by)["channel"]["id"]
            self._client.chat_postMessage(
                channel=dm, **render_message("notice.json.j2", text=text, detail="")
            )
        except SlackApiError as failure:
            log.warning(
                "could not tell %s that notices stopped: %s",
                subscription.set_by,
                failure.response.get("error"),
            )


# -- Ramp's webhooks ---------------------------------------------------------------------------


class RampWebhookDoor:
    """`POST /ramp/webhooks`: the front door hands over the headers (lower-case names) and raw body."""

    def __init__(self, services: Services, executor: Executor) -> None:
        self._notices = services.notices
        self._executor = executor

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        delivery = self._notices.check_delivery(headers, body)
        if delivery.verdict is not Verdict.OK:
            return delivery.verdict.value, HTTPStatus(delivery.verdict.value).phrase
        try:
            event = parse_event(body)
        except BadEvent as error:
            log.warning("refused a signed Ramp webhook: %s", error)
            return 400, "Bad Request"
        self._executor.submit(run_event, self._notices.accept, event, delivery.webhook_id)
        return 200, ""
