"""`/ramp audit` as an audit trail, after real writes through Slack: who, what (for a sync: the
object, merchant, amount, reference id), when, how it ended, Ramp's trace id; no doubled words;
rows written by earlier versions still read well."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bot.audit_trail import describe
from bot.render import render_message
from bot.services.audit_syncs import refused_row, sync_row
from bot.services.sync_results import SyncResult
from bot.store import AuditEntry, Store
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from sandbox.slack.state import Message
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CAFE,
    CHANNEL,
    RAMEN,
    USER,
    listing_message,
    load_mix,
    post_results,
    press_post,
    preview_of,
    ramp_state,
    results_csv,
    upload_accounts,
    wait_for_text,
)


def audit_lines(slack: SlackStandIn, count: int = 20) -> list[str]:
    """`/ramp audit N` by the admin: each entry's text, newest first."""
    before = len(audit_messages(slack))
    slack.slash_command("/ramp", f"audit {count}", user=ADMIN, channel=CHANNEL)
    message = slack.wait_for(lambda: len(audit_messages(slack)) > before and audit_messages(slack)[-1])
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section"]


def audit_messages(slack: SlackStandIn) -> list[Message]:
    return [m for m in slack.messages(CHANNEL) if m.text.startswith("Last ") and "write actions" in m.text]


def mark_synced(slack: SlackStandIn, transaction_id: str, reference: str, user: str = ADMIN) -> Any:
    slack.slash_command("/ramp", "transactions", user=user, channel=CHANNEL)
    listing = listing_message(slack)
    value = f"synced|{transaction_id}"
    response = slack.click(
        "transaction_row", message=listing, user=user, block_id=f"tx|{transaction_id}", value=value
    )
    if user == ADMIN:
        slack.wait_for(lambda: slack.views)
        slack.submit_view(values={"reference": {"value": reference}}, user=ADMIN)
        wait_for_text(slack, "Marked synced")
    return response


WHEN = re.compile(
    r"\n<!date\^\d+\^\{date_short_pretty\} \{time\}\|\d{4}-\d\d-\d\d \d\d:\d\d UTC> · in <#C0FIN>"
)


