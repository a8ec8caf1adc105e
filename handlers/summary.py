"""Daily summaries in Slack: `/ramp summary [on HH:MM [Area/City] [weekdays] | off | now]`, the
summary's Open the list button, and `SlackSummaryChannel`, through which the scheduler posts
summaries and tells an admin that a channel is gone.

`on` and `off` need an admin (refusals audited); `now` and a bare `/ramp summary` are for anyone.
A bad time or time zone is answered in the ack and nothing is stored.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands import ParsedCommand
from bot.render import render_message
from bot.scheduler import Outcome, Posted, send_summary
from bot.services.schedules import EXAMPLE, SYNTAX, Schedule, ScheduleError, parse_schedule, usable_zone
from bot.services.summaries import Summary
from bot.services.transactions import Filters
from handlers.commands import RAMP, parsed, subcommand
from handlers.errors import replies_on_error
from handlers.permissions import AdminDirectory

log = logging.getLogger(__name__)

# chat.postMessage errors that mean the channel is gone for the bot (docs.slack.dev chat.postMessage).
GONE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
CHANGES = frozenset({"on", "off"})


class SlackSummaryChannel:
    """Posts summaries with the bot's Web API client (the scheduler's `SummaryChannel`)."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def post_summary(self, summary: Summary) -> Posted:
        try:
            reply = self._client.chat_postMessage(
                channel=summary.channel_id, **render_message("summary.json.j2", summary=summary)
            )
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            return Posted(Outcome.GONE if code in GONE else Outcome.FAILED, error=code)
        except Exception as error:  # no answer: the message may be in the channel already
            return Posted(Outcome.UNCERTAIN, error=type(error).__name__)
        return Posted(Outcome.SENT, message_ts=str(reply.get("ts") or ""))

    def tell_owner(self, schedule: Schedule, error: str) -> None:
        try:
            dm = self._client.conversations_open(users=schedule.set_by)["channel"]["id"]
            self._client.chat_postMessage(
                channel=dm, **render_message("summary_paused.json.j2", schedule=schedule, error=error)
            )
        except SlackApiError as failure:
            error_code = failure.response.get("error")
            log.warning("could not tell %s about the paused summary: %s", schedule.set_by, error_code)


def register(app: App) -> None:
    app.command(RAMP, matchers=[subcommand("summary"), change_by_non_admin])(refuse)
    app.command(RAMP, matchers=[subcommand("summary")])(ack=ack_summary, lazy=[run_summary])
    app.action("summary_open_list")(ack=ack_quietly, lazy=[open_list])


def ack_quietly(ack: Ack) -> None:
    ack()


def _words(command: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    result = parsed(command)
    args = result.args if isinstance(result, ParsedCommand) else ()
    return (args[0].lower() if args else ""), args[1:]


def change_by_non_admin(command: dict[str, Any], admins: AdminDirectory, client: Any) -> bool:
    word, _ = _words(command)
    return word in CHANGES and not admins.is_admin(command["user_id"], client)


def refuse(ack: Ack, command: dict[str, Any], services: Any, admins: AdminDirectory) -> None:
    word, rest = _words(command)
    ack(**render_message("refused.json.j2", command=f"summary {word}", admins=admins.mentions()))
    services.audit.record(
        user_id=command["user_id"],
        channel_id=command.get("channel_id", ""),
        command=f"summary {word}",
        arguments=" ".join(rest),
        outcome="refused",
        detail="not an admin",
        before_ack=True,
    )


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


def ack_summary(ack: Ack, command: dict[str, Any], services: Any) -> None:
    word, rest = _words(command)
    problem = _problem(word, rest)
    if problem:
        next_step = f"Syntax: `{SYNTAX}`, `/ramp summary off`, `/ramp summary now`.\nFor example: `{EXAMPLE}`"
        ack(**render_message("error.json.j2", message=problem, next_step=next_step, reference=""))
        return
    if word == "":
        ack(**_schedule_message("show", command["channel_id"], services))
        return
    ack()


@replies_on_error(write="summary")
def run_summary(respond: Respond, command: dict[str, Any], client: WebClient, services: Any) -> None:
    word, rest = _words(command)
    if _problem(word, rest):
        return  # the ack said what is wrong
    channel, user = command["channel_id"], command["user_id"]
    book = services.summaries.schedules
    if word == "on":
        request = parse_schedule(rest)
        tz = request.tz or user_zone(client, user)
        schedule = book.set(channel, request, tz, user, datetime.now(UTC))
        _audit(services, command, f"daily summary at {schedule.when}")
        message = _schedule_message("on", channel, services, from_profile=request.tz is None)
        respond(response_type="in_channel", **message)
    elif word == "off":
        was = book.turn_off(channel)
        if was is not None:
            _audit(services, command, f"daily summary off (was {was.when})")
        message = _schedule_message("off", channel, services, was)
        respond(response_type="in_channel" if was else "ephemeral", **message)
    elif word == "now":
        send_now(respond, command, client, services)


def send_now(respond: Respond, command: dict[str, Any], client: WebClient, services: Any) -> None:
    channel = command["channel_id"]
    schedule = services.summaries.schedules.get(channel)
    tz = schedule.tz if schedule else user_zone(client, command["user_id"])
    slack = SlackSummaryChannel(client)
    _, posted = send_summary(services.summaries, slack, channel, datetime.now(UTC), trigger="now", tz=tz)
    if posted.outcome is Outcome.SENT:
        return
    if posted.outcome is Outcome.GONE:
        text = (
            f"I cannot post in this channel (`{posted.error}`)."
            " Invite me with `/invite @Ramp Accounting` and try again."
        )
    else:
        text = f"Slack did not take the summary (`{posted.error}`). Try again in a minute."
    respond(**render_message("error.json.j2", message=text, next_step="", reference=""))


def user_zone(client: WebClient, user_id: str) -> str:
    """The time zone of the user's Slack profile (`users.info`, scope users:read), or UTC."""
    return usable_zone(client.users_info(user=user_id)["user"].get("tz"))


@replies_on_error()
def open_list(respond: Respond, services: Any) -> None:
    listing = services.transactions.list_sync_ready(Filters())
    message = render_message("transactions.json.j2", listing=listing, page=1)
    respond(response_type="in_channel", replace_original=False, **message)


def _schedule_message(
    mode: str, channel: str, services: Any, schedule: Schedule | None = None, from_profile: bool = False
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


def _audit(services: Any, command: dict[str, Any], detail: str) -> None:
    services.audit.record(
        user_id=command["user_id"],
        channel_id=command.get("channel_id", ""),
        command="summary",
        arguments=command.get("text", ""),
        outcome="ok",
        detail=detail,
    )
