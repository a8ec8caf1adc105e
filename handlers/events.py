"""Events API: messages in channels the bot is in (files arrive this way later) and the Home tab."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    # Subscribed message events that carry no file still need a 200, or Slack retries them.
    app.event("message")(ignore)


def ignore() -> None:
    """Events are acked by Bolt before the listener runs; nothing to do."""
