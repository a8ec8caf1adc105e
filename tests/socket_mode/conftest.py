"""Socket Mode's own rules: tickets, hello, acks with payloads, redelivery, disconnects, kills.

The suite's `bot` is already the Socket Mode bot (tests/conftest.py); here `slack` delivers in Socket
Mode from the start with a 1 s ack timeout instead of Slack's 3 s, so redeliveries come quickly, and
`socket_process` starts a real `python -m bot socket`, for the tests that kill it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.bot_process import CLIENT_SECRET
from tests.conftest import APP_TOKEN
from tests.driver import ADMIN, BOT_TOKEN, ROOT

ACK_TIMEOUT_S = 1.0


@pytest.fixture
def slack(slack: SlackStandIn) -> SlackStandIn:
    """The suite's stand-in (Socket Mode once the bot connects) with a 1 s ack timeout, so an
    envelope whose ack is lost comes again quickly."""
    slack.delivery = "socket"
    slack.socket_mode.app_token = APP_TOKEN
    slack.socket_mode.ack_timeout_s = ACK_TIMEOUT_S
    return slack


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
