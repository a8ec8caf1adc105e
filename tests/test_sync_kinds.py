"""Results files of every kind Ramp syncs: a `type` column (and `id` for `transaction_id`), a bill's
`deep_link_url`, the preview per kind, one `sync_type` per call and at most 5,000 items a call, the
journal keeping each chunk's sync_type so a resend after a crash posts it as it was first posted."""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils

from bot.schema import migrations
from bot.services.sync_results import SyncResult, parse_results_file
from bot.services.syncs import plan_chunks
from bot.store import Store
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CAFE,
    CHANNEL,
    RAMEN,
    action_ids,
    expected,
    four_kinds,
    journal,
    kinds_csv,
    kinds_file,
    load_mix,
    pay_bills,
    press_post,
    preview_of,
    ready_objects,
    recorded,
    results_csv,
    sandbox_service,
    syncs,
    text_of,
)

BILL = "5b7d1f3a-0000-4000-8000-000000000004"
TRIP = "9a0e4c2d-0000-4000-8000-000000000003"


def parse(content: bytes):  # type: ignore[no-untyped-def]
    return parse_results_file(content, "results.csv")


# -- the file, read ------------------------------------------------------------------------------------


def test_a_type_column_and_an_id_column_are_read_with_any_reasonable_spelling():
    parsed = parse(
        kinds_csv(
            f"{RAMEN},,success,JE-1,,",
            f"{TRIP},Reimbursement,failed,,Missing receipt,",
            f"{BILL},bill,success,BILL-7,,https://erp.example.com/bills/7",
            f"{BILL},Bill Payment,success,PAY-7,,",
            f"{CAFE},transfers,success,TR-1,,",
            f"{TRIP},Cashbacks,success,CB-1,,",
            header="id,type,status,reference_id,error,deep_link_url",
        )
    )
    assert [(r.kind, r.transaction_id, r.reference_id, r.deep_link_url) for r in parsed.results] == [
        ("transactions", RAMEN, "JE-1", None),
        ("reimbursements", TRIP, None, None),
        ("bills", BILL, "BILL-7", "https://erp.example.com/bills/7"),
        ("bill_payments", BILL, "PAY-7", None),  # the same id as its bill: another object
        ("transfers", CAFE, "TR-1", None),
        ("cashbacks", TRIP, "CB-1", None),
    ]
    assert parsed.duplicates == parsed.invalid == parsed.incomplete == []
    assert [k.key for k in parsed.kinds] == [
        "transactions", "reimbursements", "bills", "bill_payments", "transfers", "cashbacks"
    ]  # fmt: skip


def test_the_old_header_still_means_card_transactions():
    (result,) = parse(results_csv(f"{RAMEN},success,JE-1,")).results
    assert (result.kind, result.deep_link_url) == ("transactions", None)


def test_an_unknown_type_is_a_row_error_naming_the_row_the_column_and_the_words_allowed():
    parsed = parse(kinds_csv(f"{RAMEN},transaction,success,JE-1,,", f"{CAFE},invoice,success,JE-2,,"))
    assert [r.transaction_id for r in parsed.results] == [RAMEN]
    (note,) = parsed.invalid
    assert note.row == 3 and "column `type`" in note.reason and "`invoice`" in note.reason
    for word in ("transaction", "reimbursement", "bill", "bill_payment", "transfer", "cashback"):
        assert f"`{word}`" in note.reason


def test_deep_link_url_is_refused_on_other_kinds_on_failures_and_when_not_https():
    parsed = parse(
        kinds_csv(
            f"{RAMEN},transaction,success,JE-1,,https://erp.example.com/je/1",
            f"{BILL},bill,failed,,Vendor unknown,https://erp.example.com/bills/7",
            f"{TRIP},bill,success,BILL-8,,http://erp.example.com/bills/8",
            f"{CAFE},bill,success,BILL-9,,https://erp.example.com/bills/9",
        )
    )
    assert [r.transaction_id for r in parsed.results] == [CAFE]
    rows = {n.row: n.reason for n in parsed.invalid}
    assert set(rows) == {2, 3, 4}
    assert (
        rows[2].startswith("column `deep_link_url`")
        and "bills only" in rows[2]
        and "card transaction" in rows[2]
    )
    assert "success only" in rows[3]
    assert "not an https URL" in rows[4]


def test_the_same_object_twice_is_a_duplicate_but_a_bill_and_its_payment_are_not():
    parsed = parse(
        kinds_csv(
            f"{BILL},bill,success,BILL-7,,",
            f"{BILL},bill_payment,success,PAY-7,,",
            f"{BILL},bill,success,BILL-7,,",
        )
    )
    assert [r.kind for r in parsed.results] == ["bills", "bill_payments"]
    assert [(n.row, n.reason) for n in parsed.duplicates] == [(4, "also on row 2")]


# -- chunks --------------------------------------------------------------------------------------------


