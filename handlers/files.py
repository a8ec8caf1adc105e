"""Files shared with the bot: a CSV or XLSX in a channel it is in, or in a DM with it.

One place receives them (the `message` event with subtype `file_share`; `file_shared` would deliver
the same upload twice), fetches the file safely, recognises its kind from the header row, and hands
it to the flow registered for that kind (category uploads, sync results).

Safety (reference/slack.md section 5): always `files.info` first (Slack Connect shares arrive as
stubs); refuse files over the size cap before downloading; send the bot token only to Slack's hosts,
following redirects by hand; a 200 answer with an HTML sign-in page means the token was refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from slack_bolt import App
from slack_sdk import WebClient

from bot.importers import ImportFileError, detect_kind
from bot.render import render_message
from handlers.errors import replies_on_error

log = logging.getLogger(__name__)

READABLE_TYPES = {"csv", "xlsx", "tsv", "text"}
READABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")


@dataclass(frozen=True)
class SharedFile:
    """A file someone shared, fetched, with where to answer."""

    file_id: str
    name: str
    content: bytes
    kind: str | None  # from the header row: gl_accounts, vendors, ..., sync_results; None if unknown
    channel: str
    thread_ts: str  # the thread to answer in: the share message itself
    user: str


FileFlow = Callable[..., None]
# kind -> the function that previews it: flow(file=SharedFile, client=WebClient, services=Services)
FLOWS: dict[str, FileFlow] = {}


def register_flow(kinds: tuple[str, ...], flow: FileFlow) -> None:
    for kind in kinds:
        FLOWS[kind] = flow


def register(app: App) -> None:
    app.event({"type": "message", "subtype": "file_share"})(ack=ack_event, lazy=[receive_files])


def ack_event(ack: Any) -> None:
    ack()


@replies_on_error()
def receive_files(event: dict[str, Any], client: WebClient, services: Any) -> None:
    for stub in event.get("files") or []:
        try:
            receive_one(stub["id"], event, client, services)
        except Exception:
            log.exception("could not handle shared file %s", stub.get("id"))
            _reply(
                client, event, "Sorry, I could not read that file. Nothing was changed; try sharing it again."
            )


def receive_one(file_id: str, event: dict[str, Any], client: WebClient, services: Any) -> None:
    info = client.files_info(file=file_id)["file"]
    name = str(info.get("name") or "file")
    if not _looks_tabular(info):
        return  # an image or a PDF in the finance channel is none of our business
    try:
        content = fetch(info, services)
    except FileTooLarge as error:
        _reply(client, event, str(error))
        return
    try:
        kind = detect_kind(content, name)
    except ImportFileError as error:
        _reply(client, event, f"I could not read *{name}*: {error} Nothing was changed.")
        return
    flow = FLOWS.get(kind or "") or FLOWS.get("*")
    shared = SharedFile(
        file_id=file_id,
        name=name,
        content=content,
        kind=kind,
        channel=event["channel"],
        thread_ts=event.get("thread_ts") or event["ts"],
        user=event.get("user", ""),
    )
    if flow is None:
        _reply(
            client, event, f"I don't recognise the columns of *{name}*. `/ramp help` says what I can read."
        )
        return
    flow(file=shared, client=client, services=services)


class DownloadError(RuntimeError):
    pass


class FileTooLarge(DownloadError):
    """The file is over the size cap; `str(error)` says so and what to do."""


def fetch(info: dict[str, Any], services: Any) -> bytes:
    """The content of a file `files.info` described, within the size cap (`FileTooLarge` if over)."""
    limit = services.settings.max_file_bytes
    if int(info.get("size") or 0) > limit:
        raise too_large(info, limit)
    try:
        return download(info, services.settings.slack_bot_token.reveal(), services.settings.slack_host, limit)
    except FileTooLarge:  # files.info understated the size: the download itself went over
        raise too_large(info, limit) from None


def too_large(info: dict[str, Any], limit: int) -> FileTooLarge:
    return FileTooLarge(
        f"*{info.get('name') or 'The file'}* is larger than {limit // (1024 * 1024)} MB, the most I "
        "read. Split it into smaller files and share them one by one. Nothing was changed."
    )


def download(info: dict[str, Any], token: str, slack_host: str, limit: int) -> bytes:
    """Fetch `url_private_download`, sending the token only to Slack's own hosts."""
    url = info.get("url_private_download") or info.get("url_private")
    if not url:
        raise DownloadError("Slack gave no download URL for this file")
    with httpx.Client(timeout=30, follow_redirects=False) as http:
        for _ in range(5):  # redirects, by hand, so the token never leaves Slack
            headers = {"Authorization": f"Bearer {token}"} if is_slack_host(url, slack_host) else {}
            with http.stream("GET", url, headers=headers) as response:
                if response.is_redirect:
                    url = urljoin(url, response.headers["location"])
                    continue
                response.raise_for_status()
                if "text/html" in response.headers.get("content-type", ""):
                    raise DownloadError("Slack answered with a sign-in page: the bot token lacks files:read")
                return _read_capped(response, limit)
    raise DownloadError("too many redirects")


def is_slack_host(url: str, slack_host: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == slack_host.lower() or host == "slack.com" or host.endswith(".slack.com")


def _read_capped(response: httpx.Response, limit: int) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise FileTooLarge("the file is larger than the size limit")
        chunks.append(chunk)
    return b"".join(chunks)


def _looks_tabular(info: dict[str, Any]) -> bool:
    name = str(info.get("name") or "").lower()
    return info.get("filetype") in READABLE_TYPES or name.endswith(READABLE_SUFFIXES)


def _reply(client: WebClient, event: dict[str, Any], text: str) -> None:
    client.chat_postMessage(
        channel=event["channel"],
        thread_ts=event.get("thread_ts") or event["ts"],
        **render_message("error.json.j2", message=text, next_step="", reference=""),
    )
