"""Buttons, menus and modal submissions: one table each, keyed by `action_id` and `callback_id`, and
one listener each that refuses, acks and hands the work on.

An entry says who may use it and whether it runs once per button: a double click, or a second press
of the same button on the same message, finds it claimed and does nothing (`Once`).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack

from bot.render import render_message
from handlers import (
    connection,
    fields,
    home,
    migration,
    objects,
    ready,
    summary,
    sync_results,
    transactions,
    upload_mapping,
    uploads,
)
from handlers.after_ack import AfterAck, Work
from handlers.commands import CHANGES_RAMP
from handlers.permissions import refusal_text
from handlers.turn import Turn

log = logging.getLogger(__name__)


class Once(enum.Enum):
    ANY = "any number of times"
    EVER = "once per button, across restarts"
    THIS_RUN = "once per button in this process; the service itself guards across restarts"


@dataclass(frozen=True)
class ActionSpec:
    action_id: str
    label: str  # how a refusal names it: "press *Upload*"
    work: Work | None  # None: nothing to do now (a checkbox whose state comes with the next click)
    admin: bool = False
    once: Once = Once.ANY
    audited_as: str | None = None
    why_admin: str = CHANGES_RAMP


Check = Callable[[dict[str, Any]], dict[str, str] | None]  # a view -> errors by input block, or None


@dataclass(frozen=True)
class ViewSpec:
    callback_id: str
    label: str
    work: Work
    refusal_block: str  # the input block a refusal is shown under
    check: Check | None = None
    admin: bool = False
    audited_as: str | None = None
    why_admin: str = CHANGES_RAMP


ACTIONS: dict[str, ActionSpec] = {
    spec.action_id: spec
    for spec in (
        ActionSpec("transactions_prev", "Previous", transactions.show_page),
        ActionSpec("transactions_next", "Next", transactions.show_page),
        ActionSpec("transactions_export", "Export CSV", transactions.export),
        ActionSpec(
            "transaction_row",
            "mark a transaction synced or failed",
            transactions.open_result_modal,
            admin=True,
        ),
        ActionSpec("ready_list", "List them", ready.list_kind),
        ActionSpec("ready_refresh", "Refresh", ready.refresh),
        # Two ids, not one: Slack refuses a block whose buttons share an action_id.
        ActionSpec("objects_prev", "Previous", objects.show_page),
        ActionSpec("objects_next", "Next", objects.show_page),
        ActionSpec("objects_export", "Export CSV", objects.export),
        ActionSpec("object_row", "mark an item synced or failed", objects.open_result_modal, admin=True),
        ActionSpec("sync_results_post", "post sync results", sync_results.post, True, Once.THIS_RUN, "sync"),
        ActionSpec("sync_results_cancel", "Cancel", sync_results.cancel),
        ActionSpec(
            "connection_migrate",
            "migrate to another connection",
            migration.choose,
            True,
            Once.EVER,
            "migrate",
        ),
        # Switch and start empty: the successor of Replace, now backed up first (issue 15 §3).
        ActionSpec(
            "connection_replace", "replace the connection", migration.choose, True, Once.EVER, "connect"
        ),
        ActionSpec("migration_go", "migrate to another connection", migration.go, True, Once.EVER, "migrate"),
        ActionSpec("migration_list_ready", "List them", migration.list_ready),
        ActionSpec(
            "field_required_set",
            "change a custom field's required setting",
            fields.set_required,
            True,
            Once.EVER,
            "field",
        ),
        ActionSpec(
            "connection_switch_back",
            "switch back to a previous connection",
            connection.switch_back,
            True,
            Once.EVER,
            "connect",
        ),
        ActionSpec(
            "connection_reactivate",
            "reactivate a connection",
            connection.reactivate,
            True,
            Once.EVER,
            "connect",
        ),
        ActionSpec(
            "connection_new", "start a new connection", connection.start_new, True, Once.EVER, "connect"
        ),
        ActionSpec("connection_keep", "Keep", connection.keep),
        ActionSpec(
            "connection_disconnect", "disconnect", connection.disconnect, True, Once.EVER, "disconnect"
        ),
        ActionSpec("upload_start", "upload categories", uploads.start, True, Once.THIS_RUN),
        ActionSpec("upload_fields", "upload categories", uploads.open_field_modal, admin=True),
        ActionSpec("upload_kind", "change the kind", uploads.reread_file),
        ActionSpec("upload_format", "change the format", uploads.reread_file),
        ActionSpec("upload_encoding", "change the encoding", uploads.reread_file),
        ActionSpec("upload_cancel", "Cancel", uploads.cancel),
        ActionSpec("upload_as_field", "Upload as a custom field", uploads.preview_as_field, once=Once.EVER),
        ActionSpec("upload_deactivate", "Deactivate the rest", None),
        ActionSpec("upload_map_columns", "map the columns", upload_mapping.open_modal),
        ActionSpec("upload_rows_csv", "Every row (CSV)", uploads.post_row_list),
        ActionSpec("summary_open_list", "Open the list", summary.open_list),
        ActionSpec("home_refresh", "Refresh", home.refresh),
        ActionSpec("home_list_transactions", "List transactions", home.list_in_dm),
        ActionSpec("home_help", "Help", home.help_in_dm),
    )
}

VIEWS: dict[str, ViewSpec] = {
    spec.callback_id: spec
    for spec in (
        *(
            ViewSpec(
                callback_id,
                "report sync results",
                transactions.post_from_modal,
                refusal_block=input_block,  # Mark synced asks for a reference, Report failure a reason
                check=transactions.check_submission,
                admin=True,
                audited_as="sync",
            )
            for callback_id, input_block in transactions.INPUT_BLOCKS.items()
        ),
        *(
            ViewSpec(
                callback_id,
                "report sync results",
                objects.post_from_modal,
                refusal_block=input_block,
                check=objects.check_submission,
                admin=True,
                audited_as="sync",
            )
            for callback_id, input_block in objects.INPUT_BLOCKS.items()
        ),
        ViewSpec(
            uploads.FIELD_MODAL,
            "upload categories",
            uploads.start_from_field_modal,
            "field_type_0",
            admin=True,
        ),
        ViewSpec(
            upload_mapping.MODAL,
            "save a column mapping",
            upload_mapping.apply,
            "map_kind",
            check=upload_mapping.check,
            admin=True,
            why_admin=upload_mapping.WHY_ADMIN,
        ),
    )
}


class ActionDoor:
    """The one `block_actions` listener."""

    def __init__(self, after_ack: AfterAck) -> None:
        self._after_ack = after_ack

    def __call__(self, ack: Ack, body: dict[str, Any], context: Any) -> None:
        ack()
        turn = Turn.of(body, context)
        spec = ACTIONS.get(str(turn.action.get("action_id")))
        if spec is None or spec.work is None:
            return  # an input inside a modal, or a button of an older message: nothing to do
        if spec.admin and not turn.is_admin():
            turn.audit(spec.action_id, spec.label, "refused", "not an admin", before_ack=True)
            self._after_ack.submit(lambda t: tell_refused(t, spec), turn)
            return
        work = spec.work if spec.once is Once.ANY else claimed(spec.work, spec.once)
        self._after_ack.submit(work, turn, audited_as=spec.audited_as)


def claimed(work: Work, once: Once) -> Work:
    def run_once(turn: Turn) -> None:
        container = turn.body.get("container") or {}
        target = f"{container.get('message_ts') or container.get('view_id')}:{turn.action.get('action_id')}"
        if turn.services.claims.first_click(target, this_run_only=once is Once.THIS_RUN):
            work(turn)

    return run_once


def tell_refused(turn: Turn, spec: ActionSpec) -> None:
    message = render_message(
        "refusal.json.j2", attempted=spec.label, why=spec.why_admin, admins=turn.admins.mentions()
    )
    turn.respond(replace_original=False, **message)


class ViewDoor:
    """The one `view_submission` listener: a refusal or a problem is shown in the modal itself."""

    def __init__(self, after_ack: AfterAck) -> None:
        self._after_ack = after_ack

    def __call__(self, ack: Ack, body: dict[str, Any], context: Any) -> None:
        turn = Turn.of(body, context)
        spec = VIEWS.get(str(turn.view.get("callback_id")))
        if spec is None:
            ack()
            return
        if spec.admin and not turn.is_admin():
            text = refusal_text(spec.label, spec.why_admin, turn.admins.mentions())
            ack(response_action="errors", errors={spec.refusal_block: text})
            turn.audit(spec.callback_id, spec.label, "refused", "not an admin", before_ack=True)
            return
        errors = spec.check(turn.view) if spec.check else None
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        self._after_ack.submit(spec.work, turn, audited_as=spec.audited_as)
