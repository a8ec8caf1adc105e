"""`/ramp ready`: everything waiting to sync, per kind — count, amount per currency, the oldest item.

The six kinds are listed side by side (each on its own thread; every request still goes through
the client's one rate limiter). A kind the Ramp app has no scope for is reported as not enabled,
and a kind Ramp fails to list is reported with Ramp's message: neither stops the others.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.errors import UserError
from bot.money import Money
from bot.ramp import RampError, SyncObject
from bot.ramp.objects import from_transaction
from bot.services.sync_objects import MAX_SLICES, NotEnabled, ObjectFilters, SyncObjectService, totals_of
from bot.services.transaction_filters import Filters
from bot.services.transactions import TransactionService
from bot.syncable_kinds import KINDS, TRANSACTIONS, SyncableKind


@dataclass(frozen=True)
class ReadyKind:
    """What one kind has waiting, or why it could not be read (`problem`)."""

    kind: SyncableKind
    count: int = 0
    totals: tuple[Money, ...] = ()
    oldest: SyncObject | None = None
    problem: str | None = None
    not_enabled: bool = False


@dataclass(frozen=True)
class ReadyOverview:
    kinds: tuple[ReadyKind, ...]
    at: datetime

    @property
    def total(self) -> int:
        return sum(k.count for k in self.kinds)

    @property
    def waiting(self) -> tuple[ReadyKind, ...]:
        return tuple(k for k in self.kinds if k.count)

    @property
    def idle(self) -> tuple[ReadyKind, ...]:
        return tuple(k for k in self.kinds if not k.count and not k.problem)

    @property
    def troubled(self) -> tuple[ReadyKind, ...]:
        return tuple(k for k in self.kinds if k.problem)


class ReadyService:
    def __init__(self, transactions: TransactionService, objects: SyncObjectService) -> None:
        self._transactions = transactions
        self._objects = objects

    def items(self, row: SyncableKind) -> list[SyncObject]:
        """Every ready item of one kind, oldest first (NotEnabled without the kind's scope)."""
        if row.key == TRANSACTIONS:
            listing = self._transactions.list_sync_ready(Filters(), remember=False)
            return [from_transaction(t) for t in listing.transactions]
        # The kinds are listed side by side: each gets its share of the client's 32 connections,
        # so a first overview stays within Ramp's 200 requests a window.
        return list(self._objects.list_ready(ObjectFilters(row.key), slices=MAX_SLICES // len(KINDS)).items)

    def overview(
        self,
        kinds: tuple[SyncableKind, ...] = KINDS,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> ReadyOverview:
        with ThreadPoolExecutor(max_workers=len(kinds), thread_name_prefix="ramp-ready-kind") as pool:
            found = tuple(pool.map(self._summary, kinds))
        return ReadyOverview(found, now())

    def others(self) -> ReadyOverview:
        """Every kind but card transactions (status and summaries list those on their own)."""
        return self.overview(tuple(row for row in KINDS if row.key != TRANSACTIONS))

    def _summary(self, row: SyncableKind) -> ReadyKind:
        try:
            items = self.items(row)
        except NotEnabled as error:
            return ReadyKind(row, problem=error.short, not_enabled=True)
        except RampError as error:
            return ReadyKind(row, problem=error.user_text())
        except UserError as error:
            return ReadyKind(row, problem=f"{error.what_happened} {error.what_to_do}".strip())
        return ReadyKind(row, len(items), totals_of(items), items[0] if items else None)
