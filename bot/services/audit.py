"""The one audit writer: every write action, refused or done, with who, where and how it ended.

`record` writes one row as the caller words it; `record_sync` a post of sync results, worded by
bot/services/audit_syncs.py (the objects by merchant or vendor and amount, the ERP's reference
ids, Ramp's sync and trace ids), so every post reads the same whether it came from a results file,
a modal or a resend after a restart. How a row reads in `/ramp audit` is bot/audit_trail.py.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from bot.services.audit_syncs import refused_row, sync_row
from bot.services.sync_results import SyncResult
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
        """`outcome` is `ok`, `refused` or `failed`; `arguments` the object of the action (an ERP
        name, a file), `detail` a short sentence on what came of it that does not repeat the action.

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

    def record_sync(
        self,
        *,
        user_id: str,
        channel_id: str,
        source: str,
        results: Sequence[SyncResult],
        counts: Mapping[str, int],
        sync_ids: Sequence[str] = (),
        errors: Sequence[str] = (),
        trace_id: str = "",
    ) -> None:
        """A post of sync results (bot/services/audit_syncs.py words it); `counts` by chunk state:
        sent, already sent, pending, failed."""
        what, detail, went_through = sync_row(self._store, source, results, counts, sync_ids, errors)
        self.record(
            user_id=user_id,
            channel_id=channel_id,
            command="sync",
            arguments=what,
            outcome="ok" if went_through else "failed",
            detail=detail,
            trace_id=trace_id,
        )

    def record_sync_refused(self, *, user_id: str, channel_id: str, result: SyncResult, reason: str) -> None:
        """A result the bot would not post (the object is no longer ready, say): nothing went to Ramp."""
        what, detail = refused_row(self._store, result, reason)
        self.record(
            user_id=user_id,
            channel_id=channel_id,
            command="sync",
            arguments=what,
            outcome="refused",
            detail=detail,
        )

    def recent(self, limit: int = 10) -> list[AuditEntry]:
        return self._store.recent_audit(max(1, min(limit, 100)))
