"""The accounting connection in Slack: `/ramp status`, `/ramp connect`, `/ramp disconnect` with its
confirm dialog and backup, and the Replace / Keep buttons offered when another ERP is connected.

The connection service decides and audits; these functions only turn its outcomes into messages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.render import mrkdwn, render_message
from bot.services.categories import CategoryFile
from bot.services.connection import AlreadyActive, Connected, Disconnected, NothingToReactivate
from handlers.errors import failure_message
from handlers.turn import Turn

NO_CONNECTION = "Ramp has no active accounting connection."


def status(turn: Turn) -> None:
    overview = turn.services.status.overview(datetime.now(UTC))
    turn.respond(**render_message("status.json.j2", **vars(overview)))


def connect(turn: Turn) -> None:
    assert turn.command is not None
    provider = " ".join(turn.command.args).strip()
    if not provider:
        turn.respond(**failure_message("Which ERP? For example `/ramp connect NetSuite`."))
        return
    reactivate = "reactivate" in turn.command.flags
    outcome = turn.services.connection.connect(provider, turn.user_id, turn.channel_id, reactivate=reactivate)
    if isinstance(outcome, AlreadyActive):
        message = render_message(
            "connect_conflict.json.j2",
            active=outcome.active,
            requested=provider,
            same_provider=outcome.same_provider,
        )
    elif isinstance(outcome, NothingToReactivate):
        message = render_message("no_reactivate.json.j2", requested=provider, known=list(outcome.known))
    else:
        message = connected_message(turn, outcome)
    turn.respond(**message)


def connected_message(turn: Turn, outcome: Connected) -> dict[str, Any]:
    return {
        "response_type": "in_channel",
        **render_message(
            "connected.json.j2",
            connection=outcome.connection,
            user_id=turn.user_id,
            reactivated=outcome.reactivated,
            replaced=outcome.replaced,
        ),
    }


def confirm_disconnect(turn: Turn) -> None:
    active = turn.services.connection.active()
    if active is None:
        turn.respond(**failure_message(NO_CONNECTION, "Nothing to disconnect."))
        return
    turn.respond(**render_message("disconnect_confirm.json.j2", active=active))


def replace(turn: Turn) -> None:
    """Replace, confirmed in its dialog: disconnect the active connection and connect the one asked for."""
    outcome = turn.services.connection.replace(
        str(turn.action.get("value") or ""), turn.user_id, turn.channel_id
    )
    turn.respond(delete_original=True)
    turn.respond(**connected_message(turn, outcome))


def keep(turn: Turn) -> None:
    turn.respond(replace_original=True, text="Kept as it is. Nothing was changed.")


def disconnect(turn: Turn) -> None:
    """Disconnect, confirmed in its dialog: back up every category to files in a thread, then disconnect."""
    active = turn.services.connection.active()
    if active is None:
        turn.respond(replace_original=True, text=f"{NO_CONNECTION} Nothing to do.")
        return
    name = mrkdwn(active.remote_provider_name or "the ERP")
    try:
        started = turn.client.chat_postMessage(
            channel=turn.channel_id, text=f"Backing up the categories of {name} before disconnecting…"
        )
    except SlackApiError as error:
        next_step = "Invite me with `/invite @Ramp` and try again. Nothing was changed."
        turn.respond(
            **failure_message(f"I could not post in this channel ({error.response['error']}).", next_step)
        )
        return
    turn.respond(delete_original=True)
    thread = str(started["ts"])
    backups = turn.services.connection.backup()
    post_backups(turn, thread, backups)
    outcome = turn.services.connection.disconnect(turn.user_id, turn.channel_id, backups)
    if not isinstance(outcome, Disconnected):
        turn.client.chat_update(
            channel=turn.channel_id, ts=thread, text="Ramp was already disconnected. Nothing was changed."
        )
        return
    message = render_message(
        "disconnected.json.j2",
        connection=outcome.connection,
        user_id=turn.user_id,
        backed_up=outcome.described,
    )
    turn.client.chat_update(channel=turn.channel_id, ts=thread, **message)


def post_backups(turn: Turn, thread: str, backups: tuple[CategoryFile, ...]) -> None:
    """The backup files in the thread, before anything is disconnected (Ramp's migration advice)."""
    if not backups:
        return
    held = ", ".join(f"{f.rows:,} {f.label}" for f in backups)
    turn.client.files_upload_v2(
        channel=turn.channel_id,
        thread_ts=thread,
        file_uploads=[{"content": f.content, "filename": f.filename, "title": f.filename} for f in backups],
        initial_comment=f"Backup taken before disconnecting: {held}",
    )
