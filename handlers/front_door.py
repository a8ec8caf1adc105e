"""The HTTP front door: every request to `/slack/events` passes here before Bolt sees any of it.

Each step trusts only what the step before it vouched for:

1. **size**: a body over `MAX_BODY_BYTES` is refused (413) unread;
2. **signature**: Slack's `v0` HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing secret, the
   timestamp a whole number of seconds within 5 minutes of now (Slack, "Verifying requests from
   Slack"). Anything else is 401 and a rate-limited WARNING; nothing in the body is read, so no
   `response_url`, user or channel of an unsigned request is ever used;
3. **replay**: a signature already seen is dropped with an empty 200 (`bot/services/claims.py`);
4. **shape**: a signed body that is not UTF-8, or whose JSON or `payload` is not an object, is 400;
5. **command text** over `MAX_COMMAND_TEXT` characters gets a short answer, unparsed.

Only then does Bolt dispatch the request (it checks the signature again: one more HMAC, kept as a
second lock on the door). Socket Mode does not come through here: its socket is authenticated.

Ramp's webhooks (`POST /ramp/webhooks`) are not Slack's: after the same size check they go to
handlers/notices.py `RampWebhookDoor`, which checks Ramp's own signature instead.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from hashlib import sha256
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from slack_bolt import App

from bot.services.claims import REPLAY_KEEP_S, SIGNATURE_WINDOW_S
from handlers.notices import RampWebhookDoor
from handlers.slack_request import SlackRequest

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

# assumption: Slack documents no maximum body. The largest we receive is an interaction carrying a
# whole message or view (50 or 100 blocks of at most 3,000 characters each): well under 1 MB.
MAX_BODY_BYTES = 1_000_000
# Slack documents no maximum for a slash command's text; every /ramp command fits in a few hundred
# characters, and 4,000 is Slack's own advice for a message's text (reference/slack.md, limits).
MAX_COMMAND_TEXT = 4_000
RAMP_WEBHOOKS_PATH = "/ramp/webhooks"

StartResponse = Callable[..., Any]


class QuietWarnings:
    """At most one log line per reason a minute, saying how many were left out: traffic from the
    internet must not be able to fill the log."""

    def __init__(
        self, every_s: float = 60.0, clock: Callable[[], float] = time.monotonic, path: str = "/slack/events"
    ) -> None:
        self._path = path
        self._every_s = every_s
        self._clock = clock
        self._last: dict[str, float] = {}
        self._skipped: dict[str, int] = {}
        self._lock = threading.Lock()

    def warn(self, reason: str) -> None:
        with self._lock:
            now = self._clock()
            if now - self._last.get(reason, -self._every_s) < self._every_s:
                self._skipped[reason] = self._skipped.get(reason, 0) + 1
                return
            skipped = self._skipped.pop(reason, 0)
            self._last[reason] = now
        more = f" ({skipped} more like it in the last minute)" if skipped else ""
        log.warning("refused a request to %s: %s%s", self._path, reason, more)


def signature_if_valid(headers: dict[str, str], body: bytes, secret: str, now: float) -> str | None:
    """The request's signature when Slack signed this very body within the last 5 minutes, else None."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    # `int()` would take " 12", "1_2" or "١٢"; Slack sends plain ASCII digits and nothing else.
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return None
    if abs(now - int(timestamp)) > SIGNATURE_WINDOW_S:
        return None
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = b"v0=" + hmac.new(secret.encode(), base, sha256).hexdigest().encode()
    # WSGI hands headers over as latin-1 text, so this encoding never fails.
    if not hmac.compare_digest(expected, signature.encode("latin-1")):
        return None
    return signature


class BadBody(ValueError):
    """A signed body that is not what Slack sends."""


