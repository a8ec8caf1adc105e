"""Socket Mode, served as Slack serves it: `apps.connections.open`, the WebSocket, envelopes and acks.

What Slack documents, and what this follows:

- `apps.connections.open` (https://api.slack.com/methods/apps.connections.open) takes an app-level
  token (`xapp-…`) in the `Authorization` header and answers `{"ok": true, "url": "wss://…/link/?ticket=…
  &app_id=…"}`; a token passed as a POST parameter is an error (`invalid_auth`, python-slack-sdk#1877),
  no token is `missing_args`, and a bot or user token is `not_allowed_token_type`
  (python-slack-sdk#1239). Here the URL is `ws://` on the stand-in's own WebSocket port.
- The connection first gets `{"type": "hello", "num_connections", "debug_info", "connection_info"}`
  (https://api.slack.com/apis/connections/socket-implement).
- Every request Slack would POST in HTTP mode arrives as an envelope `{"envelope_id", "type":
  "slash_commands" | "interactive" | "events_api", "payload", "accepts_response_payload"}` whose
  `payload` is the very body of the HTTP request (the form fields of a command, the `payload` JSON
  of an interaction, the `event_callback` of an event); `events_api` envelopes also carry
  `retry_attempt` and `retry_reason` (socket-implement; `"retry_reason": "timeout"` in the fixtures
  of Slack's own SDKs, node-slack-sdk and java-slack-sdk).
- The app acks with `{"envelope_id"}` plus, where `accepts_response_payload`, a `payload`: what the
  HTTP response body would have been. `ack_response` turns it back into that body, so every helper
  that reads an HTTP ack (interact.record_ack, interact.apply_view_ack) reads this one unchanged.
- An `events_api` envelope not acked within 3 s is delivered again with `retry_attempt` counting up
  and `retry_reason: "timeout"`; assumption: at once and at most 3 times, as the Events API retries an
  HTTP delivery 3 times (https://api.slack.com/apis/events-api, "Failure conditions").
- `{"type": "disconnect", "reason": "warning" | "refresh_requested" | "link_disabled"}` asks the app to
  open a new connection; Slack closes the old one about 10 s later (socket-implement).

assumption: each delivery attempt is its own envelope with a fresh `envelope_id` and the same payload
(so a redelivered event keeps its `event_id`, a redelivered command its `trigger_id`); an ack with the
envelope id of any attempt settles the delivery, on any of the app's connections (slack_sdk's
built-in client sends every ack on its newest connection). Slack documents no redelivery of slash
commands and interactions (the user sees an error instead): `redeliver` can ask for it, to prove the
bot runs such a repeat once. A request sent while the app has no connection waits for one (up to
`CONNECT_WAIT_S`); a disconnected connection gets no new envelopes. Tickets are single use.
"""

from __future__ import annotations

import itertools
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from .state import BotResponse, Call, Workspace

OPEN_METHOD = "apps.connections.open"
ACK_TIMEOUT_S = 3.0  # Slack: "your app must acknowledge ... within 3 seconds"
MAX_RETRIES = 3  # the Events API retries a delivery 3 times
CONNECT_WAIT_S = 30.0  # assumption: how long a request waits for the app to (re)connect
GIVE_UP_S = 10.0  # a request that is not redelivered waits this long, like the HTTP mode's timeout
DISCONNECT_GRACE_S = 10.0  # "warning": the connection closes in 10 seconds

# Which envelope type carries which request, and whether Slack redelivers it unacknowledged.
REDELIVERED_BY_SLACK = ("events_api",)
ENVELOPE_TYPES = ("slash_commands", "interactive", "events_api")
# Interactions whose ack may carry a response (view_submission's response_action, options);
# a block_actions ack body is ignored by Slack, in HTTP mode as here.
ACK_PAYLOAD_INTERACTIONS = ("view_submission", "block_suggestion")


def envelope_kind(body: bytes, content_type: str) -> tuple[str, dict[str, Any]]:
    """The envelope type and payload for what HTTP mode would POST: a command form, an interaction
    form (`payload=<JSON>`) or an event's JSON."""
    text = body.decode("utf-8")
    if "json" in content_type:
        return "events_api", json.loads(text)
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if set(fields) == {"payload"}:
        return "interactive", json.loads(fields["payload"])
    return "slash_commands", fields


def accepts_response_payload(kind: str, payload: dict[str, Any]) -> bool:
    if kind == "slash_commands":
        return True
    return kind == "interactive" and payload.get("type") in ACK_PAYLOAD_INTERACTIONS


