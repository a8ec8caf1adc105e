"""Events API: `message` events (a `file_share` is a file for the bot; the rest need only their 200,
or Slack retries them) and `app_home_opened`. Bolt answers an event when its listener returns, so
each listener only hands the work on."""

from __future__ import annotations

from typing import Any

from handlers import files, home
from handlers.after_ack import AfterAck


class EventDoor:
    def __init__(self, after_ack: AfterAck) -> None:
        self._after_ack = after_ack

    def message(self, event: dict[str, Any], context: Any) -> None:
        if event.get("subtype") == "file_share":
            self._after_ack.submit_event(files.receive_files, event, context.client, context["services"])

    def home_opened(self, event: dict[str, Any], context: Any) -> None:
        self._after_ack.submit_event(home.on_home_opened, event, context.client, context["services"])