def decode_body(body: bytes, content_type: str) -> tuple[str, dict[str, Any]]:
    """The body as text and as the object Bolt will see; `BadBody` when it is neither form nor object."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadBody("the body is not UTF-8") from error
    try:
        if content_type.startswith("application/json") or text.startswith("{"):
            parsed = json.loads(text)
        else:
            parsed = dict(parse_qsl(text, keep_blank_values=True))
            if "payload" in parsed:
                parsed = json.loads(parsed["payload"])
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        raise BadBody("the JSON in the body does not parse") from error
    if not isinstance(parsed, dict):
        raise BadBody("the body is not a JSON object")
    return text, parsed


def too_long_answer(parsed: dict[str, Any]) -> dict[str, str] | None:
    """The ack for a slash command whose text is too long to read, else None."""
    text = parsed.get("text")
    if parsed.get("command") and isinstance(text, str) and len(text) > MAX_COMMAND_TEXT:
        return {
            "response_type": "ephemeral",
            "text": f"That command is {len(text):,} characters long; `/ramp` reads at most "
            f"{MAX_COMMAND_TEXT:,}. Nothing was done. Type `/ramp help` to see the commands.",
        }
    return None


class FrontDoor:
    """The WSGI app of HTTP mode: `/healthz`, and `/slack/events` through the steps above to Bolt."""

    def __init__(self, app: App, services: Services, path: str = "/slack/events") -> None:
        self.app = app
        self.services = services
        self.path = path
        self.warnings = QuietWarnings()
        self._secret = services.settings.slack_signing_secret.reveal()
        # Ramp's webhooks: their work after the answer goes to the app's worker pool.
        self.ramp_webhooks = RampWebhookDoor(services, app.listener_runner.listener_executor)
        self.ramp_warnings = QuietWarnings(path=RAMP_WEBHOOKS_PATH)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        if path == "/healthz" and method == "GET":
            return self._health(start_response)
        if path == RAMP_WEBHOOKS_PATH and method == "POST":
            return self._ramp(environ, start_response)
        if path != self.path or method != "POST":
            return _answer(start_response, 404, "Not Found")
        return self._slack(environ, start_response)

    def _ramp(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = _body(environ)
        if body is None:
            self.ramp_warnings.warn("body too large or of no stated length")
            return _answer(start_response, 413, "Request body too large")
        status, text = self.ramp_webhooks.handle(_headers(environ), body)
        if status == 401:
            self.ramp_warnings.warn("no valid Ramp webhook signature")
        return _answer(start_response, status, text)

    def _slack(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = _body(environ)
        if body is None:
            self.warnings.warn("body too large or of no stated length")
            return _answer(start_response, 413, "Request body too large")
        headers = _headers(environ)
        now = time.time()
        signature = signature_if_valid(headers, body, self._secret, now)
        if signature is None:
            self.warnings.warn("no valid Slack signature")
            return _answer(start_response, 401, "Unauthorized")
        try:
            text, parsed = decode_body(body, headers.get("content-type", ""))
        except BadBody as error:
            log.warning("refused a signed request to /slack/events: %s", error)
            return _answer(start_response, 400, "Bad Request")
        # One claim a request: an event by its event_id (which a replay and Slack's retries share,
        # handlers/middleware.py), anything else by its signature.
        if not _is_event(parsed) and not self.services.claims.first_request(signature, now):
            log.info("dropped a replayed request (its signature was seen in the last %s s)", REPLAY_KEEP_S)
            return _answer(start_response, 200, "")
        too_long = too_long_answer(parsed)
        if too_long is not None:
            return _answer(start_response, 200, json.dumps(too_long), "application/json")
        response = self.app.dispatch(SlackRequest(body=text, headers=headers))
        content_type = (response.headers.get("content-type") or ["text/plain;charset=utf-8"])[0]
        return _answer(start_response, response.status, response.body, content_type)

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            tables = self.services.database_tables()
            body = {"ok": True, "mode": self.services.settings.mode, "db_tables": tables}
            status = 200
        except Exception as error:  # the health check reports, it does not raise
            body = {"ok": False, "error": type(error).__name__}
            status = 503
        return _answer(start_response, status, json.dumps(body), "application/json")


def _body(environ: dict[str, Any]) -> bytes | None:
    """The raw body, or None when it is larger than MAX_BODY_BYTES or of no stated length (unread)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length < 0 or length > MAX_BODY_BYTES:
        return None
    return bytes(environ["wsgi.input"].read(length))


def _is_event(parsed: Any) -> bool:
    return (
        isinstance(parsed, dict) and parsed.get("type") == "event_callback" and bool(parsed.get("event_id"))
    )


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """Header names lower-cased with dashes, as Bolt reads them."""
    headers = {
        key[5:].lower().replace("_", "-"): value for key, value in environ.items() if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if key in environ:
            headers[key.lower().replace("_", "-")] = environ[key]
    return headers


def _answer(
    start_response: StartResponse, status: int, body: str, content_type: str = "text/plain;charset=utf-8"
) -> Iterable[bytes]:
    payload = body.encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", content_type), ("Content-Length", str(len(payload)))],
    )
    return [payload]
