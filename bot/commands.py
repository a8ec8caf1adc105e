"""The one registry of `/ramp` subcommands, and the parser of what the user typed.

The registry feeds the parser, `/ramp help`, the README table and the manifest test, so a command
is added in exactly one place.
"""

from __future__ import annotations

import difflib
import shlex
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    summary: str
    example: str
    writes: bool = False  # admin only


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("help", "/ramp help", "every command with an example", "/ramp help"),
    CommandSpec(
        "status",
        "/ramp status",
        "the active connection and the categories Ramp holds",
        "/ramp status",
    ),
    CommandSpec(
        "connect",
        "/ramp connect <ERP name> [--reactivate]",
        "register the indirect accounting connection (or bring back a previous one)",
        "/ramp connect NetSuite",
        writes=True,
    ),
    CommandSpec(
        "disconnect",
        "/ramp disconnect",
        "back up every category to files in the thread, then disconnect",
        "/ramp disconnect",
        writes=True,
    ),
    CommandSpec(
        "upload",
        "/ramp upload [accounts|vendors|subsidiaries|field <name>]",
        "how to upload categories: share your ERP's CSV or XLSX export, preview it, press Upload",
        "/ramp upload accounts",
    ),
    CommandSpec(
        "categories",
        "/ramp categories [accounts|vendors|fields|options]",
        "what Ramp holds now: counts, first rows, the full list as a file",
        "/ramp categories accounts",
    ),
    CommandSpec(
        "transactions",
        "/ramp transactions [since:DATE] [until:DATE] [min:N] [max:N] [merchant:TEXT]",
        "sync-ready transactions with their codings and totals; page, export, mark synced or failed",
        "/ramp transactions since:2025-01-01 min:100 merchant:delta",
    ),
    CommandSpec(
        "sync",
        "/ramp sync",
        "how to post your ERP's sync results to Ramp: share a results file, or use the transaction list",
        "/ramp sync",
        writes=True,
    ),
    CommandSpec(
        "summary",
        "/ramp summary [on HH:MM [Area/City] [weekdays] | off | now]",
        "the daily digest of this channel: turn it on or off (admins), or send one now (anyone)",
        "/ramp summary on 08:30 Europe/London weekdays",
    ),
    CommandSpec(
        "audit",
        "/ramp audit [N]",
        "the last N write actions: who, what, when, outcome",
        "/ramp audit 20",
        writes=True,
    ),
)

BY_NAME = {spec.name: spec for spec in COMMANDS}


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    args: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()
    options: dict[str, str] = field(default_factory=dict)
    raw: str = ""

    @property
    def spec(self) -> CommandSpec:
        return BY_NAME[self.name]


@dataclass(frozen=True)
class UnknownCommand:
    typed: str
    suggestion: str | None


def parse_command(text: str) -> ParsedCommand | UnknownCommand:
    """`connect "Sage Intacct" --reactivate` -> ("connect", ("Sage Intacct",), {"reactivate"})."""
    tokens = _split(text)
    if not tokens:
        return ParsedCommand("help", raw=text)
    name, rest = tokens[0].lower(), tokens[1:]
    if name not in BY_NAME:
        return UnknownCommand(tokens[0], nearest_command(name))
    args: list[str] = []
    flags: set[str] = set()
    options: dict[str, str] = {}
    for token in rest:
        if token.startswith("--") and len(token) > 2:
            flags.add(token[2:].lower())
        elif ":" in token and token.split(":", 1)[0].isalpha() and not token.startswith("http"):
            key, value = token.split(":", 1)
            options[key.lower()] = value
        else:
            args.append(token)
    return ParsedCommand(name, tuple(args), frozenset(flags), options, raw=text)


def nearest_command(typed: str) -> str | None:
    matches = difflib.get_close_matches(typed.lower(), list(BY_NAME), n=1, cutoff=0.5)
    return matches[0] if matches else None


def _split(text: str) -> list[str]:
    # Slack may send typographic quotes from phones; shlex needs plain ones.
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: fall back to whitespace
        return text.split()