def test_each_kind_has_its_own_chunks_of_at_most_5000_with_its_sync_type_in_the_key():
    ids = [f"00000000-0000-4000-8000-{i:012d}" for i in range(5_002)]
    results = [
        *(SyncResult(i, reference_id="R", kind="reimbursements") for i in ids),
        *(
            SyncResult(i, reference_id="B", kind="bills", deep_link_url="https://erp.example.com/b")
            for i in ids[:3]
        ),
        SyncResult(ids[0], reference_id="T"),
    ]
    chunks = plan_chunks(results)
    assert [(c.sync_type, c.items) for c in chunks] == [
        ("TRANSACTION_SYNC", 1),
        ("REIMBURSEMENT_SYNC", 5000),
        ("REIMBURSEMENT_SYNC", 2),
        ("BILL_SYNC", 3),
    ]
    assert chunks[3].successful[0]["deep_link_url"] == "https://erp.example.com/b"
    # The same items under another sync_type are another request: another key.
    (as_bills,) = plan_chunks([SyncResult(ids[0], reference_id="T", kind="bills")])
    assert as_bills.key != chunks[0].key


# -- through Slack ---------------------------------------------------------------------------------------


def test_a_file_across_four_kinds_is_previewed_per_kind_and_posted_in_one_call_per_kind(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, tmp_path: Path
):
    ids = four_kinds(ramp, 6)
    preview = preview_of(slack, kinds_file(ids))
    said = text_of(preview)
    assert "*16* synced and *8* failed result(s) are ready to post" in said
    for title in ("Card transactions", "Reimbursements", "Bills", "Transfers"):
        assert f"• {title}: *4* synced, *2* failed" in said
    assert syncs(ramp) == []  # nothing before Post
    report = text_of(press_post(slack, preview))
    assert "*24* result(s) recorded by Ramp" in report and "• Bills: 6 recorded" in report
    made = syncs(ramp)
    assert sorted(s["sync_type"] for s in made) == [
        "BILL_SYNC", "REIMBURSEMENT_SYNC", "TRANSACTION_SYNC", "TRANSFER_SYNC"
    ]  # fmt: skip
    assert recorded(ramp) == expected(ids)
    (bill_sync,) = [s for s in made if s["sync_type"] == "BILL_SYNC"]
    assert {i["deep_link_url"] for i in bill_sync["successful_syncs"]} == {
        f"https://erp.example.com/bills/{n}" for n in range(6) if n % 3
    }
    # The journal knows each chunk's sync_type, and each bill's link.
    chunks = journal(tmp_path, "sync_chunks")
    assert sorted(c["sync_type"] for c in chunks) == sorted(s["sync_type"] for s in made)
    links = [r["deep_link_url"] for r in journal(tmp_path, "sync_results") if r["deep_link_url"]]
    assert len(links) == 4
    # Shared again: the failures (still ready) were posted already, the successes are synced now.
    again = preview_of(slack, kinds_file(ids), "again.csv")
    assert action_ids(again) == [] and "*Nothing to do.* 8 result(s)" in text_of(again)
    assert "16 not ready to sync" in text_of(again)


