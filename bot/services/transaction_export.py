"""Sync-ready transactions as a CSV file: every field, one row per split, formula-safe cells.

A transaction without splits is one row; the transaction-level codings apply to every split, so
each row carries them with the split's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Protocol

from bot.exports import to_csv
from bot.money import Money
from bot.ramp import LineItem, Selection, Transaction
from bot.services.transactions import TransactionList, coding_status, selection_label

EXPORT_HEADER = (
    "transaction_id",
    "date",
    "accounting_date",
    "merchant",
    "card_holder",
    "state",
    "sync_status",
    "coding",
    "currency",
    "amount",
    "original_currency",
    "original_amount",
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


def export_csv(listing: TransactionList, entities: dict[str, str] | None = None) -> bytes:
    """Every field, one row per line item (a transaction without splits is one row); safe cells.
    `entities`: {id: name}, for the `entity` column."""
    names = entities or {}
    return to_csv(EXPORT_HEADER, (row for t in listing.transactions for row in _export_rows(t, names)))


def _export_rows(transaction: Transaction, entities: dict[str, str]) -> list[list[object]]:
    head = [
        transaction.id,
        iso_day(transaction.user_transaction_time),
        iso_day(transaction.accounting_date),
        transaction.merchant_name,
        transaction.card_holder_name,
        transaction.state,
        transaction.sync_status,
        coding_status(transaction),
        transaction.amount.currency,
        transaction.amount.to_decimal(),
        transaction.original_amount.currency,
        transaction.original_amount.to_decimal(),
        transaction.memo,
        transaction.entity_id,
        entities.get(transaction.entity_id or "", ""),
    ]
    return split_rows(head, transaction)


class Coded(Protocol):
    """A transaction or any other syncable object: top-level codings and split lines."""

    @property
    def amount(self) -> Money: ...
    @property
    def selections(self) -> tuple[Selection, ...]: ...
    @property
    def line_items(self) -> tuple[LineItem, ...]: ...


def split_rows(head: Sequence[object], item: Coded) -> list[list[object]]:
    """One row per split (an item without splits is one), each `head` followed by the split's
    number, amount, memo and codings: the item's own codings apply to every split."""
    lines = item.line_items or (LineItem(item.amount, None, ()),)
    rows: list[list[object]] = []
    for number, line in enumerate(lines, start=1):
        codings = item.selections + line.selections
        rows.append(
            [
                *head,
                number,
                line.amount.to_decimal(),
                line.memo,
                coding(codings, "GL_ACCOUNT"),
                coding(codings, "MERCHANT"),
                coding(codings, "SUBSIDIARY"),
                other_codings(codings),
            ]
        )
    return rows


_OWN_COLUMNS = ("GL_ACCOUNT", "MERCHANT", "SUBSIDIARY")


def coding(selections: Iterable[Selection], kind: str) -> str:
    """The chosen options of one field type, e.g. every GL account, `; `-separated."""
    return "; ".join(selection_label(s).split(": ", 1)[1] for s in selections if s.type == kind)


def other_codings(selections: Iterable[Selection]) -> str:
    """Every coding that has no column of its own, labelled: `Department: Engineering`."""
    return "; ".join(selection_label(s) for s in selections if s.type not in _OWN_COLUMNS)


def iso_day(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


def export_filename(listing: TransactionList, today: date | None = None) -> str:
    return f"sync-ready-transactions-{(today or date.today()).isoformat()}.csv"
