"""Each of the six kinds Ramp syncs, the same way through Slack against the Ramp sandbox: listed by its
`/ramp <kind>` command, exported, a row marked synced and another reported failed (Ramp records each
under the kind's own sync_type), and the failure named in `/ramp status` as the row names the object.
Also a kind's list over more than one page, its `employee:` and `due:` filters, and a bill synced
from Slack whose payment is then listed and synced on its own."""

from __future__ import annotations

import copy
import csv
import io

import pytest

from bot.syncable_kinds import KINDS
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from sandbox.slack.state import Message
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CHANNEL,
    kind_listing,
    nav_button,
    now,
    pay_bills,
    ramp_state,
    ready_in_ramp,
    ready_objects,
    ready_of_kind,
    row_menu,
    text_of,
    wait_for_text,
)

# Written out here, not read from bot/syncable_kinds.py, so that a wrong row there fails; a kind
# added to the table without a line here fails too. (command, list header, sync_type, export id column)
SURFACES = {
    "transactions": ("transactions", "Sync-ready transactions", "TRANSACTION_SYNC", "transaction_id"),
    "reimbursements": ("reimbursements", "Reimbursements ready to sync", "REIMBURSEMENT_SYNC", "id"),
    "bills": ("bills", "Bills ready to sync", "BILL_SYNC", "id"),
    "bill_payments": ("bill-payments", "Bill payments ready to sync", "BILL_PAYMENT_SYNC", "id"),
    "transfers": ("transfers", "Transfers ready to sync", "TRANSFER_SYNC", "id"),
    "cashbacks": ("cashbacks", "Cashbacks ready to sync", "STATEMENT_CREDIT_SYNC", "id"),
}
EVERY_KIND = [row.key for row in KINDS]


def listed(slack: SlackStandIn, command: str, title: str) -> Message:
    slack.slash_command("/ramp", command, user=ADMIN, channel=CHANNEL)
    return copy.deepcopy(kind_listing(slack, title))


def exported(slack: SlackStandIn, listing: Message) -> list[dict[str, str]]:
    action, _ = nav_button(listing, "Export CSV")
    slack.click(action, message=listing, user=ADMIN)
    upload = slack.wait_for(
        lambda: next((m for m in slack.messages(CHANNEL) if m.files and m.thread_ts == listing.ts), None)
    )
    return list(csv.DictReader(io.StringIO(slack.file_content(upload.files[0].id).decode("utf-8-sig"))))


def recorded(ramp: RampSandbox) -> list[tuple[str, str, str]]:
    """(sync_type, outcome, id) of every item Ramp recorded, in order."""
    return [
        (sync["sync_type"], outcome, item["id"])
        for sync in ramp_state(ramp)["syncs"]
        for outcome in ("successful", "failed")
        for item in sync.get(f"{outcome}_syncs", [])
    ]


def row_names(listing: Message, object_id: str) -> str:
    """`Name · USD 12.00`: what the row shows first (after its date), without the bold."""
    (row,) = [b for b in listing.blocks if str(b.get("block_id", "")).endswith(f"|{object_id}")]
    first = row["text"]["text"].splitlines()[0].replace("*", "")
    _, name, amount = first.split(" · ")[:3]
    return f"{name} · {amount.split(' (')[0]}"


@pytest.mark.parametrize("key", EVERY_KIND)
def test_every_kind_is_listed_exported_marked_synced_and_reported_failed_under_its_sync_type(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, key: str
):
    command, title, sync_type, id_column = SURFACES[key]
    made = ready_of_kind(ramp, key, 3, seed=7)
    ready = ready_in_ramp(ramp, key)
    assert set(made) <= ready
    listing = listed(slack, command, title)
    assert f"*{len(ready)}* ready to sync" in text_of(listing)

    rows = exported(slack, listing)
    assert {r[id_column] for r in rows} == ready

    synced, failed = made[0], made[1]
    row_menu(slack, listing, synced, "synced")
    slack.wait_for(lambda: slack.views)
    slack.submit_view(values={"reference": {"value": "ERP-41"}}, user=ADMIN)
    slack.wait_for(lambda: "synced as ERP-41" in text_of(now(slack, listing)), timeout=15)
    row_menu(slack, listing, failed, "failed")
    slack.wait_for(lambda: slack.views)
    slack.submit_view(values={"reason": {"value": "Vendor missing in ERP"}}, user=ADMIN)
    slack.wait_for(lambda: "failed: Vendor missing in ERP" in text_of(now(slack, listing)), timeout=15)

    assert recorded(ramp) == [(sync_type, "successful", synced), (sync_type, "failed", failed)]
    assert synced not in ready_in_ramp(ramp, key) and failed in ready_in_ramp(ramp, key)

    # `/ramp status` names the failed object under its reason as its row did: who was paid, how much.
    slack.slash_command("/ramp", "status", user=ADMIN, channel=CHANNEL)
    shown = wait_for_text(slack, "Failures reported in the last 7 days:* 1", timeout=20)
    assert "• Vendor missing in ERP — 1 " in shown, shown
    assert f"({row_names(listing, failed)})" in shown, shown


