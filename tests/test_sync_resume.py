"""A real `python -m bot serve` process killed (SIGKILL) while a sync post is on the wire, then started
again on the same database: Ramp ends with each result exactly once, and nothing is lost.

Two ways to die: Ramp received the chunk and applied it after the bot was gone (the answer was lost),
or the chunk never arrived (the connection was reset and the bot died waiting to retry). Either way
the chunk is journalled `pending` before it is sent, and the restarted bot resends it with its key.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.store import Store
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import ADMIN, BOT_TOKEN, SIGNING_SECRET
from tests.test_entry_points import free_port
from tests.test_slack_app import ramp_state, wait_for_text
from tests.test_syncs import preview_message, results_csv, set_faults, share
from tests.test_transactions import CAFE, RAMEN, load_mix

ROOT = Path(__file__).resolve().parent.parent
SYNCS = "POST /developer/v1/accounting/syncs"


@contextmanager
def bot_process(tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m bot serve` on a free port, wired to the sandbox and the stand-in; killed at the end."""
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
        "RAMP_CLIENT_SECRET": "test-client-secret",
        "RAMP_BOT_DB": str(tmp_path / "bot.sqlite3"),
        "RAMP_BOT_ADMINS": ADMIN,
    }
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    child = subprocess.Popen(
        [sys.executable, "-m", "bot", "--log-level", "WARNING", *serve],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _healthy(port), f"the bot did not start (exit code {child.poll()})")
        slack.bot_url = f"http://127.0.0.1:{port}/slack/events"
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=10)


def _healthy(port: int) -> bool:
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


def requests_to(ramp: RampSandbox, route: str) -> int:
    return int(ramp_state(ramp)["requests"]["by_route"].get(route, 0))


def journal(tmp_path: Path) -> list[dict[str, Any]]:
    store = Store(tmp_path / "bot.sqlite3")
    try:
        return list(store.db.query("SELECT key, state, items FROM sync_chunks"))
    finally:
        store.close()


def synced_ids(ramp: RampSandbox) -> list[str]:
    syncs = ramp_state(ramp)["syncs"]
    return sorted(
        item["id"] for s in syncs for item in [*s.get("successful_syncs", []), *s.get("failed_syncs", [])]
    )


@pytest.mark.parametrize("death", ["answer lost", "never arrived"])
def test_a_bot_killed_between_sending_and_the_answer_resends_on_restart_and_ramp_writes_once(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn, death: str
):
    load_mix(ramp)
    with bot_process(tmp_path, ramp, slack) as first:
        share(slack, results_csv(f"{RAMEN},success,JE-1,", f"{CAFE},failed,,Period closed"))
        preview = preview_message(slack)
        if death == "answer lost":
            # Ramp holds the request 3 s, then applies it; the bot is killed before it hears back.
            set_faults(ramp, latency_ms=3000)
        else:
            # Every request is reset before Ramp applies it; the bot is killed while backing off.
            set_faults(ramp, error_rate=1.0, kinds=["reset"], after_apply_rate=0.0)
        slack.click("sync_results_post", message=preview, user=ADMIN)
        wait_until(lambda: requests_to(ramp, SYNCS) >= 1, "the bot never sent the chunk")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

    ((key, state, items),) = [tuple(row.values()) for row in journal(tmp_path)]
    assert (state, items) == ("pending", 2)  # journalled before sending, never answered
    if death == "answer lost":
        wait_until(lambda: ramp_state(ramp)["syncs"], "Ramp never applied the held request")
        assert synced_ids(ramp) == sorted([RAMEN, CAFE])
    else:
        assert ramp_state(ramp)["syncs"] == []
    set_faults(ramp, latency_ms=0, error_rate=0)
    sent_before = requests_to(ramp, SYNCS)

    with bot_process(tmp_path, ramp, slack):
        wait_until(lambda: journal(tmp_path)[0]["state"] == "sent", "the restarted bot did not resend")
        assert requests_to(ramp, SYNCS) == sent_before + 1  # resent once, with its key
        share(slack, results_csv(f"{RAMEN},success,JE-1,", f"{CAFE},failed,,Period closed"), name="again.csv")
        wait_for_text(slack, "Nothing to do")  # the same results shared again: already posted

    syncs = ramp_state(ramp)["syncs"]
    assert [s["idempotency_key"] for s in syncs] == [key]
    assert synced_ids(ramp) == sorted([RAMEN, CAFE])  # each result exactly once
