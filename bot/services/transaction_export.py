"""Sync-ready transactions as a CSV file: every field, one row per split, formula-safe cells.

A transaction without splits is one row; the transaction-level codings apply to every split, so
each row carries them with the split's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from bot.exports import to_csv
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
    "line",
    "line_amount",
    "line_memo",
    "gl_account",
    "vendor",
    "subsidiary",
    "other_codings",
)


def export_csv(listing: TransactionList) -> bytes:
    """Every field, one row per line item (a transaction without splits is one row); safe cells."""
    return to_csv(EXPORT_HEADER, (row for t in listing.transactions for row in _export_rows(t)))


def _export_rows(transaction: Transaction) -> list[list[object]]:
    head = [
        transaction.id,
        _iso_day(transaction.user_transaction_time),
        _iso_day(transaction.accounting_date),
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
    ]
    lines = transaction.line_items or (LineItem(transaction.amount, None, ()),)
    rows: list[list[object]] = []
    for number, line in enumerate(lines, start=1):
        codings = transaction.selections + line.selections
        rows.append(
            [
                *head,
                number,
                line.amount.to_decimal(),
                line.memo,
                _coding(codings, "GL_ACCOUNT"),
                _coding(codings, "MERCHANT"),
                _coding(codings, "SUBSIDIARY"),
                "; ".join(
                    selection_label(s)
                    for s in codings
                    if s.type not in ("GL_ACCOUNT", "MERCHANT", "SUBSIDIARY")
                ),
            ]
        )
    return rows


_OWN_COLUMNS = ("GL_ACCOUNT", "MERCHANT", "SUBSIDIARY")


def _coding(selections: Iterable[Selection], kind: str) -> str:
    return "; ".join(selection_label(s).split(": ", 1)[1] for s in selections if s.type == kind)


def _iso_day(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


def export_filename(listing: TransactionList, today: date | None = None) -> str:
    return f"sync-ready-transactions-{(today or date.today()).isoformat()}.csv"
