"""A switch from the active accounting connection to another, in the order Ramp's guide gives
(shared/reference/ramp-api.md §12): check what is still ready to sync (codings of the old connection
are lost on switching), back up every category, disconnect, register the new connection, upload the
backed-up categories into it (in the `carry` mode), and read Ramp back to check.

Every step is journalled in SQLite before it is carried out (bot/store/migrations.py), and each one
looks at Ramp before it acts, so running a step again is safe: a bot killed mid-migration finishes
it when it starts again (`interrupted`, `resume`), or says exactly where it stopped. A migration is
keyed by the message it was chosen on, and only one runs at a time: a second press or a retried
request finds it taken.

    migration = MigrationService(ramp, store, audit, connection, ready, run_id)
    began = migration.begin("C1:1700000000.1", "carry", "Xero", user_id, channel_id, message_ts)
    result = migration.run(began.migration.id, reporter)   # reporter: posts progress and the backup
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.money import Money
from bot.ramp import Connection, RampClient, RampError
from bot.services.audit import AuditLog
from bot.services.carry_over import Carrier, snapshot
from bot.services.categories import CategoryFile
from bot.services.connection import ConnectionService, described, same_name
from bot.services.ready import ReadyService
from bot.store import Store


@dataclass(frozen=True)
class Step:
    key: str
    label: str  # as the progress message lists it
    if_stopped: str  # where that leaves the business, and what to do; {old} and {new} are names


STEPS: dict[str, Step] = {
    step.key: step
    for step in (
        Step(
            "backup",
            "Back up every GL account, vendor, custom field and option of {old}",
            "Nothing was changed: {old} is still connected. Run `/ramp connect {new}` again.",
        ),
        Step(
            "disconnect",
            "Disconnect {old}",
            "{old} may still be connected; the backup is in this thread. `/ramp status` shows which, "
            "and `/ramp connect {new}` starts again.",
        ),
        Step(
            "connect",
            "Register the new {new} connection",
            "Ramp may have no active accounting connection now. `/ramp connect {new}` registers it "
            "(then share the backup files here to upload them), or `/ramp connect {old} --reactivate` "
            "goes back to {old} with its categories.",
        ),
        Step(
            "upload",
            "Upload the backed-up categories into {new}, with their ids, codes and settings",
            "{new} is connected, but some categories may be missing. Share the backup files in this "
            "thread: the preview shows what {new} lacks, and Upload adds it.",
        ),
        Step(
            "check",
            "Read Ramp back and compare with what {old} held",
            "{new} is connected and the categories were sent; `/ramp status` shows what Ramp holds.",
        ),
    )
}


@dataclass(frozen=True)
class Mode:
    """What a choice of the connect conflict message does."""

    key: str
    label: str  # "Migrate", in the messages
    steps: tuple[str, ...]
    carries: bool  # the categories are uploaded into the new connection


MODES: dict[str, Mode] = {
    mode.key: mode
    for mode in (
        Mode("carry", "Migrate", ("backup", "disconnect", "connect", "upload", "check"), True),
        Mode("empty", "Switch and start empty", ("backup", "disconnect", "connect", "check"), False),
    )
}

# The kinds carried over, in the order they are uploaded (options need their field first).
CARRIED = (
    ("gl_accounts", "GL accounts"),
    ("vendors", "vendors"),
    ("fields", "custom fields"),
    ("field_options", "custom field options"),
)


@dataclass(frozen=True)
class ReadyLine:
    noun: str  # "card transactions", "bills"
    count: int
    totals: tuple[Money, ...]


@dataclass(frozen=True)
class ReadyCheck:
    """What is still ready to sync under the old connection, per kind: codings are lost on switching.
    `unread`: kinds Ramp would not list (no scope, or an error), which are not counted."""

    lines: tuple[ReadyLine, ...]
    unread: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return sum(line.count for line in self.lines)


@dataclass(frozen=True)
class Held:
    """One kind, count by count: what the old connection held, what the new one holds now."""

    noun: str
    before: int
    after: int

    @property
    def matches(self) -> bool:
        return self.before == self.after


@dataclass(frozen=True)
class StepState:
    label: str
    state: str  # done, started (running, or where it stopped), waiting


@dataclass(frozen=True)
class Migration:
    id: str
    mode: Mode
    from_id: str
    from_name: str
    to_name: str
    user_id: str
    channel_id: str
    message_ts: str
    runner: str
    state: str
    steps: tuple[StepState, ...] = ()
    held: tuple[Held, ...] = ()
    error: str = ""
    stopped_at: str = ""  # the step's `if_stopped`, when it stopped

    @classmethod
    def from_row(cls, row: dict[str, Any], steps: list[dict[str, Any]]) -> Migration:
        mode = MODES[row["mode"]]
        old, new = row["from_name"] or "the old connection", row["to_name"]
        states = {s["step"]: s["state"] for s in steps}
        report = json.loads(row["report"] or "{}")
        current = next((key for key in mode.steps if states.get(key) != "done"), "")
        return cls(
            id=row["id"],
            mode=mode,
            from_id=row["from_id"],
            from_name=old,
            to_name=new,
            user_id=row["user_id"] or "",
            channel_id=row["channel_id"] or "",
            message_ts=row["message_ts"] or "",
            runner=row["runner"] or "",
            state=row["state"],
            steps=tuple(
                StepState(STEPS[key].label.format(old=old, new=new), states.get(key, "waiting"))
                for key in mode.steps
            ),
            held=tuple(Held(**h) for h in report.get("held", ())),
            error=row["error"] or "",
            stopped_at=STEPS[current].if_stopped.format(old=old, new=new)
            if row["state"] == "stopped" and current
            else "",
        )


@dataclass(frozen=True)
class Began:
    migration: Migration


@dataclass(frozen=True)
class Busy:
    """Another migration is running, or this one was chosen already (a second press)."""

    running: Migration | None


@dataclass(frozen=True)
class NothingToSwitch:
    """The state is not what the message offered: nothing active, or already connected to it."""

    active: Connection | None


class Reporter(Protocol):
    """Where a running migration shows itself (the Slack side: handlers/migration.py)."""

    def progress(self, migration: Migration) -> None: ...

    def backed_up(self, files: tuple[CategoryFile, ...]) -> None: ...


class StepProblem(Exception):
    """A step found Ramp in a state it cannot go on from; the message says which."""


class MigrationService:
    def __init__(
        self,
        ramp: RampClient,
        store: Store,
        audit: AuditLog,
        connection: ConnectionService,
        ready: ReadyService,
        run_id: str,
    ) -> None:
        self._ramp = ramp
        self._store = store
        self._audit = audit
        self._connection = connection
        self._ready = ready
        self._run_id = run_id

    def ready_check(self) -> ReadyCheck:
        """Everything still ready to sync (transactions, reimbursements, bills…), read from Ramp now."""
        overview = self._ready.overview()
        return ReadyCheck(
            tuple(ReadyLine(k.kind.plural, k.count, k.totals) for k in overview.waiting),
            tuple(k.kind.plural for k in overview.troubled if not k.not_enabled),
        )

    def begin(
        self,
        key: str,
        mode: str,
        to_name: str,
        user_id: str,
        channel_id: str,
        message_ts: str,
        expected_from: str = "",
    ) -> Began | Busy | NothingToSwitch:
        """Journal a new migration to `to_name` (nothing is done yet); `key` names the choice (the
        message it was made on), so the same choice never begins twice. `expected_from`: the active
        connection the message offered to switch from; another one active now means nothing begins."""
        active = self._connection.active()
        if active is None or same_name(active.remote_provider_name, to_name):
            return NothingToSwitch(active)
        if expected_from and active.id != expected_from:
            return NothingToSwitch(active)
        opened = self._store.open_migration(
            {
                "id": key,
                "mode": MODES[mode].key,
                "from_id": active.id,
                "from_name": active.remote_provider_name or "",
                "to_name": to_name,
                "to_id": "",
                "user_id": user_id,
                "channel_id": channel_id,
                "message_ts": message_ts,
                "runner": self._run_id,
                "report": "{}",
                "error": "",
            }
        )
        if not opened:
            running = self._store.running_migration()
            return Busy(self.get(running["id"]) if running else None)
        return Began(self.get(key))

    def get(self, migration_id: str) -> Migration:
        row = self._store.migration(migration_id)
        assert row is not None, migration_id
        return Migration.from_row(row, self._store.migration_steps(migration_id))

    def interrupted(self) -> list[Migration]:
        """Migrations a previous run of the bot left running (it was killed or crashed)."""
        return [
            Migration.from_row(row, self._store.migration_steps(row["id"]))
            for row in self._store.interrupted_migrations(except_runner=self._run_id)
        ]

    def resume(self, migration: Migration, reporter: Reporter) -> Migration | None:
        """Finish an interrupted migration from the step it was at; None if another process took it."""
        if not self._store.take_over_migration(migration.id, self._run_id, previous=migration.runner):
            return None
        return self.run(migration.id, reporter)

    def run(self, migration_id: str, reporter: Reporter) -> Migration:
        """Carry out every step not done yet, each journalled first; the migration as it ended."""
        row = self._store.migration(migration_id)
        assert row is not None, migration_id
        mode = MODES[row["mode"]]
        done = {s["step"] for s in self._store.migration_steps(migration_id) if s["state"] == "done"}
        try:
            for key in mode.steps:
                if key in done:
                    continue
                number = self._store.add_migration_step(migration_id, key)
                reporter.progress(self.get(migration_id))
                detail = getattr(self, f"_{key}")(migration_id, reporter)
                self._store.finish_migration_step(migration_id, number, detail)
        except (RampError, StepProblem) as error:
            text = error.user_text() if isinstance(error, RampError) else str(error)
            self._end(migration_id, "stopped", text)
            return self.get(migration_id)
        self._end(migration_id, "done")
        return self.get(migration_id)

    # -- the steps: each looks at Ramp first, so doing it again is safe ------------------------------

    def _backup(self, migration_id: str, reporter: Reporter) -> str:
        row = self._row(migration_id)
        active = self._ramp.active_connection()
        if active is None or active.id != row["from_id"]:
            raise StepProblem(
                f"{row['from_name'] or 'The old connection'} is no longer the active connection, so it "
                "cannot be backed up."
            )
        self._store.keep_migration_items(migration_id, snapshot(self._ramp))
        files = self._connection.backup()
        reporter.backed_up(files)
        return described(files) or "nothing was held"

    def _disconnect(self, migration_id: str, reporter: Reporter) -> str:
        row = self._row(migration_id)
        active = self._ramp.active_connection()
        if active is not None and active.id == row["from_id"]:
            self._connection.unlink(active, row["user_id"] or "")
            return "disconnected"
        if active is not None and not same_name(active.remote_provider_name, row["to_name"]):
            raise StepProblem(
                f"{active.remote_provider_name or 'Another connection'} became the active connection "
                "meanwhile, so nothing more was changed."
            )
        return "already disconnected"

    def _connect(self, migration_id: str, reporter: Reporter) -> str:
        row = self._row(migration_id)
        active = self._ramp.active_connection()
        if active is not None and not same_name(active.remote_provider_name, row["to_name"]):
            raise StepProblem(
                f"{active.remote_provider_name or 'Another connection'} became the active connection "
                f"meanwhile, so {row['to_name']} was not registered."
            )
        if active is not None and self._connection.set_up_in_ramp(active):
            # Our create went out before a restart and Ramp made it: it is the bot's registration.
            self._connection.record_registered(active, row["user_id"] or "")
        created = active or self._connection.register(row["to_name"], row["user_id"] or "")
        self._store.update_migration(migration_id, to_id=created.id)
        return created.id

    def _upload(self, migration_id: str, reporter: Reporter) -> str:
        items = self._store.migration_items(migration_id)
        carrier = Carrier(self._ramp, functools.partial(self._journalled, migration_id))
        return f"{carrier.upload(items):,} sent"

    def _check(self, migration_id: str, reporter: Reporter) -> str:
        items = self._store.migration_items(migration_id)
        now = snapshot(self._ramp)
        held = [Held(noun, len(items.get(kind, [])), len(now.get(kind, []))) for kind, noun in CARRIED]
        report = {"held": [h.__dict__ for h in held]}
        self._store.update_migration(migration_id, report=json.dumps(report))
        return "; ".join(f"{h.noun} {h.before}→{h.after}" for h in held)

    # -- book-keeping -------------------------------------------------------------------------------

    def _journalled(
        self, migration_id: str, what: str, items: Sequence[dict[str, Any]], send: Callable[[], Any]
    ) -> Any:
        """One write of the upload step, journalled (what, how many, the first id) before it is sent."""
        detail = f"{len(items):,} from id {items[0]['id']}" if items else ""
        number = self._store.add_migration_step(migration_id, what, detail)
        result = send()
        self._store.finish_migration_step(migration_id, number, detail)
        return result

    def _row(self, migration_id: str) -> dict[str, Any]:
        row = self._store.migration(migration_id)
        assert row is not None, migration_id
        return row

    def _end(self, migration_id: str, state: str, error: str = "") -> None:
        row = self._row(migration_id)
        report = json.loads(row["report"] or "{}")
        self._store.end_migration(migration_id, state, report, error)
        mode = MODES[row["mode"]]
        detail = f"{mode.label}: {row['from_name']} → {row['to_name']}" + (
            f"; stopped: {error}" if error else ""
        )
        self._audit.record(
            user_id=row["user_id"] or "",
            channel_id=row["channel_id"] or "",
            command="migrate",
            arguments=row["to_name"],
            outcome="ok" if state == "done" else "failed",
            detail=detail,
        )

