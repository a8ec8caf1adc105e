"""The Slack face: one door per kind of Slack request, each dispatching through a table.

    /ramp …            handlers/commands.py      COMMANDS, by subcommand
    buttons, menus     handlers/interactions.py  ACTIONS, by action_id
    modal submissions  handlers/interactions.py  VIEWS, by callback_id
    events             handlers/events.py        file shares (handlers/files.py FLOWS), the Home tab

A door parses Slack input once into a `Turn` (handlers/turn.py), refuses a non-admin where the
table says so, acks, and hands the work to the worker pool (handlers/after_ack.py). The work calls
a service, renders and replies: no SQL, no HTTP to Ramp, no business rules here.
"""

from __future__ import annotations

import re
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from slack_bolt import App

from handlers import middleware
from handlers.after_ack import AfterAck
from handlers.commands import CommandDoor
from handlers.events import EventDoor
from handlers.interactions import ActionDoor, ViewDoor

if TYPE_CHECKING:
    from bot.app import Services

EVERY_ID = re.compile(r".+")  # every action id and callback id: the tables decide


def register(app: App, services: Services, executor: Executor) -> None:
    middleware.register(app, services)
    after_ack = AfterAck(executor)
    events = EventDoor(after_ack)
    app.command("/ramp")(CommandDoor(after_ack))
    app.action({"type": "block_actions", "action_id": EVERY_ID})(ActionDoor(after_ack))
    app.view({"type": "view_submission", "callback_id": EVERY_ID})(ViewDoor(after_ack))
    app.event("message")(events.message)
    app.event("app_home_opened")(events.home_opened)
