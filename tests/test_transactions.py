"""`/ramp transactions` end to end (Slack stand-in -> bot -> Ramp sandbox), and the pure pieces:
filters, coding status, totals, paging, the CSV export."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.money import Money
from bot.ramp import RampClient, Transaction
from bot.render import render_message
from bot.services.transaction_export import export_csv
from bot.services.transaction_filters import FilterError, Filters, parse_filters
from bot.services.transactions import (
    PAGE_SIZE,
    TransactionList,
    coding_status,
    dump_transaction,
    list_sync_ready,
    load_transaction,
)
from bot.store import Store
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CAFE,
    CHANNEL,
    FIXTURE,
    HYPERLINK,
    RAMEN,
    SHINKANSEN,
    USER,
    generate,
    listing_message,
    load_mix,
    ramp_state,
    text_of,
    texts,
    wait_for_text,
)


def fixture_transactions() -> dict[str, Transaction]:
    return {t["id"]: Transaction.from_ramp(t) for t in json.loads(FIXTURE.read_text("utf-8"))}


# -- pure pieces ---------------------------------------------------------------------------------------


def test_filters_are_parsed_and_malformed_ones_say_what_is_wrong():
    filters = parse_filters(
        {"since": "2025-01-01", "until": "2025-01-31", "min": "1,000.50", "merchant": "x"}
    )
    assert filters == Filters(date(2025, 1, 1), date(2025, 1, 31), Decimal("1000.50"), None, "x")
    for options, words in [
        ({"since": "yesterday"}, "YYYY-MM-DD"),
        ({"min": "abc"}, "not an amount"),
        ({"min": "5", "max": "1"}, "more than"),
        ({"since": "2025-02-01", "until": "2025-01-01"}, "after"),
        ({"colour": "red"}, "colour"),
    ]:
        with pytest.raises(FilterError, match=words):
            parse_filters(options)


def test_coding_status_needs_a_gl_account_on_the_transaction_or_on_every_split():
    by_id = fixture_transactions()
    assert coding_status(by_id[RAMEN]) == "coded"
    assert coding_status(by_id[SHINKANSEN]) == "coded"  # GL on each of its two splits
    assert coding_status(by_id[CAFE]) == "partly coded"  # one split lacks a GL account
    assert coding_status(by_id[HYPERLINK]) == "uncoded"


def test_totals_are_per_currency_in_minor_units_and_jpy_has_no_decimals():
    listing = TransactionList("l1", Filters(), tuple(fixture_transactions().values()))
    assert listing.totals == (Money(10000, "EUR"), Money(5000, "JPY"), Money(8750, "USD"))
    assert [m.format() for m in listing.totals] == ["EUR 100.00", "JPY 5,000", "USD 87.50"]


def test_a_stored_transaction_reads_back_the_same():
    for transaction in fixture_transactions().values():
        assert load_transaction(dump_transaction(transaction)) == transaction


def test_paging_keeps_every_page_within_slacks_block_limit():
    base = fixture_transactions()[CAFE]  # split + partly coded: the most blocks per row
    many = tuple(
        Transaction(**{**base.__dict__, "id": f"00000000-0000-4000-8000-{i:012d}"}) for i in range(45)
    )
    listing = TransactionList("l1", Filters(), many)
    assert listing.pages == 3 and len(listing.page(3)) == 45 - 2 * PAGE_SIZE
    for page in (1, 2, 3):
        message = render_message("transactions.json.j2", listing=listing, page=page)
        assert len(message["blocks"]) <= 50
        assert not any("more not shown" in json.dumps(b) for b in message["blocks"])


def test_a_transaction_with_many_splits_stays_within_a_context_blocks_ten_elements():
    raw = json.loads(FIXTURE.read_text("utf-8"))[3]
    raw["line_items"] = raw["line_items"] * 6
    listing = TransactionList("l1", Filters(), (Transaction.from_ramp(raw),))
    message = render_message("transactions.json.j2", listing=listing, page=1)
    contexts = [b for b in message["blocks"] if b["type"] == "context"]
    assert max(len(b["elements"]) for b in contexts) == 10
    assert "4 more splits in the CSV export" in json.dumps(contexts)


def test_export_has_one_row_per_split_every_field_and_neutralised_formulas():
    listing = TransactionList("l1", Filters(), tuple(fixture_transactions().values()))
    rows = list(csv.DictReader(io.StringIO(export_csv(listing).decode("utf-8-sig"))))
    assert len(rows) == 1 + 1 + 2 + 2 + 1
    hyperlink = next(r for r in rows if r["transaction_id"] == HYPERLINK)
    assert hyperlink["merchant"].startswith("'=HYPERLINK")
    ramen = next(r for r in rows if r["transaction_id"] == RAMEN)
    assert (ramen["amount"], ramen["original_currency"], ramen["original_amount"]) == ("45.50", "JPY", "6800")
    assert (
        ramen["gl_account"] == "6100 Meals & Entertainment" and "Department: D100" in ramen["other_codings"]
    )
    shinkansen = [r for r in rows if r["transaction_id"] == SHINKANSEN]
    assert [(r["line"], r["line_amount"], r["gl_account"]) for r in shinkansen] == [
        ("1", "3000", "6010 Travel: Airfare"),
        ("2", "2000", "6030 Travel: Ground"),
    ]


# -- end to end ----------------------------------------------------------------------------------------


def test_the_list_shows_totals_per_currency_splits_codings_and_warnings(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions", user=USER, channel=CHANNEL)
    listing_message(slack)
    shown = texts(slack)
    assert "*4* ready to sync · total EUR 100.00 · JPY 5,000 · USD 57.50" in shown
    assert "USD 45.50 (JPY 6,800)" in shown  # the original currency when it differs
    assert "GL account: 6100 Meals &amp; Entertainment" in shown and "Department: D100 Engineering" in shown
    assert "↳ JPY 3,000 Outbound — GL account: 6010 Travel: Airfare" in shown
    assert ":warning: uncoded" in shown and ":warning: partly coded" in shown
    assert "Café &lt;!channel&gt; &amp; Co" in shown and "<!channel>" not in shown
    assert "Already Synced" not in shown


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ("since:2025-06-02 until:2025-06-03", {HYPERLINK, CAFE}),
        ("min:40", {RAMEN, CAFE}),  # USD, as Ramp filters: EUR 100 is USD 108, JPY 5,000 is USD 33.50
        ("max:40", {HYPERLINK, SHINKANSEN}),
        ('merchant:"tokyo ramen"', {RAMEN}),
    ],
)
def test_each_filter_narrows_the_list(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, filters: str, expected: set[str]
):
    load_mix(ramp)
    slack.slash_command("/ramp", f"transactions {filters}", user=USER, channel=CHANNEL)
    message = listing_message(slack)
    shown = {b["block_id"].split("|")[1] for b in message.blocks if b.get("block_id", "").startswith("tx|")}
    assert shown == expected


def test_malformed_filters_get_the_syntax_back_with_an_example(bot: RunningBot, slack: SlackStandIn):
    for typed in ("since:yesterday", "min:abc"):
        response = slack.slash_command("/ramp", f"transactions {typed}", user=USER, channel=CHANNEL)
        assert "/ramp transactions [since:YYYY-MM-DD]" in response.body
        assert "For example: `/ramp transactions since:" in response.body


def test_an_empty_result_says_so_with_the_filters_used(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions since:2030-01-01", user=USER, channel=CHANNEL)
    wait_for_text(slack, "No transactions are ready to sync with since 2030-01-01")


def test_pages_cover_every_ready_transaction_once(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox):
    ready = len(generate(ramp, 70, seed=11))
    assert ready > 2 * PAGE_SIZE
    slack.slash_command("/ramp", "transactions", user=USER, channel=CHANNEL)
    message = listing_message(slack)
    assert f"*{ready}* ready to sync" in texts(slack)
    seen: list[str] = []
    for page in range(1, 4):
        slack.wait_for(lambda p=page, m=message: f"Page {p} of 3" in json.dumps(m.blocks))
        seen += [b["block_id"] for b in message.blocks if b.get("block_id", "").startswith("tx|")]
        if page < 3:
            slack.click("transactions_next", message=message, user=USER)
    assert len(seen) == len(set(seen)) == ready


def test_export_csv_goes_to_the_thread_with_formula_safe_cells(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions", user=USER, channel=CHANNEL)
    message = listing_message(slack)
    slack.click("transactions_export", message=message, user=USER)
    upload = slack.wait_for(lambda: next((m for m in slack.messages(CHANNEL) if m.files), None))
    assert upload.thread_ts == message.ts
    content = slack.file_content(upload.files[0].id).decode("utf-8-sig")
    assert "'=HYPERLINK" in content and "\n=HYPERLINK" not in content
    assert len(content.strip().splitlines()) == 1 + 6  # header + one row per split


def mark(slack: SlackStandIn, message: Any, kind: str, transaction_id: str, user: str = ADMIN) -> Any:
    return slack.click(
        "transaction_row",
        message=message,
        user=user,
        block_id=f"tx|{transaction_id}",
        value=f"{kind}|{transaction_id}",
    )


def test_mark_synced_posts_one_sync_and_the_transaction_leaves_the_list(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions", user=ADMIN, channel=CHANNEL)
    message = listing_message(slack)
    mark(slack, message, "synced", RAMEN)
    slack.wait_for(lambda: slack.views)
    slack.submit_view(values={"reference": {"value": "JE-1001"}}, user=ADMIN)
    wait_for_text(slack, "Marked synced: Tokyo Ramen Ichiran")
    syncs = ramp_state(ramp)["syncs"]
    assert [s["successful_syncs"] for s in syncs] == [[{"id": RAMEN, "reference_id": "JE-1001"}]]
    assert "failed_syncs" not in syncs[0]
    assert bot.services.audit.recent(1)[0].command == "sync"
    slack.slash_command("/ramp", "transactions", user=ADMIN, channel=CHANNEL)
    slack.wait_for(lambda: "*3* ready to sync" in texts(slack))


def test_report_failure_posts_a_failed_sync_with_the_reason(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions", user=ADMIN, channel=CHANNEL)
    mark(slack, listing_message(slack), "failed", CAFE)
    slack.wait_for(lambda: slack.views)
    slack.submit_view(values={"reason": {"value": "Period closed"}}, user=ADMIN)
    wait_for_text(slack, "Reported a failed sync")
    syncs = ramp_state(ramp)["syncs"]
    assert [s.get("failed_syncs") for s in syncs] == [[{"id": CAFE, "error": {"message": "Period closed"}}]]
    assert "successful_syncs" not in syncs[0]


def test_an_over_long_reference_keeps_the_modal_open_with_the_limit(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions", user=ADMIN, channel=CHANNEL)
    mark(slack, listing_message(slack), "synced", RAMEN)
    slack.wait_for(lambda: slack.views)
    response = slack.submit_view(values={"reference": {"value": "X" * 300}}, user=ADMIN)
    assert "the limit is 255" in response.body
    assert slack.views  # still open
    slack.wait_quiet()
    assert ramp_state(ramp)["syncs"] == []


def test_marking_a_transaction_that_is_no_longer_ready_is_refused_with_the_reason(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions", user=ADMIN, channel=CHANNEL)
    message = listing_message(slack)
    bot.ramp.post_syncs("elsewhere-1", successful=[{"id": RAMEN, "reference_id": "JE-9"}])
    mark(slack, message, "synced", RAMEN)
    slack.wait_for(lambda: slack.views)
    slack.submit_view(values={"reference": {"value": "JE-1001"}}, user=ADMIN)
    wait_for_text(slack, "it is already synced")
    assert len(ramp_state(ramp)["syncs"]) == 1


def test_a_non_admin_marking_is_refused_and_audited(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox):
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions", user=USER, channel=CHANNEL)
    mark(slack, listing_message(slack), "synced", RAMEN, user=USER)
    wait_for_text(slack, "Only admins")
    assert not slack.views
    entry = bot.services.audit.recent(1)[0]
    assert (entry.user_id, entry.command, entry.outcome) == (USER, "transaction_row", "refused")
    assert ramp_state(ramp)["syncs"] == []


def test_a_later_listing_sized_from_the_last_one_still_finds_older_and_newer_items(
    ramp: RampSandbox, tmp_path: Path
):
    load_mix(ramp)
    client, store = RampClient(ramp.url, "test-client", "test-client-secret"), Store(tmp_path / "t.sqlite3")
    first = list_sync_ready(client, store)
    assert {t.id for t in first.transactions} == {RAMEN, HYPERLINK, CAFE, SHINKANSEN}
    # Outside the span the first listing stored (its slices are placed from it now): both ends.
    old, new = "f7777777-7777-4777-8777-777777777777", "f8888888-8888-4888-8888-888888888888"
    extra = [
        {
            "id": old,
            "sync_status": "SYNC_READY",
            "amount": 5.0,
            "user_transaction_time": "2019-01-01T00:00:00Z",
        },
        {
            "id": new,
            "sync_status": "SYNC_READY",
            "amount": 6.0,
            "user_transaction_time": "2099-01-01T00:00:00Z",
        },
    ]
    httpx.post(f"{ramp.url}/_sandbox/transactions", json=extra).raise_for_status()
    second = list_sync_ready(client, store)
    assert [t.id for t in second.transactions][0] == old and new in {t.id for t in second.transactions}
    assert len(second.transactions) == 6
    client.close()
    store.close()


def test_a_marked_row_updates_in_place_and_names_amount_and_reference(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions", user=ADMIN, channel=CHANNEL)
    message = listing_message(slack)
    listed = int(re.search(r"\*(\d+)\* ready to sync", text_of(message)).group(1))
    mark(slack, message, "synced", RAMEN)
    slack.wait_for(lambda: slack.views)
    slack.submit_view(values={"reference": {"value": "JE-1001"}}, user=ADMIN)
    wait_for_text(slack, "Marked synced: Tokyo Ramen Ichiran · USD 45.50 as JE-1001")
    slack.wait_for(lambda: "synced as JE-1001" in json.dumps(listing_message(slack).blocks), timeout=10)
    row = next(b for b in listing_message(slack).blocks if b.get("block_id") == f"tx|{RAMEN}")
    assert "accessory" not in row
    # ...and the totals with it: the posted row is out of what still waits.
    header = text_of(listing_message(slack))
    assert f"*{listed - 1}* ready to sync" in header and "1 posted since this list was made" in header


def test_the_csv_export_names_each_rows_entity_with_several_entities(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    generate(ramp, 30, seed=5)  # the sandbox's demo company: two or three entities, their own currencies
    with ramp.state.lock:
        named = {e["id"]: e["entity_name"] for e in ramp.state.entities}
        entity_of = {t["id"]: t.get("entity_id") for t in ramp.state.transactions.items}
    slack.slash_command("/ramp", "transactions", user=USER, channel=CHANNEL)
    message = listing_message(slack)
    slack.click("transactions_export", message=message, user=USER)
    upload = slack.wait_for(lambda: next((m for m in slack.messages(CHANNEL) if m.files), None))
    rows = list(csv.DictReader(io.StringIO(slack.file_content(upload.files[0].id).decode("utf-8-sig"))))
    assert rows and all(row["entity_id"] == (entity_of[row["transaction_id"]] or "") for row in rows)
    assert all(row["entity"] == named.get(row["entity_id"], "") for row in rows)
    assert len({row["entity"] for row in rows if row["entity"]}) >= 2  # several entities, each named
