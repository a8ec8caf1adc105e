"""The bot in Socket Mode, against the Slack stand-in delivering envelopes over its WebSocket.

Here `slack` is the suite's stand-in (tests/conftest.py) switched to Socket Mode delivery, with a
1 s ack timeout instead of Slack's 3 s so redeliveries come quickly, and `bot` is the bot connected
to it through its Socket Mode door (bot/app.py `socket_door`), so every helper of tests/driver.py
works here unchanged. `socket_process` starts a real `python -m bot socket`, for the tests that kill it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import build_app, build_services, socket_door
from bot.config import Secret, Settings
from bot.ramp import RampClient
from bot.store import Store
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.bot_process import CLIENT_SECRET
from tests.conftest import RunningBot, bot_settings
from tests.driver import ADMIN, BOT_TOKEN, ROOT

APP_TOKEN = "xapp-test-app-token"
ACK_TIMEOUT_S = 1.0
PING_INTERVAL_S = 0.5  # a dropped connection is replaced within this (the bot ships with 5 s)


@pytest.fixture
def slack(slack: SlackStandIn) -> SlackStandIn:
    """The suite's stand-in, delivering in Socket Mode to whoever opens it with `APP_TOKEN`."""
    slack.delivery = "socket"
    slack.socket_mode.app_token = APP_TOKEN
    slack.socket_mode.ack_timeout_s = ACK_TIMEOUT_S
    return slack


def socket_settings(tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn, **overrides: object) -> Settings:
    return bot_settings(tmp_path, ramp, slack, slack_app_token=Secret(APP_TOKEN), **overrides)


@contextmanager
def socket_bot(settings: Settings, slack: SlackStandIn) -> Iterator[RunningBot]:
    """The bot connected to the stand-in in Socket Mode, as `serve_socket` runs it (no scheduler)."""
    services = build_services(settings)
    app = build_app(settings, services)
    door = socket_door(app, services, settings.slack_app_token.reveal(), ping_interval=PING_INTERVAL_S)
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


@pytest.fixture
def bot(tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn) -> Iterator[RunningBot]:
    with socket_bot(socket_settings(tmp_path, ramp, slack), slack) as running:
        yield running


@dataclass
class SocketProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    def kill(self) -> None:
        """SIGKILL: no clean-up code of the bot runs."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def socket_process(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
) -> Callable[[], AbstractContextManager[SocketProcess]]:
    """Starts `python -m bot socket` on the test's database, its log appended to `tmp_path/bot.log`;
    the context waits until it has opened its WebSocket, and kills it on exit."""

    @contextmanager
    def start() -> Iterator[SocketProcess]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RAMP_"))}
        env = {
            **clean,
            "PYTHONPATH": str(ROOT),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": slack.url,
            "RAMP_API_URL": ramp.url,
            "RAMP_CLIENT_ID": "test-client",
            "RAMP_CLIENT_SECRET": CLIENT_SECRET,
            "RAMP_BOT_DB": str(tmp_path / "bot.sqlite3"),
            "RAMP_BOT_ADMINS": ADMIN,
            # A restarted bot waits out its predecessor's Ramp rate window (bot/ramp/ratelimit.py);
            # these tests send a handful of requests, so the shortest window keeps restarts quick.
            "RAMP_RATE_WINDOW_S": "1",
        }
        log_path = tmp_path / "bot.log"
        opened = slack.socket_mode.connections_opened
        with log_path.open("ab") as log:
            child = subprocess.Popen(
                [sys.executable, "-m", "bot", "--log-level", "DEBUG", "socket"],
                cwd=tmp_path,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        running = SocketProcess(child, log_path)
        try:
            slack.socket_mode.wait_connected(opened + 1, timeout=30)
            yield running
        finally:
            running.kill()

    return start
