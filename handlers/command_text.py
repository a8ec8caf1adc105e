"""What the user typed after `/ramp`, read once: the subcommand, its words, `--flags` and `key:value`s."""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Collection
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    args: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()
    options: dict[str, str] = field(default_factory=dict)
    raw: str = ""

    @property
    def typed(self) -> str:
        """The command as the person typed it, for messages: `/ramp connect NetSuite`."""
        return f"/ramp {self.raw.strip()}".strip()[:120]


@dataclass(frozen=True)
class UnknownCommand:
    typed: str
    suggestion: str | None


def parse_command(text: str, names: Collection[str]) -> ParsedCommand | UnknownCommand:
    """`connect "Sage Intacct" --reactivate` -> ("connect", ("Sage Intacct",), {"reactivate"})."""
    tokens = _split(text)
    if not tokens:
        return ParsedCommand("help", raw=text)
    name, rest = tokens[0].lower(), tokens[1:]
    if name not in names:
        return UnknownCommand(tokens[0], nearest(name, names))
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


def nearest(typed: str, names: Collection[str]) -> str | None:
    matches = difflib.get_close_matches(typed.lower(), list(names), n=1, cutoff=0.5)
    return matches[0] if matches else None


def _split(text: str) -> list[str]:
    # Slack may send typographic quotes from phones; shlex needs plain ones.
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: fall back to whitespace
        return text.split()
