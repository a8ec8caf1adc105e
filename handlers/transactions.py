"""Transactions and sync results in Slack: `/ramp transactions` with its pages, export and row menus,
the Mark synced / Report failure modals, `/ramp sync`, and results files shared with the bot.

The list goes to the channel (`in_channel`) so that its export can be uploaded in its thread and a
marked row is announced there. Writes (a modal's result, **Post**) need an admin: a matcher sends
anyone else to a refusal that is audited. Every post is journalled and audited by the sync service.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.importers import ImportFileError
from bot.render import render_message, render_view, upper_first
from bot.services.sync_results import MAX_ERROR, MAX_REFERENCE, SyncResult, check_result, parse_results_file
from bot.services.transaction_export import export_csv, export_filename
from bot.services.transactions import (
    FILTER_EXAMPLE,
    FILTER_SYNTAX,
    FilterError,
    Filters,
    parse_filters,
)
from handlers import actions
from handlers.commands import RAMP, parsed, subcommand
from handlers.errors import replies_on_error
from handlers.files import SharedFile, register_flow
from handlers.permissions import AdminDirectory, by_non_admin

log = logging.getLogger(__name__)

MARK_SYNCED = "transaction_mark_synced"
REPORT_FAILURE = "transaction_report_failure"
INPUT_BLOCKS = {MARK_SYNCED: "reference", REPORT_FAILURE: "reason"}


def register(app: App) -> None:
    app.command(RAMP, matchers=[subcommand("transactions")])(ack=ack_transactions, lazy=[list_transactions])
    app.command(RAMP, matchers=[subcommand("sync"), by_admin_command])(explain_sync)
    app.action("transactions_prev")(ack=ack_quietly, lazy=[show_page])
    app.action("transactions_next")(ack=ack_quietly, lazy=[show_page])
    app.action("transactions_export")(ack=ack_quietly, lazy=[export])
    app.action("transaction_row", matchers=[by_non_admin])(actions.refuse)
    app.action("transaction_row")(open_result_modal)
    for callback_id in (MARK_SYNCED, REPORT_FAILURE):
        app.view(callback_id, matchers=[by_non_admin])(refuse_submission)
        app.view(callback_id)(ack=check_submission, lazy=[post_from_modal])
    app.action("sync_results_post", matchers=[by_non_admin])(actions.refuse)
    app.action("sync_results_post")(ack=ack_quietly, lazy=[post_results])
    app.action("sync_results_cancel")(ack=ack_quietly, lazy=[cancel_results])
    register_flow(("sync_results",), preview_results)


def ack_quietly(ack: Ack) -> None:
    ack()


def by_admin_command(command: dict[str, Any], admins: AdminDirectory, client: Any) -> bool:
    # A non-admin falls through to handlers/commands.py, which refuses and audits.
    return admins.is_admin(command["user_id"], client)


# -- /ramp transactions ----------------------------------------------------------------------------


def command_filters(command: dict[str, Any]) -> Filters:
    result = parsed(command)
    stray = getattr(result, "args", ())
    if stray:
        raise FilterError(f"I don't know what `{stray[0]}` means here.")
    return parse_filters(getattr(result, "options", {}))


def ack_transactions(ack: Ack, command: dict[str, Any]) -> None:
    try:
        command_filters(command)
    except FilterError as error:
        ack(
            **render_message(
                "error.json.j2",
                message=str(error),
                next_step=f"Syntax: `{FILTER_SYNTAX}`\nFor example: `{FILTER_EXAMPLE}`",
                reference="",
            )
        )
        return
    ack()


@replies_on_error()
def list_transactions(respond: Respond, command: dict[str, Any], services: Any) -> None:
    try:
        filters = command_filters(command)
    except FilterError:
        return  # the ack already said what is wrong
    listing = services.transactions.list_sync_ready(filters)
    respond(response_type="in_channel", **render_message("transactions.json.j2", listing=listing, page=1))


@replies_on_error()
def show_page(body: dict[str, Any], respond: Respond, services: Any) -> None:
    list_id, _, page = body["actions"][0]["value"].partition("|")
    listing = services.transactions.load(list_id)
    if listing is None:
        respond(replace_original=False, text="That list is gone. Run `/ramp transactions` again.")
        return
    page_number = int(page) if page.isdigit() else 1
    message = render_message("transactions.json.j2", listing=listing, page=page_number)
    respond(replace_original=True, **message)


@replies_on_error()
def export(body: dict[str, Any], respond: Respond, client: WebClient, services: Any) -> None:
    listing = services.transactions.load(body["actions"][0]["value"])
    if listing is None:
        respond(replace_original=False, text="That list is gone. Run `/ramp transactions` again.")
        return
    container = body.get("container") or {}
    thread = None if container.get("is_ephemeral") else container.get("message_ts")
    lines = sum(max(1, len(t.line_items)) for t in listing.transactions)
    client.files_upload_v2(
        channel=actions.channel_of(body),
        thread_ts=thread,
        content=export_csv(listing),
        filename=export_filename(listing),
        title=export_filename(listing),
        initial_comment=f"{len(listing.transactions):,} sync-ready transactions in {lines:,} rows.",
    )


# -- the row menu and its two modals --------------------------------------------------------------


def open_result_modal(ack: Ack, body: dict[str, Any], client: WebClient, services: Any) -> None:
    ack()
    kind, _, transaction_id = body["actions"][0]["selected_option"]["value"].partition("|")
    container = body.get("container") or {}
    metadata = json.dumps(
        {
            "id": transaction_id,
            "channel": actions.channel_of(body),
            "thread": container.get("message_ts") or "",
        }
    )
    view = render_view(
        "transaction_modal.json.j2",
        kind=kind,
        transaction=services.transactions.stored(transaction_id),
        metadata=metadata,
        max_length=MAX_REFERENCE if kind == "synced" else MAX_ERROR,
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def submitted(view: dict[str, Any]) -> tuple[dict[str, str], SyncResult, str | None]:
    """(metadata, the result typed, why it cannot be posted or None)."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    block = INPUT_BLOCKS[view["callback_id"]]
    value = ((view["state"]["values"].get(block) or {}).get("value") or {}).get("value") or ""
    transaction_id = str(metadata.get("id", ""))
    if view["callback_id"] == MARK_SYNCED:
        result = SyncResult(transaction_id, reference_id=value.strip())
    else:
        result = SyncResult(transaction_id, error=value.strip())
    return metadata, result, check_result(result)


