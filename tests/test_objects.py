"""Every kind of object Ramp syncs, end to end (Slack stand-in -> bot -> Ramp sandbox): `/ramp ready`,
`/ramp reimbursements|bills|bill-payments|transfers|cashbacks`, their exports, Mark synced and Report
failure from a row (the row updated in place), and a kind the Ramp app has no scope for."""

from __future__ import annotations

import csv
import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.money import Money
from bot.ramp import SyncObject
from bot.store import Store
from bot.syncable_kinds import KINDS, kind
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from sandbox.slack.state import Message
from tests.conftest import RunningBot, bot_settings, start_bot
from tests.driver import (
    ADMIN,
    CHANNEL,
    USER,
    generate,
    kinds_csv,
    make_ready,
    now,
    press_post,
    preview_of,
    ramp_state,
    text_of,
    texts,
    wait_for_text,
)

ALL_SCOPES = ("accounting:read", "accounting:write", "transactions:read")


def seed(ramp: RampSandbox, kind_name: str, n: int, seed_: int) -> list[str]:
    answer = httpx.post(
        f"{ramp.url}/_sandbox/objects", json={"kind": kind_name, "generate": n, "seed": seed_}
    )
    assert answer.status_code == 201, answer.text
    ids: list[str] = answer.json()["ids"]
    return ids


def ready_in_sandbox(ramp: RampSandbox, kind_name: str) -> list[dict[str, Any]]:
    """What Ramp itself lists as ready, read with the kind's documented queries (the expected answer)."""
    row = kind(kind_name)
    token = httpx.post(
        f"{ramp.url}/developer/v1/token",
        auth=("test-client-id", "test-client-secret"),
        data={"grant_type": "client_credentials", "scope": row.scope},
    ).json()["access_token"]
    found: dict[str, dict[str, Any]] = {}
    for query in row.ready_queries:
        url: str | None = f"{ramp.url}/developer/v1{row.path}"
        params: dict[str, str] | None = {**query, "page_size": "100"}
        while url:
            page = httpx.get(url, params=params, headers={"Authorization": f"Bearer {token}"}).json()
            found.update({item["id"]: item for item in page["data"]})
            url, params = page["page"]["next"], None
    return list(found.values())


@pytest.fixture
def objects(ramp: RampSandbox) -> dict[str, list[str]]:
    """Ready items of every kind: generated, then some marked ready as a Ramp user would."""
    generate(ramp, 6, seed=3)
    made = {
        name: seed(ramp, name, 8, seed_=11 + n)
        for n, name in enumerate(("reimbursements", "bills", "transfers", "cashbacks"))
    }
    for name in ("reimbursements", "transfers", "cashbacks"):
        make_ready(ramp, name, made[name][:5])
    make_ready(ramp, "bills", made["bills"][:6])
    return made


def list_message(slack: SlackStandIn, title: str) -> Message:
    return slack.wait_for(
        lambda: next(
            (
                m
                for m in slack.messages(CHANNEL)
                if "objects_nav" in json.dumps(m.blocks) and title in text_of(m)
            ),
            None,
        ),
        timeout=15,
    )


# -- pure pieces -----------------------------------------------------------------------------------


def test_every_kind_read_from_the_sandbox_stores_and_reads_back_the_same(
    ramp: RampSandbox, objects: dict[str, list[str]]
):
    for row in KINDS:
        if row.key == "transactions":
            continue
        payloads = ready_in_sandbox(ramp, row.key)
        assert payloads or row.key == "bill_payments", row.key
        for payload in payloads:
            item = row.parse(payload)
            assert item.kind == row.key and item.id == payload["id"]
            assert SyncObject.from_json(json.loads(json.dumps(item.to_json()))) == item


def test_the_table_gives_each_kind_its_own_sync_type_scope_and_results_word():
    assert len({row.sync_type for row in KINDS}) == len(KINDS)
    assert len({row.result_type for row in KINDS}) == len(KINDS)
    assert {row.command for row in KINDS} >= {
        "transactions",
        "reimbursements",
        "bills",
        "transfers",
        "cashbacks",
    }


# -- /ramp ready -----------------------------------------------------------------------------------


