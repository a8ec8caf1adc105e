"""Category files in Slack: the threaded preview of a shared file (its format and kind changeable
with selects), **Upload** (admins) with a progress bar updated in place, the modal asking how to
create custom fields Ramp lacks, **Cancel**, the subsidiaries fallback, `/ramp upload`, and at
start-up the uploads a killed run left unfinished.

Nothing reaches Ramp before **Upload**. A double click, or a second Upload after the first began,
finds the upload already claimed (`first_click`, then the service's own claim) and does nothing.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.commands import ParsedCommand
from bot.importers import FIELD_OPTIONS, GL_ACCOUNTS, SUBSIDIARIES, VENDORS, ImportFileError, describe_formats
from bot.importers.records import KIND_LABELS
from bot.ramp import RampError
from bot.render import mrkdwn, render_message, render_view
from bot.services.uploads import (
    FIELD_INPUT_TYPES,
    SUBSIDIARY_FIELD,
    UPLOAD_KINDS,
    FieldSetting,
    InterruptedUpload,
    UploadPreview,
    UploadProblem,
)
from handlers import actions
from handlers.commands import RAMP, parsed, subcommand
from handlers.errors import error_message, replies_on_error
from handlers.files import SharedFile, fetch, register_flow
from handlers.permissions import by_non_admin
from handlers.progress import ProgressPublisher

log = logging.getLogger(__name__)

UPLOAD = "upload_start"
CANCEL = "upload_cancel"
AS_FIELD = "upload_as_field"
DEACTIVATE = "upload_deactivate"
FIELDS = "upload_fields"  # Upload on options of custom fields Ramp lacks: opens FIELD_MODAL first
FIELD_MODAL = "upload_field_modal"
KIND = "upload_kind"
FORMAT = "upload_format"

# `/ramp upload <word>` -> kind
KIND_WORDS = {
    "accounts": GL_ACCOUNTS,
    "gl": GL_ACCOUNTS,
    "vendors": VENDORS,
    "subsidiaries": SUBSIDIARIES,
    "field": FIELD_OPTIONS,
    "fields": FIELD_OPTIONS,
}


def register(app: App) -> None:
    app.command(RAMP, matchers=[subcommand("upload")])(explain_upload)
    app.action(UPLOAD, matchers=[by_non_admin])(actions.refuse)
    app.action(FIELDS, matchers=[by_non_admin])(actions.refuse)
    app.action(UPLOAD)(ack=ack_quietly, lazy=[start_upload])
    app.action(FIELDS)(open_field_modal)
    app.view(FIELD_MODAL, matchers=[by_non_admin])(refuse_field_modal)
    app.view(FIELD_MODAL)(ack=ack_quietly, lazy=[start_from_field_modal])
    app.action(KIND)(ack=ack_quietly, lazy=[reread_file])
    app.action(FORMAT)(ack=ack_quietly, lazy=[reread_file])
    app.action(CANCEL)(ack=ack_quietly, lazy=[cancel_upload])
    app.action(AS_FIELD)(ack=ack_quietly, lazy=[preview_as_field])
    app.action(DEACTIVATE)(ack_quietly)  # the box's state arrives with the Upload click
    register_flow(UPLOAD_KINDS, preview_file)


def ack_quietly(ack: Ack) -> None:
    ack()


# -- /ramp upload --------------------------------------------------------------------------------


def explain_upload(ack: Ack, command: dict[str, Any]) -> None:
    result = parsed(command)
    args = result.args if isinstance(result, ParsedCommand) else ()
    kind = KIND_WORDS.get(args[0].lower()) if args else None
    field_name = " ".join(args[1:]) if kind == FIELD_OPTIONS else ""
    formats = [f for f in describe_formats() if kind is None or f.kind == kind]
    label = KIND_LABELS[kind] if kind else "accounting categories"
    ack(**render_message("upload_help.json.j2", formats=formats, kind_label=label, field_name=field_name))


# -- a shared file -------------------------------------------------------------------------------


def preview_file(file: SharedFile, client: WebClient, services: Any) -> None:
    """A category file was shared: a threaded preview; nothing is written to Ramp."""
    where: dict[str, Any] = {"channel": file.channel, "thread_ts": file.thread_ts}
    try:
        preview = services.uploads.preview_file(
            file.content,
            file.name,
            file_id=file.file_id,
            user_id=file.user,
            channel_id=file.channel,
            thread_ts=file.thread_ts,
        )
    except (ImportFileError, UploadProblem) as error:
        message = render_message(
            "error.json.j2", message=f"I could not use *{file.name}*: {error}", next_step="", reference=""
        )
        client.chat_postMessage(**where, **message)
        return
    except RampError as error:
        client.chat_postMessage(**where, **error_message(error)[0])
        return
    client.chat_postMessage(**where, **preview_message(preview))


def preview_message(preview: UploadPreview) -> dict[str, Any]:
    return render_message(
        "upload_preview.json.j2",
        preview=preview,
        kind_label=KIND_LABELS.get(preview.plan.kind, preview.plan.kind),
        subsidiary_field=SUBSIDIARY_FIELD,
        kinds={kind: KIND_LABELS[kind] for kind in UPLOAD_KINDS},
        formats=[f.name for f in describe_formats()],
    )


@replies_on_error()
def reread_file(body: dict[str, Any], respond: Respond, client: WebClient, services: Any) -> None:
    """Another format or kind picked in the preview: read the file again that way, same message."""
    action = body["actions"][0]
    upload_id = str(action.get("block_id") or "").partition(":")[2]
    chosen = str(action["selected_option"]["value"])
    kind, format_name = (chosen, None) if action["action_id"] == KIND else (None, chosen)
    user = body["user"]["id"]
    channel, ts = _message(body)
    found = services.uploads.file_of(upload_id)
    if found is None:
        respond(replace_original=False, text="That preview was replaced or used already: see the latest one.")
        return
    file_id, thread_ts = found
    info = client.files_info(file=file_id)["file"]
    name = str(info.get("name") or "file")
    try:
        preview = services.uploads.preview_file(
            fetch(info, services),
            name,
            file_id=file_id,
            user_id=user,
            channel_id=channel,
            thread_ts=thread_ts,
            kind=kind,
            format_name=format_name,
        )
    except (ImportFileError, UploadProblem) as error:
        respond(
            replace_original=False,
            text=f"*{mrkdwn(name)}* cannot be read that way: {mrkdwn(error)} The preview is unchanged.",
        )
        return
    if services.uploads.replace_preview(upload_id, user) is None:
        respond(replace_original=False, text="Too late to change: that upload already started or ended.")
        return
    client.chat_update(channel=channel, ts=ts, **preview_message(preview))


@replies_on_error()
def preview_as_field(body: dict[str, Any], client: WebClient, services: Any) -> None:
    if not actions.first_click(services, body):
        return
    channel, ts = _message(body)
    try:
        preview = services.uploads.preview_as_field(body["actions"][0]["value"], body["user"]["id"])
    except UploadProblem as error:
        client.chat_update(channel=channel, ts=ts, text=str(error), blocks=[])
        return
    client.chat_update(channel=channel, ts=ts, **preview_message(preview))


# -- Upload and Cancel ---------------------------------------------------------------------------


ALREADY_STARTED = "That upload was already started or cancelled."


@replies_on_error()  # the upload service audits every outcome, failures included
def start_upload(body: dict[str, Any], respond: Respond, client: WebClient, services: Any) -> None:
    # The upload's own claim holds across runs; this one only stops a double click.
    if not actions.first_click(services, body, this_run_only=True):
        return
    channel, ts = _message(body)
    upload_id = body["actions"][0]["value"]
    if not run_upload(client, services, upload_id, body["user"]["id"], channel, ts, deactivate_ticked(body)):
        respond(replace_original=False, text=ALREADY_STARTED)


def run_upload(
    client: WebClient,
    services: Any,
    upload_id: str,
    user: str,
    channel: str,
    ts: str,
    deactivate: bool,
    field_settings: dict[str, FieldSetting] | None = None,
) -> bool:
    """Upload with the preview message `ts` as progress bar, then as the report; False if the upload
    was already started or cancelled."""
    show = progress_message(client, channel, ts, user)
    try:
        started = services.uploads.start(
            upload_id,
            user_id=user,
            channel_id=channel,
            deactivate_missing=deactivate,
            progress=show.record,
            message_ts=ts,
            field_settings=field_settings,
        )
    except UploadProblem as error:
        show.finish({"text": f"Nothing was uploaded: {error}", "blocks": []})
        return True
    except Exception as error:  # the service recorded and audited it; the bar must not stay up
        show.finish(error_message(error)[0])
        return True
    if started is None:
        show.stop()
        return False
    show.finish(
        render_message(
            "upload_report.json.j2", report=started.report, file_name=started.file_name, user_id=user
        )
    )
    return True


# -- the modal for custom fields Ramp lacks --------------------------------------------------------


def open_field_modal(ack: Ack, body: dict[str, Any], client: WebClient, services: Any) -> None:
    ack()
    upload_id = body["actions"][0]["value"]
    channel, ts = _message(body)
    metadata = {"upload": upload_id, "channel": channel, "ts": ts, "deactivate": deactivate_ticked(body)}
    view = render_view(
        "upload_field_modal.json.j2",
        fields=services.uploads.fields_to_create(upload_id),
        input_types=FIELD_INPUT_TYPES,
        metadata=json.dumps(metadata),
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def field_settings(view: dict[str, Any], names: list[str]) -> dict[str, FieldSetting]:
    """The modal's answers by field name (blocks are numbered in the order of `names`)."""
    values = view["state"]["values"]
    settings = {}
    for index, name in enumerate(names):
        chosen = ((values.get(f"field_type_{index}") or {}).get("input_type") or {}).get("selected_option")
        ticked = ((values.get(f"field_split_{index}") or {}).get("splittable") or {}).get("selected_options")
        settings[name] = FieldSetting(
            input_type=str((chosen or {}).get("value") or FieldSetting.input_type),
            is_splittable=bool(ticked),
        )
    return settings


