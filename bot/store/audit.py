"""The audit log and the connection history: append-only, read newest first; and the connections
Ramp refused writes for as direct integrations.

`AuditEntry` and `ConnectionEvent` are this area's typed interface: the services write them and the
templates read them, so their fields are the columns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bot.store.base import StoreBase


@dataclass(frozen=True)
class AuditEntry:
    at: str
    user_id: str
    channel_id: str
    command: str
    arguments: str
    outcome: str
    detail: str
    trace_id: str


@dataclass(frozen=True)
class ConnectionEvent:
    at: str
    action: str
    connection_id: str
    provider: str
    user_id: str


class AuditTrail(StoreBase):
    def add_audit(self, entry: AuditEntry, *, quick: bool = False) -> None:
        (self.quick if quick else self.db).table("audit_log").insert(asdict(entry))

    def recent_audit(self, limit: int) -> list[AuditEntry]:
        rows = self.db.query(
            "SELECT at, user_id, channel_id, command, arguments, outcome, detail, trace_id"
            " FROM audit_log ORDER BY id DESC LIMIT ?",
            [limit],
        )
        return [AuditEntry(**row) for row in rows]

    def add_connection_event(self, event: ConnectionEvent) -> None:
        self.db.table("connection_events").insert(asdict(event))

    def connection_events(self, limit: int = 20) -> list[ConnectionEvent]:
        rows = self.db.query(
            "SELECT at, action, connection_id, provider, user_id FROM connection_events"
            " ORDER BY id DESC LIMIT ?",
            [limit],
        )
        return [ConnectionEvent(**row) for row in rows]

    def registered_connection_ids(self) -> set[str]:
        """The connections the bot itself registered (`connect`); any other was set up in Ramp."""
        rows = self.db.query("SELECT DISTINCT connection_id FROM connection_events WHERE action = 'connect'")
        return {row["connection_id"] for row in rows}

    def record_direct_connection(self, connection_id: str, provider: str, at: str, refused: str) -> None:
        """Ramp refused a write for `connection_id` as a direct integration's (the first refusal kept)."""
        row = {"connection_id": connection_id, "provider": provider, "refused_at": at, "refused": refused}
        self.db.table("direct_connections").insert(row, ignore=True)

    def direct_connections(self) -> dict[str, dict[str, str]]:
        """Connection id -> its row in `direct_connections`: those Ramp refused writes for as direct."""
        rows = self.db.query("SELECT connection_id, provider, refused_at, refused FROM direct_connections")
        return {row["connection_id"]: row for row in rows}
