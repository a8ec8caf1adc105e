"""Daily summaries in Slack: `/ramp summary [on HH:MM [Area/City] [weekdays] | off | now]`, the
summary's Open the list button, and `SlackSummaryChannel`, through which the scheduler posts
summaries (with their chart, a PNG in the summary's thread) and tells an admin that a channel is gone.

`on` and `off` need an admin (refusals audited); `now` and a bare `/ramp summary` are for anyone.
A bad time or time zone is answered in the ack and nothing is stored.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.chart import describe, render_chart
from bot.render import render_message
from bot.scheduler import Outcome, Posted, send_summary
from bot.services.schedules import EXAMPLE, SYNTAX, Schedule, ScheduleError, parse_schedule, usable_zone
from bot.services.summaries import Summary
from bot.services.transaction_filters import Filters
from handlers.errors import failure_message
from handlers.turn import Turn

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

# chat.postMessage errors that mean the channel is gone for the bot (docs.slack.dev chat.postMessage).
GONE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


class SlackSummaryChannel:
    """Posts summaries with the bot's Web API client (the scheduler's `SummaryChannel`)."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def post_summary(self, summary: Summary) -> Posted:
        # Rendered before the send: a template bug is an error, never an "uncertain" post.
        message = render_message("summary.json.j2", summary=summary)
        try:
            reply = self._client.chat_postMessage(channel=summary.channel_id, **message)
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            return Posted(Outcome.GONE if code in GONE else Outcome.FAILED, error=code)
        except Exception as error:  # no answer: the message may be in the channel already
            return Posted(Outcome.UNCERTAIN, error=type(error).__name__)
        ts = str(reply.get("ts") or "")
        if summary.pictures and not summary.quiet:
            self._post_chart(summary, ts)
        return Posted(Outcome.SENT, message_ts=ts)

    def _post_chart(self, summary: Summary, thread_ts: str) -> None:
        """The chart as a PNG in the summary's thread (files_upload_v2, scope files:write; Slack shows
        an image file inline). The summary is posted already: a failed upload is logged, never retried
        as a second summary."""
        try:
            self._client.files_upload_v2(
                channel=summary.channel_id,
                thread_ts=thread_ts,
                filename=f"ramp-ready-vs-synced-{summary.local_date.isoformat()}.png",
                content=render_chart(summary.pictures),
                title=(
                    "Card transactions ready to sync versus synced by the bot, "
                    f"to {summary.local_date:%a %d %b}"
                ),
                alt_txt=describe(summary.pictures),
            )
        except Exception as error:  # Slack refused or did not answer: the summary still stands
            log.warning("the chart of %s's summary was not posted: %r", summary.channel_id, error)

    def tell_owner(self, schedule: Schedule, error: str) -> None:
        message = render_message("summary_paused.json.j2", schedule=schedule, error=error)
        try:
            dm = self._client.conversations_open(users=schedule.set_by)["channel"]["id"]
            self._client.chat_postMessage(channel=dm, **message)
        except SlackApiError as failure:
            error_code = failure.response.get("error")
            log.warning("could not tell %s about the paused summary: %s", schedule.set_by, error_code)


def _words(turn: Turn) -> tuple[str, tuple[str, ...]]:
    return (turn.args[0].lower() if turn.args else ""), turn.args[1:]


def _problem(word: str, rest: tuple[str, ...]) -> str:
    """What is wrong with the command, or ''."""
    if word == "on":
        try:
            parse_schedule(rest)
        except ScheduleError as error:
            return str(error)
    elif word in ("off", "now") and rest:
        return f"`/ramp summary {word}` takes nothing after it."
    elif word not in ("", "on", "off", "now"):
        return f"I don't know `/ramp summary {word}`."
    return ""


def check_summary(turn: Turn) -> dict[str, Any] | None:
    """In the ack: a command that cannot be read, or a bare `/ramp summary` (this channel's schedule)."""
    word, rest = _words(turn)
    problem = _problem(word, rest)
    if problem:
        next_step = f"Syntax: `{SYNTAX}`, `/ramp summary off`, `/ramp summary now`.\nFor example: `{EXAMPLE}`"
        return failure_message(problem, next_step)
    if word == "":
        return _schedule_message("show", turn.channel_id, turn.services)
    return None


def run_summary(turn: Turn) -> None:
    word, rest = _words(turn)
    channel, user = turn.channel_id, turn.user_id
    book = turn.services.summaries.schedules
    if word == "on":
        request = parse_schedule(rest)
        tz = request.tz or user_zone(turn.client, user)
        schedule = book.set(channel, request, tz, user, datetime.now(UTC))
        _audit(
            turn, schedule.when + (" (the time zone from their Slack profile)" if request.tz is None else "")
        )
        message = _schedule_message("on", channel, turn.services, from_profile=request.tz is None)
        turn.respond(response_type="in_channel", **message)
    elif word == "off":
        was = book.turn_off(channel)
        if was is not None:
            _audit(turn, f"it was {was.when}")
        message = _schedule_message("off", channel, turn.services, was)
        turn.respond(response_type="in_channel" if was else "ephemeral", **message)
    elif word == "now":
        send_now(turn)


def send_now(turn: Turn) -> None:
    channel = turn.channel_id
    schedule = turn.services.summaries.schedules.get(channel)
    tz = schedule.tz if schedule else user_zone(turn.client, turn.user_id)
    slack = SlackSummaryChannel(turn.client)
    _, posted = send_summary(turn.services.summaries, slack, channel, datetime.now(UTC), trigger="now", tz=tz)
    if posted.outcome is Outcome.SENT:
        return
    if posted.outcome is Outcome.GONE:
        text = (
            f"I cannot post in this channel (`{posted.error}`)."
            " Invite me with `/invite @Ramp Accounting` and try again."
        )
    else:
        text = f"Slack did not take the summary (`{posted.error}`). Try again in a minute."
    turn.respond(**failure_message(text))


def user_zone(client: WebClient, user_id: str) -> str:
    """The time zone of the user's Slack profile (`users.info`, scope users:read), or UTC."""
    return usable_zone(client.users_info(user=user_id)["user"].get("tz"))


def open_list(turn: Turn) -> None:
    listing = turn.services.transactions.list_sync_ready(Filters())
    message = render_message("transactions.json.j2", listing=listing, page=1)
    turn.respond(response_type="in_channel", replace_original=False, **message)


def _schedule_message(
    mode: str, channel: str, services: Services, schedule: Schedule | None = None, from_profile: bool = False
) -> dict[str, Any]:
    if mode != "off":
        schedule = services.summaries.schedules.get(channel)
    next_run = ""
    if schedule is not None and schedule.state == "active":
        run = schedule.next_run(datetime.now(UTC)).astimezone(schedule.zone)
        next_run = f"{run:%a %d %b at %H:%M} ({schedule.tz})"
    return render_message(
        "summary_schedule.json.j2",
        mode=mode,
        channel_id=channel,
        schedule=schedule,
        next_run=next_run,
        from_profile=from_profile,
        syntax=SYNTAX,
        example=EXAMPLE,
    )


def _audit(turn: Turn, detail: str) -> None:
    turn.audit("summary", " ".join(turn.args), "ok", detail)
