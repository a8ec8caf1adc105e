"""The one audit writer: every write action, refused or done, with who, where and how it ended."""

from __future__ import annotations

from bot.store import AuditEntry, Store, utc_now


class AuditLog:
    def __init__(self, store: Store) -> None:
        self._store = store

    def record(
        self,
        *,
        user_id: str,
        channel_id: str,
        command: str,
        arguments: str = "",
        outcome: str,
        detail: str = "",
        trace_id: str = "",
    ) -> None:
        """`outcome` is `ok`, `refused` or `failed`; `detail` is a short human sentence."""
        self._store.add_audit(
            AuditEntry(
                at=utc_now(),
                user_id=user_id,
                channel_id=channel_id,
                command=command,
                arguments=arguments[:500],
                outcome=outcome,
                detail=detail[:1000],
                trace_id=trace_id,
            )
        )

    def recent(self, limit: int = 10) -> list[AuditEntry]:
        return self._store.recent_audit(max(1, min(limit, 100)))
