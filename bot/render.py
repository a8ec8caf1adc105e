"""Jinja2 -> Block Kit JSON. Pure: data in, a message (`text` + `blocks`) or a view out.

One environment, autoescape off (HTML escaping would show `&#39;` in Slack), undefined variables
raise. Every value in a template goes through `tojson`; outside text shown in mrkdwn, and in the
top-level `text` (Slack parses it the same way and shows it in notifications), goes through `mrkdwn`
first, because `tojson`'s escaping is undone when Slack parses the JSON, and a merchant named
`<!channel>` must not ping anyone. Slack's size limits are enforced here and only here.

Templates write no JSON by hand: `templates/_blocks.j2` has a macro per kind of block and element
(`section`, `context`, `button`, …), each writing one object. A list of them (a message's blocks, an
actions block's elements) is the body of a `{% call %}`: the objects one after another, no commas.

    {% call b.message("3 ready to sync") %}
    {{ b.header("Sync-ready transactions") }}
    {% if count %}{{ b.section("*" ~ count|number ~ "* ready") }}{% endif %}
    {% call b.actions("transactions_nav") %}{{ b.button("Export", "transactions_export", id) }}{% endcall %}
    {% endcall %}

The `json_array` filter below turns such a run of objects into a JSON array. So nobody counts commas,
an `{% if %}` that writes nothing leaves no hole, and a macro that wrote bad JSON fails right there.
Lines within one text (`• a failure`, one per item) are a small macro in the template, applied with
`items|each(line_macro)|join("\n")`.

How things look is decided here and in the templates, not in the services: they return numbers and
dates; the filters below word changes and draw progress bars (the summary's chart is bot/chart.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import jinja2

from bot.audit_trail import describe as audit_line
from bot.money import Money

if TYPE_CHECKING:
    from bot.services.summaries import ReadyLine

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# Slack Block Kit limits (reference/slack.md section 4).
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_FALLBACK_TEXT = 3000

PROGRESS_WIDTH = 20  # cells of an upload's progress bar


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


# -- how numbers look ----------------------------------------------------------------------------------


def plural(count: int, word: str) -> str:
    """`1 transaction`, `1,204 transactions`."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def and_more(total: int, shown: int) -> str:
    """`\n…and 12 more` under a list that shows `shown` of `total` items, or '' when it shows all."""
    return f"\n…and {total - shown:,} more" if total > shown else ""


CELL_WIDTH = 32  # the widest a column of a code-block table gets; longer cells end in …


def code_table(header: list[str], rows: list[list[str]], limit: int = 2_900) -> str:
    """Rows as an aligned table for a ``` code block, ready for mrkdwn: fixed-width columns (cells
    cut to CELL_WIDTH with …), backticks made quotes so no cell ends the block, text escaped, and
    whole rows left off (with a last line `…`) past `limit` characters."""

    def clean(cell: object) -> str:
        text = " ".join(str(cell).replace("`", "'").split())
        return text if len(text) <= CELL_WIDTH else text[: CELL_WIDTH - 1] + "…"

    table = [[clean(c) for c in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    aligned = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in table]
    lines = [mrkdwn(line) for line in aligned]
    lines.insert(1, mrkdwn("  ".join("-" * w for w in widths)))
    kept: list[str] = []
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) + 2 > limit:
            kept.append("…")
            break
        kept.append(line)
    return "\n".join(kept)


def _clock(moment: datetime) -> str:
    """`10:42 UTC`: when a picture was taken (Slack readers are in every time zone)."""
    return moment.astimezone(UTC).strftime("%H:%M UTC")


def _money(value: Money) -> str:
    return value.format()


def _in_zone(moment: datetime, tz: str) -> datetime:
    """A moment as the clock on the wall of `tz` shows it."""
    return moment.astimezone(ZoneInfo(tz))


def change(line: ReadyLine) -> str:
    """A summary line's change since the previous summary: `+2 · +USD 45.50`, `no change`, or ''
    when there is nothing to compare with."""
    if line.change_count is None or line.change_amount is None:
        return ""
    if not line.change_count and not line.change_amount.amount:
        return "no change"
    sign = "−" if line.change_amount.amount < 0 else "+"
    size = Money(abs(line.change_amount.amount), line.change_amount.currency).format()
    return f"{line.change_count:+d}".replace("-", "−") + f" · {sign}{size}"


def progress_bar(done: int, total: int) -> str:
    """`██████░░░░…`: how much of an upload is done, in PROGRESS_WIDTH cells."""
    filled = (done * PROGRESS_WIDTH) // total if total else 0
    return "█" * filled + "░" * (PROGRESS_WIDTH - filled)


# -- assembling JSON -----------------------------------------------------------------------------------

_NOT_SPACE = re.compile(r"\S")


def json_array(text: str) -> str:
    """`{…} {…}` -> `[{…}, {…}]`: the objects a `{% call %}` body wrote one after another, as one
    JSON array (the module docstring says why)."""
    decoder = json.JSONDecoder()
    items = []
    at = _next_value(text, 0)
    while at < len(text):
        try:
            item, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError as error:
            near = text[error.pos : error.pos + 80]
            raise ValueError(f"a macro wrote invalid JSON: {error}, near {near!r}") from error
        items.append(item)
        at = _next_value(text, end)
    return json.dumps(items, ensure_ascii=False)


def _next_value(text: str, at: int) -> int:
    found = _NOT_SPACE.search(text, at)
    return found.start() if found else len(text)


def _each(items: Iterable[Any], macro: Callable[[Any], str]) -> list[str]:
    """`items|each(line)`: a macro applied to every item (Jinja's `map` takes only filters)."""
    return [macro(item) for item in items]


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
_env.filters["plural"] = plural
_env.filters["and_more"] = and_more
_env.filters["money"] = _money
_env.filters["clock"] = _clock
_env.filters["code_table"] = code_table
_env.filters["in_zone"] = _in_zone
_env.filters["change"] = change
_env.filters["audit_line"] = audit_line
_env.filters["progress_bar"] = progress_bar
_env.filters["json_array"] = json_array
_env.filters["each"] = _each
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
