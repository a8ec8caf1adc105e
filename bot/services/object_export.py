"""A kind's ready list as a CSV file: every field, one row per split, formula-safe cells.

The same layout as the transaction export (bot/services/transaction_export.py): the item's
top-level codings apply to every split, so each row carries them with the split's own. The first
column is the results file's `type` word and the second its `id`, so the file can be filled in and
shared back as a results file (bot/services/sync_results.py).
"""

from __future__ import annotations

from datetime import date

from bot.exports import to_csv
from bot.ramp import SyncObject
from bot.services.sync_objects import ObjectList
from bot.services.transaction_export import iso_day, split_rows

EXPORT_HEADER = (
    "type",
    "id",
    "date",
    "counterparty",
    "person",
    "reference",
    "detail",
    "sync_status",
    "currency",
    "amount",
    "memo",
    "entity_id",
    "entity",
    "line",
    "line_amount",
    "line_memo",
    "gl_account",
    "vendor",
    "subsidiary",
    "other_codings",
)


def export_csv(listing: ObjectList, entities: dict[str, str] | None = None) -> bytes:
    """`entities`: {id: name}, for the `entity` column."""
    kind, names = listing.kind.result_type, entities or {}
    return to_csv(EXPORT_HEADER, (row for item in listing.items for row in _rows(kind, item, names)))


def _rows(kind: str, item: SyncObject, entities: dict[str, str]) -> list[list[object]]:
    head = [
        kind,
        item.id,
        iso_day(item.when),
        item.counterparty,
        item.person,
        item.reference,
        item.detail,
        item.sync_status,
        item.amount.currency,
        item.amount.to_decimal(),
        item.memo,
        item.entity_id,
        entities.get(item.entity_id or "", ""),
    ]
    return split_rows(head, item)


def export_filename(listing: ObjectList, today: date | None = None) -> str:
    stem = listing.kind.plural.replace(" ", "-")
    return f"sync-ready-{stem}-{(today or date.today()).isoformat()}.csv"
