"""What a Slack client does around an interaction: find the pressed element, build the `actions[]`
item, and apply the bot's answers (command acks, view_submission acks, response_url replies).

Rules from shared/reference/slack.md sections 2 and 3 and docs.slack.dev/interactivity.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from .blocks import interactive_elements, options_of, reply_errors, view_errors
from .state import BotResponse, Call, Message, ResponseUrl, Workspace
from .transcript import Pressable
from .views import open_modal, store_view

_VALUE_KEYS = {
    "plain_text_input": "value",
    "number_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "multi_static_select": "selected_options",
    "checkboxes": "selected_options",
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}


@dataclass
class Target:
    """An element found on screen: in a message, or in an open modal or Home tab."""

    block: dict[str, Any]
    element: dict[str, Any]
    message: Message | None = None
    view: dict[str, Any] | None = None


def _match(blocks: list[dict[str, Any]], action_id: str, block_id: str | None) -> tuple[dict, dict] | None:
    for block, element in interactive_elements(blocks):
        if element.get("action_id") == action_id and (block_id is None or block.get("block_id") == block_id):
            return block, element
    return None


def find_target(
    ws: Workspace,
    action_id: str,
    user: str,
    message: Message | None = None,
    block_id: str | None = None,
    view_id: str | None = None,
) -> Target:
    """The element with this action_id in `message` or in the user's view `view_id` (modal or Home
    tab) when given; else the one the user can see: top modal, then newest message, then Home."""
    with ws.lock:
        if view_id is not None:
            view = _open_view(ws, view_id, user)
            found = _match(view.get("blocks") or [], action_id, block_id)
            if found is None:
                raise LookupError(f"no element {action_id!r} in view {view_id}")
            return Target(*found, view=view)
        if message is not None:
            found = _match(message.blocks, action_id, block_id)
            if found:
                return Target(*found, message=message)
            raise LookupError(f"no element {action_id!r} in message {message.ts}")
        top = ws.user_top_view(user)
        if top and (found := _match(top.get("blocks") or [], action_id, block_id)):
            return Target(*found, view=top)
        for candidate in reversed(ws.messages):
            if candidate.ephemeral_to not in (None, user):
                continue
            if found := _match(candidate.blocks, action_id, block_id):
                return Target(*found, message=candidate)
        home = ws.home_views.get(user)
        if home and (found := _match(home.get("blocks") or [], action_id, block_id)):
            return Target(*found, view=home)
    raise LookupError(f"no visible element with action_id {action_id!r} for {user}")


def _option(element: dict[str, Any], value: str | None) -> dict[str, Any] | None:
    options = options_of(element)
    if value is None:
        return options[0] if options else None
    for option in options:
        if option.get("value") == value:
            return option
    raise LookupError(f"{element.get('action_id')!r} has no option with value {value!r}")


def build_action(target: Target, value: Any = None, selected_option: Any = None) -> dict[str, Any]:
    """One `actions[]` item as Slack sends it for this element (button value, selected option, ...)."""
    element = target.element
    kind = element.get("type", "button")
    action: dict[str, Any] = {
        "action_id": element.get("action_id"),
        "block_id": target.block.get("block_id"),
        "type": kind,
        "action_ts": f"{time.time():.6f}",
    }
    if kind == "button":
        action["text"] = element.get("text")
        action["value"] = element.get("value") if value is None else value
        if element.get("style"):
            action["style"] = element["style"]
    elif kind in ("overflow", "static_select", "radio_buttons", "external_select"):
        if not isinstance(selected_option, dict):
            selected_option = _option(element, selected_option if selected_option is not None else value)
        action["selected_option"] = selected_option
        if kind != "overflow":
            action["placeholder"] = element.get("placeholder")
    elif kind in _VALUE_KEYS:
        action[_VALUE_KEYS[kind]] = value
    return action


def state_entry(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """`state.values[block_id][action_id]` for an element, from a shorthand value or a full dict."""
    kind = element.get("type", "plain_text_input")
    if isinstance(value, dict) and "type" in value:
        return value
    key = _VALUE_KEYS.get(kind, "value")
    if key == "selected_option" and isinstance(value, str):
        value = _option(element, value)
    if key == "selected_options" and isinstance(value, list):
        value = [_option(element, v) if isinstance(v, str) else v for v in value]
    return {"type": kind, key: value}


def view_state(view: dict[str, Any], values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every input of the view, filled from `values` (empty inputs are null, as Slack sends them)."""
    state: dict[str, dict[str, Any]] = {}
    for block, element in interactive_elements(view.get("blocks") or []):
        block_id, action_id = block.get("block_id", ""), element.get("action_id", "")
        given = values.get(block_id, {}).get(action_id)
        if block.get("type") == "input" or given is not None:
            state.setdefault(block_id, {})[action_id] = state_entry(element, given)
    for block_id, actions in values.items():
        for action_id, given in actions.items():
            if action_id not in state.get(block_id, {}):
                state.setdefault(block_id, {})[action_id] = state_entry({}, given)
    return state


