"""What Slack sends to the bot: signed slash-command forms, Events API JSON, interaction payloads.

Wire formats from shared/reference/slack.md sections 2, 3 and 6: commands are form-encoded fields;
interactions are one form field `payload=<JSON>`; events are JSON envelopes. Every request carries
`X-Slack-Request-Timestamp` and `X-Slack-Signature` (`v0=` HMAC-SHA256 of `v0:{ts}:{body}`).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from .state import BotResponse, Message, Workspace

APP_ID = "A0LOCAL"
VERIFICATION_TOKEN = "local-verification-token"  # deprecated by Slack, still sent in every payload


def sign(signing_secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature or ""}


def post_signed(
    url: str,
    body: bytes,
    content_type: str,
    signing_secret: str,
    extra_headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> BotResponse:
    """POST like Slack does and return whatever the bot answered, error statuses included."""
    headers = {"Content-Type": content_type, **sign(signing_secret, body), **(extra_headers or {})}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    # Slack reaches the bot directly; a proxy from the environment must not intercept loopback.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            return BotResponse(response.status, response.read().decode("utf-8"), dict(response.headers))
    except urllib.error.HTTPError as exc:
        return BotResponse(exc.code, exc.read().decode("utf-8"), dict(exc.headers))


def _team(ws: Workspace) -> dict[str, Any]:
    return {"id": ws.team_id, "domain": ws.team_id.lower()}


def _user(ws: Workspace, user_id: str) -> dict[str, Any]:
    user = ws.users.get(user_id)
    name = user.name if user else user_id
    return {"id": user_id, "username": name, "name": name, "team_id": ws.team_id}


def command_form(
    ws: Workspace, command: str, text: str, user: str, channel: str, response_url: str, trigger_id: str
) -> bytes:
    user_obj = ws.users.get(user)
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team_id,
        "team_domain": ws.team_id.lower(),
        "channel_id": channel,
        "channel_name": ws.channel_name(channel),
        "user_id": user,
        "user_name": user_obj.name if user_obj else user,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urlencode(fields).encode()


def event_envelope(ws: Workspace, event: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(float(event.get("event_ts") or time.time())),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-local-{event_id}",
    }


def file_share_event(ws: Workspace, message: Message) -> dict[str, Any]:
    channel = ws.channels.get(message.channel)
    channel_type = (
        "im" if message.channel.startswith("D") else "group" if channel and channel.is_private else "channel"
    )
    event: dict[str, Any] = {
        "type": "message",
        "subtype": "file_share",
        "text": message.text,
        "files": [f.to_slack(ws.base_url, ws.team_id) for f in message.files],
        "upload": False,
        "user": message.user,
        "display_as_bot": False,
        "ts": message.ts,
        "channel": message.channel,
        "channel_type": channel_type,
        "event_ts": message.ts,
    }
    if message.thread_ts:
        event["thread_ts"] = message.thread_ts
    return event


def interaction_form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def block_actions_payload(
    ws: Workspace,
    *,
    user: str,
    action: dict[str, Any],
    trigger_id: str,
    message: Message | None = None,
    response_url: str | None = None,
    view: dict[str, Any] | None = None,
    state_values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(ws, user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": _team(ws),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
        payload["state"] = view.get("state", {"values": {}})
        return payload
    assert message is not None
    payload["container"] = {
        "type": "message",
        "message_ts": message.ts,
        "channel_id": message.channel,
        "is_ephemeral": message.is_ephemeral,
    }
    payload["channel"] = {"id": message.channel, "name": ws.channel_name(message.channel)}
    if not message.is_ephemeral:
        # Slack leaves `message` out of payloads from ephemeral messages.
        payload["message"] = {**message.to_slack(ws.base_url, ws.team_id), "bot_id": ws.bot_id}
    payload["state"] = {"values": state_values or {}}
    payload["response_url"] = response_url
    return payload


def view_submission_payload(
    ws: Workspace, *, user: str, view: dict[str, Any], trigger_id: str
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": _team(ws),
        "user": _user(ws, user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "enterprise": None,
        "is_enterprise_install": False,
    }
