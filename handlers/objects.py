"""The other syncable objects in Slack: `/ramp reimbursements|bills|bill-payments|transfers|cashbacks`
with their pages and export, and each row's menu with its two modals, Mark synced and Report failure.

One set of handlers serves every kind: the kind comes from the command's name (bot/syncable_kinds.py
`for_command`) or from the listing a button belongs to. Like `/ramp transactions`, the list goes to
the channel so its export lands in its thread and a marked row is announced there; after a post the
list message itself is updated, the row showing ✅ synced as ERP-123 or ⚠️ failed: reason.
"""

from __future__ import annotations

import json
from typing import Any

from bot.render import render_message, render_view, upper_first
from bot.services.object_export import export_csv, export_filename
from bot.services.sync_objects import ObjectFilters, ObjectList, parse_object_filters, syntax, waiting
from bot.services.sync_results import MAX_DEEP_LINK, MAX_ERROR, MAX_REFERENCE, SyncResult, check_result
from bot.services.transaction_filters import FilterError
from bot.services.transactions import TransactionList
from bot.syncable_kinds import SyncableKind, for_command, kind
from handlers.errors import error_message
from handlers.transactions import redraw_list, shown_listing
from handlers.turn import Turn

MARK_SYNCED = "object_mark_synced"
REPORT_FAILURE = "object_report_failure"
INPUT_BLOCKS = {MARK_SYNCED: "reference", REPORT_FAILURE: "reason"}
DEEP_LINK_BLOCK = "deep_link"


def kind_of(turn: Turn) -> SyncableKind:
    assert turn.command is not None
    row = for_command(turn.command.name)
    assert row is not None, turn.command.name
    return row


def filters_of(turn: Turn) -> ObjectFilters:
    assert turn.command is not None
    row = kind_of(turn)
    if turn.command.args:
        raise FilterError(
            f"I don't know what `{turn.command.args[0]}` means here.", f"Syntax: `{syntax(row)}`"
        )
    return parse_object_filters(row, turn.command.options)


def check_filters(turn: Turn) -> dict[str, Any] | None:
    """In the ack: filters that cannot be read are answered at once, with the kind's syntax."""
    try:
        filters_of(turn)
    except FilterError as error:
        return error_message(
            FilterError(error.what_happened, f"{error.what_to_do}\nSyntax: `{syntax(kind_of(turn))}`")
        )
    return None


def list_objects(turn: Turn) -> None:
    listing = turn.services.objects.list_ready(filters_of(turn))
    turn.respond(response_type="in_channel", **page_message(turn, listing, 1))


def list_kind(turn: Turn, key: str) -> None:
    """A kind's whole list from a button (`/ramp ready`, a notice), posted to the channel."""
    listing = turn.services.objects.list_ready(ObjectFilters(key))
    turn.client.chat_postMessage(channel=turn.channel_id, **page_message(turn, listing, 1))


def page_message(turn: Turn, listing: ObjectList, page: int) -> dict[str, Any]:
    marked = turn.services.objects.marks(listing.kind.key, (i.id for i in listing.items))
    return render_message(
        "objects.json.j2",
        listing=listing,
        page=page,
        marked=marked,
        left=waiting(listing.items, marked),
        labels=TransactionList.labels,
        entities=turn.services.objects.entity_names(),
        read_only=turn.services.connection.refusing_writes(),  # direct: no Mark synced, no Report failure
    )


def show_page(turn: Turn) -> None:
    list_id, _, page = str(turn.action.get("value") or "").partition("|")
    listing = turn.services.objects.load(list_id)
    if listing is None:
        turn.respond(replace_original=False, text="That list is gone. Run the command again.")
        return
    turn.respond(replace_original=True, **page_message(turn, listing, int(page) if page.isdigit() else 1))


def export(turn: Turn) -> None:
    listing = turn.services.objects.load(str(turn.action.get("value") or ""))
    if listing is None:
        turn.respond(replace_original=False, text="That list is gone. Run the command again.")
        return
    lines = sum(max(1, len(i.line_items)) for i in listing.items)
    name = export_filename(listing)
    turn.client.files_upload_v2(
        channel=turn.channel_id,
        thread_ts=turn.thread_ts,
        content=export_csv(listing, turn.services.objects.entity_names()),
        filename=name,
        title=name,
        initial_comment=(
            f"{len(listing.items):,} sync-ready {listing.kind.plural} in {lines:,} rows. Fill in "
            "`status` and `reference_id` (or `error`) and share it back to post the results."
        ),
    )