def test_ready_shows_every_kind_with_its_count_totals_and_oldest_and_lists_one(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, objects: dict[str, list[str]]
):
    slack.slash_command("/ramp", "ready", user=USER, channel=CHANNEL)
    overview = slack.wait_for(
        lambda: next((m for m in slack.messages(CHANNEL) if "ready_refresh" in json.dumps(m.blocks)), None),
        timeout=20,
    )
    shown = text_of(overview)
    for name in ("reimbursements", "bills", "transfers", "cashbacks"):
        count = len(ready_in_sandbox(ramp, name))
        title = kind(name).title
        assert f"*{title}* · {count}" in shown, (title, count, shown)
    assert "Oldest:" in shown and "As of" in shown
    slack.click("ready_list", message=overview, user=USER, value="bills")
    bills = list_message(slack, "Bills ready to sync")
    assert f"*{len(ready_in_sandbox(ramp, 'bills'))}* ready to sync" in text_of(bills)


def test_a_kind_without_its_scope_is_not_enabled_and_the_others_still_show(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn, objects: dict[str, list[str]]
):
    with ramp.state.lock:
        ramp.state.tokens.register_app(
            "app-no-bills", "test-client-secret", (*ALL_SCOPES, "reimbursements:read")
        )
    for running in start_bot(bot_settings(tmp_path, ramp, slack, ramp_client_id="app-no-bills"), slack):
        slack.slash_command("/ramp", "ready", user=USER, channel=CHANNEL)
        slack.wait_for(
            lambda: "ready_refresh" in json.dumps([m.blocks for m in slack.messages(CHANNEL)]), timeout=20
        )
        shown = texts(slack, CHANNEL)
        assert "not enabled" in shown, shown
        assert "add the `bills:read` scope" in shown.lower() or "`bills:read`" in shown
        assert f"*Reimbursements* · {len(ready_in_sandbox(ramp, 'reimbursements'))}" in shown
        slack.slash_command("/ramp", "bills", user=USER, channel=CHANNEL)
        slack.wait_for(lambda: texts(slack).count("bills:read") >= 2, timeout=15)
        assert running is not None


# -- the lists -------------------------------------------------------------------------------------


def test_bills_list_with_vendor_and_due_filters_and_a_bad_word_gets_the_syntax(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, objects: dict[str, list[str]]
):
    ready = ready_in_sandbox(ramp, "bills")
    vendor = ready[0]["vendor"]["name"]
    expected = [b for b in ready if vendor.casefold() in b["vendor"]["name"].casefold()]
    slack.slash_command("/ramp", f"bills vendor:{vendor.split()[0]}", user=USER, channel=CHANNEL)
    listing = list_message(slack, "Bills ready to sync")
    expected = [b for b in ready if vendor.split()[0].casefold() in b["vendor"]["name"].casefold()]
    assert f"*{len(expected)}* ready to sync" in text_of(listing)
    assert ready[0]["invoice_number"] in text_of(listing)
    slack.slash_command("/ramp", "bills colour:red", user=USER, channel=CHANNEL)
    answer = wait_for_text(slack, "has no `colour:` filter")
    assert "Syntax: `/ramp bills" in answer and "vendor:" in answer


def test_an_export_carries_the_results_files_type_and_id_columns(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, objects: dict[str, list[str]]
):
    slack.slash_command("/ramp", "reimbursements", user=USER, channel=CHANNEL)
    listing = list_message(slack, "Reimbursements ready to sync")
    slack.click("objects_export", message=listing, user=USER)
    upload = slack.wait_for(lambda: next((m for m in slack.messages(CHANNEL) if m.files), None))
    rows = list(csv.DictReader(io.StringIO(slack.file_content(upload.files[0].id).decode("utf-8-sig"))))
    ready = {r["id"] for r in ready_in_sandbox(ramp, "reimbursements")}
    assert {r["id"] for r in rows} == ready
    assert {r["type"] for r in rows} == {"reimbursement"}


def mark(
    slack: SlackStandIn, message: Message, outcome: str, kind_name: str, object_id: str, user: str = ADMIN
) -> None:
    option = next(
        o["value"]
        for block in message.blocks
        if block.get("block_id") == f"obj|{object_id}"
        for o in block["accessory"]["options"]
        if o["value"].startswith(outcome + "|")
    )
    slack.click("object_row", message=message, user=user, block_id=f"obj|{object_id}", value=option)


