"""`/ramp field <name> required <objects>`: which objects need a custom field coded before they can be
marked ready to sync. The command previews the change; the confirmed button makes it and shows what
Ramp holds, read back (bot/services/field_settings.py)."""

from __future__ import annotations

import json

from bot.render import render_message
from bot.services.field_settings import labels, parse_required
from handlers.errors import failure_message
from handlers.turn import Turn

USAGE = "For example `/ramp field Department required transactions,bills`, or `required none`."


def preview_required(turn: Turn) -> None:
    words = list(turn.args)
    lowered = [w.lower() for w in words]
    if "required" not in lowered or lowered.index("required") == 0:
        turn.respond(**failure_message("Which field, and required for what?", USAGE))
        return
    at = lowered.index("required")
    name, asked = " ".join(words[:at]), parse_required(",".join(words[at + 1 :]))
    field = turn.services.field_settings.find(name)
    if field is None:
        turn.respond(
            **failure_message(
                f"Ramp has no active custom field named “{name}”.",
                "`/ramp categories fields` lists the custom fields Ramp holds.",
            )
        )
        return
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
