"""auth.test and chat.*: posting, updating and deleting bot messages."""

from __future__ import annotations

from typing import Any

from .registry import ApiError, message_content, method, postable_channel
from .state import Message, Workspace


@method("auth.test")
def auth_test(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": f"https://{ws.team_id.lower()}.slack.com/",
        "team": "Local Workspace",
        "user": "rampbot",
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


@method("chat.postMessage")
def chat_post_message(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel = postable_channel(ws, args.get("channel"))
    text, blocks = message_content(args)
    message = ws.add_message(
        Message(
            channel=channel,
            ts=ws.new_ts(),
            text=text,
            blocks=blocks or [],
            user=ws.bot_user_id,
            thread_ts=args.get("thread_ts") or None,
            source="chat.postMessage",
        )
    )
    return {"channel": channel, "ts": message.ts, "message": {**message.to_slack(), "bot_id": ws.bot_id}}


@method("chat.postEphemeral")
def chat_post_ephemeral(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel = postable_channel(ws, args.get("channel"))
    user = args.get("user")
    if not user:
        raise ApiError("user_not_found")
    known = ws.channels.get(channel)
    if known is not None and not known.im_user and user not in ws.channel_members(known):
        raise ApiError("user_not_in_channel")
    text, blocks = message_content(args)
    message = ws.add_message(
        Message(
            channel=channel,
            ts=ws.new_ts(),
            text=text,
            blocks=blocks or [],
            user=ws.bot_user_id,
            thread_ts=args.get("thread_ts") or None,
            ephemeral_to=str(user),
            source="chat.postEphemeral",
        )
    )
    return {"message_ts": message.ts}


def _bot_message(ws: Workspace, args: dict[str, Any]) -> Message:
    message = ws.find_message(str(args.get("channel") or ""), str(args.get("ts") or ""))
    if message is None or message.is_ephemeral:
        raise ApiError("message_not_found")
    return message


@method("chat.update")
def chat_update(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    message = _bot_message(ws, args)
    if message.user != ws.bot_user_id:
        raise ApiError("cant_update_message")
    text, blocks = message_content(args, required=False)
    if "text" in args:
        message.text = text
    if blocks is not None or "blocks" in args:
        message.blocks = blocks or []
    message.edited = True
    message.rev = ws.next_rev()
    ws.touch()
    return {"channel": message.channel, "ts": message.ts, "text": message.text, "message": message.to_slack()}


@method("chat.delete")
def chat_delete(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    message = _bot_message(ws, args)
    if message.user != ws.bot_user_id:
        raise ApiError("cant_delete_message")
    ws.messages.remove(message)
    ws.touch()
    return {"channel": message.channel, "ts": message.ts}
