"""The mapping step for a shared file whose header the bot does not know: a message with the header
and first rows and **Map columns…**, a modal asking which column holds each field, then the normal
preview in place of that message. The mapping is saved for the header (bot/services/
upload_mappings.py), so the next file with it goes straight to the preview, which names the mapping
and offers **Change mapping…** (the same modal).

Anyone may open the modal; saving a mapping is an admin's (it decides how every later file with
that header is read), refused in the modal itself (handlers/interactions.py).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

from bot import category_kinds
from bot.errors import UserError
from bot.importers.mapping import MAPPED_FIELDS, fields_for
from bot.render import mrkdwn, render_message, render_view
from bot.services.upload_mappings import problems_of
from handlers import uploads
from handlers.downloads import SharedFile, fetch
from handlers.errors import error_message
from handlers.turn import Turn

if TYPE_CHECKING:
    from bot.app import Services

MODAL = "upload_mapping_modal"
WHY_ADMIN = "a saved mapping decides how every later file with these columns is read"


def offer_or_preview(file: SharedFile, client: WebClient, services: Services) -> None:
    """A file no format fits: its preview when a mapping is saved for its header, else the step."""
    where: dict[str, Any] = {"channel": file.channel, "thread_ts": file.thread_ts}
    try:
        if services.uploads.mappings.for_file(file.content, file.name) is not None:
            uploads.preview(file, client, services)
            return
        step = services.uploads.mappings.step(file.content, file.name)
    except UserError as error:
        client.chat_postMessage(**where, **error_message(error, lead=f"I could not read *{file.name}*"))
        return
    value = json.dumps({"file": file.file_id, "thread": file.thread_ts})
    client.chat_postMessage(**where, **render_message("upload_mapping_offer.json.j2", step=step, value=value))


def open_modal(turn: Turn) -> None:
    """**Map columns…** (on the step's message) or **Change mapping…** (on a preview)."""
    value = json.loads(str(turn.action.get("value") or "{}"))
    upload_id = str(value.get("upload") or "")
    if upload_id:
        found = turn.services.uploads.file_of(upload_id)
        if found is None:
            turn.respond(replace_original=False, text=uploads.REPLACED)
            return
        file_id, thread = found
    else:
        file_id, thread = str(value["file"]), str(value["thread"])
    name, content = _download(turn, file_id)
    step = turn.services.uploads.mappings.step(content, name)
    metadata = {"file": file_id, "thread": thread, "channel": turn.channel_id, "ts": turn.message_ts}
    view = render_view(
        "upload_mapping_modal.json.j2",
        step=step,
        fields=MAPPED_FIELDS,
        kinds_of={f.key: _kind_words(f.kinds) for f in MAPPED_FIELDS},
        metadata=json.dumps({**metadata, "upload": upload_id, "types": step.types}),
    )
    turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def answers(view: dict[str, Any]) -> tuple[str, dict[str, int], str]:
    """The modal's answers: the kind, {field key: column index} for that kind's fields, the field name."""
    values = view["state"]["values"]

    def picked(block: str, action: str) -> str:
        return str(
            (((values.get(block) or {}).get(action) or {}).get("selected_option") or {}).get("value") or ""
        )

    kind = picked("map_kind", "kind")
    chosen = {
        f.key: int(index) for f in fields_for(kind) if (index := picked(f"map_{f.key}", "column")).isdigit()
    }
    field_name = str(((values.get("map_field_name") or {}).get("field_name") or {}).get("value") or "")
    return kind, chosen, field_name


def classes_of(view: dict[str, Any]) -> dict[str, str]:
    """The classification chosen for each type value the modal asked about."""
    values = view["state"]["values"]
    types = json.loads(view.get("private_metadata") or "{}").get("types") or []
    chosen = {}
    for index, value in enumerate(types):
        option = ((values.get(f"class_{index}") or {}).get("classification") or {}).get("selected_option")
        chosen[str(value)] = str((option or {}).get("value") or "UNKNOWN")
    return chosen


def check(view: dict[str, Any]) -> dict[str, str] | None:
    """Errors under the inputs, before the modal closes: no name column, one column for two fields."""
    problems = problems_of(*answers(view))
    return {f"map_{key or 'kind'}": text for key, text in problems.items()} or None


def apply(turn: Turn) -> None:
    """Save the mapping, read the file with it, and show the preview in place of the message the
    modal was opened from (retiring that preview, when it was one)."""
    metadata = json.loads(turn.view.get("private_metadata") or "{}")
    channel, ts, thread = str(metadata["channel"]), str(metadata["ts"]), str(metadata["thread"])
    kind, chosen, field_name = answers(turn.view)
    try:
        name, content = _download(turn, str(metadata["file"]))
        turn.services.uploads.mappings.save(
            content,
            name,
            kind,
            chosen,
            user_id=turn.user_id,
            field_name=field_name,
            classes=classes_of(turn.view),
        )
        shown = turn.services.uploads.preview_file(
            content,
            name,
            file_id=str(metadata["file"]),
            user_id=turn.user_id,
            channel_id=channel,
            thread_ts=thread,
        )
    except UserError as error:
        text = f"That mapping could not be used: {mrkdwn(error)}"
        turn.client.chat_postEphemeral(channel=channel, user=turn.user_id, thread_ts=thread, text=text)
        return
    upload_id = str(metadata.get("upload") or "")
    if upload_id and turn.services.uploads.replace_preview(upload_id, turn.user_id) is None:
        text = "The mapping is saved, but that upload already started or ended: share the file again."
        turn.client.chat_postEphemeral(channel=channel, user=turn.user_id, thread_ts=thread, text=text)
        return
    turn.client.chat_update(channel=channel, ts=ts, **uploads.preview_message(shown))


def _download(turn: Turn, file_id: str) -> tuple[str, bytes]:
    info = turn.client.files_info(file=file_id)["file"]
    return str(info.get("name") or "file"), fetch(info, turn.services.settings)


def _kind_words(kinds: tuple[str, ...]) -> str:
    """ "GL accounts, vendors": the kinds a field applies to, or "all kinds"."""
    if len(kinds) == len(category_kinds.UPLOAD_KINDS):
        return "all kinds"
    return ", ".join(category_kinds.kind(key).plural for key in kinds)
