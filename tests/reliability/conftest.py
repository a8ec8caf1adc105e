"""Helpers the reliability suite shares: the long-form switch, a real `python -m bot serve` process
whose log is kept for the secret scan, the secrets to look for, and small readers of Slack and Ramp."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import CHANNEL

ROOT = Path(__file__).resolve().parents[2]
LONG = os.environ.get("RAMP_BOT_LONG", "") not in ("", "0")


def sized(default: int, long: int) -> int:
    """A count for the default form, or for the long form when RAMP_BOT_LONG is set."""
    return long if LONG else default


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
