"""Fetching a shared file safely: `files.info` first, the size cap, and the bot token only to Slack.

Safety (reference/slack.md section 5): always `files.info` first (Slack Connect shares arrive as
stubs); refuse files over the size cap before downloading; a 200 answer with an HTML sign-in page
means the token was refused. Where the bot token may go:

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
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx

from bot.config import Settings
from bot.errors import UserError

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


class DownloadError(UserError):
    """The file could not be fetched; `str(error)` says why, for the user."""


class FileTooLarge(DownloadError):
    """The file is over the size cap; `str(error)` says so and what to do."""


class PrivateAddress(DownloadError):
    """The link points into a private network; nothing was requested. `str(error)` is for the user."""


def fetch(info: dict[str, Any], settings: Settings) -> bytes:
    """The content of a file `files.info` described, within the size cap (`FileTooLarge` if over)."""
    limit = settings.max_file_bytes
    if int(info.get("size") or 0) > limit:
        raise too_large(info, limit)
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
