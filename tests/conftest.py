"""The front door for tests: the Ramp sandbox, the Slack stand-in and the bot, all over loopback.

The suite's bot runs in Socket Mode, the mode `make run` ships (bot/app.py `socket_door`): the
stand-in delivers envelopes over its WebSocket and takes the acks back. HTTP mode, behind
`python -m bot serve`, has its own tests: a module or test marked `http` gets the bot behind the
HTTP front door instead, and `start_http_bot` starts one by hand (signed requests, Ramp's webhooks).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
import waitress

from bot.app import Services, build_app, build_services, socket_door
from bot.config import Secret, Settings
from bot.ramp import RampClient
from bot.store import Store
from handlers.front_door import MAX_BODY_BYTES, FrontDoor
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.driver import ADMIN, BOT_TOKEN, CHANNEL, SIGNING_SECRET, USER

__all__ = ["ADMIN", "BOT_TOKEN", "CHANNEL", "SIGNING_SECRET", "USER", "RunningBot", "bot_settings"]

APP_TOKEN = "xapp-test-app-token"
PING_INTERVAL_S = 0.5  # a dropped connection is replaced within this (the bot ships with 5 s)

# slack_sdk honours HTTP(S)_PROXY and ignores NO_PROXY; tests talk to loopback only.
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session")
def ramp_sandbox() -> Iterator[RampSandbox]:
    with RampSandbox(port=0) as sandbox:
        yield sandbox


@pytest.fixture
def ramp(ramp_sandbox: RampSandbox) -> RampSandbox:
    """The session's sandbox, reset to empty for this test."""
    httpx.post(f"{ramp_sandbox.url}/_sandbox/reset").raise_for_status()
    return ramp_sandbox


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(
        port=0, bot_url="http://127.0.0.1:1/slack/events", signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN
    ) as standin:
        standin.add_user(ADMIN, name="ada", real_name="Ada Admin", tz="Europe/London")
        standin.add_user(USER, name="uma", real_name="Uma User", tz="America/New_York")
        standin.add_channel(CHANNEL, name="finance")
        yield standin


@dataclass
class RunningBot:
    """The bot, serving on loopback; `ramp` and `store` are the test's own Ramp client and database
    connection (the bot keeps its own inside its services), to arrange and read back state."""

    settings: Settings
    services: Services
    url: str
    ramp: RampClient
    store: Store


def bot_settings(tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn, **overrides: object) -> Settings:
    settings = Settings(
        slack_bot_token=Secret(BOT_TOKEN),
        slack_signing_secret=Secret(SIGNING_SECRET),
        slack_api_url=slack.url,
        ramp_client_id="test-client",
        ramp_client_secret=Secret("test-client-secret"),
        ramp_api_url=ramp.url,
        db_path=tmp_path / "bot.sqlite3",
        admins=(ADMIN,),
    )
    return replace(settings, **overrides)  # type: ignore[arg-type]


def start_http_bot(settings: Settings, slack: SlackStandIn) -> Iterator[RunningBot]:
    """The bot behind its HTTP front door on a loopback port, as `python -m bot serve` runs it."""
    services = build_services(settings)
    app = build_app(settings, services)
    server = waitress.create_server(
        FrontDoor(app, services), host="127.0.0.1", port=0, threads=8, max_request_body_size=MAX_BODY_BYTES
    )
    port = server.effective_port  # type: ignore[union-attr]
    stopping = threading.Event()

    def serve() -> None:
        try:
            server.run()
        except OSError:  # the socket closed under waitress's select() at teardown
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    slack.delivery = "http"
    slack.bot_url = f"http://127.0.0.1:{port}/slack/events"
    try:
        ramp = RampClient(
            settings.ramp_api_url, settings.ramp_client_id, settings.ramp_client_secret.reveal()
        )
        store = Store(settings.db_path)
        yield RunningBot(settings, services, f"http://127.0.0.1:{port}", ramp, store)
        ramp.close()
        store.close()
    finally:
        stopping.set()
        server.close()  # the serving thread is a daemon and ends within a second
        server.task_dispatcher.shutdown()  # type: ignore[union-attr]  # else its threads keep the app (and its SQLite files) alive
        services.close()


def start_socket_bot(settings: Settings, slack: SlackStandIn) -> Iterator[RunningBot]:
    """The bot connected to the stand-in in Socket Mode, as `serve_socket` runs it (no scheduler)."""
    slack.delivery = "socket"
    slack.socket_mode.app_token = APP_TOKEN
    settings = replace(settings, slack_app_token=Secret(APP_TOKEN))
    services = build_services(settings)
    app = build_app(settings, services)
    door = socket_door(app, services, APP_TOKEN, ping_interval=PING_INTERVAL_S)
    opened = slack.socket_mode.connections_opened
    door.connect()
    try:
        slack.socket_mode.wait_connected(opened + 1)
        ramp = RampClient(
            settings.ramp_api_url, settings.ramp_client_id, settings.ramp_client_secret.reveal()
        )
        store = Store(settings.db_path)
        yield RunningBot(settings, services, url="", ramp=ramp, store=store)
        ramp.close()
        store.close()
    finally:
        # No reconnecting, and the connection closed from Slack's side: the client has nothing left
        # to do. Its close() then only joins its loops (one waits up to 1 s on a queue), so it runs
        # in the background rather than in every test's teardown.
        door.client.auto_reconnect_enabled = False
        slack.socket_mode.close_connections()
        threading.Thread(target=door.close, name="socket-door-close", daemon=True).start()
        services.close()


def start_bot(settings: Settings, slack: SlackStandIn) -> Iterator[RunningBot]:
    """The suite's bot: in Socket Mode, the shipped mode."""
    yield from start_socket_bot(settings, slack)


socket_bot = contextmanager(start_socket_bot)


def _start(request: pytest.FixtureRequest, settings: Settings, slack: SlackStandIn) -> Iterator[RunningBot]:
    http = request.node.get_closest_marker("http") is not None
    yield from (start_http_bot if http else start_socket_bot)(settings, slack)


@pytest.fixture
def bot(
    request: pytest.FixtureRequest, tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
) -> Iterator[RunningBot]:
    """The bot in Socket Mode; behind the HTTP front door for a test marked `http`."""
    yield from _start(request, bot_settings(tmp_path, ramp, slack), slack)


@pytest.fixture
def short_window_bot(
    request: pytest.FixtureRequest, tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
) -> Iterator[RunningBot]:
    """The suite's bot with a 1 s Ramp rate window, for tests under injected faults: each injected
    429 closes the limiter for a window, and what they check (exactly once, true reports) does not
    depend on its length; with Ramp's 10 s they were the suite's longest (82 s and 35 s). They send
    far fewer than the sandbox's real 200 per 10 s. The limiter's own rules are tested in
    tests/test_ramp_client.py and tests/test_ramp_against_sandbox.py."""
    yield from _start(request, bot_settings(tmp_path, ramp, slack, ramp_rate_window_s=1.0), slack)
