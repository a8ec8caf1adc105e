"""The kinds of object an API connection brings to the ERP and marks synced, one row each.

Ramp's accounting guide names six (shared/reference/ramp-api.md §11; the endpoints, filters and
scopes from shared/ramp-api/openapi-all-objects.json). Code that differs by kind reads its row:

    kind("bills").sync_type                 # "BILL_SYNC"
    for_command("reimbursements").scope     # "reimbursements:read"
    for_result_type("bill_payment").key     # "bill_payments"
    for_word("Bills").sync_type             # "BILL_SYNC"

| kind           | list            | ready when                                   | sync_type             |
|----------------|-----------------|----------------------------------------------|-----------------------|
| transactions   | /transactions   | sync_status=SYNC_READY                        | TRANSACTION_SYNC      |
| reimbursements | /reimbursements | sync_status=SYNC_READY (both directions)      | REIMBURSEMENT_SYNC    |
| bills          | /bills          | sync_ready=true                               | BILL_SYNC             |
| bill_payments  | /bills          | payment_status=PAID, not BILL_AND_PAYMENT_SYNCED | BILL_PAYMENT_SYNC  |
| transfers      | /transfers      | sync_status=SYNC_READY                        | TRANSFER_SYNC         |
| cashbacks      | /cashbacks      | sync_status=SYNC_READY                        | STATEMENT_CREDIT_SYNC |

Two rows rest on what the documentation leaves open, each marked `assumption:` below and kept in
this one place: the cashback `sync_type`, and a bill payment posted under its bill's id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from bot.ramp import objects
from bot.ramp.objects import SyncObject

TRANSACTIONS: Final = "transactions"

FilterOp = Literal["from", "to", "param", "contains"]


@dataclass(frozen=True)
class ListFilter:
    """One `word:value` a list command takes. `from`/`to` send a date to `param`; `param` sends the
    value as it is; `contains` matches a piece of the text in `attribute` here, since Ramp filters
    by id only (a vendor's, an employee's)."""

    word: str
    op: FilterOp
    param: str = ""
    attribute: str = ""
    help: str = ""


def _dates(since: str, until: str, what: str) -> tuple[ListFilter, ListFilter]:
    return (
        ListFilter("since", "from", since, help=f"{what} on or after YYYY-MM-DD"),
        ListFilter("until", "to", until, help=f"{what} on or before YYYY-MM-DD"),
    )


ENTITY = ListFilter("entity", "param", "entity_id", help="an entity's name or id")
MERCHANT = ListFilter("merchant", "contains", attribute="counterparty", help="a piece of the merchant's name")
VENDOR = ListFilter("vendor", "contains", attribute="counterparty", help="a piece of the vendor's name")
EMPLOYEE = ListFilter("employee", "contains", attribute="person", help="a piece of the employee's name")


@dataclass(frozen=True)
class SyncableKind:
    """What differs between the objects the bot lists and marks synced."""

    key: str
    singular: str  # lower case, as inside a sentence
    plural: str
    result_type: str  # the `type` column of a results file
    command: str  # `/ramp <command>` lists it
    path: str  # the list endpoint, under /developer/v1
    scope: str
    ready_queries: tuple[Mapping[str, str], ...]  # each a set of query parameters; their union is ready
    sync_type: str
    parse: Callable[[Mapping[str, Any]], SyncObject]
    counterparty_label: str  # what `SyncObject.counterparty` is for this kind
    person_label: str
    filters: tuple[ListFilter, ...]
    events: tuple[str, ...]  # Ramp webhook events that mean "something may be ready now"
    example: str  # the filters of `/ramp help`'s example
    deep_link: bool = False  # a successful sync may carry `deep_link_url`
    synced_status: str = "SYNCED"  # the item's sync_status once Ramp recorded its success
    # (the kind it follows, that kind's status while not yet synced): a bill payment syncs after
    # its bill. assumption (reference §11 and sandbox/ramp/objects/kinds.py): Ramp's only state with
    # a synced payment is BILL_AND_PAYMENT_SYNCED, so the bill's own sync must come first.
    after: tuple[str, str] | None = None

    @property
    def title(self) -> str:
        return self.plural[:1].upper() + self.plural[1:]


KINDS: Final[tuple[SyncableKind, ...]] = (
    SyncableKind(
        key=TRANSACTIONS,
        singular="card transaction",
        plural="card transactions",
        result_type="transaction",
        command="transactions",
        path="/transactions",
        scope="transactions:read",
        ready_queries=({"sync_status": "SYNC_READY"},),
        sync_type="TRANSACTION_SYNC",
        parse=objects.transaction,
        counterparty_label="merchant",
        person_label="card holder",
        filters=(*_dates("from_date", "to_date", "spent"), ENTITY, MERCHANT),
        example="since:2025-01-01 merchant:delta",
        events=("transactions.ready_to_sync",),
    ),
    SyncableKind(
        key="reimbursements",
        singular="reimbursement",
        plural="reimbursements",
        result_type="reimbursement",
        command="reimbursements",
        path="/reimbursements",
        scope="reimbursements:read",
        # `direction` defaults to BUSINESS_TO_USER: repayments are listed only when asked for.
        ready_queries=(
            {"sync_status": "SYNC_READY"},
            {"sync_status": "SYNC_READY", "direction": "USER_TO_BUSINESS"},
        ),
        sync_type="REIMBURSEMENT_SYNC",
        parse=objects.reimbursement,
        counterparty_label="merchant",
        person_label="employee",
        filters=(*_dates("from_transaction_date", "to_transaction_date", "spent"), ENTITY, EMPLOYEE),
        example="since:2025-01-01 employee:garcia",
        events=("reimbursements.ready_to_sync",),
    ),
    SyncableKind(
        key="bills",
        singular="bill",
        plural="bills",
        result_type="bill",
        command="bills",
        path="/bills",
        scope="bills:read",
        # Bills have their own sync_status enum; `sync_ready` is the ready filter (reference §11).
        ready_queries=({"sync_ready": "true"},),
        sync_type="BILL_SYNC",
        parse=objects.bill,
        counterparty_label="vendor",
        person_label="bill owner",
        filters=(*_dates("from_issued_date", "to_issued_date", "issued"), ENTITY,
                 ListFilter("due", "to", "to_due_date", help="due on or before YYYY-MM-DD"), VENDOR),
        example="due:2025-02-28 vendor:acme",
        events=("bills.approved",),
        deep_link=True,
        synced_status="BILL_SYNCED",
    ),
    SyncableKind(
        key="bill_payments",
        singular="bill payment",
        plural="bill payments",
        result_type="bill_payment",
        command="bill-payments",
        path="/bills",
        scope="bills:read",
        # A paid bill whose payment is not synced (reference §11). Ramp's enum filter takes one
        # value, so the two states that qualify are asked for one by one.
        ready_queries=(
            {"payment_status": "PAID", "sync_status": "BILL_SYNCED"},
            {"payment_status": "PAID", "sync_status": "NOT_SYNCED"},
        ),
        # assumption: ApiBillPayment has no id, so the payment is posted with its bill's id.
        sync_type="BILL_PAYMENT_SYNC",
        parse=objects.bill_payment,
        counterparty_label="vendor",
        person_label="bill owner",
        filters=(*_dates("from_paid_at", "to_paid_at", "paid"), ENTITY, VENDOR),
        example="since:2025-01-01 vendor:acme",
        events=("bills.paid",),
        synced_status="BILL_AND_PAYMENT_SYNCED",
        after=("bills", "NOT_SYNCED"),
    ),
    SyncableKind(
        key="transfers",
        singular="transfer",
        plural="transfers",
        result_type="transfer",
        command="transfers",
        path="/transfers",
        scope="transfers:read",
        ready_queries=({"sync_status": "SYNC_READY"},),
        sync_type="TRANSFER_SYNC",
        parse=objects.transfer,
        counterparty_label="paid",
        person_label="",
        filters=(*_dates("from_date", "to_date", "made"), ENTITY),
        example="since:2025-01-01",
        events=(),  # Ramp lists no webhook event for transfers: polling finds them
    ),
    SyncableKind(
        key="cashbacks",
        singular="cashback",
        plural="cashbacks",
        result_type="cashback",
        command="cashbacks",
        path="/cashbacks",
        scope="cashbacks:read",
        ready_queries=({"sync_status": "SYNC_READY"},),
        # assumption: the spec names no sync_type for cashbacks; Ramp pays cashback as a statement
        # credit, so STATEMENT_CREDIT_SYNC (reference §11). Only this row says so.
        sync_type="STATEMENT_CREDIT_SYNC",
        parse=objects.cashback,
        counterparty_label="",
        person_label="",
        filters=(*_dates("from_date", "to_date", "earned"), ENTITY),
        example="since:2025-01-01",
        events=(),
    ),
)  # fmt: skip

BY_KEY: Final = {k.key: k for k in KINDS}
BY_COMMAND: Final = {k.command: k for k in KINDS}
BY_RESULT_TYPE: Final = {k.result_type: k for k in KINDS}
BY_SYNC_TYPE: Final = {k.sync_type: k for k in KINDS}
SYNCED_STATUSES: Final = frozenset(k.synced_status for k in KINDS)
WEBHOOK_EVENTS: Final = tuple(dict.fromkeys(e for k in KINDS for e in k.events))


def kind(key: str) -> SyncableKind:
    return BY_KEY[key]


def for_command(word: str) -> SyncableKind | None:
    return BY_COMMAND.get(word)


def for_result_type(word: str) -> SyncableKind | None:
    """`bill_payment`, also as `bill-payment` or `Bill Payment`; None for a word no kind has."""
    return BY_RESULT_TYPE.get(word.strip().lower().replace("-", "_").replace(" ", "_"))


def for_word(word: str) -> SyncableKind | None:
    """The kind a person means by a word: its command (`bill-payments`), key (`bill_payments`) or
    results-file type, singular or plural (`bill payment`, `Bills`); None for a word no kind has."""
    word = word.strip().lower()
    return (
        BY_COMMAND.get(word) or BY_KEY.get(word) or for_result_type(word) or for_result_type(word.rstrip("s"))
    )
