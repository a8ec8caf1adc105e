"""Messages and modals as readable terminal text, with every button and menu option numbered.

The numbers are what `python -m sandbox slack click N` presses; `render` returns them as
`Pressable`s so the stand-in can keep the numbering of the last output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .blocks import interactive_elements, options_of
from .state import Message, Workspace


@dataclass(frozen=True)
class Pressable:
    """One numbered thing a user can press: a button, or one option of an overflow or select."""

    label: str
    block_id: str
    action_id: str
    option_value: str | None = None
    channel: str | None = None
    ts: str | None = None
    view_id: str | None = None


def plain(obj: Any) -> str:
    """The visible text of a text object, rich text or string."""
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, list):
        return "".join(plain(item) for item in obj)
    if isinstance(obj, dict):
        if obj.get("type") in ("user", "channel", "usergroup"):
            key = {"user": "user_id", "channel": "channel_id", "usergroup": "usergroup_id"}[obj["type"]]
            return f"<{obj.get(key, '')}>"
        if "elements" in obj and "text" not in obj:
            sep = "\n" if obj.get("type") in ("rich_text", "rich_text_list") else ""
            return sep.join(plain(e) for e in obj["elements"])
        return str(obj.get("text", ""))
    return str(obj)


# Slack's mrkdwn control sequences (https://api.slack.com/reference/surfaces/formatting): <#C…> and
# <#C…|name> name a channel, <@U…> a user, <!here> and <!channel> are special mentions, <url|text> a
# link; Slack shows the names, not the ids.
CONTROL = re.compile(r"<([#@!])?([^<>|]*)(?:\|([^<>]*))?>")


def readable(ws: Workspace, text: str) -> str:
    """Text as Slack shows it: #finance for <#C0FIN>, @ana for <@U0ANA>, "click (https://…)" for a
    link, and the three escaped characters (&lt; &gt; &amp;) as themselves."""

    def shown(match: re.Match[str]) -> str:
        sigil, target, label = match.groups()
        if sigil == "#":
            return f"#{label or ws.channel_name(target)}"
        if sigil == "@":
            user = ws.users.get(target)
            return f"@{user.name if user else target}"
        if sigil == "!":
            return label or f"@{target}"  # <!subteam^S1|@team>, <!date^…|fallback> carry their text
        return f"{label} ({target})" if label and label != target else target

    shown_text = CONTROL.sub(shown, text)
    return shown_text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _block_lines(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [f"== {plain(block.get('text'))} =="]
    if kind == "divider":
        return ["-" * 40]
    if kind == "context":
        return [
            "  "
            + " · ".join(
                plain(e) if e.get("type") != "image" else f"[{e.get('alt_text', 'image')}]"
                for e in block.get("elements") or []
            )
        ]
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    if kind == "section":
        lines = plain(block.get("text")).splitlines() if block.get("text") else []
        fields = [plain(f) for f in block.get("fields") or []]
        lines += ["  " + " | ".join(fields[i : i + 2]) for i in range(0, len(fields), 2)]
        return lines
    if kind in ("rich_text", "markdown"):
        return plain(block.get("text") if kind == "markdown" else block).splitlines()
    if kind == "input":
        element = block.get("element") or {}
        hint = f"  ({plain(block.get('hint'))})" if block.get("hint") else ""
        optional = " (optional)" if block.get("optional") else ""
        return [
            f"{plain(block.get('label'))}{optional}: <{block.get('block_id')}.{element.get('action_id')}> "
            f"{element.get('type')}{hint}"
        ]
    return []


class _Numberer:
    def __init__(self, start: int) -> None:
        self.next = start
        self.items: list[Pressable] = []

    def add(self, label: str, **where: Any) -> str:
        self.items.append(Pressable(label=label, **where))
        self.next += 1
        return f"[{self.next - 1}] {label}"


def _controls(blocks: list[dict[str, Any]], numberer: _Numberer, **where: Any) -> list[str]:
    parts: list[str] = []
    for block, element in interactive_elements(blocks):
        kind = element.get("type")
        ids = {"block_id": block.get("block_id", ""), "action_id": element.get("action_id", ""), **where}
        if kind == "button":
            parts.append(numberer.add(plain(element.get("text")), **ids))
        elif (
            kind == "overflow" or kind in ("static_select", "radio_buttons") and block.get("type") != "input"
        ):
            prefix = f"{plain(element.get('placeholder')) or '…'}: " if kind != "overflow" else "⋯ "
            for option in options_of(element):
                parts.append(
                    numberer.add(prefix + plain(option.get("text")), option_value=option.get("value"), **ids)
                )
    return ["  ".join(parts)] if parts else []


def render_message(ws: Workspace, message: Message, numberer: _Numberer) -> list[str]:
    who = (
        "bot"
        if message.user == ws.bot_user_id
        else (ws.users[message.user].name if message.user in ws.users else message.user)
    )
    tags = [f"#{ws.channel_name(message.channel)}", who, message.ts]
    if message.is_ephemeral:
        tags.append(f"ephemeral, only {message.ephemeral_to} sees it")
    if message.thread_ts:
        tags.append(f"in thread {message.thread_ts}")
    if message.edited:
        tags.append("updated")
    lines = [f"--- {' · '.join(tags)}"]
    if message.blocks:
        for block in message.blocks:
            lines += [readable(ws, line) for line in _block_lines(block)]
    elif message.text:
        lines += readable(ws, message.text).splitlines()
    for stored in message.files:
        lines.append(f"[file {stored.id}: {stored.title or stored.name}, {len(stored.content)} bytes]")
    lines += _controls(message.blocks, numberer, channel=message.channel, ts=message.ts)
    return lines


def render_view(view: dict[str, Any], numberer: _Numberer) -> list[str]:
    title = plain(view.get("title"))
    lines = [f"=== modal {view['id']}: {title} ({view.get('callback_id', '')}) ==="]
    for block in view.get("blocks") or []:
        lines += _block_lines(block)
    lines += _controls(view.get("blocks") or [], numberer, view_id=view["id"])
    if view.get("submit"):
        lines.append(f"(submit with: submit block_id.action_id=value ... → {plain(view['submit'])})")
    return lines


def render(
    ws: Workspace, messages: list[Message], views: list[dict[str, Any]], start: int = 1
) -> tuple[str, list[Pressable]]:
    """Readable text for these messages and open modals, and the numbered pressables in order."""
    numberer = _Numberer(start)
    lines: list[str] = []
    for message in messages:
        lines += render_message(ws, message, numberer)
    for view in views:
        lines += render_view(view, numberer)
    return "\n".join(lines), numberer.items
