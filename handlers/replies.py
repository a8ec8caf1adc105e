"""`respond()` that always reaches the person: the `response_url` when it works, the Web API otherwise.

Bolt's `respond()` raises when the request has no `response_url` (modal submissions, events, Home-tab
buttons), and slack_sdk's `WebhookClient` returns a failure instead of raising: a `response_url`
is good for 5 uses in 30 minutes (Slack, "Handling user interaction"), and an expired or used one
answers 404 (`expired_url`, `used_url`), a bad message 400 (`invalid_blocks`). So every answer is
checked, and a failed one goes by `chat.update` (when it was to replace the message it came from),
`chat.postEphemeral` in the channel, or a direct message, in that order.

A middleware puts one `CheckedRespond` into each request's context under the name `respond`, so
every listener's `respond` is this one; Bolt copies it as is to the lazy listeners.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class CheckedRespond(Respond):
    def __init__(self, *, body: dict[str, Any], client: WebClient, response_url: str | None) -> None:
        super().__init__(response_url=response_url)
        self._client = client
        self._user = str(body.get("user_id") or (body.get("user") or {}).get("id") or "")
        self._channel = str(
            body.get("channel_id")
            or (body.get("channel") or {}).get("id")
            or (body.get("container") or {}).get("channel_id")
            or ""
        )
        container = body.get("container") or {}
        self._message_ts = "" if container.get("is_ephemeral") else str(container.get("message_ts") or "")

    def __deepcopy__(self, memo: dict[int, Any]) -> CheckedRespond:
        return self  # holds a client; shared with the lazy listeners of the same request

    def __call__(  # type: ignore[override]
        self,
        text: str = "",
        blocks: Sequence[dict[str, Any]] | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        response_type: str | None = None,
        **rest: Any,
    ) -> Any:
        if self.response_url is not None:
            try:
                answer = super().__call__(
                    text=text,
                    blocks=blocks,
                    replace_original=replace_original,
                    delete_original=delete_original,
                    response_type=response_type,
                    **rest,
                )
                if answer.status_code == 200:
                    return answer
                log.warning("response_url refused the reply (%s %s)", answer.status_code, answer.body)
            except OSError as error:  # urllib's URLError, a reset, a timeout
                log.warning("response_url unreachable (%s)", error)
        if delete_original:
            return self._delete()
        return self._by_web_api(
            text, list(blocks or []), bool(replace_original), response_type == "in_channel"
        )

    def _by_web_api(self, text: str, blocks: list[dict[str, Any]], replace: bool, in_channel: bool) -> Any:
        message: dict[str, Any] = {"text": text or " ", **({"blocks": blocks} if blocks else {})}
        client, channel, user = self._client, self._channel, self._user
        attempts = []
        if replace and channel and self._message_ts:
            attempts.append(lambda: client.chat_update(channel=channel, ts=self._message_ts, **message))
        if in_channel and channel:
            attempts.append(lambda: client.chat_postMessage(channel=channel, **message))
        if channel and user:
            attempts.append(lambda: client.chat_postEphemeral(channel=channel, user=user, **message))
        if user:
            attempts.append(lambda: client.chat_postMessage(channel=self._direct_channel(), **message))
        for attempt in attempts:
            try:
                return attempt()
            except SlackApiError as error:
                log.warning("reply fallback refused (%s); trying the next way", error.response.get("error"))
        log.error("could not reach user %s by any means; the log has what they were to be told", self._user)
        log.info("the undelivered reply: %s", text)
        return None

    def _direct_channel(self) -> str:
        return str(self._client.conversations_open(users=self._user)["channel"]["id"])

    def _delete(self) -> Any:
        if not (self._channel and self._message_ts):
            return None
        try:
            return self._client.chat_delete(channel=self._channel, ts=self._message_ts)
        except SlackApiError as error:
            log.warning("could not delete the original message (%s)", error.response.get("error"))
            return None
