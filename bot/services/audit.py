"""The one audit writer: every write action, refused or done, with who, where and how it ended."""

from __future__ import annotations

import logging
import sqlite3
from concurrent.futures import ThreadPoolExecutor

from bot.store import AuditEntry, Store, utc_now

log = logging.getLogger(__name__)


class AuditLog:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._later = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-later")

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
        before_ack: bool = False,
    ) -> None:
        """`outcome` is `ok`, `refused` or `failed`; `detail` is a short human sentence.

        `before_ack`: called where Slack waits for an answer (3 s): when another process holds the
        database, the row is written as soon as it frees up, and the ack goes out now."""
        entry = AuditEntry(
            at=utc_now(),
            user_id=user_id,
            channel_id=channel_id,
            command=command,
            arguments=arguments[:500],
            outcome=outcome,
            detail=detail[:1000],
            trace_id=trace_id,
        )
        if not before_ack:
            self._store.add_audit(entry)
            return
        try:
            self._store.add_audit(entry, quick=True)
        except sqlite3.OperationalError as error:
            log.warning(
                "database busy (%s): the audit row for %s is written when it frees up", error, command
            )
            self._later.submit(self._store.add_audit, entry)

    def recent(self, limit: int = 10) -> list[AuditEntry]:
        return self._store.recent_audit(max(1, min(limit, 100)))
