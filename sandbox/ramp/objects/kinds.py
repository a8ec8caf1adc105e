"""The table of Ramp objects beyond card transactions: one row per kind, read by the routes, the
book and the test API (CONVENTIONS "Variants are data").

Every row comes from shared/ramp-api/openapi-all-objects.json (path, id parameter, query filters,
`security` scope) and from Ramp's accounting guide as digested in shared/reference/ramp-api.md §11
(the `sync_type` to post, what makes an object ready, the webhook events):

| kind           | list path       | scope               | sync_type             | ready when          |
|----------------|-----------------|---------------------|-----------------------|---------------------|
| reimbursements | /reimbursements | reimbursements:read | REIMBURSEMENT_SYNC    | SYNC_READY          |
| bills          | /bills          | bills:read          | BILL_SYNC             | approved, unsynced  |
| bill_payments  | (in the bill)   | bills:read          | BILL_PAYMENT_SYNC     | PAID, BILL_SYNCED   |
| transfers      | /transfers      | transfers:read      | TRANSFER_SYNC         | SYNC_READY          |
| cashbacks      | /cashbacks      | cashbacks:read      | STATEMENT_CREDIT_SYNC | SYNC_READY          |
| statements     | /statements     | statements:read     | (read-only)           | never               |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]


@dataclass(frozen=True)
class Filter:
    """One documented query parameter. `op` names the test (see `book.FILTER_TESTS`); `field` is a
    dotted path into the stored object; `supersedes` names the parameters this one overrides."""

    param: str
    op: str
    field: str = ""
    default: str | None = None
    supersedes: tuple[str, ...] = ()


def eq(param: str, field: str | None = None) -> Filter:
    return Filter(param, "eq", field or param)


def enum(param: str, field: str | None = None, **extra: Any) -> Filter:
    """A parameter whose values are the spec's enum (checked by validation.py): kept if equal."""
    return Filter(param, "enum", field or param, **extra)


def since(param: str, field: str) -> Filter:
    return Filter(param, "from", field)


def until(param: str, field: str) -> Filter:
    return Filter(param, "to", field)


READY = Filter("sync_ready", "ready")
NO_COMMITS = Filter("has_no_sync_commits", "no_commits")
SELECTION = Filter("accounting_field_selection_id", "selection")


def _sync_ready(item: Obj) -> bool:
    return bool(item["sync_status"] == "SYNC_READY")


def _bill_ready(item: Obj) -> bool:
    # Ramp's guide: a bill is ready when it is not deleted, approved and not yet synced.
    return (
        item["approval_status"] == "APPROVED"
        and item["archived_at"] is None
        and item["sync_status"] == "NOT_SYNCED"
    )


def _bill_payment_ready(item: Obj) -> bool:
    # assumption: the payment syncs after its bill (BILL_AND_PAYMENT_SYNCED is the only state with a
    # synced payment), so a paid bill that is still NOT_SYNCED must be posted with BILL_SYNC first.
    return bool(item["status"] == "PAID" and item["sync_status"] == "BILL_SYNCED")


def _never(item: Obj) -> bool:
    return False


@dataclass(frozen=True)
class ObjectKind:
    name: str
    label: str
    path: str | None  # under /developer/v1; None: nested in another kind (`stored_in`)
    id_param: str
    scope: str
    sync_type: str | None
    filters: tuple[Filter, ...]
    ready: Callable[[Obj], bool]
    not_ready_reason: str
    ready_events: tuple[str, ...]  # webhook events fired when the object becomes ready
    stored_in: str = ""  # the kind whose objects hold this one ("" = itself)
    synced_status: str = "SYNCED"
    generated: bool = True  # `POST /_sandbox/objects` may create it

    @property
    def store(self) -> str:
        return self.stored_in or self.name


