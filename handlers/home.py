"""The App Home tab: published fresh each time someone opens it (`app_home_opened`), and its buttons.

A Home tab has no channel and no response_url, so its buttons answer in the user's DM with the bot.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

from bot.render import render_view
from bot.services.transaction_filters import Filters
from handlers import transactions
from handlers.commands import help_message
from handlers.turn import Turn

if TYPE_CHECKING:
    from bot.app import Services


def publish_home(client: WebClient, services: Services, user_id: str) -> None:
    overview = services.status.overview(datetime.now(UTC))
    client.views_publish(user_id=user_id, view=render_view("home.json.j2", dashboard=overview))


def on_home_opened(event: dict[str, Any], client: WebClient, services: Services) -> None:
    if event.get("tab", "home") == "home":  # the Messages tab: nothing to draw
        publish_home(client, services, str(event["user"]))


def refresh(turn: Turn) -> None:
    publish_home(turn.client, turn.services, turn.user_id)


def list_in_dm(turn: Turn) -> None:
    listing = turn.services.transactions.list_sync_ready(Filters())
    turn.client.chat_postMessage(
        channel=turn.dm_channel(), **transactions.list_message(turn, listing, 1)
    )


def help_in_dm(turn: Turn) -> None:
    turn.client.chat_postMessage(channel=turn.dm_channel(), **help_message())