def test_mark_a_bill_synced_with_its_erp_link_posts_bill_sync_and_the_row_says_so(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, objects: dict[str, list[str]]
):
    slack.slash_command("/ramp", "bills", user=ADMIN, channel=CHANNEL)
    listing = list_message(slack, "Bills ready to sync")
    bills = ready_in_sandbox(ramp, "bills")
    bill = bills[0]["id"]
    mark(slack, listing, "synced", "bills", bill)
    slack.wait_for(lambda: slack.views)
    slack.submit_view(
        values={"reference": {"value": "BILL-77"}, "deep_link": {"value": "https://erp.example/bills/77"}},
        user=ADMIN,
    )
    wait_for_text(slack, "synced as BILL-77")
    syncs = [s for s in ramp_state(ramp)["syncs"] if s["sync_type"] == "BILL_SYNC"]
    assert len(syncs) == 1 and syncs[0]["successful_syncs"][0]["id"] == bill
    slack.wait_for(lambda: ":white_check_mark: synced as BILL-77" in text_of(now(slack, listing)), timeout=10)
    updated = now(slack, listing)
    row = next(b for b in updated.blocks if b.get("block_id") == f"obj|{bill}")
    assert "accessory" not in row  # no menu on a row already posted
    # ...and the totals with it: the posted bill is out of what still waits.
    assert f"*{len(bills) - 1}* ready to sync" in text_of(updated)
    assert "1 posted since this list was made" in text_of(updated)


def test_report_a_reimbursement_failed_and_a_non_admin_is_refused(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, objects: dict[str, list[str]]
):
    slack.slash_command("/ramp", "reimbursements", user=ADMIN, channel=CHANNEL)
    listing = list_message(slack, "Reimbursements ready to sync")
    item = ready_in_sandbox(ramp, "reimbursements")[0]["id"]
    mark(slack, listing, "failed", "reimbursements", item, user=USER)
    wait_for_text(slack, "Only admins")
    assert not slack.views
    mark(slack, listing, "failed", "reimbursements", item)
    slack.wait_for(lambda: slack.views)
    slack.submit_view(values={"reason": {"value": "Employee not in ERP"}}, user=ADMIN)
    wait_for_text(slack, "reported as failed")
    syncs = [s for s in ramp_state(ramp)["syncs"] if s["sync_type"] == "REIMBURSEMENT_SYNC"]
    assert [s.get("failed_syncs") for s in syncs] == [
        [{"id": item, "error": {"message": "Employee not in ERP"}}]
    ]
    slack.wait_for(lambda: "failed: Employee not in ERP" in text_of(now(slack, listing)), timeout=10)


def test_a_link_that_is_not_https_keeps_the_modal_open(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, objects: dict[str, list[str]]
):
    slack.slash_command("/ramp", "bills", user=ADMIN, channel=CHANNEL)
    listing = list_message(slack, "Bills ready to sync")
    mark(slack, listing, "synced", "bills", ready_in_sandbox(ramp, "bills")[0]["id"])
    slack.wait_for(lambda: slack.views)
    response = slack.submit_view(
        values={"reference": {"value": "B-1"}, "deep_link": {"value": "javascript:alert(1)"}}, user=ADMIN
    )
    assert "https" in response.body and "deep_link" in response.body  # shown under the link's input
    slack.wait_quiet()
    assert [s for s in ramp_state(ramp)["syncs"] if s["sync_type"] == "BILL_SYNC"] == []


# -- status, Home, entities ------------------------------------------------------------------------


def test_status_and_home_show_the_other_kinds_waiting(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, objects: dict[str, list[str]]
):
    slack.slash_command("/ramp", "status", user=USER, channel=CHANNEL)
    shown = wait_for_text(slack, "Also ready to sync", timeout=20)
    for name in ("reimbursements", "transfers", "cashbacks"):
        assert f"*{kind(name).title}:* {len(ready_in_sandbox(ramp, name))}" in shown
    slack.open_home(user=USER)
    home = slack.wait_for(lambda: next(iter(slack.home_views.values()), None), timeout=20)
    assert f"*Bills:* {len(ready_in_sandbox(ramp, 'bills'))}" in json.dumps(home)


