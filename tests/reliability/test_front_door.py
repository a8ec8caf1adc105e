"""The HTTP front door (handlers/front_door.py): what an unsigned, malformed, replayed or oversized
request gets, and that nothing leaves the machine for it. A loopback server records every request
made to it; it stands as the `response_url` an attacker would choose."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot, bot_settings, start_bot
from tests.driver import ADMIN, CHANNEL, SIGNING_SECRET, USER, ramp_state, write_requests

pytestmark = pytest.mark.reliability


class Recorder(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.received: list[str] = []
        self.status = 200

        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                recorder.received.append(self.path)
                self.send_response(recorder.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def command_body(text: str, response_url: str, user: str = ADMIN) -> bytes:
    return urlencode(
        {
            "command": "/ramp",
            "text": text,
            "user_id": user,
            "channel_id": CHANNEL,
            "team_id": "T0LOCAL",
            "response_url": response_url,
            "trigger_id": "t.1",
        }
    ).encode()


def post(bot: RunningBot, body: bytes, headers: dict[str, str], form: bool = True) -> httpx.Response:
    content_type = "application/x-www-form-urlencoded" if form else "application/json"
    return httpx.post(
        f"{bot.url}/slack/events", content=body, headers={"Content-Type": content_type, **headers}, timeout=10
    )


def sign(secret: str, body: bytes) -> dict[str, str]:
    """Slack's v0 signature over the raw bytes (slack_sdk's helper wants text; these bodies may not be)."""
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + digest}


BAD_TIMESTAMPS = ["abc", "1.5", "now", "", "1e9", "0x10", "-1", "9" * 40]


@pytest.mark.parametrize("timestamp", BAD_TIMESTAMPS)
def test_a_malformed_timestamp_gets_401_and_nothing_goes_to_the_response_url(
    bot: RunningBot, recorder: Recorder, slack: SlackStandIn, caplog: pytest.LogCaptureFixture, timestamp: str
):
    warm_up = command_body("help", "http://127.0.0.1:1/x")  # the bot's first request pays Bolt's auth.test
    assert post(bot, warm_up, sign(SIGNING_SECRET, warm_up)).status_code == 200
    # `/ramp status` answers through the response_url: the attacker's recorder, were it run.
    body = command_body("status", f"{recorder.url}?request=1")
    with caplog.at_level(logging.DEBUG):
        answer = post(
            bot, body, {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + "a" * 64}
        )
        # The same command signed just now: once its answer reaches the recorder, the first one's
        # would have too (its work, had any started, started first).
        again = command_body("status", f"{recorder.url}?request=2")
        assert post(bot, again, sign(SIGNING_SECRET, again)).status_code == 200
        slack.wait_for(lambda: recorder.received, timeout=10)
        slack.wait_quiet(idle=0.3)
    assert answer.status_code == 401
    assert recorder.received == ["/hook?request=2"]
    assert [c.method for c in slack.calls() if c.method != "auth.test"] == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


MALFORMED = {
    "form not UTF-8": (b"command=%2Framp&text=\xff\xfe", True),
    "JSON not UTF-8": (b'{"type": "event_callback", "x": "\xff"}', False),
    "payload not JSON": (b"payload=%7Bnot-json", True),
    "payload a list": (b"payload=%5B1%2C2%5D", True),
    "JSON array": (b"[1, 2]", False),
    "truncated JSON": (b'{"type": "event_callback", "event": {', False),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_body_is_401_unsigned_and_400_signed_without_an_error_log(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, case: str
):
    body, form = MALFORMED[case]
    with caplog.at_level(logging.DEBUG):
        unsigned = post(bot, body, {}, form=form)
        signed = post(bot, body, sign(SIGNING_SECRET, body), form=form)
    assert (unsigned.status_code, signed.status_code) == (401, 400)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_body_changed_after_signing_is_401_even_when_it_no_longer_parses(bot: RunningBot):
    body = b'{"type": "event_callback", "event_id": "Ev1", "event": {}}'
    headers = sign(SIGNING_SECRET, body)
    assert post(bot, body[:-3], headers, form=False).status_code == 401


def test_a_replayed_command_is_dropped_with_a_200_and_runs_once(
    bot: RunningBot, slack: SlackStandIn, recorder: Recorder
):
    body = command_body("summary on 08:30 Europe/London", recorder.url)
    headers = sign(SIGNING_SECRET, body)
    answers = [post(bot, body, headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[1].content == b"" and answers[2].content == b""
    # Then another command, signed just now: once it is audited, the replays would have been too.
    after = command_body("summary off", recorder.url)
    assert post(bot, after, sign(SIGNING_SECRET, after)).status_code == 200
    slack.wait_for(lambda: len(bot.services.audit.recent(10)) >= 2, timeout=10)
    slack.wait_quiet(idle=0.3)
    ran = [(e.command, e.arguments) for e in reversed(bot.services.audit.recent(10))]
    assert ran == [("summary", "on 08:30 Europe/London"), ("summary", "off")]


def test_the_replay_cache_holds_across_a_restart(tmp_path: Any, ramp: RampSandbox, slack: SlackStandIn):
    body = command_body("help", "http://127.0.0.1:1/x")
    headers = sign(SIGNING_SECRET, body)
    settings = bot_settings(tmp_path, ramp, slack)
    for expected in (b"help", b""):
        running = start_bot(settings, slack)
        bot = next(running)
        answer = post(bot, body, headers)
        assert answer.status_code == 200
        assert (expected in answer.content.lower()) if expected else answer.content == b""
        running.close()


def test_command_text_over_the_cap_gets_a_short_answer_at_once(bot: RunningBot, ramp: RampSandbox):
    body = command_body("transactions merchant:" + "x" * 400_000, "http://127.0.0.1:1/x")
    answer = post(bot, body, sign(SIGNING_SECRET, body))
    assert answer.status_code == 200
    assert "at most 4,000" in answer.json()["text"]
    assert write_requests(ramp) == 0


def test_a_body_over_the_cap_is_refused_unread(bot: RunningBot):
    body = command_body("help", "http://127.0.0.1:1/x") + b"&pad=" + b"x" * 2_000_000
    assert post(bot, body, sign(SIGNING_SECRET, body)).status_code == 413


def test_acks_do_not_wait_on_a_database_another_process_holds(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    holder = sqlite3.connect(bot.settings.db_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        event = {
            "type": "event_callback",
            "team_id": "T0LOCAL",
            "event_id": "Ev0LOCKED",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "subtype": "file_share",
                "channel": CHANNEL,
                "user": ADMIN,
                "ts": "1.000009",
                "files": [{"id": "F0NONE"}],
            },
        }
        raw = json.dumps(event).encode()
        answers = [
            post(bot, raw, sign(SIGNING_SECRET, raw), form=False),
            post(
                bot,
                b1 := command_body("connect NetSuite", "http://127.0.0.1:1/x", USER),
                sign(SIGNING_SECRET, b1),
            ),
            post(bot, b2 := command_body("help", "http://127.0.0.1:1/y"), sign(SIGNING_SECRET, b2)),
        ]
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [a.status_code for a in answers] == [200, 200, 200]
    # Slack retries a delivery it has no answer to after 3 s; three acks took less than that in all.
    assert elapsed < 3.0
    assert ramp_state(ramp)["connections"] == []


@pytest.mark.parametrize("hook", ["none", "used"])
def test_a_reply_whose_response_url_is_missing_or_used_up_goes_by_the_web_api(
    bot: RunningBot, slack: SlackStandIn, recorder: Recorder, hook: str
):
    recorder.status = 404  # Slack's answer to a response_url used 5 times: 404 used_url
    fields = {
        "command": "/ramp",
        "text": "status",
        "user_id": ADMIN,
        "channel_id": CHANNEL,
        "team_id": "T0LOCAL",
    }
    if hook == "used":
        fields["response_url"] = recorder.url
    body = urlencode(fields).encode()
    assert post(bot, body, sign(SIGNING_SECRET, body)).status_code == 200
    fallback = slack.wait_for(
        lambda: [
            c for c in slack.calls() if c.method == "chat.postEphemeral" and c.args.get("user") == ADMIN
        ],
        timeout=15,
    )
    assert fallback[0].args["channel"] == CHANNEL
    assert recorder.received == ([] if hook == "none" else ["/hook"])