KINDS: dict[str, ObjectKind] = {
    kind.name: kind
    for kind in (
        ObjectKind(
            "reimbursements", "reimbursement", "/reimbursements", "reimbursement_id", "reimbursements:read",
            "REIMBURSEMENT_SYNC",
            (
                enum("direction", default="BUSINESS_TO_USER"),
                enum("sync_status", supersedes=("sync_ready", "has_no_sync_commits")),
                READY, NO_COMMITS, SELECTION,
                since("from_transaction_date", "transaction_date"),
                until("to_transaction_date", "transaction_date"),
                since("from_date", "created_at"), until("to_date", "created_at"),
                since("from_submitted_at", "submitted_at"), until("to_submitted_at", "submitted_at"),
                Filter("synced_after", "after", "synced_at"), Filter("updated_after", "after", "updated_at"),
                eq("entity_id"), eq("user_id"), eq("trip_id"),
                eq("awaiting_approval_by_user_id", "_awaiting_approval_by"),
            ),
            _sync_ready, "not marked ready to sync (or already synced)", ("reimbursements.ready_to_sync",),
        ),
        ObjectKind(
            "bills", "bill", "/bills", "bill_id", "bills:read", "BILL_SYNC",
            (
                eq("entity_id"), eq("vendor_id", "vendor.id"), SELECTION,
                enum("approval_status"),
                enum("payment_method", "payment.payment_method"),
                enum("payment_status", "status"),
                enum("sync_status"), READY,
                Filter("is_archived", "archived", "archived_at", default="false"),
                since("from_created_at", "created_at"), until("to_created_at", "created_at"),
                since("from_due_date", "due_at"), until("to_due_date", "due_at"),
                since("from_issued_date", "issued_at"), until("to_issued_date", "issued_at"),
                since("from_paid_at", "paid_at"), until("to_paid_at", "paid_at"),
                # assumption: the spec does not say which unit; major units of the bill's currency.
                Filter("min_amount", "min", "amount"), Filter("max_amount", "max", "amount"),
            ),
            _bill_ready, "not approved, archived or already synced", ("bills.approved",),
            synced_status="BILL_SYNCED",
        ),
        ObjectKind(
            # assumption: the spec's `Bill.payment` (ApiBillPayment) has no id, so a bill payment is
            # posted with its bill's id.
            "bill_payments", "bill payment", None, "bill_id", "bills:read", "BILL_PAYMENT_SYNC", (),
            _bill_payment_ready, "not paid, or its bill is not synced yet (post BILL_SYNC first)",
            ("bills.paid",), stored_in="bills", synced_status="BILL_AND_PAYMENT_SYNCED", generated=False,
        ),
        ObjectKind(
            "transfers", "transfer", "/transfers", "transfer_id", "transfers:read", "TRANSFER_SYNC",
            (
                enum("sync_status", supersedes=("has_no_sync_commits",)), NO_COMMITS,
                enum("status"), eq("entity_id"), eq("statement_id", "_statement_id"),
                since("from_date", "created_at"), until("to_date", "created_at"),
            ),
            _sync_ready, "not accepted yet (ready once COMPLETED) or already synced", (),
        ),
        ObjectKind(
            # assumption: the spec names no sync_type for cashbacks; Ramp pays cashback as a
            # statement credit, so STATEMENT_CREDIT_SYNC (reference §11).
            "cashbacks", "cashback", "/cashbacks", "cashback_id", "cashbacks:read", "STATEMENT_CREDIT_SYNC",
            (
                enum("sync_status", supersedes=("sync_ready",)), READY,
                eq("entity_id"), eq("statement_id", "_statement_id"),
                since("from_date", "created_at"), until("to_date", "created_at"),
            ),
            _sync_ready, "already synced", (),
        ),
        ObjectKind(
            "statements", "statement", "/statements", "statement_id", "statements:read", None,
            # The spec: to_date "defaults to current time", so a statement still open is not listed.
            (since("from_date", "end_date"), Filter("to_date", "to", "end_date", default="now")),
            _never, "read-only", (), generated=False,
        ),
    )
}  # fmt: skip
BY_SYNC_TYPE = {kind.sync_type: kind for kind in KINDS.values() if kind.sync_type}
