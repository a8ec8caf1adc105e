"""`/ramp ready`: everything waiting to sync, per kind, with a button to list each kind and Refresh."""

from __future__ import annotations

from bot.render import render_message
from bot.syncable_kinds import BY_KEY, TRANSACTIONS
from handlers import objects, transactions
from handlers.turn import Turn


def show_ready(turn: Turn) -> None:
    overview = turn.services.ready.overview()
    turn.respond(response_type="in_channel", **render_message("ready.json.j2", overview=overview))


def refresh(turn: Turn) -> None:
    overview = turn.services.ready.overview()
    turn.respond(replace_original=True, **render_message("ready.json.j2", overview=overview))


def list_kind(turn: Turn) -> None:
    """A kind's list, from `/ramp ready` or a ready notice (the button's value is the kind's key)."""
    key = str(turn.action.get("value") or "")
    if key not in BY_KEY:
        turn.respond(
            replace_original=False, text="I don't know that kind of object. Run `/ramp ready` again."
        )
    elif key == TRANSACTIONS:
        transactions.list_in_channel(turn)
    else:
        objects.list_kind(turn, key)