def test_a_list_of_more_than_a_page_shows_each_ready_item_once_and_filters_by_employee(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    ready_objects(ramp, "reimbursements", 25, seed=5)
    ready = ready_in_ramp(ramp, "reimbursements")
    listing = listed(slack, "reimbursements", "Reimbursements ready to sync")
    pages = -(-len(ready) // 20)
    assert pages >= 2
    seen: list[str] = []
    for page in range(1, pages + 1):
        shown = slack.wait_for(
            lambda p=page: f"Page {p} of {pages}" in text_of(now(slack, listing)) and now(slack, listing)
        )
        seen += [
            b["block_id"].split("|")[1] for b in shown.blocks if str(b.get("block_id", "")).startswith("obj|")
        ]
        if page < pages:
            slack.click(nav_button(shown, "Next ▶")[0], message=shown, user=ADMIN)
    assert len(seen) == len(set(seen)) and set(seen) == ready

    with ramp.state.lock:
        people = [ramp.state.objects.by_id["reimbursements"][i]["user_full_name"] for i in sorted(ready)]
    surname = people[0].split()[-1]
    theirs = sum(surname.casefold() in p.casefold() for p in people)
    slack.slash_command("/ramp", f"reimbursements employee:{surname.lower()}", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, f"Filters: employee {surname.lower()}")
    filtered = kind_listing(slack, "Reimbursements ready to sync")
    assert f"*{theirs}* ready to sync" in text_of(filtered), text_of(filtered)
    assert 0 < theirs < len(ready)


def test_bills_due_by_a_date_are_the_ready_bills_due_on_or_before_it(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    ready_objects(ramp, "bills", 12, seed=9)
    with ramp.state.lock:
        bills = [ramp.state.objects.by_id["bills"][i] for i in ready_in_ramp(ramp, "bills")]
    due = sorted(str(b["due_at"])[:10] for b in bills)
    cut = due[len(due) // 3]
    expected = sum(d <= cut for d in due)
    assert 0 < expected < len(due)
    slack.slash_command("/ramp", f"bills due:{cut}", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, f"Filters: due {cut}")
    listing = kind_listing(slack, "Bills ready to sync")
    assert f"*{expected}* ready to sync" in text_of(listing), text_of(listing)


def test_a_bill_synced_from_slack_then_paid_lists_its_payment_which_syncs_on_its_own(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    """A bill payment carries its bill's id: what was posted for the bill is not the payment's."""
    (bill,) = ready_objects(ramp, "bills", 1, seed=4)
    listing = listed(slack, "bills", "Bills ready to sync")
    row_menu(slack, listing, bill, "synced")
    slack.wait_for(lambda: slack.views)
    slack.submit_view(values={"reference": {"value": "BILL-9"}}, user=ADMIN)
    slack.wait_for(lambda: "synced as BILL-9" in text_of(now(slack, listing)), timeout=15)
    pay_bills(ramp, [bill])
    assert bill in ready_in_ramp(ramp, "bill_payments")

    payments = listed(slack, "bill-payments", "Bill payments ready to sync")
    assert "synced as BILL-9" not in text_of(payments)
    row_menu(slack, payments, bill, "synced")
    slack.wait_for(lambda: slack.views)
    slack.submit_view(values={"reference": {"value": "PAY-9"}}, user=ADMIN)
    slack.wait_for(lambda: "synced as PAY-9" in text_of(now(slack, payments)), timeout=15)
    assert recorded(ramp) == [("BILL_SYNC", "successful", bill), ("BILL_PAYMENT_SYNC", "successful", bill)]
