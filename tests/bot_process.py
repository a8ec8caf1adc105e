"""A real `python -m bot serve` process for the tests that kill it: on a free port, wired to the Ramp
sandbox and the Slack stand-in, its log kept (appended across restarts) for reading and the secret
scan."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.driver import ADMIN, BOT_TOKEN, ROOT, SIGNING_SECRET, free_port

CLIENT_SECRET = "test-client-secret"


@dataclass
class BotProcess:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def kill(self) -> None:
        """SIGKILL: no clean-up code of the bot runs."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@contextmanager
def bot_process(
    workdir: Path, ramp: RampSandbox, slack: SlackStandIn, log_name: str = "bot.log", log_level: str = "DEBUG"
) -> Iterator[BotProcess]:
    """`python -m bot serve` on a free port, wired to the sandbox and the stand-in, its stderr kept
    in `workdir/log_name` (appended, so restarts add to one log); killed on exit."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RAMP_"))}
    env = {
        **clean,
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "RAMP_API_URL": ramp.url,
        "RAMP_CLIENT_ID": "test-client",
        "RAMP_CLIENT_SECRET": CLIENT_SECRET,
        "RAMP_BOT_DB": str(workdir / "bot.sqlite3"),
        "RAMP_BOT_ADMINS": ADMIN,
    }
    log_path = workdir / log_name
    with log_path.open("ab") as log:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "--log-level",
                log_level,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    running = BotProcess(child, port, log_path)
    try:
        wait_until(lambda: healthy(port) or child.poll() is not None, "the bot did not start", timeout=30)
        assert child.poll() is None, f"the bot exited: {log_path.read_text(errors='replace')[-2000:]}"
        slack.bot_url = f"http://127.0.0.1:{port}/slack/events"
        yield running
    finally:
        running.kill()


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def wait_until(condition: Callable[[], Any], message: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, message
        time.sleep(0.05)
