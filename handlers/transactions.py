"""Sync-ready transactions in Slack: `/ramp transactions` with its pages and export, and each row's
menu with its two modals, Mark synced and Report failure.

The list goes to the channel (`in_channel`) so that its export can be uploaded in its thread and a
marked row is announced there. Every post is journalled and audited by the sync service.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.render import render_message, render_view, upper_first
from bot.services.sync_objects import waiting
from bot.services.sync_results import MAX_ERROR, MAX_REFERENCE, SyncResult, check_result
from bot.services.transaction_export import export_csv, export_filename
from bot.services.transaction_filters import (
    FILTER_EXAMPLE,
    FILTER_SYNTAX,
    FilterError,
    Filters,
    parse_filters,
)
from bot.services.transactions import TransactionList
from bot.syncable_kinds import TRANSACTIONS
from handlers.errors import error_message
from handlers.turn import Turn

MARK_SYNCED = "transaction_mark_synced"
REPORT_FAILURE = "transaction_report_failure"
INPUT_BLOCKS = {MARK_SYNCED: "reference", REPORT_FAILURE: "reason"}
GONE = "That list is gone. Run `/ramp transactions` again."


def filters_of(turn: Turn) -> Filters:
    assert turn.command is not None
    if turn.command.args:
        raise FilterError(f"I don't know what `{turn.command.args[0]}` means here.")
    return parse_filters(turn.command.options)


def check_filters(turn: Turn) -> dict[str, Any] | None:
    """In the ack: filters that cannot be read are answered at once, with the syntax."""
    try:
        filters_of(turn)
    except FilterError as error:
        syntax = FilterError(
            error.what_happened, f"Syntax: `{FILTER_SYNTAX}`\nFor example: `{FILTER_EXAMPLE}`"
        )
        return error_message(syntax)
    return None


def list_message(turn: Turn, listing: TransactionList, page: int) -> dict[str, Any]:
    """One page of the list; when the business has several entities, each row names its own."""
    entities = turn.services.objects.entity_names()
    marked = turn.services.objects.marks(TRANSACTIONS, (t.id for t in listing.transactions))
    return render_message(
        "transactions.json.j2",
        listing=listing,
        page=page,
        entities=entities,
        marked=marked,
        left=waiting(listing.transactions, marked),
        read_only=turn.services.connection.refusing_writes(),  # direct: no Mark synced, no Report failure
    )


def list_transactions(turn: Turn) -> None:
    listing = turn.services.transactions.list_sync_ready(filters_of(turn))
    turn.respond(
        response_type="in_channel", **list_message(turn, listing, 1)
    )


def list_in_channel(turn: Turn) -> None:
    """The whole list from a button (`/ramp ready`, a ready notice), posted to the button's channel."""
    listing = turn.services.transactions.list_sync_ready(Filters())
    turn.client.chat_postMessage(
        channel=turn.channel_id, **list_message(turn, listing, 1)
    )


def show_page(turn: Turn) -> None:
    list_id, _, page = str(turn.action.get("value") or "").partition("|")
    listing = turn.services.transactions.load(list_id)
    if listing is None:
        turn.respond(replace_original=False, text=GONE)
        return
    message = list_message(turn, listing, int(page) if page.isdigit() else 1)
    turn.respond(replace_original=True, **message)


def export(turn: Turn) -> None:
    listing = turn.services.transactions.load(str(turn.action.get("value") or ""))
    if listing is None:
        turn.respond(replace_original=False, text=GONE)
        return
    lines = sum(max(1, len(t.line_items)) for t in listing.transactions)
    turn.client.files_upload_v2(
        channel=turn.channel_id,
        thread_ts=turn.thread_ts,
        content=export_csv(listing, turn.services.objects.entity_names()),
        filename=export_filename(listing),
        title=export_filename(listing),
        initial_comment=f"{len(listing.transactions):,} sync-ready transactions in {lines:,} rows.",
    )


def open_result_modal(turn: Turn) -> None:
    """A row's menu: Mark synced or Report failure, each a modal asking for the one thing it needs.
    The trigger id is good for 3 s; this runs right after the ack."""
    kind, _, transaction_id = str(turn.action["selected_option"]["value"]).partition("|")
    list_id, page = shown_listing(turn.body, "transactions_nav")
    metadata = json.dumps(
        {
            "id": transaction_id,
            "channel": turn.channel_id,
            "thread": turn.message_ts,
            "list": list_id,
            "page": page,
        }
    )
    view = render_view(
        "transaction_modal.json.j2",
        kind=kind,
        transaction=turn.services.transactions.stored(transaction_id),
        metadata=metadata,
        max_length=MAX_REFERENCE if kind == "synced" else MAX_ERROR,
    )
    turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def shown_listing(body: dict[str, Any], nav: str) -> tuple[str, int]:
    """(listing id, page) of the list message a menu was on: its nav block's id says them."""
    for block in (body.get("message") or {}).get("blocks") or ():
        name, _, rest = str(block.get("block_id") or "").partition("|")
        list_id, _, page = rest.partition("|")
        if name == nav and list_id:
            return list_id, int(page) if page.isdigit() else 1
    return "", 1


def submitted(view: dict[str, Any]) -> tuple[dict[str, Any], SyncResult, str | None]:
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


def check_submission(view: dict[str, Any]) -> dict[str, str] | None:
    _, _, problem = submitted(view)
    return {INPUT_BLOCKS[view["callback_id"]]: upper_first(problem) + "."} if problem else None


def post_from_modal(turn: Turn) -> None:
    metadata, result, _ = submitted(turn.view)
    channel = str(metadata.get("channel", ""))
    reason = turn.services.transactions.not_ready_reason(result.transaction_id)
    if reason:
        turn.services.audit.record_sync_refused(
            user_id=turn.user_id, channel_id=channel, result=result, reason=reason
        )
        text = f"Nothing was posted to Ramp for this transaction: {reason}."
        turn.client.chat_postEphemeral(channel=channel, user=turn.user_id, text=text)
        return
    outcome = turn.services.syncs.post_sync_results(
        [result], user_id=turn.user_id, channel_id=channel, source=f"modal:{result.transaction_id}"
    )
    transaction = turn.services.transactions.stored(result.transaction_id)
    merchant = (transaction.merchant_name if transaction else None) or result.transaction_id
    amount = f" · {transaction.amount.format()}" if transaction else ""
    done = f" as {result.reference_id}" if result.succeeded else ""
    title = f"{'Marked synced' if result.succeeded else 'Reported a failed sync'}: {merchant}{amount}{done}"
    turn.client.chat_postMessage(
        channel=channel,
        thread_ts=metadata.get("thread") or None,
        **render_message("sync_posted.json.j2", outcome=outcome, rows={}, title=title, user_id=turn.user_id),
    )
    _update_list(turn, metadata)


def _update_list(turn: Turn, metadata: dict[str, Any]) -> None:
    def draw(list_id: str, page: int) -> dict[str, Any] | None:
        listing = turn.services.transactions.load(list_id)
        return list_message(turn, listing, page) if listing else None

    redraw_list(turn, metadata, draw)


def redraw_list(
    turn: Turn, metadata: dict[str, Any], draw: Callable[[str, int], dict[str, Any] | None]
) -> None:
    """The list message a modal's row came from (its metadata: channel, thread, list, page), drawn
    again by `draw(list id, page)`: the row now says what was posted. A list gone: left as it is."""
    message = draw(str(metadata.get("list") or ""), int(metadata.get("page") or 1))
    if message is not None and metadata.get("thread"):
        turn.client.chat_update(channel=str(metadata["channel"]), ts=str(metadata["thread"]), **message)
