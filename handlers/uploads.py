"""Category files in Slack: the threaded preview of a shared file (its format and kind changeable
with selects; **Every row (CSV)** lists what happens to each row, posted without a click when the
preview lists only the first rows of something; the time the one-by-one writes take is said
before Upload), **Upload** (admins) with a progress bar and the time left
updated in place, the modal asking how to create custom fields Ramp lacks, **Cancel**, the
subsidiaries fallback, `/ramp upload`, and at start-up the uploads a killed run left unfinished.

Nothing reaches Ramp before **Upload**. A double click, or a second Upload after the first began,
finds the upload already claimed (the door's claim, then the service's own) and does nothing.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

from bot.category_kinds import KINDS, UPLOAD_KINDS, for_upload_word
from bot.errors import UserError
from bot.render import mrkdwn, render_message, render_view
from bot.services.field_settings import REQUIRABLE
from bot.services.shared_files import formats
from bot.services.upload_estimate import Pace, duration, planned_seconds
from bot.services.upload_rows import RowList
from bot.services.uploads import (
    SUBSIDIARY_FIELD,
    FieldSetting,
    InterruptedUpload,
    UploadPreview,
    UploadProblem,
)
from handlers.downloads import SharedFile, fetch
from handlers.errors import error_message
from handlers.progress import ProgressPublisher
from handlers.turn import Turn

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

FIELD_MODAL = "upload_field_modal"
KIND = "upload_kind"
FORMAT = "upload_format"
ENCODING = "upload_encoding"
DEACTIVATE = "upload_deactivate"
ALREADY_STARTED = "That upload was already started or cancelled."
REPLACED = "That preview was replaced or used already: see the latest one."


def explain_upload(turn: Turn) -> dict[str, Any]:
    """`/ramp upload [kind]`: how to send a file, and the formats known for that kind."""
    kind = for_upload_word(turn.args[0]) if turn.args else None
    field_name = " ".join(turn.args[1:]) if kind is not None and kind.in_field else ""
    label = kind.plural if kind else "accounting categories"
    return render_message(
        "upload_help.json.j2",
        formats=formats(kind.key if kind else None),
        kind_label=label,
        field_name=field_name,
    )


def preview(file: SharedFile, client: WebClient, services: Services) -> None:
    """A category file was shared: a threaded preview; nothing is written to Ramp."""
    where: dict[str, Any] = {"channel": file.channel, "thread_ts": file.thread_ts}
    try:
        shown = services.uploads.preview_file(
            file.content,
            file.name,
            file_id=file.file_id,
            user_id=file.user,
            channel_id=file.channel,
            thread_ts=file.thread_ts,
        )
    except UserError as error:
        client.chat_postMessage(**where, **error_message(error, lead=f"I could not use *{file.name}*"))
        return
    client.chat_postMessage(**where, **preview_message(shown))
    attach_overflow(client, file.channel, file.thread_ts, shown)


def attach_overflow(client: WebClient, channel: str, thread_ts: str, shown: UploadPreview) -> None:
    """When the preview lists only the first rows of something, every row goes to its thread as a
    CSV as well, without a click (issue 14 §4)."""
    rows = shown.overflow_rows
    if rows is not None:
        comment = f"Every row of *{mrkdwn(rows.file_name)}* ({rows.rows:,}): more than the preview lists."
        post_rows(client, channel, thread_ts, rows, comment)


def post_rows(client: WebClient, channel: str, thread_ts: str, rows: RowList, comment: str) -> None:
    client.files_upload_v2(
        channel=channel,
        thread_ts=thread_ts,
        content=rows.content,
        filename=rows.filename,
        title=rows.filename,
        initial_comment=comment,
    )


def preview_message(shown: UploadPreview) -> dict[str, Any]:
    labels = {kind.key: kind.plural for kind in KINDS}
    plan = shown.plan
    return render_message(
        "upload_preview.json.j2",
        preview=shown,
        kind_label=labels.get(plan.kind, plan.kind),
        subsidiary_field=SUBSIDIARY_FIELD,
        kinds={kind: labels[kind] for kind in UPLOAD_KINDS},
        formats=[f.name for f in formats()],
        timing={
            "upload": duration(planned_seconds(plan.one_by_one + plan.batch_requests))
            if plan.one_by_one
            else "",
            "deactivate": duration(planned_seconds(plan.missing)) if plan.missing else "",
        },
    )


def post_row_list(turn: Turn) -> None:
    """**Every row (CSV)**: each row of the file, uploaded, unchanged, skipped with its reason or in
    error, with its Excel row number, as a file in the preview's thread."""
    upload_id = str(turn.action.get("value") or "")
    found = turn.services.uploads.file_of(upload_id)
    if found is None:
        turn.respond(replace_original=False, text=REPLACED)
        return
    file_id, thread_ts = found
    info = turn.client.files_info(file=file_id)["file"]
    try:
        rows = turn.services.uploads.row_list(upload_id, fetch(info, turn.services.settings))
    except UserError as error:
        turn.respond(replace_original=False, **error_message(error, lead="I could not list the rows"))
        return
    comment = f"Every row of *{mrkdwn(rows.file_name)}* ({rows.rows:,}), for <@{turn.user_id}>."
    post_rows(turn.client, turn.channel_id, thread_ts or turn.message_ts, rows, comment)