def test_the_audit_log_says_who_did_what_to_which_object_when_and_how_it_ended(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    upload_accounts(slack)  # connects QuickBooks Online first
    slack.slash_command("/ramp", "summary on 08:30 Europe/London weekdays", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, "Daily summary on")
    slack.slash_command("/ramp", "summary off", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, "Daily summary off")
    load_mix(ramp)
    mark_synced(slack, RAMEN, "JE-1001")
    slack.slash_command("/ramp", "connect Xero", user=USER, channel=CHANNEL)
    mark_synced(slack, CAFE, "", user=USER)
    slack.wait_for(lambda: len(bot.services.audit.recent(20)) == 7)

    lines = audit_lines(slack)

    (sync,) = ramp_state(ramp)["syncs"]
    (connection,) = ramp_state(ramp)["connections"]
    said = [WHEN.sub("", line) for line in lines]
    assert said == [
        ":no_entry: <@U0USER> tried to mark a transaction synced or failed — refused: not an admin",
        ":no_entry: <@U0USER> tried to connect Xero — refused: not an admin",
        ":white_check_mark: <@U0ADMIN> posted sync results for Tokyo Ramen Ichiran · USD 45.50"
        f" (card transaction {RAMEN}) — synced as JE-1001; Ramp sync id {sync['sync_id']}",
        ":white_check_mark: <@U0ADMIN> turned the daily summary off — it was 08:30 Europe/London, weekdays",
        ":white_check_mark: <@U0ADMIN> turned the daily summary on at 08:30 Europe/London weekdays",
        ":white_check_mark: <@U0ADMIN> uploaded qbo_chart_of_accounts.csv (GL accounts)"
        " — 14 created, 0 updated, 0 deactivated",
        ":white_check_mark: <@U0ADMIN> connected QuickBooks Online"
        f" — a new, empty connection ({connection['id']})",
    ]
    assert all(WHEN.search(line) for line in lines)  # when (in the reader's zone) and where, on every row
    for doubled in (
        "connect connect",
        "connected QuickBooks Online — connected",
        "summary summary",
        "modal:",
    ):
        assert not any(doubled in line for line in lines)


def test_a_posted_results_file_names_its_objects_and_ramps_refusal_carries_its_trace_id(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    post_results(slack, f"{CAFE},failed,,Period closed", f"{RAMEN},success,JE-1,")
    refused = preview_of(slack, results_csv(f"{CAFE},success,JE-2,"), "second.csv")
    bot.ramp.post_syncs("elsewhere", successful=[{"id": CAFE, "reference_id": "X"}])  # synced elsewhere first
    press_post(slack, refused)

    newest, first = (WHEN.sub("", line) for line in audit_lines(slack, 2))

    sync_id = ramp_state(ramp)["syncs"][0]["sync_id"]
    assert first == (
        ":white_check_mark: <@U0ADMIN> posted sync results for 2 card transactions (EUR 100.00, USD 45.50)"
        " from results.csv — 1 synced, 1 failed: Café &lt;!channel&gt; &amp; Co · EUR 100.00 failed"
        f" (Period closed); Tokyo Ramen Ichiran · USD 45.50 as JE-1; Ramp sync id {sync_id}"
    )
    assert newest.startswith(
        ":x: <@U0ADMIN> tried to post sync results for Café &lt;!channel&gt; &amp; Co · EUR 100.00"
        f" (card transaction {CAFE}) from second.csv — failed: synced as JE-2; 1 refused by Ramp, nothing"
        " written: Ramp rejected the request"
    )
    entry = bot.services.audit.recent(1)[0]
    assert re.fullmatch(r"[0-9a-f]{32}", entry.trace_id)  # the x-trace-id of Ramp's refusal
    assert newest.endswith(f" · Ramp trace id `{entry.trace_id}`")


def test_rows_written_by_earlier_versions_still_read_well(bot: RunningBot, slack: SlackStandIn):
    old = [
        ("connect", "NetSuite", "ok", "connected NetSuite"),
        ("disconnect", "NetSuite", "ok", "disconnected; backed up 3 GL accounts"),
        ("summary", "on 08:30 Europe/London", "ok", "daily summary at 08:30 Europe/London, every day"),
        ("summary", "off", "ok", "daily summary off (was 08:30 Europe/London, every day)"),
        ("upload", "gl_accounts qbo.csv", "ok", "qbo.csv: 14 created, 0 updated, 0 deactivated"),
        ("sync", "file:F0001:results.csv", "ok", "sent 2, already sent 0, awaiting answer 0, refused 0"),
        ("sync", f"modal:{RAMEN}", "ok", "sent 1, already sent 0, awaiting answer 0, refused 0"),
        ("sync", f"resend modal:{RAMEN}", "failed", "sent 0, already sent 0, awaiting answer 1, refused 0"),
        ("transaction_row", "", "refused", "not an admin"),
    ]
    for command, arguments, outcome, detail in old:
        entry = AuditEntry(
            "2026-01-05T09:00:00+00:00", ADMIN, CHANNEL, command, arguments, outcome, detail, ""
        )
        bot.store.add_audit(entry)

    said = [WHEN.sub("", line) for line in reversed(audit_lines(slack))]

    sent = "sent {}, already sent 0, awaiting answer {}, refused 0"
    assert said == [
        ":white_check_mark: <@U0ADMIN> connected NetSuite",
        ":white_check_mark: <@U0ADMIN> disconnected Ramp from NetSuite — backed up 3 GL accounts",
        ":white_check_mark: <@U0ADMIN> turned the daily summary on at 08:30 Europe/London — every day",
        ":white_check_mark: <@U0ADMIN> turned the daily summary off — was 08:30 Europe/London, every day",
        ":white_check_mark: <@U0ADMIN> uploaded gl_accounts qbo.csv — 14 created, 0 updated, 0 deactivated",
        ":white_check_mark: <@U0ADMIN> posted sync results for results.csv — " + sent.format(2, 0),
        f":white_check_mark: <@U0ADMIN> posted sync results for transaction {RAMEN} — " + sent.format(1, 0),
        f":x: <@U0ADMIN> tried to post sync results for transaction {RAMEN} (resent after a restart)"
        " — failed: " + sent.format(0, 1),
        ":no_entry: <@U0ADMIN> tried to use transaction row — refused: not an admin",
    ]


def test_a_detail_keeps_words_the_phrase_says_once_only_when_they_are_its_own():
    def detail(command: str, arguments: str, text: str) -> str:
        return describe(
            AuditEntry("2026-01-05T09:00:00+00:00", ADMIN, "", command, arguments, "ok", text, "")
        ).detail

    assert (
        detail("sync", "2 transactions from a.csv", "2 synced: A; B") == "2 synced: A; B"
    )  # one word, its own
    assert detail("connect", "NetSuite", "reactivated c-1; holds 3 GL accounts") == (
        "reactivated c-1; holds 3 GL accounts"
    )
    assert detail("upload", "a.csv (vendors)", "a.csv: 2 created") == "2 created"


def test_outside_text_in_an_audit_row_stays_inert():
    hostile = "<!channel> *x* <@U1> <https://evil.example|click>"
    entries = [
        AuditEntry("2026-01-05T09:00:00+00:00", ADMIN, CHANNEL, command, hostile, outcome, hostile, hostile)
        for command, outcome in (("connect", "ok"), ("sync", "failed"), (hostile, "refused"))
    ]
    message = render_message("audit.json.j2", entries=entries)
    shown = json.dumps(message, ensure_ascii=False)
    for raw in ("<!channel>", "<@U1>", "<https://evil"):
        assert raw not in shown
    assert shown.count("Ramp trace id `&lt;!channel&gt; *x* &lt;@U1&gt;") == 3
    assert shown.count("&lt;!channel&gt;") == 6  # each row's object and trace id (its detail repeats it)


def test_a_post_of_several_kinds_names_each_object_by_its_kind_vendor_and_amount(tmp_path: Path):
    store = Store(tmp_path / "bot.sqlite3")
    bill, unknown = "b1111111-1111-4111-8111-111111111111", "c2222222-2222-4222-8222-222222222222"
    store.save_objects(
        [
            {
                "kind": "bills",
                "id": bill,
                "fetched_at": "2026-01-05T09:00:00+00:00",
                "at": "2026-01-04",
                "amount": 120_000,
                "currency": "EUR",
                "sync_status": "NOT_SYNCED",
                "data": json.dumps({"counterparty": "Acme <GmbH>"}),
            }
        ]
    )
    results = [
        SyncResult(bill, reference_id="BILL-7", kind="bills"),
        SyncResult(unknown, error="Vendor missing in the ERP", kind="reimbursements"),
    ]
    counts = {"sent": 2}
    what, detail, ok = sync_row(store, "file:F9:mixed.csv", results, counts, ["sync-1"], [])
    assert ok and what == "1 bill and 1 reimbursement (EUR 1,200.00) from mixed.csv"
    assert detail == (
        f"1 synced, 1 failed: Acme <GmbH> · EUR 1,200.00 as BILL-7; reimbursement {unknown} failed"
        " (Vendor missing in the ERP); Ramp sync id sync-1"
    )
    what, detail, ok = sync_row(store, "resend modal:bills:x", results[:1], {"pending": 1}, [], ["no answer"])
    assert not ok and what == f"Acme <GmbH> · EUR 1,200.00 (bill {bill}) (resent after a restart)"
    assert detail == "synced as BILL-7; 1 awaiting Ramp's answer (resent with the same key); no answer"
    what, detail = refused_row(store, results[0], "it is already synced")
    assert what == f"Acme <GmbH> · EUR 1,200.00 (bill {bill})"
    assert detail == "it is already synced; nothing was posted (it would have been synced as BILL-7)"
    store.close()
