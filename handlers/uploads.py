"""Category files in Slack: the threaded preview of a shared file, **Upload** (admins) with a progress
bar updated in place, **Cancel**, the subsidiaries fallback, and `/ramp upload`.

Nothing reaches Ramp before **Upload**. A double click, or a second Upload after the first began,
finds the upload already claimed (`first_click`, then the service's own claim) and does nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands import ParsedCommand
from bot.importers import FIELD_OPTIONS, GL_ACCOUNTS, SUBSIDIARIES, VENDORS, ImportFileError, describe_formats
from bot.importers.records import KIND_LABELS
from bot.ramp import RampError
from bot.render import render_message
from bot.services.uploads import SUBSIDIARY_FIELD, UPLOAD_KINDS, UploadPreview, UploadProblem
from handlers import actions
from handlers.commands import RAMP, parsed, subcommand
from handlers.errors import error_message, replies_on_error
from handlers.files import SharedFile, register_flow
from handlers.permissions import AdminDirectory

log = logging.getLogger(__name__)

UPLOAD = "upload_start"
CANCEL = "upload_cancel"
AS_FIELD = "upload_as_field"
DEACTIVATE = "upload_deactivate"
PROGRESS_EVERY_S = 1.0  # chat.update is a Tier 3 method (~50 a minute); one a second stays under it

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
    app.action(UPLOAD)(ack=ack_quietly, lazy=[start_upload])
    app.action(CANCEL)(ack=ack_quietly, lazy=[cancel_upload])
    app.action(AS_FIELD)(ack=ack_quietly, lazy=[preview_as_field])
    app.action(DEACTIVATE)(ack_quietly)  # the box's state arrives with the Upload click
    register_flow(UPLOAD_KINDS, preview_file)


def ack_quietly(ack: Ack) -> None:
    ack()


def by_non_admin(body: dict[str, Any], admins: AdminDirectory, client: Any) -> bool:
    return not admins.is_admin(body["user"]["id"], client)


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
            file.content, file.name, file_id=file.file_id, user_id=file.user, channel_id=file.channel
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
    )


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


@replies_on_error()  # the upload service audits every outcome, failures included
def start_upload(body: dict[str, Any], respond: Respond, client: WebClient, services: Any) -> None:
    if not actions.first_click(services, body):
        return
    user = body["user"]["id"]
    channel, ts = _message(body)
    show = ProgressMessage(client, channel, ts, user)
    try:
        started = services.uploads.start(
            body["actions"][0]["value"],
            user_id=user,
            channel_id=channel,
            deactivate_missing=deactivate_ticked(body),
            progress=show.update,
        )
    except UploadProblem as error:
        client.chat_update(channel=channel, ts=ts, text=f"Nothing was uploaded: {error}", blocks=[])
        return
    if started is None:
        respond(replace_original=False, text="That upload was already started or cancelled.")
        return
    client.chat_update(
        channel=channel,
        ts=ts,
        **render_message(
            "upload_report.json.j2", report=started.report, file_name=started.file_name, user_id=user
        ),
    )


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


class ProgressMessage:
    """The preview message turned into a progress bar, updated at most once a second."""

    def __init__(
        self, client: WebClient, channel: str, ts: str, user: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._client, self._channel, self._ts, self._user = client, channel, ts, user
        self._clock = clock
        self._lock = threading.Lock()
        self._last = float("-inf")

    def update(self, done: int, total: int) -> None:
        # Called from the upload's worker threads: never make them wait for Slack. An update that
        # comes while one is in flight, or within a second of the last, is dropped.
        if not self._lock.acquire(blocking=False):
            return
        try:
            now = self._clock()
            if now - self._last < PROGRESS_EVERY_S and done != 0:
                return
            self._last = now
            self._client.chat_update(
                channel=self._channel,
                ts=self._ts,
                **render_message("upload_progress.json.j2", done=done, total=total, user_id=self._user),
            )
        except SlackApiError as error:  # the upload goes on; the final report still comes
            log.warning("could not update the progress message: %s", error.response.get("error"))
        finally:
            self._lock.release()


def _message(body: dict[str, Any]) -> tuple[str, str]:
    container = body.get("container") or {}
    channel = str(container.get("channel_id") or actions._channel(body))
    return channel, str(container.get("message_ts") or (body.get("message") or {}).get("ts") or "")
