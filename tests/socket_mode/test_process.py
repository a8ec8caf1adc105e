"""Real processes in Socket Mode: `python -m bot socket` killed while Slack waits for its acks, and
`python -m bot run` (what `make run` calls) with no tokens."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path

import httpx

from sandbox.slack import SlackStandIn
from tests.conftest import APP_TOKEN
from tests.driver import (
    BOT_TOKEN,
    CHANNEL,
    FILES,
    ROOT,
    USER,
    connect,
    free_port,
    in_thread,
    previews_in,
    share,
    texts,
)
from tests.socket_mode.conftest import SocketProcess

CHART = (FILES / "qbo_chart_of_accounts.csv").read_bytes()


def test_a_bot_killed_before_acking_handles_the_redeliveries_once_after_its_restart(
    socket_process: Callable[[], AbstractContextManager[SocketProcess]], slack: SlackStandIn
):
    # Slack redelivers events; it is asked to redeliver commands too, which the bot must not doubt.
    slack.socket_mode.redeliver = ("slash_commands", "interactive", "events_api")
    with ThreadPoolExecutor(2) as pool:
        with socket_process() as first:
            connect(slack, "QuickBooks Online")
            os.kill(first.process.pid, signal.SIGSTOP)  # it keeps its connection and reads nothing
            status = pool.submit(slack.slash_command, "/ramp", "status", USER, CHANNEL)
            shared = pool.submit(share, slack, CHART, "qbo_chart_of_accounts.csv")
            slack.wait_for(lambda: len(slack.socket_mode.envelopes) >= 3)  # connect, status, share
            first.kill()
        with socket_process():
            assert status.result(timeout=30).status == 200
            thread = shared.result(timeout=30).thread
            slack.wait_for(lambda: "Connected to *QuickBooks Online*" in texts(slack), timeout=15)
            slack.wait_for(lambda: in_thread(slack, thread), timeout=15)
            slack.wait_quiet(idle=0.5)
            assert texts(slack).count("Connected to *QuickBooks Online*") == 1
            assert len(previews_in(slack, thread)) == 1
    retried = [e for e in slack.socket_mode.envelopes if e.get("retry_attempt")]
    assert {e["type"] for e in retried} == {"slash_commands", "events_api"}
    assert all(e["retry_reason"] == "timeout" for e in retried)
    log = first.log_path.read_text(errors="replace")
    assert APP_TOKEN not in log and BOT_TOKEN not in log


def test_make_run_without_tokens_runs_the_bot_in_socket_mode_against_the_stand_in(tmp_path: Path):
    ramp_port, slack_port = free_port(), free_port()  # never the local run's 8081/8082: may be in use
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RAMP_"))}
    run = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--ramp-port", str(ramp_port), "--slack-port", str(slack_port)],
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        said = None
        deadline = time.monotonic() + 30
        while said is None and time.monotonic() < deadline and run.poll() is None:
            try:
                said = httpx.post(
                    f"http://127.0.0.1:{slack_port}/_sandbox/say", json={"text": "/ramp help"}, timeout=20
                ).json()
            except httpx.TransportError:
                time.sleep(0.2)
        assert said is not None and said["ok"], said
        assert "/ramp status" in said["output"]
    finally:
        run.send_signal(signal.SIGINT)  # Ctrl+C: the stand-ins stop too
        output = run.communicate(timeout=20)[0]
    assert "Socket Mode" in output and f"http://127.0.0.1:{slack_port}/" in output
