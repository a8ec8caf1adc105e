"""How an audit row reads in `/ramp audit`: who did what to which object, when, how it ended, and
Ramp's trace id (pure: an `AuditEntry` in, an `AuditLine` out; the template's `audit_line` filter).

A row keeps what was recorded (bot/store/audit.py `AuditEntry`): the action (`command`: a
subcommand, `summary on`, or the action id of a refused button), its object (`arguments`), the
outcome and a short detail. `ACTIONS` says how each action reads, as done and as attempted, so
`connect` + `NetSuite` reads "connected NetSuite" or "tried to connect NetSuite". An action not in
the table (a button's action id) reads as its recorded object, which is the button's label.

Rows written before this module keep their shapes readable: the source of a sync
(`file:F0123:results.csv`, `modal:<id>`) becomes the file or the transaction, and a detail that
repeats the phrase ("connected NetSuite" after "connected NetSuite") loses the repeat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.store import AuditEntry


@dataclass(frozen=True)
class Action:
    done: str  # past tense, as in "<@U1> connected NetSuite"
    attempt: str  # as in "<@U1> tried to connect NetSuite"
    joiner: str = ""  # between the verb and the object: "disconnected Ramp *from* NetSuite"


ACTIONS: dict[str, Action] = {
    "connect": Action("connected", "connect"),
    "disconnect": Action("disconnected Ramp", "disconnect Ramp", "from"),
    "migrate": Action("migrated the connection", "migrate the connection", "to"),
    "upload": Action("uploaded", "upload"),
    "field": Action(
        "changed which objects need the custom field", "change which objects need the custom field"
    ),
    "sync": Action("posted sync results", "post sync results", "for"),
    "summary on": Action("turned the daily summary on", "turn the daily summary on", "at"),
    "summary off": Action("turned the daily summary off", "turn the daily summary off"),
    "summary": Action("changed the daily summary", "change the daily summary"),
    "audit": Action("read the audit log", "read the audit log"),
}

OUTCOMES = {"ok": "done", "refused": "refused", "failed": "failed"}

# Rows recorded before `AuditLog.record_sync` named a post by its source (`sync_chunks.source`).
_OLD_SOURCES = (
    (re.compile(r"^file:[^:]*:(?P<name>.+)$"), "{name}"),
    (re.compile(r"^modal:(?P<id>\S+)$"), "transaction {id}"),
    (re.compile(r"^resend file:[^:]*:(?P<name>.+)$"), "{name} (resent after a restart)"),
    (re.compile(r"^resend modal:(?P<id>\S+)$"), "transaction {id} (resent after a restart)"),
)


@dataclass(frozen=True)
class AuditLine:
    """One row as `/ramp audit` shows it."""

    at: datetime
    user_id: str
    channel_id: str
    outcome: str  # ok, refused, failed
    phrase: str  # "connected NetSuite", "tried to connect Xero"
    detail: str  # what came of it, without repeating the phrase
    trace_id: str

    @property
    def outcome_word(self) -> str:
        return OUTCOMES.get(self.outcome, self.outcome)


def describe(entry: AuditEntry) -> AuditLine:
    action, thing = _action_and_object(entry)
    if action is None:  # a button or a modal: its label is the recorded object (in old rows, nothing)
        named = entry.command.replace("_", " ")
        action, thing = Action(thing or f"used {named}", thing or f"use {named}"), ""
    phrase = _phrase(action.done if entry.outcome == "ok" else action.attempt, action.joiner, thing)
    if entry.outcome != "ok":
        phrase = f"tried to {phrase}"
    return AuditLine(
        at=_moment(entry.at),
        user_id=entry.user_id,
        channel_id=entry.channel_id,
        outcome=entry.outcome,
        phrase=phrase,
        detail=_without_repeat(entry.detail, phrase),
        trace_id=entry.trace_id,
    )


def _action_and_object(entry: AuditEntry) -> tuple[Action | None, str]:
    """The action and its object; `summary` + `on 08:30` is the action `summary on` of `08:30`."""
    first, _, rest = entry.arguments.partition(" ")
    worded = f"{entry.command} {first.lower()}"
    if first and worded in ACTIONS:
        return ACTIONS[worded], rest.strip()
    action = ACTIONS.get(entry.command)
    thing = entry.arguments.strip()
    if entry.command == "sync":
        thing = _old_source(thing)
    return action, thing


def _old_source(source: str) -> str:
    """An old row's sync object, as a person names it: `results.csv`, not `file:F0123:results.csv`."""
    for pattern, shown in _OLD_SOURCES:
        found = pattern.match(source)
        if found:
            return shown.format(**found.groupdict())
    return source


def _phrase(verb: str, joiner: str, thing: str) -> str:
    if not thing:
        return verb
    return f"{verb} {joiner} {thing}" if joiner else f"{verb} {thing}"


_PUNCTUATION = " ,.;:—-"


def _without_repeat(detail: str, phrase: str) -> str:
    """`detail` less its leading words that the phrase already says (two or more, or one ending in
    a colon or semicolon), and the brackets around what is left. Old rows wrote "connected
    NetSuite" after `/ramp connect NetSuite`, "daily summary at 08:30 …" after `/ramp summary on
    08:30`, "results.csv: 14 created" after the file's name."""
    said = {_word(w) for w in phrase.split()}
    words = detail.split(" ")
    run = 0
    while run < len(words) and _word(words[run]) in said:
        run += 1
    if not (run >= 2 or (run == 1 and words[0][-1:] in (":", ";"))):
        return detail
    rest = " ".join(words[run:]).lstrip(_PUNCTUATION)
    return rest[1:-1] if rest.startswith("(") and rest.endswith(")") else rest


def _word(word: str) -> str:
    return word.strip(_PUNCTUATION).lower()


def _moment(at: str) -> datetime:
    """The row's time; rows are written in UTC (`utc_now`), so one without an offset is UTC too."""
    moment = datetime.fromisoformat(at)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
