"""The App Home tab: published fresh each time someone opens it (`app_home_opened`), and its buttons.

A Home tab has no channel and no response_url, so its buttons answer in the user's DM with the bot.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.commands import COMMANDS
from bot.render import render_message, render_view
from bot.services.transactions import Filters
from handlers.errors import replies_on_error


def register(app: App) -> None:
    app.event("app_home_opened")(ack=ack_quietly, lazy=[publish_on_open])
    app.action("home_refresh")(ack=ack_quietly, lazy=[refresh])
    app.action("home_list_transactions")(ack=ack_quietly, lazy=[list_in_dm])
    app.action("home_help")(ack=ack_quietly, lazy=[help_in_dm])


def ack_quietly(ack: Ack) -> None:
    ack()


def publish_home(client: WebClient, services: Any, user_id: str) -> None:
    dashboard = services.summaries.dashboard(datetime.now(UTC))
    client.views_publish(user_id=user_id, view=render_view("home.json.j2", dashboard=dashboard))


@replies_on_error()
def publish_on_open(event: dict[str, Any], client: WebClient, services: Any) -> None:
    if event.get("tab", "home") != "home":
        return  # the Messages tab: nothing to draw
    publish_home(client, services, event["user"])


@replies_on_error()
def refresh(body: dict[str, Any], client: WebClient, services: Any) -> None:
    publish_home(client, services, body["user"]["id"])


@replies_on_error()
def list_in_dm(body: dict[str, Any], client: WebClient, services: Any) -> None:
    listing = services.transactions.list_sync_ready(Filters())
    client.chat_postMessage(
        channel=_dm(client, body), **render_message("transactions.json.j2", listing=listing, page=1)
    )


@replies_on_error()
def help_in_dm(body: dict[str, Any], client: WebClient) -> None:
    message = render_message("help.json.j2", commands=COMMANDS, typed="", suggestion=None)
    client.chat_postMessage(channel=_dm(client, body), **message)


def _dm(client: WebClient, body: dict[str, Any]) -> str:
    return str(client.conversations_open(users=body["user"]["id"])["channel"]["id"])
