"""Bolt's request with a correct form-body parser.

slack-bolt 1.30's `parse_body` treats any form body that contains the text "payload" anywhere as an
interactive payload; without a real `payload=` field it returns `{}`. So `/ramp help payload`, or any
command typed in a channel named like `#payload-ops`, reaches no listener. We parse the body again
here, looking for a `payload` *key*, and rebuild the context from it. `to_copyable` keeps the type,
so lazy listeners (which get a copy of the request) see the right body too.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context


def parse_form_body(body: str) -> dict[str, Any]:
    params = dict(parse_qsl(body, keep_blank_values=True))
    if "payload" in params:
        payload = json.loads(params["payload"])
        return payload if isinstance(payload, dict) else {}
    return params


class SlackRequest(BoltRequest):
    def __init__(
        self, *, body: str | dict[str, Any], context: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(body=body, context=context, **kwargs)
        is_form = (
            isinstance(body, str)
            and body
            and not body.startswith("{")
            and self.content_type != "application/json"
        )
        if is_form:
            assert isinstance(body, str)
            self.body = parse_form_body(body)
            self.context = build_context(BoltContext(context if context else {}), self.body)

    def to_copyable(self) -> SlackRequest:
        body: str | dict[str, Any] = self.raw_body if self.mode == "http" else self.body
        return SlackRequest(
            body=body,
            query=self.query,
            headers=self.headers,
            context=self.context.to_copyable(),
            mode=self.mode,
        )
