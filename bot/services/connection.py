"""The accounting connection's lifecycle: connect, replace, reactivate, back up and disconnect.

Ramp allows one active connection; each connection owns its categories, and reactivating an old one
brings them back (Ramp accounting guide). Connection writes are not retried blindly by the client:
after an ambiguous failure we re-read Ramp's connections to learn what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.coalesce import Coalesced
from bot.ramp import Connection, RampClient, RampUnavailable
from bot.services.audit import AuditLog
from bot.services.categories import CategoryFile, CategoryService
from bot.store import ConnectionEvent, Store, utc_now


@dataclass(frozen=True)
class Connected:
    connection: Connection
    reactivated: bool = False
    replaced: Connection | None = None


@dataclass(frozen=True)
class AlreadyActive:
    active: Connection
    requested: str

    @property
    def same_provider(self) -> bool:
        return _same(self.active.remote_provider_name, self.requested)


@dataclass(frozen=True)
class NothingToReactivate:
    requested: str
    known: tuple[str, ...]


@dataclass(frozen=True)
class NotConnected:
    pass


@dataclass(frozen=True)
class Disconnected:
    connection: Connection
    backups: tuple[CategoryFile, ...]

    @property
    def described(self) -> str:
        """`62 GL accounts, 36 vendors`: what the backup holds, for the message and the audit log."""
        return ", ".join(f"{f.rows:,} {f.label}" for f in self.backups) or "categories (none were held)"


ConnectOutcome = Connected | AlreadyActive | NothingToReactivate


class ConnectionService:
    def __init__(self, ramp: RampClient, store: Store, audit: AuditLog) -> None:
        self._ramp = ramp
        self._store = store
        self._audit = audit
        self._active = Coalesced(ramp.active_connection)

    def active(self) -> Connection | None:
        """The active connection as Ramp holds it now (callers asking together share one read)."""
        return self._active()

    def connect(
        self, provider: str, user_id: str, channel_id: str, reactivate: bool = False
    ) -> ConnectOutcome:
        connections = self._ramp.list_connections()
        active = next((c for c in connections if c.is_active), None)
        if active is not None:
            return AlreadyActive(active, provider)
        if reactivate:
            previous = _latest_named(connections, provider)
            if previous is None:
                names = sorted({c.remote_provider_name or "" for c in connections} - {""})
                return NothingToReactivate(provider, tuple(names))
            restored = self._ramp.reactivate_connection(previous.id)
            self._log("reactivate", restored, user_id)
            self._audit_ok("connect", provider, user_id, channel_id, f"reactivated {previous.id}")
            return Connected(restored, reactivated=True)
        created = self._create(provider)
        self._log("connect", created, user_id)
        self._audit_ok("connect", provider, user_id, channel_id, f"connected {created.remote_provider_name}")
        return Connected(created)

    def replace(self, provider: str, user_id: str, channel_id: str) -> Connected:
        """Disconnect whatever is active (its categories stay in Ramp, hidden) and connect `provider`."""
        active = self._ramp.active_connection()
        if active is not None and _same(active.remote_provider_name, provider):
            return Connected(active)  # a second click of Replace: already done
        if active is not None:
            self._ramp.disconnect()
            self._log("disconnect", active, user_id)
        created = self._create(provider)
        self._log("connect", created, user_id)
        self._audit_ok("connect", provider, user_id, channel_id, f"replaced with {provider}")
        return Connected(created, replaced=active)

    def backup(self) -> tuple[CategoryFile, ...]:
        """Every category kind as CSV, taken before a disconnect (Ramp's migration guidance)."""
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return tuple(CategoryService(self._ramp).export_all(stamp))

    def disconnect(
        self, user_id: str, channel_id: str, backups: tuple[CategoryFile, ...] = ()
    ) -> Disconnected | NotConnected:
        active = self._ramp.active_connection()
        if active is None:
            return NotConnected()
        self._ramp.disconnect()
        self._log("disconnect", active, user_id)
        done = Disconnected(active, backups)
        name = active.remote_provider_name or ""
        self._audit_ok("disconnect", name, user_id, channel_id, f"disconnected; backed up {done.described}")
        return done

    def history(self, limit: int = 5) -> list[ConnectionEvent]:
        return self._store.connection_events(limit)

    def _create(self, provider: str) -> Connection:
        try:
            return self._ramp.create_connection(provider)
        except RampUnavailable:
            # The answer was lost; the connection may exist. Ramp is the truth: look.
            active = self._ramp.active_connection()
            if active is not None and _same(active.remote_provider_name, provider):
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


def _latest_named(connections: list[Connection], provider: str) -> Connection | None:
    named = [c for c in connections if not c.is_active and _same(c.remote_provider_name, provider)]
    oldest = datetime.min.replace(tzinfo=UTC)
    return max(named, key=lambda c: c.last_linked_at or c.created_at or oldest, default=None)


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").strip().casefold() == (b or "").strip().casefold()
