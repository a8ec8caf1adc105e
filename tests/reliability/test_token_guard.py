"""Where the bot token may go when the bot downloads a shared file.

Only to the exact scheme, host and port of `SLACK_API_URL` and to Slack's own https file hosts
(shared/reference/slack.md section 5); never to the Slack API host on another port or over another
scheme; never again once a redirect has left those hosts. A link to a loopback or private address
other than `SLACK_API_URL`'s own is refused before any request.

Through the front door: a signed `file_share` event from the Slack stand-in to the running bot, whose
`files.info` answer points the download elsewhere (`url_override`). Tiny HTTP servers on loopback
stand in for the other hosts and record every connection and every Authorization header. For the
redirect cases `SLACK_API_URL` is one of them, in front of the stand-in: it passes the Web API
through and answers chosen paths with a redirect.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot, bot_settings, start_http_bot
from tests.driver import BOT_TOKEN, action_ids, first_reply, share, text_of

pytestmark = [pytest.mark.reliability, pytest.mark.http]  # the token guard of HTTP mode's downloads

ACCOUNTS = (Path(__file__).parents[1] / "fixtures" / "files" / "qbo_chart_of_accounts.csv").read_bytes()
SLACK_TOKEN = f"Bearer {BOT_TOKEN}"
HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive", "date", "server"}


class LoopbackHost(ThreadingHTTPServer):
    """A host on loopback that counts connections and records each request's path and Authorization
    header. A path in `redirects` answers 302 to its target; any other path is passed to `upstream`
    when set (the Slack stand-in), or answered with `body`."""

    daemon_threads = True

    def __init__(self, body: bytes = b"", upstream: str = "") -> None:
        self.connections = self.tls_hellos = 0
        self.seen: list[tuple[str, str | None]] = []
        self.body, self.upstream = body, upstream.rstrip("/")
        self.redirects: dict[str, str] = {}
        super().__init__(("127.0.0.1", 0), _Handler)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Count each connection before any parsing, and the TLS handshakes among them (first byte
        0x16, RFC 8446 section 5.1), which the HTTP handler never sees as requests."""
        self.connections += 1
        request.settimeout(2)
        try:
            first = request.recv(1, socket.MSG_PEEK)
        except OSError:
            first = b""
        request.settimeout(None)
        self.tls_hellos += first == b"\x16"
        return True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def authorizations(self, path_prefix: str = "/") -> list[str | None]:
        return [auth for path, auth in self.seen if path.startswith(path_prefix)]


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackHost

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        if self.path in self.server.redirects:
            self._answer(302, b"", {"Location": self.server.redirects[self.path]})
        elif self.server.upstream:
            self._pass_on(b"")
        else:
            self._answer(200, self.server.body, {"Content-Type": "text/csv"})

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        self._pass_on(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _pass_on(self, body: bytes) -> None:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | {"host"}}
        answer = httpx.request(
            self.command, self.server.upstream + self.path, content=body, headers=headers, timeout=30
        )
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
        self._answer(answer.status_code, answer.content, kept)

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def hosts() -> Iterator[Callable[..., LoopbackHost]]:
    started: list[LoopbackHost] = []

    def start(body: bytes = ACCOUNTS, upstream: str = "") -> LoopbackHost:
        host = LoopbackHost(body, upstream)
        threading.Thread(target=host.serve_forever, args=(0.05,), daemon=True).start()
        started.append(host)
        return host

    yield start
    for host in started:
        host.shutdown()
        host.server_close()


@pytest.fixture
def front(hosts: Callable[..., LoopbackHost], slack: SlackStandIn) -> LoopbackHost:
    """`SLACK_API_URL` for the redirect cases: Slack's Web API, able to redirect."""
    return hosts(upstream=slack.url)


@pytest.fixture
def fronted_bot(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn, front: LoopbackHost
) -> Iterator[RunningBot]:
    for running in start_http_bot(bot_settings(tmp_path, ramp, slack, slack_api_url=f"{front.url}/"), slack):
        running.ramp.create_connection("NetSuite")  # so a file that was read gets a preview
        yield running


def share_pointing_at(slack: SlackStandIn, url: str | None) -> Any:
    """Share a file whose `files.info` gives `url` to download (None: the stand-in's own), and
    return the bot's first answer in the thread."""
    return first_reply(slack, share(slack, ACCOUNTS, "accounts.csv", download_url=url), timeout=15)


def was_read(message: Any) -> bool:
    """The bot read the file: it answered with an upload preview, not an error."""
    return "upload_start" in action_ids(message)


def was_refused(message: Any) -> bool:
    return "private network address" in text_of(message) and not was_read(message)


