"""`/ramp`: the registry of subcommands and the one listener that dispatches through it.

A `CommandSpec` is everything about a subcommand: its usage line and examples (for `/ramp help`, the
README's table, the manifest's usage hint and the console), who may run it, what is answered in the
ack (`answer`: quick checks, no Ramp) and the work after the ack (`work`). The text is parsed once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack

from bot.render import render_message
from bot.services.sync_objects import syntax
from bot.syncable_kinds import KINDS, TRANSACTIONS
from handlers import (
    categories,
    connection,
    fields,
    notices,
    objects,
    ready,
    summary,
    sync_results,
    transactions,
    uploads,
)
from handlers.after_ack import AfterAck, Work
from handlers.command_text import ParsedCommand, UnknownCommand, parse_command
from handlers.turn import Turn

log = logging.getLogger(__name__)

Answer = Callable[[Turn], dict[str, Any] | None]  # a message to ack with, or None to go on to the work
CHANGES_RAMP = "it changes what Ramp holds"


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    summary: str
    examples: tuple[str, ...]
    work: Work | None = None
    answer: Answer | None = None
    admin: bool = False  # every use needs an admin
    admin_words: frozenset[str] = frozenset()  # only these first words need one: `summary on`
    why_admin: str = CHANGES_RAMP
    audited_as: str | None = None  # a failed `work` is audited under this name

    @property
    def example(self) -> str:
        return self.examples[0]

    def needs_admin(self, command: ParsedCommand) -> bool:
        first = command.args[0].lower() if command.args else ""
        return self.admin or first in self.admin_words

    @property
    def hint(self) -> str:
        """The usage line's words after `/ramp`, for the manifest's usage hint."""
        return self.usage.removeprefix("/ramp ")

    def describe(self) -> dict[str, str]:
        """What the browser console suggests as the user types."""
        return {"name": self.name, "usage": self.usage, "summary": self.summary, "example": self.example}


def show_help(turn: Turn) -> dict[str, Any]:
    return help_message()


def help_message(typed: str = "", suggestion: str | None = None) -> dict[str, Any]:
    return render_message("help.json.j2", commands=COMMANDS, typed=typed, suggestion=suggestion)


def show_audit(turn: Turn) -> None:
    limit = int(turn.args[0]) if turn.args and turn.args[0].isdigit() else 10
    turn.respond(**render_message("audit.json.j2", entries=turn.services.audit.recent(min(limit, 100))))


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("help", "/ramp help", "every command with an example", ("/ramp help",), answer=show_help),
    CommandSpec(
        "status",
        "/ramp status",
        "the active connection and the categories Ramp holds",
        ("/ramp status",),
        work=connection.status,
    ),
    CommandSpec(
        "connect",
        "/ramp connect <ERP name> [--reactivate]",
        "register the indirect accounting connection, bring back a previous one, or migrate to another",
        ("/ramp connect NetSuite", '/ramp connect "Sage Intacct" --reactivate'),
        work=connection.connect,
        admin=True,
        audited_as="connect",
    ),
    CommandSpec(
        "disconnect",
        "/ramp disconnect",
        "back up every category to files in the thread, then disconnect",
        ("/ramp disconnect",),
        work=connection.confirm_disconnect,
        admin=True,
        audited_as="disconnect",
    ),
    CommandSpec(
        "upload",
        "/ramp upload [accounts|vendors|subsidiaries|custom-fields|field <name>]",
        "how to upload categories: share your ERP's CSV or XLSX export, preview it, press Upload",
        ("/ramp upload accounts", "/ramp upload field Department"),
        answer=uploads.explain_upload,
    ),
    CommandSpec(
        "categories",
        "/ramp categories [accounts|vendors|fields|options]",
        "what Ramp holds now: counts, first rows, the full list as a file",
        ("/ramp categories accounts",),
        work=categories.list_categories,
    ),
    CommandSpec(
        "transactions",
        "/ramp transactions [since:DATE] [until:DATE] [min:N] [max:N] [merchant:TEXT] [entity:NAME]",
        "sync-ready transactions with their codings and totals; page, export, mark synced or failed",
        ("/ramp transactions since:2025-01-01 min:100 merchant:delta",),
        answer=transactions.check_filters,
        work=transactions.list_transactions,
    ),
    CommandSpec(
        "ready",
        "/ramp ready",
        "everything waiting to sync, per kind: count, amount per currency, the oldest item",
        ("/ramp ready",),
        work=ready.show_ready,
    ),
    *(
        CommandSpec(
            row.command,
            syntax(row),
            f"sync-ready {row.plural} with their codings and totals; page, export, mark synced or failed",
            (f"/ramp {row.command} {row.example}",),
            answer=objects.check_filters,
            work=objects.list_objects,
        )
        for row in KINDS
        if row.key != TRANSACTIONS
    ),
    CommandSpec(
        "sync",
        "/ramp sync",
        "how to post your ERP's sync results to Ramp: share a results file, or use the transaction list",
        ("/ramp sync",),
        answer=sync_results.explain_sync,
    ),
    CommandSpec(
        "summary",
        "/ramp summary [on HH:MM [Area/City] [weekdays] | off | now]",
        "the daily digest of this channel: turn it on or off (admins), or send one now (anyone)",
        ("/ramp summary on 08:30 Europe/London weekdays", "/ramp summary now"),
        answer=summary.check_summary,
        work=summary.run_summary,
        admin_words=frozenset({"on", "off"}),
        why_admin="it changes this channel's daily summary",
        audited_as="summary",
    ),
    CommandSpec(
        "notify",
        "/ramp notify on [kinds] | off",
        "a notice in this channel whenever items become ready to sync (admins turn it on or off)",
        ("/ramp notify on transactions bills", "/ramp notify off"),
        answer=notices.check_notify,
        work=notices.run_notify,
        admin_words=frozenset({"on", "off"}),
        why_admin="it changes what this channel is told",
        audited_as="notify",
    ),
    CommandSpec(
        "field",
        "/ramp field <name> required <kinds|none> or display <shown name>",
        "which objects (transactions, reimbursements, bills, bill_payments, purchase_orders) need a custom"
        " field coded before they can be marked ready to sync, or the name Ramp shows for it (admins)",
        (
            "/ramp field Department required transactions,bills",
            "/ramp field Project required none",
            '/ramp field Department display "Cost centre"',
        ),
        work=fields.field_command,
        admin=True,
        audited_as="field",
    ),
    CommandSpec(
        "audit",
        "/ramp audit [N]",
        "the last N write actions: who, what, when, outcome (admins)",
        ("/ramp audit 20",),
        work=show_audit,
        admin=True,
        why_admin="the audit log is for admins",
    ),
)

BY_NAME = {spec.name: spec for spec in COMMANDS}


def usage_hint() -> str:
    """manifest.yml's `usage_hint` for `/ramp` (tests/test_registries.py keeps the two equal)."""
    return " | ".join(spec.hint for spec in COMMANDS)