def open_result_modal(turn: Turn) -> None:
    """A row's menu: Mark synced or Report failure. The trigger id is good for 3 s: right after the ack.
    The option's value says the row (`synced|bills|<id>`); the list's nav block, the listing and page
    shown, so the list can be drawn again with the row marked."""
    outcome, key, object_id = (str(turn.action["selected_option"]["value"]).split("|") + ["", ""])[:3]
    list_id, page = shown_listing(turn.body, "objects_nav")
    row = kind(key)
    metadata = json.dumps(
        {
            "kind": key,
            "id": object_id,
            "channel": turn.channel_id,
            "thread": turn.message_ts,
            "list": list_id,
            "page": page,
        }
    )
    view = render_view(
        "object_modal.json.j2",
        outcome=outcome,
        kind=row,
        item=turn.services.objects.stored(key, object_id),
        metadata=metadata,
        max_length=MAX_REFERENCE if outcome == "synced" else MAX_ERROR,
        max_link=MAX_DEEP_LINK,
    )
    turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def submitted(view: dict[str, Any]) -> tuple[dict[str, Any], SyncResult, str | None, str | None]:
    """(metadata, the result typed, the input block of a problem, the problem) — None when it can go."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = view["state"]["values"]

    def typed(block: str) -> str:
        return str(((values.get(block) or {}).get("value") or {}).get("value") or "").strip()

    block = INPUT_BLOCKS[view["callback_id"]]
    key, object_id = str(metadata.get("kind", "")), str(metadata.get("id", ""))
    link = typed(DEEP_LINK_BLOCK) or None
    if view["callback_id"] == MARK_SYNCED:
        result = SyncResult(object_id, reference_id=typed(block), kind=key, deep_link_url=link)
    else:
        result = SyncResult(object_id, error=typed(block), kind=key)
    problem = check_result(result)
    where = DEEP_LINK_BLOCK if problem and problem.startswith("`deep_link_url`") else block
    return metadata, result, where, problem


def check_submission(view: dict[str, Any]) -> dict[str, str] | None:
    _, _, block, problem = submitted(view)
    return {block: upper_first(problem) + "."} if problem and block else None


def post_from_modal(turn: Turn) -> None:
    metadata, result, _, _ = submitted(turn.view)
    channel = str(metadata.get("channel", ""))
    row = kind(result.kind)
    item = turn.services.objects.stored(row.key, result.transaction_id)
    reason = turn.services.objects.not_ready_reason(row.key, result.transaction_id)
    if reason:
        turn.services.audit.record_sync_refused(
            user_id=turn.user_id, channel_id=channel, result=result, reason=reason
        )
        text = f"Nothing was posted to Ramp for this {row.singular}: {reason}."
        turn.client.chat_postEphemeral(channel=channel, user=turn.user_id, text=text)
        return
    outcome = turn.services.syncs.post_sync_results(
        [result],
        user_id=turn.user_id,
        channel_id=channel,
        source=f"modal:{row.result_type}:{result.transaction_id}",
    )
    who = (item.counterparty if item else None) or result.transaction_id
    amount = f" · {item.amount.format()}" if item else ""
    done = f"synced as {result.reference_id}" if result.succeeded else "reported as failed"
    title = f"{upper_first(row.singular)} {who}{amount} {done}"
    turn.client.chat_postMessage(
        channel=channel,
        thread_ts=metadata.get("thread") or None,
        **render_message("sync_posted.json.j2", outcome=outcome, rows={}, title=title, user_id=turn.user_id),
    )
    _update_list(turn, metadata)


def _update_list(turn: Turn, metadata: dict[str, Any]) -> None:
    def draw(list_id: str, page: int) -> dict[str, Any] | None:
        listing = turn.services.objects.load(list_id)
        return page_message(turn, listing, page) if listing else None

    redraw_list(turn, metadata, draw)