def kind_line(ramp: RampSandbox, kind_name: str) -> str:
    """`*Bills:* 6 · EUR 1.00 · USD 2.00`: what Ramp holds ready of the kind, summed here per currency."""
    sums: dict[str, Money] = {}
    for payload in ready_in_sandbox(ramp, kind_name):
        amount = kind(kind_name).parse(payload).amount
        sums[amount.currency] = sums.get(amount.currency, Money.zero(amount.currency)) + amount
    count = len(ready_in_sandbox(ramp, kind_name))
    return " · ".join([f"*{kind(kind_name).title}:* {count}", *(str(sums[c]) for c in sorted(sums))])


def row_name(ramp: RampSandbox, kind_name: str, object_id: str) -> str:
    """`Acme Supplies · USD 1,200.00`: how a list row names the object (its kind's word when nameless)."""
    payload = next(p for p in ready_in_sandbox(ramp, kind_name) if p["id"] == object_id)
    item = kind(kind_name).parse(payload)
    return f"{item.counterparty or kind(kind_name).singular.capitalize()} · {item.amount}"


def test_status_and_home_show_each_kinds_amounts_per_currency_and_its_failures_by_reason(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, objects: dict[str, list[str]]
):
    slack.slash_command("/ramp", "status", user=USER, channel=CHANNEL)  # the bot lists every kind
    wait_for_text(slack, "Also ready to sync", timeout=20)
    paid_back, bill, transfer = objects["reimbursements"][:2], objects["bills"][0], objects["transfers"][0]
    failed = kinds_csv(
        *(f"{r},reimbursement,failed,,Period <!here> closed," for r in paid_back),
        f"{bill},bill,failed,,Period <!here> closed,",
        f"{transfer},transfer,failed,,Account 4000 missing in ERP,",
    )
    press_post(slack, preview_of(slack, failed))

    slack.slash_command("/ramp", "status", user=USER, channel=CHANNEL)
    shown = wait_for_text(slack, "*Failures reported in the last 7 days:* 4", timeout=20)
    slack.open_home(user=USER)
    home = text_of(slack.wait_for(lambda: next(iter(slack.home_views.values()), None), timeout=20))
    assert "*Sync failures, last 7 days:* 4" in home
    for text in (shown, home):
        for name in ("reimbursements", "bills", "transfers", "cashbacks"):
            assert kind_line(ramp, name) in text, (kind_line(ramp, name), text)
        # Most frequent reason first, then its kinds and the objects as their rows name them.
        period = next(line for line in text.splitlines() if line.startswith("• Period &lt;!here&gt; closed"))
        assert text.index(period) < text.index("• Account 4000 missing in ERP")
        assert period.startswith("• Period &lt;!here&gt; closed — 3: 2 reimbursements, 1 bill (")
        for object_id in paid_back:
            assert row_name(ramp, "reimbursements", object_id).replace("&", "&amp;") in period
        assert row_name(ramp, "bills", bill).replace("&", "&amp;") in period
        named = row_name(ramp, "transfers", transfer).replace("&", "&amp;")
        assert f"• Account 4000 missing in ERP — 1 transfer ({named})" in text
        assert "<!here>" not in text


def test_transactions_filtered_by_entity_name(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox):
    generate(ramp, 30, seed=5)
    with ramp.state.lock:
        entities = [dict(e) for e in ramp.state.entities]
        ready = [dict(t) for t in ramp.state.transactions.items if t["sync_status"] == "SYNC_READY"]
    named = {e["id"]: e["entity_name"] for e in entities}
    entity_id = next(t["entity_id"] for t in ready if t.get("entity_id") in named)
    expected = sum(1 for t in ready if t.get("entity_id") == entity_id)
    slack.slash_command(
        "/ramp", f'transactions "entity:{named[entity_id].lower()}"', user=USER, channel=CHANNEL
    )
    shown = wait_for_text(slack, "ready to sync ·", timeout=20)
    assert f"*{expected}* ready to sync" in shown and f"entity {named[entity_id].lower()}" in shown
    assert shown.count(f" · {named[entity_id]}") >= min(expected, 20)  # each row names its entity
    slack.slash_command("/ramp", "transactions entity:Atlantis", user=USER, channel=CHANNEL)
    assert "no entity named `Atlantis`" in wait_for_text(slack, "Atlantis")