def reread_file(turn: Turn) -> None:
    """Another kind, format or encoding picked in the preview: read the file again that way, same
    message. The select used wins; the others keep what the message shows (their state). A new
    preview that lists only some rows brings its CSV too."""
    upload_id = str(turn.action.get("block_id") or "").partition(":")[2]
    choices = chosen_in_preview(turn)
    kind = choices.get(KIND) if turn.action["action_id"] == KIND else None
    format_name = choices.get(FORMAT) if turn.action["action_id"] == FORMAT else None
    encoding = choices.get(ENCODING)
    found = turn.services.uploads.file_of(upload_id)
    if found is None:
        turn.respond(replace_original=False, text=REPLACED)
        return
    file_id, thread_ts = found
    info = turn.client.files_info(file=file_id)["file"]
    name = str(info.get("name") or "file")
    try:
        shown = turn.services.uploads.preview_file(
            fetch(info, turn.services.settings),
            name,
            file_id=file_id,
            user_id=turn.user_id,
            channel_id=turn.channel_id,
            thread_ts=thread_ts,
            kind=kind,
            format_name=format_name,
            encoding=encoding,
        )
    except UserError as error:
        text = f"*{mrkdwn(name)}* cannot be read that way: {mrkdwn(error)} The preview is unchanged."
        turn.respond(replace_original=False, text=text)
        return
    if turn.services.uploads.replace_preview(upload_id, turn.user_id) is None:
        turn.respond(replace_original=False, text="Too late to change: that upload already started or ended.")
        return
    turn.client.chat_update(channel=turn.channel_id, ts=turn.message_ts, **preview_message(shown))
    attach_overflow(turn.client, turn.channel_id, thread_ts or turn.message_ts, shown)


def chosen_in_preview(turn: Turn) -> dict[str, str]:
    """The preview's selects as the person left them: action id -> value (the one used included)."""
    values = (turn.body.get("state") or {}).get("values") or {}
    chosen = {
        action_id: str((element.get("selected_option") or {}).get("value") or "")
        for block in values.values()
        for action_id, element in block.items()
        if action_id in (KIND, FORMAT, ENCODING)
    }
    chosen[str(turn.action["action_id"])] = str(turn.action["selected_option"]["value"])
    return {action_id: value for action_id, value in chosen.items() if value}


def preview_as_field(turn: Turn) -> None:
    """Ramp has no subsidiaries endpoint for this business: offer the file as a custom field instead."""
    try:
        shown = turn.services.uploads.preview_as_field(str(turn.action.get("value") or ""), turn.user_id)
    except UploadProblem as error:
        turn.client.chat_update(channel=turn.channel_id, ts=turn.message_ts, text=str(error), blocks=[])
        return
    turn.client.chat_update(channel=turn.channel_id, ts=turn.message_ts, **preview_message(shown))


def start(turn: Turn) -> None:
    """Upload: the preview message becomes the progress bar, then the report."""
    upload_id = str(turn.action.get("value") or "")
    if not run_upload(turn, upload_id, turn.channel_id, turn.message_ts, deactivate_ticked(turn.body)):
        turn.respond(replace_original=False, text=ALREADY_STARTED)


def run_upload(
    turn: Turn,
    upload_id: str,
    channel: str,
    ts: str,
    deactivate: bool,
    field_settings: dict[str, FieldSetting] | None = None,
) -> bool:
    """False if the upload was already started or cancelled."""
    show = progress_message(turn.client, channel, ts, turn.user_id)
    try:
        started = turn.services.uploads.start(
            upload_id,
            user_id=turn.user_id,
            channel_id=channel,
            deactivate_missing=deactivate,
            progress=show.record,
            message_ts=ts,
            field_settings=field_settings,
        )
    except Exception as error:  # the service recorded and audited it; the bar must not stay up
        show.finish(error_message(error, lead="Nothing was uploaded"))
        return True
    if started is None:
        show.stop()
        return False
    report = render_message(
        "upload_report.json.j2", report=started.report, file_name=started.file_name, user_id=turn.user_id
    )
    show.finish(report)
    return True


