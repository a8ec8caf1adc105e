"""A Slack message that shows a long job's progress, sent by a small thread of its own so the job
never waits for Slack.

The job's threads only `record(done, total)`: a lock and two numbers. The publisher thread sends
the latest numbers at most once every `UPDATE_EVERY_S`; an update Slack refuses (a 429 included)
is dropped, since the next one carries newer numbers, and after a 429 nothing is sent to that
message until Slack's `Retry-After` has passed. `finish(message)` stops the thread, then delivers
the final message from the caller's thread (the job is over by then), waiting out the spacing and
any `Retry-After`, with the client's own retry handlers for a 429 on it. `stop()` ends the updates
without a final message (a job that did not run, or raised).
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

log = logging.getLogger(__name__)

# chat.update is Tier 3: about 50 a minute per workspace, shared with every other message the bot
# updates (https://docs.slack.dev/apis/web-api/rate-limits). 20 a minute per bar leaves room.
UPDATE_EVERY_S = 3.0
IDLE_POLL_S = 0.25  # how often the thread looks for new numbers when there were none

Render = Callable[[int, int], dict[str, Any]]


def without_rate_limit_retries(client: WebClient) -> WebClient:
    """A copy of `client` that raises on a 429 at once: slack_sdk's RateLimitErrorRetryHandler
    sleeps `Retry-After` in the calling thread (slack_sdk/http_retry/builtin_handlers.py)."""
    quiet = copy.copy(client)
    quiet.retry_handlers = [h for h in client.retry_handlers if not isinstance(h, RateLimitErrorRetryHandler)]
    return quiet


class ProgressPublisher:
    """The progress of one job in the message `ts` of `channel`, rendered by `render(done, total)`."""

    def __init__(self, client: WebClient, channel: str, ts: str, render: Render) -> None:
        self._client, self._quiet = client, without_rate_limit_retries(client)
        self._channel, self._ts = channel, ts
        self._render = render
        self._lock = threading.Lock()
        self._latest: tuple[int, int] | None = None
        self._sent: tuple[int, int] | None = None
        self._next_at = time.monotonic()  # the first numbers go at once: the click visibly worked
        self._retry_until = 0.0  # Slack asked to be left alone until then (Retry-After)
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, done: int, total: int) -> None:
        """Called from the job's threads: note the numbers, never wait for Slack."""
        with self._lock:
            self._latest = (done, total)
            if self._thread is None and not self._stopped.is_set():
                self._thread = threading.Thread(target=self._run, name="progress", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        """No more progress updates; returns once an update in flight has landed."""
        with self._lock:
            self._stopped.set()
            thread = self._thread
        if thread is not None:
            thread.join()

    def finish(self, message: dict[str, Any]) -> None:
        """Stop the progress updates, then replace the message with `message` once any `Retry-After`
        Slack asked for has passed (the caller waits: the job is over by then). The report is one
        call more than the 3 s spacing allows, and it is the one that matters: it is not held back."""
        self.stop()  # so an update in flight lands before the final message, never after it
        time.sleep(max(0.0, self._retry_until - time.monotonic()))
        self._client.chat_update(channel=self._channel, ts=self._ts, **message)

    def _run(self) -> None:
        while not self._stopped.wait(max(0.0, self._next_at - time.monotonic())):
            with self._lock:
                latest = self._latest
            if latest is None or latest == self._sent:
                self._next_at = time.monotonic() + IDLE_POLL_S
                continue
            pause = self._send(latest)
            self._next_at = time.monotonic() + pause  # from Slack's answer, so the gap Slack sees is >= pause

    def _send(self, numbers: tuple[int, int]) -> float:
        """One progress update; returns how long to leave the message alone after it."""
        try:
            self._quiet.chat_update(channel=self._channel, ts=self._ts, **self._render(*numbers))
        except SlackApiError as error:  # dropped: the job goes on and the final message still comes
            log.warning("progress update dropped: %s", error.response.get("error"))
            self._retry_until = time.monotonic() + _retry_after(error)
            return max(UPDATE_EVERY_S, _retry_after(error))
        except OSError as error:  # Slack unreachable: the same
            log.warning("progress update dropped: %s", error)
        else:
            self._sent = numbers
        return UPDATE_EVERY_S


def _retry_after(error: SlackApiError) -> float:
    if error.response.status_code != 429:
        return 0.0
    try:
        return float(error.response.headers.get("Retry-After") or 1)
    except ValueError:
        return 1.0