def test_kinds_stored_side_by_side_wait_for_each_other_instead_of_failing(tmp_path: Path):
    """`/ramp ready` saves five kinds from five threads; an upsert reads before it writes, so a
    deferred transaction would fail with "database is locked" instead of waiting (seen in make bench)."""
    store = Store(tmp_path / "bot.sqlite3")
    rows = [
        {"kind": k, "id": f"{k}-{n}", "fetched_at": "", "at": "", "amount": n, "currency": "USD",
         "sync_status": "SYNC_READY", "data": "{}"}
        for k in ("a", "b", "c", "d", "e")
        for n in range(3000)
    ]  # fmt: skip
    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(lambda k: store.save_objects([r for r in rows if r["kind"] == k]), "abcde"))
    assert sum(len(store.object_rows(k, [f"{k}-{n}" for n in range(3000)])) for k in "abcde") == 15000


def test_the_daily_summary_covers_every_kind_and_totals_per_entity(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, objects: dict[str, list[str]]
):
    slack.slash_command("/ramp", "summary now", user=USER, channel=CHANNEL)
    shown = wait_for_text(slack, "Ramp daily summary", timeout=20)
    assert "Also ready to sync" in shown
    assert f"*Transfers:* {len(ready_in_sandbox(ramp, 'transfers'))}" in shown
    with ramp.state.lock:
        names = {e["entity_name"] for e in ramp.state.entities}
    assert "*Per entity:*" in shown and any(f"*{name}:*" in shown for name in names)


def test_old_listings_and_objects_no_listing_returned_are_pruned(tmp_path: Path):
    store = Store(tmp_path / "bot.sqlite3")
    old, new = "2020-01-01T00:00:00+00:00", datetime.now(UTC).isoformat()
    store.save_objects(
        [
            {"kind": "bills", "id": name, "fetched_at": at, "at": "", "amount": 1, "currency": "USD",
             "sync_status": "NOT_SYNCED", "data": "{}"}
            for name, at in (("old", old), ("new", new))
        ]
    )  # fmt: skip
    store.db.table("object_lists").insert_all(
        [{"id": "old", "at": old, "kind": "bills", "filters": "{}", "ids": "[]"},
         {"id": "new", "at": new, "kind": "bills", "filters": "{}", "ids": "[]"}]
    )  # fmt: skip
    deleted = store.prune(datetime.now(UTC))
    assert (deleted["sync_objects"], deleted["object_lists"]) == (1, 1)
    assert list(store.object_rows("bills", ["old", "new"])) == ["new"]
    assert store.object_list("old") is None and store.object_list("new") is not None


def test_a_later_listing_slices_at_once_and_still_finds_what_became_ready_older_than_before(
    ramp: RampSandbox, tmp_path: Path
):
    """The last listing held more than a page: the next one skips the one-page request and slices
    at once. A bill that became ready meanwhile, older than the last listing's oldest, is still in
    it (the first slice is open at the start)."""
    from bot.ramp import RampClient
    from bot.services.sync_objects import ObjectFilters, SyncObjectService

    unpaid = {"approval_status": "PENDING", "status": "OPEN", "sync_status": "NOT_SYNCED"}
    unpaid["archived_at"] = None
    hours_ago = [datetime.now(UTC) - timedelta(hours=n) for n in range(1, 151)]
    hours_ago.append(datetime(2024, 1, 5, tzinfo=UTC))
    body = {"kind": "bills", "objects": [{**unpaid, "issued_at": at.isoformat()} for at in hours_ago]}
    ids = httpx.post(f"{ramp.url}/_sandbox/objects", json=body).json()["ids"]
    make_ready(ramp, "bills", ids[:150])
    ramp_client = RampClient(ramp.url, "test-client-id", "test-client-secret")
    service = SyncObjectService(ramp_client, Store(str(tmp_path / "bot.sqlite3")))
    try:
        assert len(service.list_ready(ObjectFilters("bills")).items) == 150
        make_ready(ramp, "bills", ids[150:])  # issued long before the oldest of the last listing
        before = ramp_state(ramp)["requests"]["by_route"].get("GET /developer/v1/bills", 0)
        later = service.list_ready(ObjectFilters("bills"))
        calls = ramp_state(ramp)["requests"]["by_route"]["GET /developer/v1/bills"] - before
    finally:
        ramp_client.close()
    assert len(later.items) == 151 and later.items[0].id == ids[150]  # oldest first
    # Four slices of about 37 bills each, one request apiece; the one-page request would be a fifth.
    assert calls == 4
