"""The Web API method registry, its error type, and the argument checks the methods share.

Error names follow docs.slack.dev/reference/methods and shared/reference/slack.md sections 2-5.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .blocks import block_errors
from .state import Channel, Workspace


class ApiError(Exception):
    def __init__(self, error: str, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra


Method = Callable[[Workspace, dict[str, Any]], dict[str, Any]]
METHODS: dict[str, Method] = {}


def method(name: str) -> Callable[[Method], Method]:
    def register(fn: Method) -> Method:
        METHODS[name] = fn
        return fn

    return register


def require(args: dict[str, Any], *names: str) -> None:
    for name in names:
        if not args.get(name):
            raise ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] missing {name}"]})


def json_arg(value: Any) -> Any:
    """Form-encoded calls carry blocks, views and file lists as JSON strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiError("invalid_arguments") from exc
    return value


def message_content(args: dict[str, Any], required: bool = True) -> tuple[str, list[dict[str, Any]] | None]:
    text = args.get("text") or ""
    blocks = json_arg(args["blocks"]) if args.get("blocks") not in (None, "") else None
    if required and not text and not blocks:
        raise ApiError("no_text")
    if blocks is not None:
        errors = block_errors(blocks)
        if errors:
            raise ApiError("invalid_blocks", response_metadata={"messages": errors})
    return str(text), blocks


def postable_channel(ws: Workspace, channel_id: str | None) -> str:
    """The channel a bot message goes to, or the error Slack gives.

    docs.slack.dev/reference/methods/chat.postMessage (and chat.postEphemeral, same errors): an id
    Slack does not know is `channel_not_found`; an archived channel `is_archived`; a public channel
    the bot is not in `not_in_channel` (the manifest has no chat:write.public); a private one it is
    not in is invisible to it, so `channel_not_found`. A user id posts to the app's DM with that
    user (the Messages tab of its App Home), opening it. A DM channel (D…) exists only once the bot
    opened it (conversations.open, or a post to the user id) or the user wrote to the bot.
    """
    if not channel_id:
        raise ApiError("channel_not_found")
    if channel_id.startswith(("U", "W")):
        if channel_id not in ws.users:
            raise ApiError("channel_not_found")
        return ws.im_channel(channel_id).id
    if channel_id.startswith("#"):
        named = [c for c in ws.channels.values() if c.name == channel_id[1:]]
        if not named:
            raise ApiError("channel_not_found")
        channel_id = named[0].id
    channel = ws.channels.get(channel_id)
    if channel is None:
        raise ApiError("channel_not_found")
    if channel.im_user:
        return channel_id
    if channel.is_archived:
        raise ApiError("is_archived")
    if not channel.bot_is_member:
        raise ApiError("channel_not_found" if channel.is_private else "not_in_channel")
    return channel_id


def known_channel(ws: Workspace, channel_id: str | None) -> Channel:
    channel = ws.channels.get(channel_id or "")
    if channel is None:
        raise ApiError("channel_not_found")
    return channel
