"""Jinja2 -> Block Kit JSON. Pure: data in, a message (`text` + `blocks`) or a view out.

One environment, autoescape off (HTML escaping would show `&#39;` in Slack), undefined variables
raise. Every value in a template goes through `tojson`; outside text shown in mrkdwn, and in the
top-level `text` (Slack parses it the same way and shows it in notifications), goes through `mrkdwn`
first, because `tojson`'s escaping is undone when Slack parses the JSON, and a merchant named
`<!channel>` must not ping anyone. Slack's size limits are enforced here and only here.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# Slack Block Kit limits (reference/slack.md section 4).
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_FALLBACK_TEXT = 3000


def mrkdwn(value: object) -> str:
    """Escape text from outside for a mrkdwn field or a message's `text`: only &, < and > (Slack
    formatting docs). The one escape: templates use it as a filter, handlers that write a `text`
    themselves call it."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def upper_first(value: object) -> str:
    """`vendors` -> `Vendors`, while `GL accounts` stays as it is (Jinja's `capitalize` lowers the rest)."""
    text = str(value)
    return text[:1].upper() + text[1:]


def _number(value: int | float) -> str:
    return f"{value:,}"


def _day(value: date | str | None) -> str:
    """A date as ISO `YYYY-MM-DD`, whatever form it came in."""
    if value is None:
        return "an unknown date"
    return value.strftime("%Y-%m-%d") if isinstance(value, date) else str(value)[:10]


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=False,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    auto_reload=False,  # templates ship with the code; no stat() per render
    cache_size=-1,  # every template stays compiled
)
_env.filters["mrkdwn"] = mrkdwn
_env.filters["number"] = _number
_env.filters["day"] = _day
_env.filters["upper_first"] = upper_first
_env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}


def compile_templates() -> int:
    """Compile every template once, at start-up. Otherwise the first burst of a new kind of message
    compiles its template in every thread at once, and those compiles take the GIL from the acks."""
    names = _env.list_templates(filter_func=lambda name: name.endswith(".j2"))
    for name in names:
        _env.get_template(name)
    return len(names)


def render_message(template: str, **data: Any) -> dict[str, Any]:
    """A message body: `{"text": fallback, "blocks": [...]}` within Slack's limits."""
    message = _render(template, data)
    message["blocks"] = fit_blocks(message.get("blocks", []), MAX_MESSAGE_BLOCKS)
    message["text"] = _truncate(message.get("text") or "Ramp bot", MAX_FALLBACK_TEXT)
    return message


def render_view(template: str, **data: Any) -> dict[str, Any]:
    """A modal or Home tab view."""
    view = _render(template, data)
    view["blocks"] = fit_blocks(view.get("blocks", []), MAX_VIEW_BLOCKS)
    return view


def _render(template: str, data: dict[str, Any]) -> dict[str, Any]:
    text = _env.get_template(template).render(**data)
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"template {template} produced invalid JSON: {error}") from error
    if not isinstance(parsed, dict):
        raise ValueError(f"template {template} must produce a JSON object")
    return parsed


def fit_blocks(blocks: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """Clip texts to their limits, and keep at most `limit` blocks, saying how many were left out."""
    fitted = [_fit_block(block) for block in blocks]
    if len(fitted) <= limit:
        return fitted
    left_out = len(fitted) - (limit - 1)
    note = {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": f"…and {left_out:,} more not shown here."}],
    }
    return fitted[: limit - 1] + [note]


def _fit_block(block: dict[str, Any]) -> dict[str, Any]:
    kind = block.get("type")
    if kind == "section" and isinstance(block.get("text"), dict):
        block["text"]["text"] = _truncate(block["text"]["text"], MAX_SECTION_TEXT)
    elif kind == "header":
        block["text"]["text"] = _truncate(block["text"]["text"], MAX_HEADER_TEXT)
    elif kind == "actions":
        for element in block.get("elements", []):
            if element.get("type") == "button":
                element["text"]["text"] = _truncate(element["text"]["text"], MAX_BUTTON_TEXT)
    return block


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
