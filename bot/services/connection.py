"""The accounting connection's lifecycle: connect, reactivate, switch back, back up and disconnect;
the steps a migration to another connection is made of (bot/services/migration.py).

Ramp allows one active connection; each connection owns its categories. Reactivating an old one
brings them back; a new connection of the same name starts empty (Ramp accounting guide; our digest
§12). So `--reactivate` never creates a connection, and `connect` offers the old one when it exists.
Every outcome is a value the handler renders.

The spec does not say which kind a connection is (direct, Universal CSV, API): the bot knows the
connections it registered itself and those Ramp refused a write for as direct; any other was set up
in Ramp (bot/services/connection_kinds.py). Connection writes are not retried blindly by the client:
after an ambiguous failure we re-read Ramp.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.coalesce import Coalesced
from bot.ramp import Connection as Connection  # what this service hands out: handlers name it from here
from bot.ramp import Entity, RampClient, RampUnavailable
from bot.services.audit import AuditLog
from bot.services.categories import CategoryCount, CategoryFile, CategoryService
from bot.services.connection_kinds import ConnectionKind, ConnectionKinds
from bot.services.replica import visible
from bot.store import ConnectionEvent, Store, utc_now


@dataclass(frozen=True)
class Connected:
    connection: Connection
    reactivated: bool = False
    replaced: Connection | None = None
    counts: list[CategoryCount] = field(default_factory=list)  # read back from Ramp after reactivating


@dataclass(frozen=True)
class AlreadyActive:
    """Another connection is active: Keep, Migrate, Switch and start empty, or Switch back to `previous`."""

    active: Connection
    requested: str
    previous: tuple[Connection, ...] = ()  # inactive connections named `requested`, newest first
    set_up_in_ramp: bool = False
    reactivate_only: bool = False  # asked with --reactivate: never offer a new connection
    read_only: bool = False  # Ramp refused a write for it as direct: it cannot be disconnected here

    @property
    def same_provider(self) -> bool:
        return same_name(self.active.remote_provider_name, self.requested)


@dataclass(frozen=True)
class ReactivateOffer:
    """Nothing active, but inactive connections named `requested` exist: reactivate one, or start anew
    (only offered without --reactivate)."""

    requested: str
    previous: tuple[Connection, ...]  # newest first
    offer_new: bool


@dataclass(frozen=True)
class NothingToReactivate:
    requested: str
    known: tuple[str, ...]


@dataclass(frozen=True)
class NotConnected:
    pass


@dataclass(frozen=True)
class ActiveElsewhere:
    """A click found a different state than the message offered: nothing was done."""

    active: Connection | None


@dataclass(frozen=True)
class DisconnectRefused:
    """The active connection is direct (Ramp refused a write for it): only Ramp's UI disconnects it."""

    connection: Connection
    kind: ConnectionKind


@dataclass(frozen=True)
class Disconnected:
    connection: Connection
    backups: tuple[CategoryFile, ...]

    @property
    def described(self) -> str:
        """`62 GL accounts, 36 vendors`: what the backup holds, for the message and the audit log."""
        return described(self.backups) or "categories (none were held)"


ConnectOutcome = Connected | AlreadyActive | ReactivateOffer | NothingToReactivate | ActiveElsewhere


