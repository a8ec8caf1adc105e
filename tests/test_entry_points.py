"""The command line: `python -m bot serve` under waitress, and start-up refusing bad settings."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.driver import ROOT, free_port


def run_bot(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RAMP_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={**clean, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_serve_answers_healthz_and_verifies_signatures(tmp_path: Path):
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_SIGNING_SECRET": "s3cret",
        "RAMP_BOT_DB": str(tmp_path / "db"),
        "PYTHONPATH": str(ROOT),
    }
    bot = run_bot(["serve", "--host", "127.0.0.1", "--port", str(port)], env, tmp_path)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert bot.poll() is None and time.monotonic() < deadline, bot.stdout and bot.stdout.read()
                time.sleep(0.1)
        assert health.json()["ok"] is True and health.json()["mode"] == "http"
        forged = httpx.post(f"http://127.0.0.1:{port}/slack/events", content=b"command=/ramp&text=help")
        assert forged.status_code == 401
    finally:
        bot.terminate()
        output = bot.communicate(timeout=10)[0]
    assert "s3cret" not in output and "xoxb-x" not in output


def test_a_malformed_setting_stops_startup_naming_the_variable(tmp_path: Path):
    bot = run_bot(["serve"], {"RAMP_API_URL": "not a url", "PYTHONPATH": str(ROOT)}, tmp_path)
    output = bot.communicate(timeout=20)[0]
    assert bot.returncode == 2
    assert "RAMP_API_URL" in output
