"""Helpers the reliability suite shares: the long-form switch, a real `python -m bot serve` process
whose log is kept for the secret scan, the secrets to look for, and small readers of Slack and Ramp."""

from __future__ import annotations

import json
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
from tests.conftest import ADMIN, BOT_TOKEN, CHANNEL, SIGNING_SECRET
from tests.test_entry_points import free_port

ROOT = Path(__file__).resolve().parents[2]
LONG = os.environ.get("RAMP_BOT_LONG", "") not in ("", "0")
CLIENT_SECRET = "test-client-secret"


def sized(default: int, long: int) -> int:
    """A count for the default form, or for the long form when RAMP_BOT_LONG is set."""
    return long if LONG else default


# -- a real bot process ---------------------------------------------------------------------------------


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


# -- Ramp and Slack, read back -------------------------------------------------------------------------


def ramp_state(ramp: RampSandbox) -> dict[str, Any]:
    return httpx.get(f"{ramp.url}/_sandbox/state").json()


def set_faults(ramp: RampSandbox, **config: Any) -> None:
    httpx.post(f"{ramp.url}/_sandbox/faults", json={"error_rate": 0, **config}).raise_for_status()


def injected(ramp: RampSandbox) -> dict[str, int]:
    return dict(httpx.get(f"{ramp.url}/_sandbox/faults").json()["injected"])


def write_requests(ramp: RampSandbox) -> int:
    """Requests that could change Ramp (any POST/PATCH/DELETE but the token endpoint)."""
    routes = ramp_state(ramp)["requests"]["by_route"]
    return sum(
        count
        for route, count in routes.items()
        if route.split(" ", 1)[0] in ("POST", "PATCH", "DELETE", "PUT") and "/token" not in route
    )


def synced_ids(ramp: RampSandbox) -> list[str]:
    return sorted(
        item["id"]
        for sync in ramp_state(ramp)["syncs"]
        for item in [*sync.get("successful_syncs", []), *sync.get("failed_syncs", [])]
    )


def books(ramp: RampSandbox) -> dict[str, list[dict[str, Any]]]:
    state = ramp_state(ramp)
    if not state["active_connection_id"]:
        return {}
    return state["categories"][state["active_connection_id"]]


def in_thread(slack: SlackStandIn, thread_ts: str) -> list[Any]:
    """The bot's messages in a thread (the share message itself excluded)."""
    return [m for m in slack.messages(CHANNEL) if m.thread_ts == thread_ts and m.source != "user"]


def everything_slack_received(slack: SlackStandIn) -> str:
    """Every Web API call's arguments, every message (response_url posts and acks included) and
    every file the bot uploaded, as one string: what the secret scan reads."""
    parts = [json.dumps(call.args, default=str) for call in slack.calls()]
    for message in slack.messages():
        parts.append(message.text)
        parts.append(json.dumps(message.blocks))
        parts.extend(f.content.decode("utf-8", "replace") for f in message.files)
    with slack.workspace.lock:
        files = list(slack.workspace.files.values())
        views = list(slack.workspace.views.values()) + list(slack.workspace.home_views.values())
    parts.extend(f.content.decode("utf-8", "replace") for f in files)
    parts.extend(json.dumps(v) for v in views)
    return "\n".join(parts)


def database_bytes(db_path: Path) -> bytes:
    """The SQLite file and its write-ahead log and journal, raw: secrets must not be anywhere in them."""
    return b"".join(
        path.read_bytes()
        for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-journal"))
        if path.exists()
    )


def issued_tokens(ramp: RampSandbox) -> list[str]:
    """The access tokens the sandbox handed out so far."""
    with ramp.state.lock:
        return list(ramp.state.tokens.tokens)


def secrets_found(secrets: list[str], **places: str | bytes) -> list[str]:
    """`place: secret-prefix` for each secret found in each place."""
    found = []
    for name, content in places.items():
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        for secret in secrets:
            if secret and secret in text:
                found.append(f"{name}: {secret[:6]}…")
    return found