def ack_response(payload: dict[str, Any] | None) -> BotResponse:
    """The ack as the HTTP response it stands for: a JSON body, or an empty 200."""
    if not payload:
        return BotResponse(200, "", {})
    return BotResponse(200, json.dumps(payload), {"Content-Type": "application/json"})


@dataclass
class Link:
    """One of the app's open WebSocket connections."""

    connection: ServerConnection
    number: int
    draining: bool = False  # sent a `disconnect`: no new envelopes


@dataclass
class Delivery:
    """One request for the app, and every envelope that carried it."""

    kind: str
    payload: dict[str, Any]
    envelope_ids: list[str] = field(default_factory=list)
    acked: threading.Event = field(default_factory=threading.Event)
    response: dict[str, Any] | None = None


class SocketModeServer:
    """The app's side of Slack's Socket Mode, on its own loopback port."""

    def __init__(
        self,
        workspace: Workspace,
        host: str,
        app_id: str,
        app_token: str,
        ack_timeout_s: float = ACK_TIMEOUT_S,
        redeliver: Iterable[str] = REDELIVERED_BY_SLACK,
    ) -> None:
        self.workspace = workspace
        self.host = host
        self.app_id = app_id
        self.app_token = app_token
        self.ack_timeout_s = ack_timeout_s
        self.redeliver = tuple(redeliver)
        self.envelopes: list[dict[str, Any]] = []  # every envelope sent, in order
        self.acks: list[dict[str, Any]] = []  # every ack received, in order (lost ones included)
        self.connections_opened = 0
        self._tickets: set[str] = set()
        self._links: list[Link] = []
        self._by_envelope: dict[str, Delivery] = {}
        self._lose_acks = 0
        self._numbers = itertools.count(1)
        self._cond = threading.Condition()
        self._server: Server | None = None
        self.port = 0

    # lifecycle

    def start(self) -> SocketModeServer:
        self._server = serve(
            self._serve_link,
            self.host,
            0,
            process_request=self._check_ticket,
            compression=None,  # slack_sdk's built-in client negotiates no extension
            server_header=None,
            close_timeout=1,  # stopping must not wait on an app that no longer reads
        )
        self.port = self._server.socket.getsockname()[1]
        threading.Thread(target=self._server.serve_forever, name="slack-socket-mode", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server = None
        self.close_connections()

    def close_connections(self, code: int = 1001, reason: str = "going away") -> None:
        """Close every connection with a close frame (the app's client then stops or reconnects)."""
        for link in self.links():
            link.connection.close(code, reason)

    # apps.connections.open

    def open_connection(
        self, args: dict[str, Any], bearer: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """The Web API method: a one-time WebSocket URL for an app-level token in the header."""
        with self.workspace.lock:
            self.workspace.calls.append(
                Call(method=OPEN_METHOD, args=dict(args), token=bearer, time=time.time())
            )
            self.workspace.touch()
        if bearer is None:
            return 200, {"ok": False, "error": "invalid_auth" if args.get("token") else "missing_args"}, {}
        if not bearer.startswith("xapp-"):
            return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
        if bearer != self.app_token:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        ticket = uuid.uuid4().hex
        with self._cond:
            self._tickets.add(ticket)
        url = f"ws://{self.host}:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"
        return 200, {"ok": True, "url": url}, {}

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        ticket = (parse_qs(parts.query).get("ticket") or [""])[0]
        with self._cond:
            if parts.path.rstrip("/") == "/link" and ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")

    # the connections

    def _serve_link(self, connection: ServerConnection) -> None:
        link = Link(connection, next(self._numbers))
        try:
            # Under the lock: no envelope or disconnect goes out before the hello, and none misses
            # a connection whose hello went out.
            with self._cond:
                hello = {
                    "type": "hello",
                    "num_connections": len(self._live()) + 1,
                    "debug_info": {
                        "host": "applink-local",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                }
                connection.send(json.dumps(hello))
                self._links.append(link)
                self.connections_opened += 1
                self._cond.notify_all()
            for raw in connection:
                self._receive(raw)
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                if link in self._links:
                    self._links.remove(link)
                self._cond.notify_all()

    def _receive(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            return
        if not isinstance(message, dict) or "envelope_id" not in message:
            return
        with self._cond:
            self.acks.append(message)
            if self._lose_acks:
                self._lose_acks -= 1
                return
            delivery = self._by_envelope.get(str(message["envelope_id"]))
            if delivery is None or delivery.acked.is_set():
                return  # an unknown envelope, or a second ack of one delivery: Slack keeps the first
            payload = message.get("payload")
            delivery.response = payload if isinstance(payload, dict) else None
            delivery.acked.set()
            self._cond.notify_all()

    def _live(self) -> list[Link]:
        return [link for link in self._links if not link.draining]

    def links(self) -> list[Link]:
        with self._cond:
            return list(self._links)

    def wait_connected(self, opened: int = 1, timeout: float = 15.0) -> None:
        """Until `opened` connections have been opened in all and one of them takes envelopes."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (self.connections_opened >= opened and self._live()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no Socket Mode connection #{opened} after {timeout}s")
                self._cond.wait(left)

    # what Slack does to the connections

    def disconnect(self, reason: str = "refresh_requested", grace_s: float = DISCONNECT_GRACE_S) -> None:
        """Send `disconnect` on every connection; each is closed after `grace_s` unless the app
        closed it first, and gets no new envelope meanwhile."""
        message = json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-local"}}
        )
        with self._cond:
            links = self._live()
            for link in links:
                link.draining = True
        for link in links:
            try:
                link.connection.send(message)
            except ConnectionClosed:
                continue
            timer = threading.Timer(grace_s, link.connection.close, args=(1001, "refreshed"))
            timer.daemon = True
            timer.start()

    def drop(self) -> None:
        """Cut every connection without a close frame: a TCP reset, as a network failure does."""
        with self._cond:
            links, self._links = self._links, []
            self._cond.notify_all()
        for link in links:
            try:  # a zero linger turns close() into a reset, with no FIN before it
                link.connection.socket.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            except OSError:
                pass
            link.connection.close_socket()  # websockets: wakes its reader, closes the socket

    def lose_acks(self, count: int = 1) -> None:
        """The next `count` acks never reach Slack (the network lost them)."""
        with self._cond:
            self._lose_acks += count

    # delivering

    def deliver_request(
        self, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> BotResponse:
        """Deliver what HTTP mode would POST as an envelope; returns the ack as that POST's response.
        An `X-Slack-Retry-Num` header (a test replaying a delivery) becomes `retry_attempt`."""
        kind, payload = envelope_kind(body, content_type)
        headers = headers or {}
        attempt = int(headers.get("X-Slack-Retry-Num") or 0)
        # http_timeout is the HTTP name of Socket Mode's `timeout`
        reason = (headers.get("X-Slack-Retry-Reason") or "").replace("http_timeout", "timeout")
        return self.deliver(kind, payload, attempt, reason)

    def deliver(self, kind: str, payload: dict[str, Any], attempt: int = 0, reason: str = "") -> BotResponse:
        if kind not in ENVELOPE_TYPES:
            raise ValueError(f"unknown envelope type {kind!r}")
        delivery = Delivery(kind, payload)
        redelivered = kind in self.redeliver
        while True:
            link = self._ready_link()
            envelope = self._envelope(delivery, attempt, reason)
            try:
                link.connection.send(json.dumps(envelope))
            except ConnectionClosed:
                continue  # that connection went away: the next one gets the same envelope
            with self._cond:
                self.envelopes.append(envelope)
            if delivery.acked.wait(self.ack_timeout_s):
                return ack_response(delivery.response)
            if not redelivered:
                if delivery.acked.wait(max(GIVE_UP_S - self.ack_timeout_s, 0)):
                    return ack_response(delivery.response)
                raise TimeoutError(f"the bot did not acknowledge {kind} envelope {envelope['envelope_id']}")
            if attempt >= MAX_RETRIES:
                raise TimeoutError(f"the bot acknowledged none of {attempt + 1} deliveries of a {kind}")
            attempt, reason = attempt + 1, "timeout"

    def _ready_link(self) -> Link:
        deadline = time.monotonic() + CONNECT_WAIT_S
        with self._cond:
            while True:
                live = self._live()
                if live:
                    return live[-1]  # the newest connection
                left = deadline - time.monotonic()
                if left <= 0 or self._server is None:
                    raise TimeoutError("the bot has no Socket Mode connection open")
                self._cond.wait(left)

    def _envelope(self, delivery: Delivery, attempt: int, reason: str) -> dict[str, Any]:
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": delivery.kind,
            "payload": delivery.payload,
            "accepts_response_payload": accepts_response_payload(delivery.kind, delivery.payload),
        }
        if delivery.kind == "events_api" or attempt:
            envelope["retry_attempt"] = attempt
            envelope["retry_reason"] = reason if attempt else ""
        with self._cond:
            delivery.envelope_ids.append(envelope_id)
            self._by_envelope[envelope_id] = delivery
        return envelope
