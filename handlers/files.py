"""Files shared with the bot: a CSV or XLSX in a channel it is in, or in a DM with it.

One place receives them (the `message` event with subtype `file_share`; `file_shared` would deliver
the same upload twice), fetches the file safely (handlers/downloads.py), recognises its kind from
the header row, and hands it to the flow for that kind: category uploads or sync results; a header
no format fits goes to the column-mapping step (handlers/upload_mapping.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.category_kinds import UPLOAD_KINDS
from bot.services.shared_files import SYNC_RESULTS, kind_of
from handlers import sync_results, upload_mapping, uploads
from handlers.downloads import DownloadError, SharedFile, fetch
from handlers.errors import error_message

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

READABLE_TYPES = {"csv", "xlsx", "tsv", "text"}
# .iif: QuickBooks Desktop's Intuit Interchange Format (bot/importers/iif.py), tab-separated text.
READABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".iif")

FileFlow = Callable[[SharedFile, WebClient, "Services"], None]
FLOWS: Mapping[str, FileFlow] = {SYNC_RESULTS: sync_results.preview} | {
    kind: uploads.preview for kind in UPLOAD_KINDS
}


def receive_files(event: dict[str, Any], client: WebClient, services: Services) -> None:
    """After the ack of a `file_share` message: each file in turn; one file's failure is told in the
    thread (or, when Slack refuses that, to the person who shared it) and the others still go on."""
    for stub in event.get("files") or []:
        try:
            receive_one(str(stub["id"]), event, client, services)
        except Exception as error:
            tell(client, event, error_message(error))


def tell(client: WebClient, event: dict[str, Any], message: dict[str, Any]) -> None:
    """A failure told in the file's thread; when Slack refuses that (the bot was removed from the
    channel, the channel was archived), by DM to whoever shared the file: an event has no
    response_url to fall back on."""
    try:
        reply(client, event, message)
    except SlackApiError as refused:
        user = str(event.get("user") or "")
        if not user:
            raise
        channel = str(event.get("channel") or "")
        log.warning("could not answer in %s (%s): telling %s by DM", channel, refused.response["error"], user)
        where = f"I could not answer in <#{channel}>, where you shared a file, so here:"
        context = {"type": "context", "elements": [{"type": "mrkdwn", "text": where}]}
        dm = client.conversations_open(users=user)["channel"]["id"]
        text = f"{where} {message.get('text', '')}"
        client.chat_postMessage(channel=dm, text=text, blocks=[context, *message.get("blocks", [])])


def receive_one(file_id: str, event: dict[str, Any], client: WebClient, services: Services) -> None:
    info = client.files_info(file=file_id)["file"]
    name = str(info.get("name") or "file")
    if not looks_tabular(info):
        return  # an image or a PDF in the finance channel is none of our business
    try:
        content = fetch(info, services.settings)
        kind = kind_of(content, name)
    except DownloadError as error:
        tell(client, event, error_message(error))
        return
    except Exception as error:  # an ImportFileError is a UserError: its message says what to do
        tell(client, event, error_message(error, lead=f"I could not read *{name}*"))
        return
    # A header no format fits: the preview with the mapping saved for it, else the mapping step.
    flow = FLOWS.get(kind or "", upload_mapping.offer_or_preview)
    thread = str(event.get("thread_ts") or event["ts"])
    shared = SharedFile(
        file_id, name, content, kind, str(event["channel"]), thread, str(event.get("user", ""))
    )
    flow(shared, client, services)


def looks_tabular(info: dict[str, Any]) -> bool:
    name = str(info.get("name") or "").lower()
    return info.get("filetype") in READABLE_TYPES or name.endswith(READABLE_SUFFIXES)


def reply(client: WebClient, event: dict[str, Any], message: dict[str, Any]) -> None:
    client.chat_postMessage(
        channel=event["channel"], thread_ts=event.get("thread_ts") or event["ts"], **message
    )