# -- the first link --------------------------------------------------------------------------------


def test_the_token_goes_to_slack_api_urls_own_origin_and_the_file_is_read(
    bot: RunningBot, slack: SlackStandIn
):
    bot.ramp.create_connection("NetSuite")  # so a file that was read gets a preview
    reply = share_pointing_at(slack, None)  # the stand-in's own URL; without the token it sends HTML
    assert was_read(reply), text_of(reply)


def test_the_slack_api_host_on_another_port_gets_no_request_at_all(
    bot: RunningBot, slack: SlackStandIn, hosts: Callable[..., LoopbackHost]
):
    elsewhere = hosts()  # 127.0.0.1 like the stand-in, another port
    reply = share_pointing_at(slack, f"{elsewhere.url}/files/accounts.csv")
    assert was_refused(reply), text_of(reply)
    assert elsewhere.connections == 0 and elsewhere.seen == []


def test_slack_api_urls_host_and_port_over_https_get_no_request_at_all(
    fronted_bot: RunningBot, slack: SlackStandIn, front: LoopbackHost
):
    https_same_port = front.url.replace("http://", "https://")
    reply = share_pointing_at(slack, f"{https_same_port}/files/accounts.csv")
    assert was_refused(reply), text_of(reply)
    assert front.tls_hellos == 0 and front.seen == []  # the bot's Web API calls are POSTs, not kept


def test_a_name_that_resolves_to_loopback_gets_no_request_at_all(
    bot: RunningBot, slack: SlackStandIn, hosts: Callable[..., LoopbackHost]
):
    elsewhere = hosts()
    port = elsewhere.server_address[1]
    reply = share_pointing_at(slack, f"http://localhost:{port}/files/accounts.csv")
    assert was_refused(reply), text_of(reply)
    assert elsewhere.connections == 0


@pytest.mark.parametrize(
    "address",
    ["127.0.0.2", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "[::1]", "[fc00::1]"],
)
def test_private_addresses_are_refused_before_any_request(bot: RunningBot, slack: SlackStandIn, address: str):
    # Nothing listens on these (or on 127.0.0.2:9): a request would time out or fail, and the
    # answer would be "could not read", not the refusal.
    reply = share_pointing_at(slack, f"http://{address}:9/latest/meta-data/")
    assert was_refused(reply), text_of(reply)


# -- redirects, each hop checked again ---------------------------------------------------------------


def test_a_redirect_from_slack_to_its_host_on_another_port_goes_without_the_token(
    fronted_bot: RunningBot, slack: SlackStandIn, front: LoopbackHost, hosts: Callable[..., LoopbackHost]
):
    elsewhere = hosts()  # 127.0.0.1, as SLACK_API_URL, but another port
    front.redirects["/files/F1/accounts.csv"] = f"{elsewhere.url}/stolen"
    reply = share_pointing_at(slack, f"{front.url}/files/F1/accounts.csv")
    assert front.authorizations("/files") == [SLACK_TOKEN]  # SLACK_API_URL's own origin: the token
    assert elsewhere.seen == [("/stolen", None)]  # Slack sent the bot there: followed, without it
    assert was_read(reply), text_of(reply)


def test_the_second_hop_back_to_slack_from_a_host_that_is_not_slacks_goes_without_the_token(
    fronted_bot: RunningBot, slack: SlackStandIn, front: LoopbackHost, hosts: Callable[..., LoopbackHost]
):
    elsewhere = hosts()
    front.redirects["/files/F1/accounts.csv"] = f"{elsewhere.url}/hop"
    elsewhere.redirects["/hop"] = f"{front.url}/files/F2/back.csv"
    share_pointing_at(slack, f"{front.url}/files/F1/accounts.csv")
    assert elsewhere.seen == [("/hop", None)]
    # Once the chain has left Slack, another host chose the URL: the token never goes along again.
    assert front.authorizations("/files") == [SLACK_TOKEN, None]


def test_a_redirect_from_a_host_that_is_not_slacks_to_a_private_address_is_not_followed(
    fronted_bot: RunningBot, slack: SlackStandIn, front: LoopbackHost, hosts: Callable[..., LoopbackHost]
):
    outsider, inside = hosts(), hosts()
    front.redirects["/files/F1/accounts.csv"] = f"{outsider.url}/hop"
    outsider.redirects["/hop"] = f"{inside.url}/admin"
    reply = share_pointing_at(slack, f"{front.url}/files/F1/accounts.csv")
    assert was_refused(reply), text_of(reply)
    assert outsider.seen == [("/hop", None)]
    assert inside.connections == 0
