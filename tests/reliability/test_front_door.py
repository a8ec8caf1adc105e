"""The HTTP front door (handlers/front_door.py): what an unsigned, malformed, replayed or oversized
request gets, and that nothing leaves the machine for it. A loopback server records every request
made to it; it stands as the `response_url` an attacker would choose."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sqlite3
import time
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest

from handlers.front_door import QuietWarnings
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot, bot_settings, start_http_bot
from tests.driver import ADMIN, CHANNEL, SIGNING_SECRET, USER, Recorder, ramp_state, write_requests

pytestmark = [pytest.mark.reliability, pytest.mark.http]  # the HTTP front door itself


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
    assert recorder.received == ["POST /hook?request=2"]
    assert [c.method for c in slack.calls() if c.method != "auth.test"] == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def malformed(case: str, hook: str) -> tuple[bytes, bool]:
    """A body that is not what Slack sends, naming `hook` as its response_url where it can; form?"""
    url = quote(hook, safe="")
    return {
        "form not UTF-8": (f"command=%2Framp&text=status&response_url={url}&x=".encode() + b"\xff\xfe", True),
        "JSON not UTF-8": (
            f'{{"type": "block_actions", "response_url": "{hook}", "x": "'.encode() + b'\xff"}',
            False,
        ),
        "payload not JSON": (f"payload=%7B%22response_url%22%3A%22{url}%22%2C".encode(), True),
        "payload a list": (f"payload=%5B%7B%22response_url%22%3A%22{url}%22%7D%5D".encode(), True),
        "JSON array": (json.dumps([{"type": "block_actions", "response_url": hook}]).encode(), False),
        "truncated JSON": (
            f'{{"type": "block_actions", "response_url": "{hook}", "view": {{'.encode(),
            False,
        ),
    }[case]


MALFORMED = [
    "form not UTF-8",
    "JSON not UTF-8",
    "payload not JSON",
    "payload a list",
    "JSON array",
    "truncated JSON",
]


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_body_is_401_unsigned_and_400_signed_without_an_error_log(
    bot: RunningBot, slack: SlackStandIn, recorder: Recorder, caplog: pytest.LogCaptureFixture, case: str
):
    body, form = malformed(case, f"{recorder.url}?request=1")
    with caplog.at_level(logging.DEBUG):
        unsigned = post(bot, body, {}, form=form)
        signed = post(bot, body, sign(SIGNING_SECRET, body), form=form)
        # A command signed just now that answers through the recorder: once that answer is there,
        # anything sent for the malformed ones would have been too.
        after = command_body("status", f"{recorder.url}?request=2")
        assert post(bot, after, sign(SIGNING_SECRET, after)).status_code == 200
        slack.wait_for(lambda: recorder.received, timeout=10)
        slack.wait_quiet(idle=0.3)
    assert (unsigned.status_code, signed.status_code) == (401, 400)
    assert recorder.received == ["POST /hook?request=2"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# kind -> (a body Slack signed, the same body changed after signing so that it no longer parses, form?)
ALTERED = {
    "form": (b"command=%2Framp&text=help", b"command=%2Framp&text=help\xff", True),
    "JSON": (
        b'{"type": "event_callback", "event_id": "Ev1", "event": {}}',
        b'{"type": "event_callback"',
        False,
    ),
    "payload=": (
        b"payload=%7B%22type%22%3A%22block_actions%22%7D",
        b"payload=%7B%22type%22%3A%22block_",
        True,
    ),
}


@pytest.mark.parametrize("kind", list(ALTERED))
def test_a_body_changed_after_signing_is_401_even_when_it_no_longer_parses(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, kind: str
):
    signed, altered, form = ALTERED[kind]
    with caplog.at_level(logging.DEBUG):
        answer = post(bot, altered, sign(SIGNING_SECRET, signed), form=form)
    assert answer.status_code == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_refusals_are_logged_once_a_minute_per_reason_with_a_count_of_the_rest(
    caplog: pytest.LogCaptureFixture,
):
    clock = [1000.0]
    warnings = QuietWarnings(clock=lambda: clock[0])
    with caplog.at_level(logging.DEBUG, logger="handlers.front_door"):
        for _ in range(5):
            warnings.warn("no valid Slack signature")
        warnings.warn("body too large or of no stated length")
        clock[0] += 59.0
        warnings.warn("no valid Slack signature")
        clock[0] += 1.0  # a minute after the first line
        warnings.warn("no valid Slack signature")
        warnings.warn("no valid Slack signature")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "refused a request to /slack/events: no valid Slack signature"),
        ("WARNING", "refused a request to /slack/events: body too large or of no stated length"),
        (
            "WARNING",
            "refused a request to /slack/events: no valid Slack signature"
            " (5 more like it in the last minute)",
        ),
    ]


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


def home_help_click(n: int) -> bytes:
    """A press of the Home tab's Help button, which the bot answers with a DM each time it runs (no
    claim of its own guards it: only the replay cache stops a copy)."""
    home = {"id": "V0HOME", "type": "home", "state": {"values": {}}}
    payload = {
        "type": "block_actions",
        "user": {"id": ADMIN},
        "team": {"id": "T0LOCAL"},
        "container": {"type": "view", "view_id": home["id"]},
        "view": home,
        "trigger_id": f"t.{n}",
        "actions": [
            {"action_id": "home_help", "type": "button", "block_id": "home", "action_ts": f"{n}.000001"}
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def test_a_replayed_interaction_is_dropped_with_a_200_and_runs_once(bot: RunningBot, slack: SlackStandIn):
    body = home_help_click(1)
    headers = sign(SIGNING_SECRET, body)
    answers = [post(bot, body, headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[1].content == b"" and answers[2].content == b""
    # Then another press, signed just now: once its DM is there, the replays' would have been too.
    after = home_help_click(2)
    assert post(bot, after, sign(SIGNING_SECRET, after)).status_code == 200
    slack.wait_for(lambda: len(slack.calls("chat.postMessage")) >= 2, timeout=10)
    slack.wait_quiet(idle=0.3)
    dms = slack.calls("chat.postMessage")
    assert len(dms) == 2 and all(c.args["channel"].startswith("D") for c in dms)


def test_the_replay_cache_holds_across_a_restart(tmp_path: Any, ramp: RampSandbox, slack: SlackStandIn):
    body = command_body("help", "http://127.0.0.1:1/x")
    headers = sign(SIGNING_SECRET, body)
    settings = bot_settings(tmp_path, ramp, slack)
    for expected in (b"help", b""):
        running = start_http_bot(settings, slack)
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
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, caplog: pytest.LogCaptureFixture
):
    holder = sqlite3.connect(bot.settings.db_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    caplog.set_level(logging.WARNING, logger="bot.services.claims")
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
    # Each claim that gave up on the lock said so, once: the event's and the two commands'.
    busy = [r.getMessage() for r in caplog.records if r.name == "bot.services.claims"]
    assert [(m.startswith("database busy"), "Ev0LOCKED" in m) for m in busy] == [
        (True, True),
        (True, False),
        (True, False),
    ], busy


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
    assert recorder.received == ([] if hook == "none" else ["POST /hook"])
