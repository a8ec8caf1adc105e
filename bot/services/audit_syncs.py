"""A post of sync results as its audit row words it: the objects (their kind, merchant or vendor,
amount and id), the ERP's reference ids or failure reasons, and how Ramp answered.

The names and amounts are the objects as the bot last listed them (`transactions`,
`sync_objects`); an object never listed is named by its kind and id.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.money import Money
from bot.services.sync_results import SyncResult
from bot.store import Store
from bot.syncable_kinds import TRANSACTIONS, SyncableKind, kind

NAMED_RESULTS = 3  # results of a post named one by one; the rest are counted

# How the sync journal names what asked for a post (`sync_chunks.source`).
_FILE = re.compile(r"^file:[^:]*:(?P<name>.+)$")
RESENT = "resend "  # the prefix of a post finished after a restart


@dataclass(frozen=True)
class Named:
    kind: SyncableKind
    id: str
    label: str  # "Tokyo Ramen Ichiran · USD 45.50"; "" when never listed
    amount: Money | None

    @property
    def full(self) -> str:
        """`Tokyo Ramen Ichiran · USD 45.50 (card transaction 3f2a…)`."""
        return (
            f"{self.label} ({self.kind.singular} {self.id})"
            if self.label
            else f"{self.kind.singular} {self.id}"
        )

    @property
    def short(self) -> str:
        return self.label or f"{self.kind.singular} {self.id}"


def sync_row(
    store: Store,
    source: str,
    results: Sequence[SyncResult],
    counts: Mapping[str, int],
    sync_ids: Sequence[str],
    errors: Sequence[str],
) -> tuple[str, str, bool]:
    """(the object of the row, its detail, whether it went through) for a post of `results`;
    `counts` by chunk state: sent, already sent, pending, failed."""
    named = _named(store, results)
    if len(results) == 1:
        what, parts = named[0].full, [_outcome(results[0])]
    else:
        what, parts = _several(named), [_each(results, named)]
    name = source_name(source)
    what += (f" from {name}" if name else "") + (
        " (resent after a restart)" if source.startswith(RESENT) else ""
    )
    if counts.get("already sent"):
        parts.append(f"{counts['already sent']:,} posted before, not sent again")
    if counts.get("pending"):
        parts.append(f"{counts['pending']:,} awaiting Ramp's answer (resent with the same key)")
    if counts.get("failed"):
        parts.append(f"{counts['failed']:,} refused by Ramp, nothing written: {errors[0] if errors else ''}")
    elif errors:
        parts.append(errors[0])
    if sync_ids:
        parts.append("Ramp sync id " + ", ".join(sorted(set(sync_ids))))
    return what, "; ".join(p for p in parts if p), not (counts.get("failed") or counts.get("pending"))


def refused_row(store: Store, result: SyncResult, reason: str) -> tuple[str, str]:
    """(object, detail) of a result the bot would not post (no longer ready, say)."""
    (named,) = _named(store, [result])
    return named.full, f"{reason}; nothing was posted (it would have been {_outcome(result)})"


def source_name(source: str) -> str:
    """The file a post came from (`file:F0123:results.csv` -> `results.csv`); '' for a modal,
    whose object the row names already."""
    found = _FILE.match(source.removeprefix(RESENT))
    return found["name"] if found else ""


def _named(store: Store, results: Sequence[SyncResult]) -> list[Named]:
    ids: dict[str, list[str]] = defaultdict(list)
    for result in results:
        ids[result.kind].append(result.transaction_id)
    rows = {
        key: store.transaction_rows(found) if key == TRANSACTIONS else store.object_rows(key, found)
        for key, found in ids.items()
    }
    return [_name(result, rows[result.kind].get(result.transaction_id)) for result in results]


def _name(result: SyncResult, row: dict[str, Any] | None) -> Named:
    of = kind(result.kind)
    if row is None:
        return Named(of, result.transaction_id, "", None)
    name = row.get("merchant_name") if result.kind == TRANSACTIONS else _counterparty(row)
    amount = Money(int(row["amount"] or 0), row["currency"]) if row.get("currency") else None
    label = " · ".join(
        x for x in (name or f"Unknown {of.counterparty_label.lower()}", amount and str(amount)) if x
    )
    return Named(of, result.transaction_id, label, amount)


def _counterparty(row: dict[str, Any]) -> str:
    try:
        return str(json.loads(row.get("data") or "{}").get("counterparty") or "")
    except ValueError:
        return ""


def _outcome(result: SyncResult) -> str:
    return f"synced as {result.reference_id}" if result.succeeded else f"failed ({result.error or ''})"


def _several(named: list[Named]) -> str:
    """`2 card transactions and 1 bill (EUR 100.00, USD 1,245.50)`."""
    kinds = Counter(n.kind.key for n in named)
    counted = [
        f"{count:,} {kind(key).singular if count == 1 else kind(key).plural}" for key, count in kinds.items()
    ]
    sums: dict[str, int] = defaultdict(int)
    for n in named:
        if n.amount is not None:
            sums[n.amount.currency] += n.amount.amount
    totals = ", ".join(str(Money(amount, currency)) for currency, amount in sorted(sums.items()))
    words = ", ".join(counted[:-1]) + " and " + counted[-1] if len(counted) > 1 else counted[0]
    return words + (f" ({totals})" if totals else "")


def _each(results: Sequence[SyncResult], named: list[Named]) -> str:
    """`1 synced, 1 failed: Tokyo Ramen Ichiran · USD 45.50 as JE-1; Café · EUR 100.00 failed
    (Period closed); …and 3 more`."""
    synced = sum(1 for r in results if r.succeeded)
    counts = ", ".join(
        f"{n:,} {word}" for n, word in ((synced, "synced"), (len(results) - synced, "failed")) if n
    )
    shown = [
        f"{n.short} as {r.reference_id}" if r.succeeded else f"{n.short} failed ({r.error or ''})"
        for r, n in zip(results[:NAMED_RESULTS], named, strict=False)
    ]
    more = f"; …and {len(results) - NAMED_RESULTS:,} more" if len(results) > NAMED_RESULTS else ""
    return f"{counts}: " + "; ".join(shown) + more
