"""The Socket Mode door: every envelope passes here before Bolt sees it (HTTP mode's is front_door.py).

Socket Mode has no HTTP front door. The WebSocket is opened with the app-level token, so there is no
signature, timestamp, replay window or body size to check (Bolt skips verification for requests of
`mode="socket_mode"`). What is left is Slack delivering the same request twice:

- **events**: an `events_api` envelope not acknowledged in time comes again as a new envelope with
  `retry_attempt` and `retry_reason` and the same payload, so the same `event_id`
  (https://api.slack.com/apis/connections/socket-implement). handlers/middleware.py claims event ids
  in SQLite, in both modes, and acks a repeat without running it.
- **commands and interactions** carry no event id, and Slack documents no redelivery of them; a repeat
  can still come (a lost ack, a reconnect, a second replica on the same app token), as a new envelope
  whose payload is the same, so is its `trigger_id`, which Slack attaches to each user action and
  which can be used only once (https://api.slack.com/docs/triggers). The envelope id says nothing: each
  delivery has its own, and each must be acknowledged. So the door claims the trigger id before Bolt
  runs: a repeat while the first still runs waits for the first one's ack (up to `REPEAT_WAIT_S`,
  inside Slack's 3 s) and is acked with the same payload; a repeat of one this process finished gets
  the same ack again, so an answer lost on the way still reaches the user; a repeat of one another
  process or an earlier run claimed is acked empty.

A command whose text is too long gets the front door's short answer, unparsed, as in HTTP mode.

Why slack_sdk's built-in client (`slack_bolt.adapter.socket_mode.SocketModeHandler`): it needs no
package beyond slack_sdk, runs on threads like our sync `App`, on `disconnect` opens the new
connection before it closes the old one (slack_sdk socket_mode/builtin/client.py `connect`), so what
Slack sends on either is read, and it notices a reset socket at once. Its cost, measured against the
stand-in: it reads the new connection only once the old one's blocking receive returns, up to 3 s
(builtin/connection.py `receive_timeout`), so a request sent to the new connection meanwhile waits.
The websocket-client adapter switched in 0.5 s but closes the old connection first (what is in flight
on it is lost) and needs another package; the websockets and aiohttp adapters need an `AsyncApp`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from handlers.front_door import too_long_answer

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

# The built-in client pings every interval and reconnects when a ping fails or 4 intervals pass
# without a pong (slack_sdk socket_mode/builtin/connection.py `check_state`); a reset connection is
# noticed at once and replaced at the next tick. slack_sdk's own client default is 5 s.
PING_INTERVAL_S = 5.0
ANSWERS_KEPT = 1_000  # acks remembered for repeats; Slack repeats within minutes, not thousands later
REPEAT_WAIT_S = 2.5  # a repeat waits this long for the first delivery's ack: Slack waits 3 s for one


class Running:
    """The first delivery of a key is still running: `done` is set once its answer is kept."""

    def __init__(self) -> None:
        self.done = threading.Event()


Answer = dict[str, Any] | None  # the payload of an ack (None: an empty ack)


def ack_payload(response: BoltResponse) -> Answer:
    """What Bolt's Socket Mode adapter sends for this response (slack_bolt adapter/socket_mode/
    internals.py `send_response`): nothing, the JSON body, or a text body as `{"text": …}`."""
    if not response.body:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    if content_type.startswith("application/json"):
        parsed = json.loads(response.body)
        return parsed if isinstance(parsed, dict) else None
    return {"text": response.body}


def delivery_key(request: SocketModeRequest) -> str | None:
    """What a repeat of this command or interaction shares with the first delivery, else None."""
    if request.type not in ("slash_commands", "interactive"):
        return None
    trigger = request.payload.get("trigger_id")
    return f"socket:trigger:{trigger}" if isinstance(trigger, str) and trigger else None


class SocketDoor(SocketModeHandler):
    """Bolt's Socket Mode handler with the claims above in front of `App.dispatch`."""

    def __init__(
        self, app: App, services: Services, app_token: str, ping_interval: float = PING_INTERVAL_S
    ) -> None:
        super().__init__(app, app_token, ping_interval=ping_interval)
        self.services = services
        self._answers: OrderedDict[str, Answer | Running] = OrderedDict()
        self._lock = threading.Lock()

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        start = time.time()
        key = delivery_key(req)
        if key is None:  # events: the middleware claims their event_id
            send_response(client, req, run_bolt_app(self.app, req), start)
            return
        running = Running()
        with self._lock:
            repeat = key in self._answers
            seen = self._answers.get(key)
            if not repeat:
                self._remember(key, running)
        if repeat:
            self._answer_repeat(client, req, key, seen)
            return
        answer: Answer = None
        try:
            if not self.services.claims.first_request(key):
                log.info("acked a repeated %s envelope that an earlier run or another process took", req.type)
                client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
                return
            too_long = too_long_answer(req.payload) if req.type == "slash_commands" else None
            if too_long is not None:
                answer = dict(too_long)
                client.send_socket_mode_response(SocketModeResponse(req.envelope_id, payload=answer))
                return
            response = run_bolt_app(self.app, req)
            answer = ack_payload(response) if response.status == 200 else None
            with self._lock:  # kept before the ack is sent: if it is lost, a repeat gets it again
                self._remember(key, answer)
            send_response(client, req, response, start)
        finally:
            with self._lock:
                if self._answers.get(key) is running:
                    self._remember(key, answer)
            running.done.set()

    def _answer_repeat(
        self, client: BaseSocketModeClient, req: SocketModeRequest, key: str, seen: Answer | Running
    ) -> None:
        if isinstance(seen, Running):
            log.info("a %s envelope came again while the first runs: it gets the first one's ack", req.type)
            seen.done.wait(REPEAT_WAIT_S)
            with self._lock:
                kept = self._answers.get(key)
            seen = None if isinstance(kept, Running) else kept
        else:
            log.info("a %s envelope came again: sent the first one's ack again, ran nothing", req.type)
        client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id, payload=seen))

    def _remember(self, key: str, answer: Answer | Running) -> None:
        self._answers[key] = answer
        self._answers.move_to_end(key)
        while len(self._answers) > ANSWERS_KEPT:
            self._answers.popitem(last=False)
