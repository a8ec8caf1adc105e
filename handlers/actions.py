"""Buttons and menus on the bot's messages. Write actions need an admin, and each runs once per click
target: a double click or a second press of the same button finds the action already claimed."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.render import mrkdwn, render_message
from bot.services.connection import Disconnected
from handlers.errors import replies_on_error
from handlers.permissions import AdminDirectory, by_non_admin

WRITE_ACTIONS = ("connection_replace", "connection_disconnect")


def register(app: App) -> None:
    for action_id in WRITE_ACTIONS:  # each before its own listener: Bolt runs the first that matches
        app.action(action_id, matchers=[by_non_admin])(refuse)
    app.action("connection_replace")(ack=ack_quietly, lazy=[replace_connection])
    app.action("connection_disconnect")(ack=ack_quietly, lazy=[disconnect_connection])
    app.action("connection_keep")(ack=ack_quietly, lazy=[keep_connection])


def ack_quietly(ack: Ack) -> None:
    ack()


def refuse(ack: Ack, body: dict[str, Any], respond: Respond, services: Any, admins: AdminDirectory) -> None:
    ack()
    action_id = body["actions"][0]["action_id"]
    respond(
        replace_original=False,
        **render_message("refused.json.j2", command=action_id.replace("_", " "), admins=admins.mentions()),
    )
    services.audit.record(
        user_id=body["user"]["id"],
        channel_id=channel_of(body),
        command=action_id,
        outcome="refused",
        detail="not an admin",
        before_ack=True,
    )


@replies_on_error()
def keep_connection(respond: Respond) -> None:
    respond(replace_original=True, text="Kept as it is. Nothing was changed.")


def first_click(services: Any, body: dict[str, Any], *, this_run_only: bool = False) -> bool:
    """Claim this button press; False when the same button on the same message was already pressed.

    `this_run_only`: the claim holds for this process only, for actions whose service guards
    against a second write across restarts (the sync journal, the upload claim). A press a killed
    run claimed but never carried out can then be pressed again after the restart."""
    action = body["actions"][0]
    container = body.get("container") or {}
    key = f"action:{container.get('message_ts') or container.get('view_id')}:{action['action_id']}"
    if this_run_only:
        key = f"{key}:{services.run_id}"
    return bool(services.store.claim_once(key))


@replies_on_error(write="connect")
def replace_connection(body: dict[str, Any], respond: Respond, services: Any) -> None:
    if not first_click(services, body):
        return
    provider = body["actions"][0]["value"]
    user = body["user"]["id"]
    outcome = services.connection.replace(provider, user)
    services.audit.record(
        user_id=user,
        channel_id=channel_of(body),
        command="connect",
        arguments=provider,
        outcome="ok",
        detail=f"replaced with {provider}",
    )
    respond(delete_original=True)
    respond(
        response_type="in_channel",
        **render_message(
            "connected.json.j2",
            connection=outcome.connection,
            user_id=user,
            reactivated=False,
            replaced=outcome.replaced,
        ),
    )


@replies_on_error(write="disconnect")
def disconnect_connection(body: dict[str, Any], respond: Respond, client: WebClient, services: Any) -> None:
    if not first_click(services, body):
        return
    user, channel = body["user"]["id"], channel_of(body)
    active = services.connection.active()
    if active is None:
        respond(
            replace_original=True, text="Ramp has no active accounting connection any more. Nothing to do."
        )
        return
    try:
        started = client.chat_postMessage(
            channel=channel,
            text=f"Backing up the categories of {mrkdwn(active.remote_provider_name)} before disconnecting…",
        )
    except SlackApiError as error:
        respond(
            **render_message(
                "error.json.j2",
                message=f"I could not post in this channel ({error.response['error']}).",
                next_step="Invite me with `/invite @Ramp` and try again. Nothing was changed.",
                reference="",
            )
        )
        return
    respond(delete_original=True)
    thread = started["ts"]
    backups = services.connection.backup()
    if backups:
        client.files_upload_v2(
            channel=channel,
            thread_ts=thread,
            file_uploads=[
                {"content": f.content, "filename": f.filename, "title": f.filename} for f in backups
            ],
            initial_comment="Backup taken before disconnecting: "
            + ", ".join(f"{f.rows:,} {f.kind.replace('_', ' ')}" for f in backups),
        )
    outcome = services.connection.disconnect(user, backups)
    if not isinstance(outcome, Disconnected):
        client.chat_update(
            channel=channel, ts=thread, text="Ramp was already disconnected. Nothing was changed."
        )
        return
    described = (
        ", ".join(f"{f.rows:,} {f.kind.replace('_', ' ')}" for f in backups) or "categories (none were held)"
    )
    services.audit.record(
        user_id=user,
        channel_id=channel,
        command="disconnect",
        arguments=outcome.connection.remote_provider_name or "",
        outcome="ok",
        detail=f"disconnected; backed up {described}",
    )
    client.chat_update(
        channel=channel,
        ts=thread,
        **render_message(
            "disconnected.json.j2", connection=outcome.connection, user_id=user, backed_up=described
        ),
    )


def channel_of(body: dict[str, Any]) -> str:
    """The channel a button or menu was used in: `channel.id`, else the container's (a message in a
    thread or an ephemeral one may carry only the latter)."""
    return str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")


_channel = channel_of  # the old private name, until handlers/uploads.py imports channel_of