def parse(text: str) -> ParsedCommand | UnknownCommand:
    return parse_command(text, BY_NAME)


class CommandDoor:
    """The one `/ramp` listener: parse, refuse or answer in the ack, hand the work on."""

    def __init__(self, after_ack: AfterAck) -> None:
        self._after_ack = after_ack

    def __call__(self, ack: Ack, body: dict[str, Any], context: Any) -> None:
        parsed = parse(str(body.get("text") or ""))
        if isinstance(parsed, UnknownCommand):
            ack(**help_message(parsed.typed, parsed.suggestion))
            return
        spec = BY_NAME[parsed.name]
        turn = Turn.of(body, context, command=parsed)
        if spec.needs_admin(parsed) and not turn.is_admin():
            ack(**refuse(turn, spec, parsed))
            return
        message = spec.answer(turn) if spec.answer else None
        if message is not None or spec.work is None:
            ack(**(message or {}))
            return
        ack()
        self._after_ack.submit(spec.work, turn, audited_as=spec.audited_as)


def refuse(turn: Turn, spec: CommandSpec, parsed: ParsedCommand) -> dict[str, Any]:
    first = parsed.args[0].lower() if parsed.args else ""
    worded = first in spec.admin_words  # audited as `summary on`, as the person thinks of it
    name, arguments = (f"{parsed.name} {first}", parsed.args[1:]) if worded else (parsed.name, parsed.args)
    turn.audit(name, " ".join(arguments), "refused", "not an admin", before_ack=True)
    attempted = f"run `{parsed.typed}`"
    return render_message(
        "refusal.json.j2", attempted=attempted, why=spec.why_admin, admins=turn.admins.mentions()
    )
