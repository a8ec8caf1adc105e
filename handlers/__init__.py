"""The Slack face: one module per Slack surface, each with a `register(app)`.

Listeners parse Slack input, ack at once, call a service, render and reply. No SQL, no HTTP to Ramp,
no business rules here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from handlers import actions, commands, events, files, home, middleware, summary, transactions, uploads

if TYPE_CHECKING:
    from bot.app import Services


def register(app: App, services: Services) -> None:
    middleware.register(app, services)
    transactions.register(app)  # before commands: its help listener catches every /ramp
    uploads.register(app)  # before commands, for the same reason
    summary.register(app)  # before commands, for the same reason
    commands.register(app)
    actions.register(app)
    files.register(app)  # before events: its file_share listener must match first
    events.register(app)
    home.register(app)
