"""Block Kit checks the stand-in applies, so a message Slack would reject is rejected here too.

Limits come from shared/reference/slack.md section 4 (Slack's Block Kit reference and slack_sdk's
model classes). Slack answers a broken message with `invalid_blocks` and one
`[ERROR] ... [json-pointer:/blocks/N/...]` line per problem in `response_metadata.messages`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
ID_MAX = 255

# element type -> (text limit, value limit)
_BUTTON_TEXT_MAX, _BUTTON_VALUE_MAX = 75, 2000
_OPTION_TEXT_MAX, _OPTION_VALUE_MAX = 75, 150
_PLACEHOLDER_MAX = 150
_CONFIRM_BUTTON_MAX = 30

INTERACTIVE_TYPES = {
    "button",
    "overflow",
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
    "multi_static_select",
    "multi_users_select",
    "multi_conversations_select",
    "multi_channels_select",
    "datepicker",
    "timepicker",
    "checkboxes",
    "radio_buttons",
    "plain_text_input",
    "number_input",
    "email_text_input",
    "url_text_input",
}


def _text_errors(obj: Any, pointer: str, max_len: int | None = None) -> list[str]:
    if not isinstance(obj, dict) or "text" not in obj or "type" not in obj:
        return [f"[ERROR] must provide a text object [json-pointer:{pointer}]"]
    text = obj.get("text")
    if not isinstance(text, str) or len(text) < 1:
        return [f"[ERROR] must be more than 0 characters [json-pointer:{pointer}/text]"]
    if max_len is not None and len(text) > max_len:
        return [f"[ERROR] must be less than {max_len + 1} characters [json-pointer:{pointer}/text]"]
    return []


def _too_long(value: Any, limit: int, pointer: str) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}]"]
    return []


def _option_errors(options: Any, pointer: str, max_items: int, min_items: int = 1) -> list[str]:
    if not isinstance(options, list) or not min_items <= len(options) <= max_items:
        return [f"[ERROR] must have between {min_items} and {max_items} items [json-pointer:{pointer}]"]
    errors: list[str] = []
    for i, option in enumerate(options):
        errors += _text_errors(option.get("text"), f"{pointer}/{i}/text", _OPTION_TEXT_MAX)
        errors += _too_long(option.get("value"), _OPTION_VALUE_MAX, f"{pointer}/{i}/value")
    return errors


def _element_errors(element: Any, pointer: str) -> list[str]:
    if not isinstance(element, dict) or "type" not in element:
        return [f"[ERROR] missing required field: type [json-pointer:{pointer}]"]
    errors = _too_long(element.get("action_id"), ID_MAX, f"{pointer}/action_id")
    kind = element["type"]
    if kind == "button":
        errors += _text_errors(element.get("text"), f"{pointer}/text", _BUTTON_TEXT_MAX)
        errors += _too_long(element.get("value"), _BUTTON_VALUE_MAX, f"{pointer}/value")
    elif kind == "overflow":
        errors += _option_errors(element.get("options"), f"{pointer}/options", 5)
    elif kind in ("static_select", "multi_static_select") and "options" in element:
        errors += _option_errors(element.get("options"), f"{pointer}/options", 100)
    if "placeholder" in element:
        # docs.slack.dev/reference/block-kit/block-elements (every select and input): placeholder
        # is plain_text, at most 150 characters.
        errors += _text_errors(element["placeholder"], f"{pointer}/placeholder", _PLACEHOLDER_MAX)
    if isinstance(element.get("confirm"), dict):
        # docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object:
        # title 100, text 300, confirm and deny 30 characters.
        confirm = element["confirm"]
        errors += _text_errors(confirm.get("title"), f"{pointer}/confirm/title", 100)
        errors += _text_errors(confirm.get("text"), f"{pointer}/confirm/text", 300)
        for key in ("confirm", "deny"):
            errors += _text_errors(confirm.get(key), f"{pointer}/confirm/{key}", _CONFIRM_BUTTON_MAX)
    return errors


def _block_errors(block: Any, pointer: str) -> list[str]:
    if not isinstance(block, dict) or "type" not in block:
        return [f"[ERROR] missing required field: type [json-pointer:{pointer}]"]
    errors = _too_long(block.get("block_id"), ID_MAX, f"{pointer}/block_id")
    kind = block["type"]
    if kind == "section":
        if "text" not in block and "fields" not in block:
            errors.append(f"[ERROR] must provide either text or fields [json-pointer:{pointer}]")
        if "text" in block:
            errors += _text_errors(block["text"], f"{pointer}/text", 3000)
        fields = block.get("fields", [])
        if len(fields) > 10:
            errors.append(f"[ERROR] must be no more than 10 items [json-pointer:{pointer}/fields]")
        for i, field in enumerate(fields):
            errors += _text_errors(field, f"{pointer}/fields/{i}", 2000)
        if "accessory" in block:
            errors += _element_errors(block["accessory"], f"{pointer}/accessory")
    elif kind == "header":
        errors += _text_errors(block.get("text"), f"{pointer}/text", 150)
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 10:
            errors.append(f"[ERROR] must have between 1 and 10 items [json-pointer:{pointer}/elements]")
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            errors.append(f"[ERROR] must have between 1 and 25 items [json-pointer:{pointer}/elements]")
        action_ids = [e.get("action_id") for e in elements if isinstance(e, dict) and e.get("action_id")]
        if len(action_ids) != len(set(action_ids)):
            errors.append(f"[ERROR] duplicate action_id [json-pointer:{pointer}/elements]")
        for i, element in enumerate(elements):
            errors += _element_errors(element, f"{pointer}/elements/{i}")
    elif kind == "input":
        errors += _text_errors(block.get("label"), f"{pointer}/label", 2000)
        errors += _element_errors(block.get("element"), f"{pointer}/element")
    elif kind == "markdown":
        errors += _too_long(block.get("text"), 12000, f"{pointer}/text")
    return errors


def block_errors(blocks: Any, max_blocks: int = MESSAGE_MAX_BLOCKS) -> list[str]:
    """Every problem Slack would report for these blocks; empty when they are acceptable."""
    if not isinstance(blocks, list):
        return ["[ERROR] must be an array [json-pointer:/blocks]"]
    if len(blocks) > max_blocks:
        return [f"[ERROR] no more than {max_blocks} items allowed [json-pointer:/blocks]"]
    errors: list[str] = []
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        errors += _block_errors(block, f"/blocks/{i}")
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id:
            if block_id in seen:
                errors.append(f"[ERROR] duplicate block_id {block_id!r} [json-pointer:/blocks/{i}/block_id]")
            seen.add(block_id)
    return errors


def view_errors(view: Any) -> list[str]:
    """Problems with a modal or Home tab view (Slack answers these with `invalid_arguments`)."""
    if not isinstance(view, dict):
        return ["[ERROR] view must be an object [json-pointer:/view]"]
    errors: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        errors.append("[ERROR] must be one of modal, home [json-pointer:/view/type]")
    if kind == "modal":
        errors += _text_errors(view.get("title"), "/view/title", 24)
        for key in ("submit", "close"):
            if key in view:
                errors += _text_errors(view[key], f"/view/{key}", 24)
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and "submit" not in view:
            errors.append("[ERROR] submit is required when a view has input blocks [json-pointer:/view]")
    errors += _too_long(view.get("private_metadata"), 3000, "/view/private_metadata")
    errors += _too_long(view.get("callback_id"), ID_MAX, "/view/callback_id")
    errors += _too_long(view.get("external_id"), ID_MAX, "/view/external_id")
    return errors + block_errors(view.get("blocks"), VIEW_MAX_BLOCKS)


def reply_errors(body: dict[str, Any]) -> list[str]:
    """Block problems of a message the bot sends outside chat.* (a response_url post or a command
    ack): the same message limits apply (docs.slack.dev/interactivity/handling-user-interaction:
    a response_url message takes the same `text`/`blocks` as chat.postMessage)."""
    blocks = body.get("blocks")
    if blocks in (None, ""):
        return []
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return ["[ERROR] blocks must be valid JSON [json-pointer:/blocks]"]
    return block_errors(blocks)


def interactive_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) for every element a user can act on, in reading order."""
    for block in blocks or []:
        kind = block.get("type")
        if kind == "actions":
            for element in block.get("elements") or []:
                yield block, element
        elif kind == "section" and isinstance(block.get("accessory"), dict):
            if block["accessory"].get("type") in INTERACTIVE_TYPES:
                yield block, block["accessory"]
        elif kind == "input" and isinstance(block.get("element"), dict):
            yield block, block["element"]


def options_of(element: dict[str, Any]) -> list[dict[str, Any]]:
    """The options of a select or overflow, flattening option groups."""
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options
