"""One turn of the conversation: what a person did in Slack, and every way to answer them.

The three doors (handlers/commands.py, handlers/interactions.py, handlers/files.py) build a `Turn`
from Bolt's request once, and every handler takes just that: `def status(turn: Turn) -> None`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

from handlers.command_text import ParsedCommand
from handlers.permissions import AdminDirectory
from handlers.replies import CheckedRespond

if TYPE_CHECKING:
    from bot.app import Services


@dataclass(frozen=True)
class Turn:
    services: Services
    client: WebClient
    respond: CheckedRespond
    admins: AdminDirectory
    body: dict[str, Any]
    command: ParsedCommand | None = None  # a slash command, parsed once at the door

    @classmethod
    def of(cls, body: dict[str, Any], context: Any, command: ParsedCommand | None = None) -> Turn:
        """From a Bolt request: the middleware (handlers/middleware.py) put services, admins, respond."""
        return cls(
            services=context["services"],
            client=context.client,
            respond=context["respond"],
            admins=context["admins"],
            body=body,
            command=command,
        )

    @property
    def user_id(self) -> str:
        return str(self.body.get("user_id") or (self.body.get("user") or {}).get("id") or "")

    @property
    def channel_id(self) -> str:
        """The channel of a command, or of the message a button was on (`channel.id`, else the
        container's: a message in a thread or an ephemeral one may carry only the latter)."""
        body = self.body
        channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
        return str(channel or (body.get("container") or {}).get("channel_id") or "")

    @property
    def action(self) -> dict[str, Any]:
        """The button or menu used (a block_actions payload carries exactly one)."""
        return dict((self.body.get("actions") or [{}])[0])

    @property
    def view(self) -> dict[str, Any]:
        return dict(self.body.get("view") or {})

    @property
    def message_ts(self) -> str:
        """The message a button was on: where progress and results are written in place."""
        container = self.body.get("container") or {}
        return str(container.get("message_ts") or (self.body.get("message") or {}).get("ts") or "")

    @property
    def thread_ts(self) -> str | None:
        """The thread to answer in: the button's message, unless it was ephemeral (no thread there)."""
        container = self.body.get("container") or {}
        return None if container.get("is_ephemeral") else container.get("message_ts") or None

    @property
    def args(self) -> tuple[str, ...]:
        return self.command.args if self.command else ()

    def is_admin(self) -> bool:
        return self.admins.is_admin(self.user_id, self.client)

    def audit(
        self, command: str, arguments: str, outcome: str, detail: str, *, before_ack: bool = False
    ) -> None:
        self.services.audit.record(
            user_id=self.user_id,
            channel_id=self.channel_id,
            command=command,
            arguments=arguments,
            outcome=outcome,
            detail=detail,
            before_ack=before_ack,
        )

    def dm_channel(self) -> str:
        """The person's direct-message channel with the bot (Home tab buttons answer there)."""
        return str(self.client.conversations_open(users=self.user_id)["channel"]["id"])
