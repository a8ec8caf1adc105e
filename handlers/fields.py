"""`/ramp field <name> required <objects>`: which objects need a custom field coded before they can be
marked ready to sync. The command previews the change; the confirmed button makes it and shows what
Ramp holds, read back (bot/services/field_settings.py). `/ramp field <name> display <shown name>`
changes the name Ramp shows for the field at once (nothing is lost by it) and shows it read back."""

from __future__ import annotations

import json

from bot.render import render_message
from bot.services.field_settings import CustomField, labels, parse_required
from handlers.errors import failure_message
from handlers.turn import Turn

USAGE = (
    "For example `/ramp field Department required transactions,bills`, `required none`, or"
    ' `/ramp field Department display "Cost centre"`.'
)
SETTINGS = ("required", "display")


def field_command(turn: Turn) -> None:
    """`/ramp field <name> required …` or `/ramp field <name> display …`: the first setting word decides."""
    lowered = [w.lower() for w in turn.args]
    at = next((i for i, w in enumerate(lowered) if w in SETTINGS), 0)
    if not at:
        turn.respond(**failure_message("Which field, and which setting?", USAGE))
        return
    name, rest = " ".join(turn.args[:at]), list(turn.args[at + 1 :])
    field = turn.services.field_settings.find(name)
    if field is None:
        turn.respond(
            **failure_message(
                f"Ramp has no active custom field named “{name}”.",
                "`/ramp categories fields` lists the custom fields Ramp holds.",
            )
        )
        return
    if lowered[at] == "display":
        set_display_name(turn, field, " ".join(rest))
    else:
        preview_required(turn, field, rest)


def set_display_name(turn: Turn, field: CustomField, shown: str) -> None:
    service = turn.services.field_settings
    changed = service.set_display_name(field.ramp_id, shown, turn.user_id, turn.channel_id)
    turn.respond(**render_message("field_display.json.j2", changed=changed))


def preview_required(turn: Turn, field: CustomField, words: list[str]) -> None:
    asked = parse_required(",".join(words))
    value = json.dumps({"id": field.ramp_id, "required": list(asked)})
    message = render_message(
        "field_required.json.j2",
        field=field,
        held=labels(field.is_required_for),
        wanted=labels(asked),
        value=value,
        changed=None,
    )
    turn.respond(**message)


def set_required(turn: Turn) -> None:
    """The change, confirmed: PATCH, then what Ramp holds, read back."""
    chosen = json.loads(str(turn.action.get("value") or "{}"))
    changed = turn.services.field_settings.set_required(
        str(chosen["id"]), tuple(chosen["required"]), turn.user_id, turn.channel_id
    )
    message = render_message(
        "field_required.json.j2",
        field=changed.field,
        held=labels(changed.field.is_required_for),
        wanted=labels(changed.asked),
        value="",
        changed=changed,
    )
    turn.respond(replace_original=True, **message)