def check_submission(ack: Ack, view: dict[str, Any]) -> None:
    _, _, problem = submitted(view)
    if problem:
        ack(response_action="errors", errors={INPUT_BLOCKS[view["callback_id"]]: upper_first(problem) + "."})
        return
    ack()


def refuse_submission(ack: Ack, view: dict[str, Any], body: dict[str, Any], services: Any) -> None:
    metadata, _, _ = submitted(view)
    block = INPUT_BLOCKS[view["callback_id"]]
    ack(response_action="errors", errors={block: "Only admins may report sync results (RAMP_BOT_ADMINS)."})
    services.audit.record(
        user_id=body["user"]["id"],
        channel_id=str(metadata.get("channel", "")),
        command=view["callback_id"],
        arguments=str(metadata.get("id", "")),
        outcome="refused",
        detail="not an admin",
        before_ack=True,
    )


@replies_on_error(write="sync")
def post_from_modal(body: dict[str, Any], view: dict[str, Any], client: WebClient, services: Any) -> None:
    metadata, result, problem = submitted(view)
    if problem:
        return  # the modal stayed open with the problem shown
    user, channel = body["user"]["id"], str(metadata.get("channel", ""))
    reason = services.transactions.not_ready_reason(result.transaction_id)
    if reason:
        services.audit.record(
            user_id=user,
            channel_id=channel,
            command="sync",
            arguments=result.transaction_id,
            outcome="refused",
            detail=f"not posted: {reason}",
        )
        client.chat_postEphemeral(
            channel=channel, user=user, text=f"Nothing was posted to Ramp for this transaction: {reason}."
        )
        return
    outcome = services.syncs.post_sync_results(
        [result], user_id=user, channel_id=channel, source=f"modal:{result.transaction_id}"
    )
    transaction = services.transactions.stored(result.transaction_id)
    merchant = (transaction.merchant_name if transaction else None) or result.transaction_id
    title = f"{'Marked synced' if result.succeeded else 'Reported a failed sync'}: {merchant}"
    client.chat_postMessage(
        channel=channel,
        thread_ts=metadata.get("thread") or None,
        **render_message("sync_posted.json.j2", outcome=outcome, rows={}, title=title, user_id=user),
    )


# -- /ramp sync and results files --------------------------------------------------------------


def explain_sync(ack: Ack) -> None:
    ack(**render_message("sync_help.json.j2", max_reference=MAX_REFERENCE, max_error=MAX_ERROR))


def preview_results(file: SharedFile, client: WebClient, services: Any) -> None:
    """A results file was shared: a threaded preview with Post and Cancel; nothing is sent yet."""
    where: dict[str, Any] = {"channel": file.channel, "thread_ts": file.thread_ts}
    try:
        results = parse_results_file(file.content, file.name)
    except ImportFileError as error:
        message = render_message(
            "error.json.j2", message=f"I could not read *{file.name}*: {error}", next_step="", reference=""
        )
        client.chat_postMessage(**where, **message)
        return
    preview = services.syncs.preview(results, source=f"file:{file.file_id}:{file.name}", user_id=file.user)
    client.chat_postMessage(**where, **render_message("sync_preview.json.j2", preview=preview))


@replies_on_error(write="sync")
def post_results(body: dict[str, Any], respond: Respond, services: Any) -> None:
    if not actions.first_click(services, body, this_run_only=True):  # the journal guards across runs
        return
    user = body["user"]["id"]
    outcome = services.syncs.post_preview(
        body["actions"][0]["value"],
        user_id=user,
        channel_id=actions.channel_of(body),
        report_to=(body.get("container") or {}).get("message_ts") or "",
        on_journalled=lambda: respond(replace_original=True, text="Posting the results to Ramp…"),
    )
    if outcome is None:
        respond(replace_original=True, text="I no longer have that preview. Share the file again.")
        return
    message = render_message(
        "sync_posted.json.j2", outcome=outcome, rows=outcome.rows, title="Sync results posted", user_id=user
    )
    respond(replace_original=True, **message)


@replies_on_error()
def cancel_results(respond: Respond) -> None:
    respond(replace_original=True, text="Cancelled. Nothing was posted to Ramp.")


def resume_posts(client: WebClient, services: Any) -> None:
    """At start-up: finish the posts a killed run left unanswered, and update each message that was
    left saying "Posting…" with how its post ended."""
    try:
        resumed = services.syncs.resume()
    except Exception:  # a background thread: log; the next post resends what is still pending
        log.exception("could not resend pending sync chunks")
        return
    for post in resumed:
        message = render_message(
            "sync_posted.json.j2",
            outcome=post.outcome,
            rows={},
            title="Sync results posted (finished after a restart)",
            user_id=post.user_id,
        )
        try:
            client.chat_update(channel=post.channel_id, ts=post.message_ts, **message)
        except SlackApiError as error:
            log.warning("could not report a resumed post in %s: %s", post.channel_id, error.response["error"])