def open_field_modal(turn: Turn) -> None:
    """Upload on options of custom fields Ramp lacks: ask how to create those fields first."""
    upload_id = str(turn.action.get("value") or "")
    metadata = {
        "upload": upload_id,
        "channel": turn.channel_id,
        "ts": turn.message_ts,
        "deactivate": deactivate_ticked(turn.body),
    }
    view = render_view(
        "upload_field_modal.json.j2",
        fields=turn.services.uploads.fields_to_create(upload_id),
        requirable={r.value: r.label for r in REQUIRABLE},
        metadata=json.dumps(metadata),
    )
    turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def field_settings(view: dict[str, Any], names: list[str]) -> dict[str, FieldSetting]:
    """The modal's answers by field name (blocks are numbered in the order of `names`). The input
    type is not asked: a field created for options is single choice, the one type that takes them."""
    values = view["state"]["values"]

    def answer(block: str, action: str, key: str) -> Any:
        return ((values.get(block) or {}).get(action) or {}).get(key)

    settings = {}
    for index, name in enumerate(names):
        ticked = answer(f"field_split_{index}", "splittable", "selected_options")
        required = answer(f"field_required_{index}", "required_for", "selected_options")
        shown = answer(f"field_display_{index}", "display_name", "value")
        settings[name] = FieldSetting(
            is_splittable=bool(ticked),
            is_required_for=tuple(str(o["value"]) for o in required or ()),
            display_name=str(shown or "").strip(),
        )
    return settings


def start_from_field_modal(turn: Turn) -> None:
    metadata = json.loads(turn.view.get("private_metadata") or "{}")
    upload_id, channel, ts = str(metadata["upload"]), str(metadata["channel"]), str(metadata["ts"])
    settings = field_settings(turn.view, turn.services.uploads.fields_to_create(upload_id))
    if not run_upload(turn, upload_id, channel, ts, bool(metadata.get("deactivate")), settings):
        turn.client.chat_postEphemeral(channel=channel, user=turn.user_id, text=ALREADY_STARTED)


def cancel(turn: Turn) -> None:
    if not turn.services.uploads.cancel(str(turn.action.get("value") or ""), turn.user_id):
        turn.respond(replace_original=False, text="Too late to cancel: that upload already started or ended.")
        return
    text = f"Cancelled by <@{turn.user_id}>. Nothing was written to Ramp."
    message = render_message("notice.json.j2", text=text, detail="")
    turn.client.chat_update(channel=turn.channel_id, ts=turn.message_ts, **message)


def deactivate_ticked(body: dict[str, Any]) -> bool:
    values = (body.get("state") or {}).get("values") or {}
    for block in values.values():
        chosen = (block.get(DEACTIVATE) or {}).get("selected_options") or []
        if any(option.get("value") == "deactivate" for option in chosen):
            return True
    return False


def progress_message(client: WebClient, channel: str, ts: str, user: str) -> ProgressPublisher:
    """The preview message turned into a progress bar; handlers/progress.py paces its updates."""

    started, pace = time.monotonic(), Pace()

    def render(done: int, total: int) -> dict[str, Any]:  # called by the publisher's thread only
        pace.add(time.monotonic() - started, done)
        left = pace.seconds_left(done, total)
        return render_message(
            "upload_progress.json.j2",
            done=done,
            total=total,
            user_id=user,
            left=duration(left) if left is not None else "",
        )

    return ProgressPublisher(client, channel, ts, render)


def resume_uploads(client: WebClient, services: Services) -> None:
    """At start-up, in a background thread (bot/app.py): finish the uploads a killed run left
    running, and post each one's report in its thread."""
    for upload in services.uploads.interrupted():
        try:
            resume_upload(client, services, upload)
        except Exception:  # one upload's failure must not stop the others
            log.exception("could not resume upload %s", upload.id)


def resume_upload(client: WebClient, services: Services, upload: InterruptedUpload) -> None:
    channel, ts = upload.channel_id, upload.message_ts
    show = progress_message(client, channel, ts, upload.user_id) if ts else None
    try:
        resumed = services.uploads.resume(upload, progress=show.record if show else None)
    finally:
        if show:
            show.stop()
    if resumed is None:
        return
    if resumed.finished:
        note = (
            "The bot restarted during this upload. It re-read Ramp, sent only what Ramp still lacked, "
            "and finished it."
        )
    else:
        note = (
            f"The bot restarted during this upload and could not finish it: {resumed.reason} "
            "Below is what Ramp confirmed before the restart."
        )
    message = render_message(
        "upload_report.json.j2",
        report=resumed.report,
        file_name=upload.file_name,
        user_id=upload.user_id,
        note=note,
    )
    if show:
        show.finish(message)
    client.chat_postMessage(channel=channel, thread_ts=upload.thread_ts or ts or None, **message)
