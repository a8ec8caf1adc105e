"""The Socket Mode connection itself: opening it, Slack refreshing or losing it, and redelivery, with
no request lost or run twice."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from slack_sdk import WebClient

from sandbox.slack import SlackStandIn
from tests.conftest import APP_TOKEN, RunningBot
from tests.driver import BOT_TOKEN, CHANNEL, FILES, USER, connect, in_thread, previews_in, share, texts

CHART = (FILES / "qbo_chart_of_accounts.csv").read_bytes()


def open_connection(
    slack: SlackStandIn, bearer: str | None = None, form: dict[str, str] | None = None
) -> dict[str, Any]:
    """POST apps.connections.open as any HTTP client would: a token in the header, or in the form."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return dict(httpx.post(f"{slack.url}apps.connections.open", headers=headers, data=form or {}).json())


def test_apps_connections_open_takes_only_an_app_level_token_in_the_header(slack: SlackStandIn):
    assert open_connection(slack, BOT_TOKEN) == {"ok": False, "error": "not_allowed_token_type"}
    assert open_connection(slack, "xapp-someone-else") == {"ok": False, "error": "invalid_auth"}
    assert open_connection(slack, form={"token": APP_TOKEN}) == {"ok": False, "error": "invalid_auth"}
    assert open_connection(slack) == {"ok": False, "error": "missing_args"}
    url = WebClient(base_url=slack.url).apps_connections_open(app_token=APP_TOKEN)["url"]  # slack_sdk's way
    assert urlsplit(url).scheme == "ws" and urlsplit(url).path == "/link/"
    assert [call.method for call in slack.calls()].count("apps.connections.open") == 5


def handshake(url: str) -> str:
    """The first line of the server's answer to a WebSocket handshake on `url`."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(
            f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.hostname}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        return sock.recv(1024).split(b"\r\n", 1)[0].decode()


def test_a_websocket_url_is_good_for_one_connection_which_starts_with_hello(slack: SlackStandIn):
    url = WebClient(base_url=slack.url).apps_connections_open(app_token=APP_TOKEN)["url"]
    assert handshake(url).endswith("101 Switching Protocols")
    assert handshake(url).endswith("401 Unauthorized")  # the ticket was used


def test_the_hello_names_the_app_and_the_connections(bot: RunningBot, slack: SlackStandIn):
    from websockets.sync.client import connect as ws_connect

    url = WebClient(base_url=slack.url).apps_connections_open(app_token=APP_TOKEN)["url"]
    with ws_connect(url) as second:
        hello = json.loads(second.recv(timeout=5))
    assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == "A0LOCAL"
    assert hello["num_connections"] == 2  # the bot's, and this one


def test_after_disconnect_refresh_requested_the_bot_reconnects_and_nothing_is_lost_or_doubled(
    bot: RunningBot, slack: SlackStandIn
):
    connect(slack, "QuickBooks Online")
    slack.socket_mode.disconnect("refresh_requested")
    # Sent before the bot has its new connection: they wait for it, then go to it only.
    slack.slash_command("/ramp", "status", user=USER)
    shared = share(slack, CHART, "qbo_chart_of_accounts.csv")
    slack.wait_for(lambda: "Connected to *QuickBooks Online*" in texts(slack))
    slack.wait_for(lambda: in_thread(slack, shared.thread))
    slack.wait_quiet()
    # At least the one asked for. Under load slack_sdk's connection monitor, which checks the link on
    # its own clock, may open one more (seen once with four test workers on two cores); what matters
    # is below: nothing lost, nothing doubled, no envelope retried.
    assert slack.socket_mode.connections_opened >= 2
    assert len(slack.calls("apps.connections.open")) == slack.socket_mode.connections_opened
    assert texts(slack).count("Connected to *QuickBooks Online*") == 1
    assert len(previews_in(slack, shared.thread)) == 1
    assert all(envelope.get("retry_attempt", 0) == 0 for envelope in slack.socket_mode.envelopes)


def test_a_connection_warned_of_its_end_gets_no_new_envelope_and_a_request_waits_for_the_next(
    slack: SlackStandIn,
):
    from websockets.sync.client import connect as ws_connect

    @contextmanager
    def open_link() -> Iterator[Any]:
        with ws_connect(
            WebClient(base_url=slack.url).apps_connections_open(app_token=APP_TOKEN)["url"]
        ) as link:
            assert json.loads(link.recv(timeout=5))["type"] == "hello"
            yield link

    with open_link() as old:
        slack.socket_mode.disconnect("warning")
        assert json.loads(old.recv(timeout=5)) == {
            "type": "disconnect",
            "reason": "warning",
            "debug_info": {"host": "applink-local"},
        }
        with ThreadPoolExecutor(1) as pool:
            answer = pool.submit(slack.slash_command, "/ramp", "help", USER, CHANNEL)
            with open_link() as new:
                envelope = json.loads(new.recv(timeout=5))
                assert envelope["type"] == "slash_commands"
                old.send(json.dumps({"envelope_id": envelope["envelope_id"], "payload": {"text": "hi"}}))
                assert answer.result(timeout=5).json() == {"text": "hi"}  # an ack counts on any link
        with pytest.raises(TimeoutError):
            old.recv(timeout=0.2)  # nothing was sent to the warned connection


def test_after_the_socket_is_dropped_the_bot_reconnects_and_nothing_is_lost(
    bot: RunningBot, slack: SlackStandIn
):
    slack.socket_mode.drop()
    shared = share(slack, CHART, "qbo_chart_of_accounts.csv")  # waits for the new connection
    response = slack.slash_command("/ramp", "help", user=USER)
    assert "/ramp status" in response.body
    slack.wait_for(lambda: in_thread(slack, shared.thread))
    slack.wait_quiet()
    assert slack.socket_mode.connections_opened >= 2  # one more may come under load, as above
    assert len(previews_in(slack, shared.thread)) == 1


def test_an_event_whose_ack_is_lost_is_redelivered_and_handled_once(bot: RunningBot, slack: SlackStandIn):
    connect(slack, "QuickBooks Online")
    slack.socket_mode.lose_acks(1)
    shared = share(slack, CHART, "qbo_chart_of_accounts.csv")
    slack.wait_quiet()
    first, again = [e for e in slack.socket_mode.envelopes if e["type"] == "events_api"]
    assert (again["retry_attempt"], again["retry_reason"]) == (1, "timeout")
    assert again["envelope_id"] != first["envelope_id"]
    assert again["payload"]["event_id"] == first["payload"]["event_id"]
    assert len(previews_in(slack, shared.thread)) == 1  # one preview


def test_a_repeated_command_runs_once_and_its_ack_is_sent_again(bot: RunningBot, slack: SlackStandIn):
    slack.socket_mode.redeliver = ("slash_commands", "interactive", "events_api")
    slack.socket_mode.lose_acks(1)
    response = slack.slash_command("/ramp", "status", user=USER, channel=CHANNEL)
    slack.wait_quiet()
    first, again = slack.socket_mode.envelopes
    assert again["payload"]["trigger_id"] == first["payload"]["trigger_id"]
    assert again["retry_attempt"] == 1
    lost, resent = slack.socket_mode.acks
    assert resent.get("payload") == lost.get("payload") and response.status == 200
    assert texts(slack).count("No active accounting connection") == 1