def test_a_file_with_a_bad_type_or_a_misplaced_link_says_which_row_and_posts_only_the_good_rows(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    (trip,) = ready_objects(ramp, "reimbursements", 1)
    preview = preview_of(
        slack,
        kinds_csv(
            f"{RAMEN},expense,success,JE-1,,",
            f"{trip},reimbursement,success,JE-2,,https://erp.example.com/r/2",
            f"{CAFE},transaction,success,JE-3,,",
        ),
    )
    said = text_of(preview)
    assert "2 rows that cannot be read" in said
    assert "Row 2 " in said and "column `type`: `expense` is not a kind" in said
    assert "Row 3 reimbursement" in said and "column `deep_link_url` is for bills only" in said
    press_post(slack, preview)
    assert recorded(ramp) == [("TRANSACTION_SYNC", CAFE)]


def test_a_bill_and_its_payment_in_one_file_post_the_bill_first(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    paid, alone = ready_objects(ramp, "bills", 2)
    pay_bills(ramp, [paid, alone])
    preview = preview_of(
        slack,
        kinds_csv(
            f"{paid},bill_payment,success,PAY-1,,",
            f"{paid},bill,success,BILL-1,,https://erp.example.com/bills/1",
            f"{alone},bill_payment,success,PAY-2,,",  # its bill is not in the file, nor synced
        ),
    )
    said = text_of(preview)
    assert "1 not ready to sync" in said and "its bill is not synced yet" in said
    press_post(slack, preview)
    assert [(s["sync_type"], [i["id"] for i in s["successful_syncs"]]) for s in syncs(ramp)] == [
        ("BILL_SYNC", [paid]),
        ("BILL_PAYMENT_SYNC", [paid]),
    ]


def test_ramp_sync_explains_the_type_and_deep_link_columns(bot: RunningBot, slack: SlackStandIn):
    response = slack.slash_command("/ramp", "sync", user=ADMIN, channel=CHANNEL)
    for words in ("`type`", "`bill_payment`", "`cashback`", "`deep_link_url`", "id,type,status"):
        assert words in response.body


# -- the service, as the per-kind modals call it -----------------------------------------------------------


def test_a_mixed_list_goes_in_one_call_per_kind_per_5000_and_each_object_is_marked_synced(
    ramp: RampSandbox, tmp_path: Path
):
    load_mix(ramp)
    trips = ready_objects(ramp, "reimbursements", 5_001)
    (bill,) = ready_objects(ramp, "bills", 1)
    service = sandbox_service(ramp, tmp_path)
    results = [
        SyncResult(RAMEN, reference_id="JE-1"),
        *(SyncResult(t, reference_id=f"R-{n}", kind="reimbursements") for n, t in enumerate(trips)),
        SyncResult(bill, reference_id="B-1", kind="bills", deep_link_url="https://erp.example.com/bills/1"),
    ]
    outcome = service.post_sync_results(results, user_id=ADMIN)
    assert outcome.count("sent") == 5_003
    assert [(k.kind.key, k.sent) for k in outcome.by_kind] == [
        ("transactions", 1), ("reimbursements", 5_001), ("bills", 1)
    ]  # fmt: skip
    assert sorted((s["sync_type"], len(s["successful_syncs"])) for s in syncs(ramp)) == [
        ("BILL_SYNC", 1), ("REIMBURSEMENT_SYNC", 1), ("REIMBURSEMENT_SYNC", 5_000), ("TRANSACTION_SYNC", 1)
    ]  # fmt: skip
    again = service.post_sync_results(results, user_id=ADMIN)
    assert again.nothing_to_do and len(syncs(ramp)) == 4


def test_a_bill_chunk_sent_before_a_crash_is_resent_as_a_bill_sync_with_its_key(
    ramp: RampSandbox, tmp_path: Path
):
    (bill,) = ready_objects(ramp, "bills", 1)
    service = sandbox_service(ramp, tmp_path)
    (chunk,) = plan_chunks(
        [SyncResult(bill, reference_id="B-1", kind="bills", deep_link_url="https://erp.example.com/bills/1")]
    )
    store = service._store
    assert store.journal_chunk(chunk.key, chunk.rows(), source="t", user_id=ADMIN, sync_type=chunk.sync_type)
    # Ramp got it, the bot died before reading the answer.
    first = service._ramp.post_syncs(chunk.key, successful=chunk.successful, sync_type="BILL_SYNC")
    (outcome,) = service.resend_pending()
    assert (outcome.state, outcome.sync_id, outcome.kind) == ("sent", first, "bills")
    (sync,) = syncs(ramp)  # had it gone as a TRANSACTION_SYNC, Ramp would have refused the key's new body
    assert sync["sync_type"] == "BILL_SYNC"
    assert sync["successful_syncs"] == [
        {"id": bill, "reference_id": "B-1", "deep_link_url": "https://erp.example.com/bills/1"}
    ]


def test_chunks_journalled_before_migration_0013_are_card_transactions(ramp: RampSandbox, tmp_path: Path):
    load_mix(ramp)
    path = tmp_path / "bot.sqlite3"
    (chunk,) = plan_chunks([SyncResult(RAMEN, reference_id="JE-1")])
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="0013_sync_chunk_types")
    old.table("sync_chunks").insert(
        {"key": chunk.key, "state": "pending", "items": 1, "created": "2026-01-01", "updated": "2026-01-01"}
    )
    old.table("sync_results").insert(
        {
            "chunk_key": chunk.key,
            "position": 0,
            "transaction_id": RAMEN,
            "outcome": "synced",
            "reference_id": "JE-1",
        }  # fmt: skip
    )
    old.close()
    store = Store(path)
    try:
        assert store.sync_chunk(chunk.key)["sync_type"] == "TRANSACTION_SYNC"  # type: ignore[index]
    finally:
        store.close()
    service = sandbox_service(ramp, tmp_path)
    service._store = Store(path)
    (outcome,) = service.resend_pending()
    assert outcome.state == "sent"
    assert [(s["sync_type"], s["idempotency_key"]) for s in syncs(ramp)] == [("TRANSACTION_SYNC", chunk.key)]


def test_a_saved_preview_keeps_each_results_kind_and_link(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    ids = four_kinds(ramp, 1)
    preview = preview_of(slack, kinds_file({"bill": ids["bill"], "transfer": ids["transfer"]}))
    assert action_ids(preview) == ["sync_results_post", "sync_results_cancel"]
    saved = json.loads(bot.store.sync_preview(preview.blocks[-2]["elements"][0]["value"])["results"])  # type: ignore[index]
    assert sorted(row[4] for row in saved) == ["bills", "transfers"]