def _reply_content(body: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    blocks = body.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return str(body.get("text") or ""), blocks


def record_ack(ws: Workspace, response: BotResponse, channel: str, user: str, ts: str) -> None:
    """A command ack with a body is shown to the invoker (ephemeral) or the channel (in_channel),
    at `ts`, reserved when the command was sent."""
    if response.status != 200 or not response.body.strip():
        return
    body: dict[str, Any]
    if "json" in response.headers.get("Content-Type", "").lower():
        body = response.json() or {}
    else:
        body = {"text": response.body}
    errors = reply_errors(body)
    if errors:
        # assumption: Slack's documents do not say how a command ack with bad blocks is reported;
        # the stand-in shows the invoker nothing from the bot and records `invalid_blocks` on the
        # response (as Slack's client says "failed with the error ..." instead of the message).
        _reject_ack(response, "invalid_blocks", errors)
        return
    text, blocks = _reply_content(body)
    if not text and not blocks:
        return
    in_channel = body.get("response_type") == "in_channel"
    ws.insert_message(
        Message(
            channel=channel,
            ts=ts,
            text=text,
            blocks=blocks,
            user=ws.bot_user_id,
            ephemeral_to=None if in_channel else user,
            source="ack",
        )
    )


def _reject_ack(response: BotResponse, error: str, messages: list[str]) -> None:
    response.error, response.error_messages = error, messages


def apply_response_url(ws: Workspace, hook: ResponseUrl, body: dict[str, Any]) -> None:
    """A response_url reply: new message, or replace/delete the message the interaction came from."""
    original = ws.find_message(hook.channel, hook.message_ts) if hook.message_ts else None
    if body.get("delete_original") in (True, "true"):
        if original is not None:
            ws.messages.remove(original)
            ws.touch()
        return
    text, blocks = _reply_content(body)
    if body.get("replace_original") in (True, "true") and original is not None:
        original.text, original.blocks, original.edited = text, blocks, True
        if body.get("response_type") == "in_channel":
            original.ephemeral_to = None
        original.rev = ws.next_rev()
        ws.touch()
        return
    in_channel = body.get("response_type") == "in_channel"
    ws.add_message(
        Message(
            channel=hook.channel,
            ts=ws.new_ts(),
            text=text,
            blocks=blocks,
            user=ws.bot_user_id,
            thread_ts=body.get("thread_ts") or None,
            ephemeral_to=None if in_channel else hook.user,
            source="response_url",
        )
    )


def apply_view_ack(ws: Workspace, view_id: str, user: str, response: BotResponse) -> None:
    """view_submission ack: errors keep the modal; update/push/clear change it; empty closes it."""
    if response.status != 200:
        return
    body = response.json() if response.body.strip().startswith("{") else {}
    action = (body or {}).get("response_action")
    if action == "errors":
        return
    if action in ("update", "push"):
        errors = view_errors((body or {}).get("view"))
        if errors:
            # assumption: Slack documents no error body for a view_submission ack whose view is
            # invalid; the stand-in keeps the modal as it was (the user sees it not change) and
            # records the error views.update/push would give, `invalid_arguments`.
            _reject_ack(response, "invalid_arguments", errors)
            return
    with ws.lock:
        if action == "update" and view_id in ws.views:
            current = ws.views[view_id]
            links = {k: current[k] for k in ("root_view_id", "previous_view_id")}
            ws.views[view_id] = store_view(ws, body["view"], view_id, **links)
        elif action == "push":
            stack = ws.view_stacks.get(user, [])
            open_modal(
                ws, user, body["view"], previous_view_id=view_id, root_view_id=stack[0] if stack else view_id
            )
        else:
            ws.close_view(view_id, all_of_stack=action == "clear")


# "up to 5 times within 30 minutes" (docs.slack.dev/interactivity/handling-user-interaction,
# "Responding to interactions"; shared/reference/slack.md section 2).
RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_TTL_S = 30 * 60


def receive_response_url(ws: Workspace, hook_id: str, raw: bytes) -> tuple[int, str]:
    """A POST to a response_url: recorded as a `response_url` call, then applied (status, body).

    assumption: Slack's documents give the limits but not the answer past them; the stand-in
    answers as Slack's incoming webhooks answer a dead URL, HTTP 404 with the error as plain text:
    `expired_url` after 30 minutes, `used_url` after five uses, `invalid_token` for a URL it never
    issued (docs.slack.dev/messaging/sending-messages-using-incoming-webhooks, "Handling errors").
    The bot must not depend on the words, only on the post not being 200.
    """
    body = _json_or_empty(raw)
    with ws.lock:
        ws.calls.append(Call(method="response_url", args=body, token=None, time=time.time()))
        ws.touch()
        hook = ws.response_urls.get(hook_id)
        if hook is None:
            return 404, "invalid_token"
        if ws.now() - hook.issued_at > RESPONSE_URL_TTL_S:
            return 404, "expired_url"
        if hook.uses >= RESPONSE_URL_MAX_USES:
            return 404, "used_url"
        if not body:
            return 400, "invalid_payload"
        if reply_errors(body):
            # assumption: Slack's documents do not list response_url errors; it answers like an
            # incoming webhook, HTTP 400 with the error as plain text (same page as above).
            # A rejected post does not use up one of the five.
            return 400, "invalid_blocks"
        hook.uses += 1
        apply_response_url(ws, hook, body)
    return 200, "ok"


def pressable_target(ws: Workspace, item: Pressable, user: str) -> Target:
    """The element behind a numbered item of the last output, if it is still on screen."""
    if item.view_id:
        view = _open_view(ws, item.view_id)
        found = _match(view.get("blocks") or [], item.action_id, item.block_id or None)
        if found is None:
            raise LookupError(f"{item.action_id!r} is no longer in view {item.view_id}")
        return Target(*found, view=view)
    message = ws.find_message(item.channel or "", item.ts or "")
    if message is None:
        raise LookupError(f"message {item.ts} is gone")
    return find_target(ws, item.action_id, user, message, item.block_id or None)


def _open_view(ws: Workspace, view_id: str, user: str | None = None) -> dict[str, Any]:
    """An open modal or a published Home tab by id (only `user`'s own, when given)."""
    homes = {v["id"]: (owner, v) for owner, v in ws.home_views.items()}
    if view_id in ws.views:
        owner, view = ws.view_owner.get(view_id), ws.views[view_id]
    elif view_id in homes:
        owner, view = homes[view_id]
    else:
        raise LookupError(f"view {view_id} is no longer open")
    if user is not None and owner != user:
        raise LookupError(f"view {view_id} is not open for {user}")
    return view


def _json_or_empty(raw: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
