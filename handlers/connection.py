"""The accounting connection in Slack: `/ramp status`, `/ramp connect`, `/ramp disconnect` with its
confirm dialog and backup, and the buttons offered when a choice is needed: Switch back, Reactivate
(one per previous connection), Start a new one, Keep. Migrate and Switch and start empty are
handlers/migration.py.

The connection service decides and audits; these functions only turn its outcomes into messages.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.render import mrkdwn, render_message
from bot.services.categories import CategoryFile
from bot.services.connection import (
    ActiveElsewhere,
    AlreadyActive,
    Connected,
    Connection,
    Disconnected,
    DisconnectRefused,
    NothingToReactivate,
    ReactivateOffer,
    described,
)
from handlers.errors import failure_message
from handlers.turn import Turn

NO_CONNECTION = "Ramp has no active accounting connection."
RESTORE_NOTE = (
    "To restore them into whichever connection is active then, share these files in a channel with me:"
    " they go through the usual preview, and nothing is written before you press Upload. Share the"
    " custom fields file before its options file, so that each field is created with its settings."
)


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
        message = render_message("connect_conflict.json.j2", offer=outcome, requested=provider)
    elif isinstance(outcome, ReactivateOffer):
        message = render_message("reactivate_offer.json.j2", offer=outcome)
    elif isinstance(outcome, NothingToReactivate):
        message = render_message("no_reactivate.json.j2", requested=provider, known=list(outcome.known))
    elif isinstance(outcome, ActiveElsewhere):  # someone connected meanwhile
        message = active_elsewhere(outcome)
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
            counts=outcome.counts,
        ),
    }


def confirm_disconnect(turn: Turn) -> None:
    service = turn.services.connection
    active = service.active()
    if active is None:
        turn.respond(**failure_message(NO_CONNECTION, "Nothing to disconnect."))
        return
    turn.respond(**render_message("disconnect_confirm.json.j2", active=active, kind=service.kind(active)))


def start_new(turn: Turn) -> None:
    """Start a new, empty connection, confirmed in its dialog, though an old one of that name exists."""
    outcome = turn.services.connection.create(
        str(turn.action.get("value") or ""), turn.user_id, turn.channel_id
    )
    turn.respond(delete_original=True)
    turn.respond(**connected_message(turn, outcome))


def reactivate(turn: Turn) -> None:
    """Reactivate the connection whose id the button carries (nothing else active)."""
    outcome = turn.services.connection.reactivate(
        str(turn.action.get("value") or ""), turn.user_id, turn.channel_id
    )
    if isinstance(outcome, ActiveElsewhere):
        turn.respond(replace_original=False, **active_elsewhere(outcome))
        return
    turn.respond(delete_original=True)
    turn.respond(**connected_message(turn, outcome))


def active_elsewhere(outcome: ActiveElsewhere) -> dict[str, Any]:
    name = mrkdwn((outcome.active.remote_provider_name if outcome.active else None) or "another ERP")
    return failure_message(
        f"Ramp is connected to *{name}* now, so nothing was reactivated.",
        "Run `/ramp connect <ERP name> --reactivate` again to see the choices.",
    )


def active_elsewhere_text(active: Connection | None) -> str:
    """A click found another state than its message offered (a switch): what Ramp has now."""
    if active is None:
        return "Ramp has no active accounting connection now, so there is nothing to switch from."
    name = mrkdwn(active.remote_provider_name or "an unnamed ERP")
    return f"Ramp is connected to *{name}* now, so nothing was switched."


def switch_back_choice(turn: Turn) -> tuple[str, str]:
    """The button's value: `{"to": <the previous connection's id>, "from": <the active one's then>}`;
    a bare id from a message posted before Switch back carried `from`."""
    value = str(turn.action.get("value") or "")
    if not value.startswith("{"):
        return value, ""
    chosen = json.loads(value)
    return str(chosen.get("to") or ""), str(chosen.get("from") or "")


def switch_back(turn: Turn) -> None:
    """Switch back, confirmed: back up the active connection to files in a thread, disconnect it, then
    reactivate the previous connection by its id. Nothing is done when another connection (or none)
    is active than the one the message offered to switch from."""
    connection_id, expected_from = switch_back_choice(turn)
    moved = turn.services.connection.moved_since(connection_id, expected_from)
    if moved is not None:
        again = "Run `/ramp connect <ERP name> --reactivate` again to see the choices."
        turn.respond(replace_original=False, **failure_message(active_elsewhere_text(moved.active), again))
        return
    active = turn.services.connection.active()
    thread = start_thread(turn, active.remote_provider_name if active else None, "switching back")
    if thread is None:
        return
    backups = turn.services.connection.backup() if active else ()
    post_backups(turn, thread, backups)
    outcome = turn.services.connection.switch_back(
        connection_id, turn.user_id, turn.channel_id, backups, expected_from=expected_from
    )
    if isinstance(outcome, ActiveElsewhere):
        text = active_elsewhere_text(outcome.active)
        turn.client.chat_update(channel=turn.channel_id, ts=thread, **failure_message(text))
        return
    message = connected_message(turn, outcome)
    message.pop("response_type")
    turn.client.chat_update(channel=turn.channel_id, ts=thread, **message)


def keep(turn: Turn) -> None:
    turn.respond(replace_original=True, text="Kept as it is. Nothing was changed.")


def disconnect(turn: Turn) -> None:
    """Disconnect, confirmed in its dialog: back up every category to files in a thread, then disconnect."""
    active = turn.services.connection.active()
    if active is None:
        turn.respond(replace_original=True, text=f"{NO_CONNECTION} Nothing to do.")
        return
    refused = turn.services.connection.disconnect_refused(active)
    if refused is not None:  # found direct since the dialog was shown: Ramp would refuse
        message = render_message("disconnect_confirm.json.j2", active=active, kind=refused.kind)
        turn.respond(replace_original=True, **message)
        return
    thread = start_thread(turn, active.remote_provider_name, "disconnecting")
    if thread is None:
        return
    backups = turn.services.connection.backup()
    post_backups(turn, thread, backups)
    outcome = turn.services.connection.disconnect(turn.user_id, turn.channel_id, backups)
    if isinstance(outcome, DisconnectRefused):
        message = render_message("disconnect_confirm.json.j2", active=active, kind=outcome.kind)
        turn.client.chat_update(channel=turn.channel_id, ts=thread, **message)
        return
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


def start_thread(turn: Turn, provider: str | None, doing: str) -> str | None:
    """The channel message whose thread gets the backup; None (and the user told) if I cannot post."""
    name = mrkdwn(provider or "the ERP")
    try:
        started = turn.client.chat_postMessage(
            channel=turn.channel_id, text=f"Backing up the categories of {name} before {doing}…"
        )
    except SlackApiError as error:
        next_step = "Invite me with `/invite @Ramp` and try again. Nothing was changed."
        turn.respond(
            **failure_message(f"I could not post in this channel ({error.response['error']}).", next_step)
        )
        return None
    turn.respond(delete_original=True)
    return str(started["ts"])


def post_backups(turn: Turn, thread: str, backups: tuple[CategoryFile, ...]) -> None:
    """The backup files in the thread, before anything is disconnected (Ramp's migration advice)."""
    if not backups:
        return
    held = described(backups)
    turn.client.files_upload_v2(
        channel=turn.channel_id,
        thread_ts=thread,
        file_uploads=[{"content": f.content, "filename": f.filename, "title": f.filename} for f in backups],
        initial_comment=f"Backup taken before disconnecting: {held}. {RESTORE_NOTE}",
    )
