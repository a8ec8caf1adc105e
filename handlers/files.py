"""Files shared with the bot: a CSV or XLSX in a channel it is in, or in a DM with it.

One place receives them (the `message` event with subtype `file_share`; `file_shared` would deliver
the same upload twice), fetches the file safely, recognises its kind from the header row, and hands
it to the flow registered for that kind (category uploads, sync results).

Safety (reference/slack.md section 5): always `files.info` first (Slack Connect shares arrive as
stubs); refuse files over the size cap before downloading; a 200 answer with an HTML sign-in page
means the token was refused. Where the bot token may go (issue 12, item 8):

- only to the exact scheme, host and port of `SLACK_API_URL`, and to Slack's own https file hosts
  (`slack.com`, `*.slack.com` on port 443: where `url_private` lives and redirects to, slack.md §5);
- redirects are followed by hand and each hop checked again; once a hop has left those hosts the
  token never goes along again, even back to Slack (another host chose that URL);
- a link to a loopback, private or link-local address (names resolving to one included) is refused
  before any request, unless it is `SLACK_API_URL`'s own origin or Slack itself redirected there.
  Limit: the name is resolved again when connecting, so a name that changes its answer in between
  (DNS rebinding) is not caught.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
from slack_bolt import App
from slack_sdk import WebClient

from bot.importers import ImportFileError, detect_kind
from bot.render import render_message
from handlers.errors import replies_on_error

log = logging.getLogger(__name__)

READABLE_TYPES = {"csv", "xlsx", "tsv", "text"}
READABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
MAX_REDIRECTS = 5
DEFAULT_PORTS = {"http": 80, "https": 443}


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
    except (FileTooLarge, PrivateAddress) as error:
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


class PrivateAddress(DownloadError):
    """The link points into a private network; nothing was requested. `str(error)` is for the user."""


def fetch(info: dict[str, Any], services: Any) -> bytes:
    """The content of a file `files.info` described, within the size cap (`FileTooLarge` if over)."""
    limit = services.settings.max_file_bytes
    if int(info.get("size") or 0) > limit:
        raise too_large(info, limit)
    settings = services.settings
    try:
        return download(info, settings.slack_bot_token.reveal(), settings.slack_api_url, limit)
    except FileTooLarge:  # files.info understated the size: the download itself went over
        raise too_large(info, limit) from None
    except PrivateAddress as error:
        raise PrivateAddress(
            f"I did not download *{info.get('name') or 'the file'}*: its link points at a private network "
            f"address ({error}), which I never fetch. Nothing was changed."
        ) from None


def too_large(info: dict[str, Any], limit: int) -> FileTooLarge:
    return FileTooLarge(
        f"*{info.get('name') or 'The file'}* is larger than {limit // (1024 * 1024)} MB, the most I "
        "read. Split it into smaller files and share them one by one. Nothing was changed."
    )


def download(info: dict[str, Any], token: str, api_url: str, limit: int) -> bytes:
    """Fetch `url_private_download`, the token only ever going to Slack (see the module docstring)."""
    url = info.get("url_private_download") or info.get("url_private")
    if not url:
        raise DownloadError("Slack gave no download URL for this file")
    api = origin(httpx.URL(api_url))
    on_slack, vouched = True, False  # vouched: Slack itself sent us to this URL
    with httpx.Client(timeout=30, follow_redirects=False) as http:
        for _ in range(MAX_REDIRECTS + 1):
            target = httpx.URL(url)
            refuse_private(target, api, vouched)
            on_slack = on_slack and gets_token(target, api)
            headers = {"Authorization": f"Bearer {token}"} if on_slack else {}
            with http.stream("GET", target, headers=headers) as response:
                if not response.is_redirect:
                    return _content(response, limit)
                url, vouched = urljoin(str(target), response.headers["location"]), on_slack
    raise DownloadError("too many redirects")


def origin(url: httpx.URL) -> tuple[str, str, int]:
    """Scheme, host and port, the default port filled in: `https://slack.com/` is port 443."""
    if url.scheme not in DEFAULT_PORTS:
        raise DownloadError(f"not an http(s) link: {url.scheme or 'no scheme'}")
    return url.scheme, url.host.lower(), url.port or DEFAULT_PORTS[url.scheme]


def gets_token(url: httpx.URL, api: tuple[str, str, int]) -> bool:
    """`SLACK_API_URL`'s own origin, or Slack's https hosts on their own port (slack.md §5)."""
    scheme, host, port = origin(url)
    if (scheme, host, port) == api:
        return True
    is_slack = host == "slack.com" or host.endswith(".slack.com")
    return is_slack and (scheme, port) == ("https", 443)


def refuse_private(url: httpx.URL, api: tuple[str, str, int], vouched: bool) -> None:
    """Raise `PrivateAddress` for a link into a private network that nobody we trust chose."""
    if vouched or origin(url) == api:
        return
    if any(not address.is_global or address.is_multicast for address in addresses_of(url.host)):
        raise PrivateAddress(url.host)


def addresses_of(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The host as an IP address, or every address its name resolves to (none if it does not)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):  # no such name: the request fails on its own
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _content(response: httpx.Response, limit: int) -> bytes:
    response.raise_for_status()
    if "text/html" in response.headers.get("content-type", ""):
        raise DownloadError("Slack answered with a sign-in page: the bot token lacks files:read")
    return _read_capped(response, limit)


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