@replies_on_error()
def start_from_field_modal(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, services: Any
) -> None:
    metadata = json.loads(view.get("private_metadata") or "{}")
    upload_id, channel, ts = str(metadata["upload"]), str(metadata["channel"]), str(metadata["ts"])
    user = body["user"]["id"]
    settings = field_settings(view, services.uploads.fields_to_create(upload_id))
    if not run_upload(
        client, services, upload_id, user, channel, ts, bool(metadata.get("deactivate")), settings
    ):
        client.chat_postEphemeral(channel=channel, user=user, text=ALREADY_STARTED)


def refuse_field_modal(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Any) -> None:
    metadata = json.loads(view.get("private_metadata") or "{}")
    ack(response_action="errors", errors={"field_type_0": "Only admins may upload (RAMP_BOT_ADMINS)."})
    services.audit.record(
        user_id=body["user"]["id"],
        channel_id=str(metadata.get("channel", "")),
        command=FIELD_MODAL,
        arguments=str(metadata.get("upload", "")),
        outcome="refused",
        detail="not an admin",
        before_ack=True,
    )


# -- after a restart -------------------------------------------------------------------------------


def resume_uploads(client: WebClient, services: Any) -> None:
    """At start-up, in a background thread (bot/app.py): finish the uploads a killed run left
    running, and post each one's report in its thread."""
    for upload in services.uploads.interrupted():
        try:
            resume_upload(client, services, upload)
        except Exception:  # one upload's failure must not stop the others
            log.exception("could not resume upload %s", upload.id)


