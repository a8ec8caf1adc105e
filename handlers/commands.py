"""`/ramp <subcommand>`: one listener per subcommand, chosen by a matcher; writes need an admin.

Each listener acks at once; anything that talks to Ramp runs in a lazy listener and answers
through the command's `response_url`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands import COMMANDS, ParsedCommand, UnknownCommand, parse_command
from bot.render import render_message
from bot.services.categories import KIND_WORDS, count_categories, export_kind
from bot.services.connection import AlreadyActive, Connected, NothingToReactivate
from handlers.errors import replies_on_error
from handlers.permissions import AdminDirectory

RAMP = "/ramp"


def parsed(command: dict[str, Any]) -> ParsedCommand | UnknownCommand:
    return parse_command(command.get("text") or "")


def subcommand(name: str) -> Callable[..., bool]:
    def matches(command: dict[str, Any]) -> bool:
        result = parsed(command)
        return isinstance(result, ParsedCommand) and result.name == name

    return matches


def write_by_non_admin(command: dict[str, Any], admins: AdminDirectory, client: Any) -> bool:
    result = parsed(command)
    if not isinstance(result, ParsedCommand) or not result.spec.writes:
        return False
    return not admins.is_admin(command["user_id"], client)


def register(app: App) -> None:
    app.command(RAMP, matchers=[write_by_non_admin])(refuse)
    app.command(RAMP, matchers=[subcommand("status")])(ack=ack_quietly, lazy=[status])
    app.command(RAMP, matchers=[subcommand("connect")])(ack=ack_quietly, lazy=[connect])
    app.command(RAMP, matchers=[subcommand("disconnect")])(ack=ack_quietly, lazy=[disconnect])
    app.command(RAMP, matchers=[subcommand("categories")])(ack=ack_quietly, lazy=[categories])
    app.command(RAMP, matchers=[subcommand("audit")])(ack=ack_quietly, lazy=[audit])
    app.command(RAMP)(help_or_unknown)


def ack_quietly(ack: Ack) -> None:
    ack()


def help_or_unknown(ack: Ack, command: dict[str, Any]) -> None:
    result = parsed(command)
    typed = result.typed if isinstance(result, UnknownCommand) else ""
    suggestion = result.suggestion if isinstance(result, UnknownCommand) else None
    ack(**render_message("help.json.j2", commands=COMMANDS, typed=typed, suggestion=suggestion))


def refuse(ack: Ack, command: dict[str, Any], services: Any, admins: AdminDirectory) -> None:
    result = parsed(command)
    assert isinstance(result, ParsedCommand)
    ack(**render_message("refused.json.j2", command=result.name, admins=admins.mentions()))
    services.audit.record(
        user_id=command["user_id"],
        channel_id=command.get("channel_id", ""),
        command=result.name,
        arguments=" ".join(result.args),
        outcome="refused",
        detail="not an admin",
        before_ack=True,
    )


@replies_on_error()
def status(respond: Respond, services: Any) -> None:
    connection = services.connection.active()
    counts = count_categories(services.ramp) if connection else []
    since = (connection.last_linked_at or connection.created_at) if connection else None
    respond(
        **render_message(
            "status.json.j2",
            connection=connection,
            counts=counts,
            since=since,
            history=services.connection.history(1),
            sync=services.status.sync_status(),
            uploads=services.status.recent_uploads(),
            schedules=services.summaries.schedules.listed(),
        )
    )


@replies_on_error(write="connect")
def connect(respond: Respond, command: dict[str, Any], services: Any) -> None:
    result = parsed(command)
    assert isinstance(result, ParsedCommand)
    provider = " ".join(result.args).strip()
    if not provider:
        respond(
            **render_message(
                "error.json.j2",
                message="Which ERP? For example `/ramp connect NetSuite`.",
                next_step="",
                reference="",
            )
        )
        return
    user = command["user_id"]
    outcome = services.connection.connect(provider, user, reactivate="reactivate" in result.flags)
    if isinstance(outcome, AlreadyActive):
        respond(
            **render_message(
                "connect_conflict.json.j2",
                active=outcome.active,
                requested=provider,
                same_provider=outcome.same_provider,
            )
        )
        return
    if isinstance(outcome, NothingToReactivate):
        respond(**render_message("no_reactivate.json.j2", requested=provider, known=list(outcome.known)))
        return
    assert isinstance(outcome, Connected)
    _audit_ok(services, command, "connect", f"connected {outcome.connection.remote_provider_name}")
    respond(
        response_type="in_channel",
        **render_message(
            "connected.json.j2",
            connection=outcome.connection,
            user_id=user,
            reactivated=outcome.reactivated,
            replaced=None,
        ),
    )


@replies_on_error(write="disconnect")
def disconnect(respond: Respond, services: Any) -> None:
    active = services.connection.active()
    if active is None:
        respond(
            **render_message(
                "error.json.j2",
                message="Ramp has no active accounting connection.",
                next_step="Nothing to disconnect.",
                reference="",
            )
        )
        return
    respond(**render_message("disconnect_confirm.json.j2", active=active))


@replies_on_error()
def categories(respond: Respond, command: dict[str, Any], client: WebClient, services: Any) -> None:
    connection = services.connection.active()
    if connection is None:
        respond(
            **render_message(
                "error.json.j2",
                message="Ramp has no active accounting connection.",
                next_step="An admin can register one with `/ramp connect <ERP name>`.",
                reference="",
            )
        )
        return
    result = parsed(command)
    assert isinstance(result, ParsedCommand)
    word = result.args[0].lower() if result.args else ""
    if not word:
        counts = count_categories(services.ramp)
        respond(**render_message("categories.json.j2", connection=connection, counts=counts, listing=None))
        return
    if word not in KIND_WORDS:
        respond(
            **render_message(
                "error.json.j2",
                message=f"I do not know the category kind `{word}`.",
                next_step="Say `accounts`, `vendors`, `fields` or `options`: `/ramp categories vendors`.",
                reference="",
            )
        )
        return
    listing = export_kind(services.ramp, KIND_WORDS[word], datetime.now(UTC).strftime("%Y%m%d-%H%M%S"))
    respond(**render_message("categories.json.j2", connection=connection, counts=[], listing=listing))
    if not listing.rows:
        return
    try:
        client.files_upload_v2(
            channel=command["channel_id"],
            content=listing.content,
            filename=listing.filename,
            title=listing.filename,
            initial_comment=f"All {listing.rows:,} {listing.label} in Ramp, for <@{command['user_id']}>.",
        )
    except SlackApiError as error:
        respond(
            **render_message(
                "error.json.j2",
                message=f"I could not post the file in this channel ({error.response['error']}).",
                next_step="Invite me with `/invite @Ramp` and ask again.",
                reference="",
            )
        )


@replies_on_error()
def audit(respond: Respond, command: dict[str, Any], services: Any) -> None:
    result = parsed(command)
    assert isinstance(result, ParsedCommand)
    limit = int(result.args[0]) if result.args and result.args[0].isdigit() else 10
    respond(**render_message("audit.json.j2", entries=services.audit.recent(limit)))


def _audit_ok(services: Any, command: dict[str, Any], name: str, detail: str) -> None:
    services.audit.record(
        user_id=command["user_id"],
        channel_id=command.get("channel_id", ""),
        command=name,
        arguments=command.get("text", ""),
        outcome="ok",
        detail=detail,
    )