class ConnectionService:
    def __init__(self, ramp: RampClient, store: Store, audit: AuditLog) -> None:
        self._ramp = ramp
        self._store = store
        self._audit = audit
        self._active = Coalesced(ramp.active_connection)
        self.kinds = ConnectionKinds(ramp, store)

    def active(self) -> Connection | None:
        """The active connection as Ramp holds it now (callers asking together share one read)."""
        return self._active()

    def set_up_in_ramp(self, connection: Connection) -> bool:
        """True when the bot did not register this connection (direct, or made in Ramp's UI)."""
        return connection.id not in self._store.registered_connection_ids()

    def kind(self, connection: Connection) -> ConnectionKind:
        """Registered by the bot, set up in Ramp, or direct (Ramp refused a write for it)."""
        return self.kinds.of(connection)

    def refusing_writes(self) -> ConnectionKind | None:
        """The active connection's kind when Ramp refused a write for it as direct, else None."""
        active = self.active()
        return self.kinds.refusing_writes(active) if active is not None else None

    def connect(
        self, provider: str, user_id: str, channel_id: str, reactivate: bool = False
    ) -> ConnectOutcome:
        connections = self._ramp.list_connections()
        active = next((c for c in connections if c.is_active), None)
        previous = _inactive_named(connections, provider)
        if reactivate and not previous and not (active and same_name(active.remote_provider_name, provider)):
            names = sorted({c.remote_provider_name or "" for c in connections} - {""})
            return NothingToReactivate(provider, tuple(names))
        if active is not None:
            read_only = not self.kind(active).writes
            set_up = self.set_up_in_ramp(active)
            return AlreadyActive(active, provider, previous, set_up, reactivate, read_only)
        if previous and (len(previous) > 1 or not reactivate):
            return ReactivateOffer(provider, previous, offer_new=not reactivate)
        if previous:
            return self.reactivate(previous[0].id, user_id, channel_id)
        return self.create(provider, user_id, channel_id)

    def create(self, provider: str, user_id: str, channel_id: str) -> Connected:
        """A new, empty connection (Start a new one); nothing if one is active already."""
        active = self._ramp.active_connection()
        if active is not None:
            return Connected(active)  # a second click, or someone was faster: nothing to make
        created = self._create(provider)
        self._log("connect", created, user_id)
        self._audit_ok("connect", provider, user_id, channel_id, f"a new, empty connection ({created.id})")
        self._shown_active(created.id)
        return Connected(created)

    def reactivate(self, connection_id: str, user_id: str, channel_id: str) -> Connected | ActiveElsewhere:
        """Reactivate a previous connection by its id, when nothing is active; read back what it holds."""
        active = self._ramp.active_connection()
        if active is not None and active.id == connection_id:  # a second click: done already
            return Connected(active, reactivated=True, counts=self.counts())
        if active is not None:
            return ActiveElsewhere(active)
        restored = self._ramp.reactivate_connection(connection_id)
        self._log("reactivate", restored, user_id)
        name = restored.remote_provider_name or ""
        self._shown_active(restored.id)  # so the counts are those of the reactivated connection
        counts = self.counts()
        self._audit_ok("connect", name, user_id, channel_id, f"reactivated {connection_id}; {_held(counts)}")
        return Connected(restored, reactivated=True, counts=counts)

    def moved_since(self, connection_id: str, expected_from: str) -> ActiveElsewhere | None:
        """A Switch back offered while `expected_from` was active: None when it still is (or the switch
        is done already); else what is active now, and nothing may be switched."""
        return _moved(self._ramp.active_connection(), connection_id, expected_from)

    def switch_back(
        self,
        connection_id: str,
        user_id: str,
        channel_id: str,
        backups: tuple[CategoryFile, ...] = (),
        expected_from: str = "",
    ) -> Connected | ActiveElsewhere:
        """Disconnect the active connection (backed up first by the caller), reactivate `connection_id`.
        `expected_from`: the connection active when Switch back was offered; another one active now
        (or none) means nothing is done, as for Migrate."""
        active = self._ramp.active_connection()
        moved = _moved(active, connection_id, expected_from)
        if moved is not None:
            return moved
        if active is not None and active.id != connection_id:
            self._ramp.disconnect()
            self._log("disconnect", active, user_id)
            self._shown_active(None)
            held = described(backups) or "nothing"
            name = active.remote_provider_name or ""
            self._audit_ok("disconnect", name, user_id, channel_id, f"switched back; backed up {held}")
        outcome = self.reactivate(connection_id, user_id, channel_id)
        if isinstance(outcome, Connected) and active is not None and active.id != connection_id:
            return Connected(outcome.connection, True, replaced=active, counts=outcome.counts)
        return outcome

    def register(self, provider: str, user_id: str) -> Connection:
        """A new connection, recorded as one the bot registered (a migration's step: audited there)."""
        created = self._create(provider)
        self._log("connect", created, user_id)
        self._shown_active(created.id)
        return created

    def record_registered(self, connection: Connection, user_id: str) -> None:
        """Remember `connection` as one the bot registered (its create's answer was lost)."""
        self._log("connect", connection, user_id)

    def unlink(self, connection: Connection, user_id: str) -> None:
        """Disconnect `connection`, the active one (a migration's step, backed up before)."""
        self._ramp.disconnect()
        self._log("disconnect", connection, user_id)
        self._shown_active(None)

    def entities(self) -> list[Entity]:
        """The business's legal entities (read-only through the API; set up in Ramp's UI)."""
        return list(self._ramp.iter_entities())

    def counts(self) -> list[CategoryCount]:
        """What Ramp holds for the active connection now, read back."""
        return CategoryService(self._ramp).counts()

    def backup(self) -> tuple[CategoryFile, ...]:
        """Every category kind as CSV, taken before a disconnect (Ramp's migration guidance)."""
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return tuple(CategoryService(self._ramp).export_all(stamp))

    def disconnect(
        self, user_id: str, channel_id: str, backups: tuple[CategoryFile, ...] = ()
    ) -> Disconnected | DisconnectRefused | NotConnected:
        active = self._ramp.active_connection()
        if active is None:
            return NotConnected()
        refused = self.disconnect_refused(active)
        if refused is not None:
            return refused
        self._ramp.disconnect()
        self._log("disconnect", active, user_id)
        self._shown_active(None)
        done = Disconnected(active, backups)
        name = active.remote_provider_name or ""
        self._audit_ok("disconnect", name, user_id, channel_id, f"backed up {done.described} first")
        return done

    def disconnect_refused(self, active: Connection) -> DisconnectRefused | None:
        """`active` found direct: Ramp would refuse `DELETE /accounting/connection` too."""
        kind = self.kind(active)
        return None if kind.writes else DisconnectRefused(active, kind)

    def history(self, limit: int = 5) -> list[ConnectionEvent]:
        return self._store.connection_events(limit)

    def _shown_active(self, connection_id: str | None) -> None:
        """Wait until Ramp's reads (a lagging replica: bot/services/replica.py) show this connection
        active (None: none active), so what the bot says next, and reads next, match the write."""

        def shown() -> bool:
            active = self._ramp.active_connection()
            return (active.id if active else None) == connection_id

        visible(shown)

    def _create(self, provider: str) -> Connection:
        try:
            return self._ramp.create_connection(provider)
        except RampUnavailable:
            # The answer was lost; the connection may exist. Ramp is the truth: look.
            active = self._ramp.active_connection()
            if active is not None and same_name(active.remote_provider_name, provider):
                return active
            raise

    def _audit_ok(self, command: str, arguments: str, user_id: str, channel_id: str, detail: str) -> None:
        self._audit.record(
            user_id=user_id,
            channel_id=channel_id,
            command=command,
            arguments=arguments,
            outcome="ok",
            detail=detail,
        )

    def _log(self, action: str, connection: Connection, user_id: str) -> None:
        self._store.add_connection_event(
            ConnectionEvent(
                at=utc_now(),
                action=action,
                connection_id=connection.id,
                provider=connection.remote_provider_name or "",
                user_id=user_id,
            )
        )


def _inactive_named(connections: list[Connection], provider: str) -> tuple[Connection, ...]:
    """Inactive connections named `provider`, the most recently linked first."""
    named = [c for c in connections if not c.is_active and same_name(c.remote_provider_name, provider)]
    oldest = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(named, key=lambda c: c.last_linked_at or c.created_at or oldest, reverse=True))


def _held(counts: list[CategoryCount]) -> str:
    return "Ramp holds " + (", ".join(c.phrase for c in counts) or "nothing")


def described(backups: tuple[CategoryFile, ...]) -> str:
    """`62 GL accounts, 36 vendors`: what backup files hold ('' for none)."""
    return ", ".join(f"{f.rows:,} {f.noun}" for f in backups)


def same_name(a: str | None, b: str | None) -> bool:
    """Two ERP names are the same connection name, whatever their case and spaces."""
    return (a or "").strip().casefold() == (b or "").strip().casefold()


def _moved(active: Connection | None, connection_id: str, expected_from: str) -> ActiveElsewhere | None:
    if not expected_from or (active is not None and active.id in (connection_id, expected_from)):
        return None
    return ActiveElsewhere(active)