def resume_upload(client: WebClient, services: Any, upload: InterruptedUpload) -> None:
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


@replies_on_error()
def cancel_upload(body: dict[str, Any], respond: Respond, client: WebClient, services: Any) -> None:
    user = body["user"]["id"]
    if not services.uploads.cancel(body["actions"][0]["value"], user):
        respond(replace_original=False, text="Too late to cancel: that upload already started or ended.")
        return
    channel, ts = _message(body)
    client.chat_update(
        channel=channel,
        ts=ts,
        **render_message(
            "notice.json.j2", text=f"Cancelled by <@{user}>. Nothing was written to Ramp.", detail=""
        ),
    )


def deactivate_ticked(body: dict[str, Any]) -> bool:
    values = (body.get("state") or {}).get("values") or {}
    for block in values.values():
        chosen = (block.get(DEACTIVATE) or {}).get("selected_options") or []
        if any(option.get("value") == "deactivate" for option in chosen):
            return True
    return False


def progress_message(client: WebClient, channel: str, ts: str, user: str) -> ProgressPublisher:
    """The preview message turned into a progress bar; handlers/progress.py paces its updates."""

    def render(done: int, total: int) -> dict[str, Any]:
        return render_message("upload_progress.json.j2", done=done, total=total, user_id=user)

    return ProgressPublisher(client, channel, ts, render)


def _message(body: dict[str, Any]) -> tuple[str, str]:
    container = body.get("container") or {}
    channel = str(container.get("channel_id") or actions._channel(body))
    return channel, str(container.get("message_ts") or (body.get("message") or {}).get("ts") or "")
