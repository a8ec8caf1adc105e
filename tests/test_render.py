"""Renderers are pure and safe: hostile strings never break the JSON or ping a channel; limits hold."""

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from bot.exports import safe_cell, to_csv
from bot.importers import CategoryRecord, RowError, describe_formats
from bot.importers.mapping import MAPPED_FIELDS, ColumnMapping, FileHeader, fields_for
from bot.money import Money
from bot.ramp import Connection, CustomField, Entity, LineItem, Selection, Transaction
from bot.ramp.objects import from_transaction
from bot.render import (
    CELL_WIDTH,
    MAX_MESSAGE_BLOCKS,
    code_table,
    fit_blocks,
    mrkdwn,
    render_message,
    render_view,
)
from bot.services.categories import CategoryCount, CategoryFile
from bot.services.category_diff import Change, Conflict, Held
from bot.services.connection import AlreadyActive, ReactivateOffer
from bot.services.connection_kinds import DIRECT, REGISTERED, SET_UP_IN_RAMP
from bot.services.field_settings import REQUIRABLE, DisplayNameChanged, RequiredChanged
from bot.services.migration import MODES as SWITCH_MODES
from bot.services.migration import Held as HeldCount
from bot.services.migration import Migration, ReadyCheck, StepState
from bot.services.migration import ReadyLine as SwitchReadyLine
from bot.services.notices import KindNews, Notice, NoticeSubscription, Subscribed
from bot.services.ready import ReadyKind, ReadyOverview
from bot.services.schedules import Schedule
from bot.services.status import FailureGroup, Overview, ReadyItem, SyncStatus, UploadLine
from bot.services.summaries import DayBar, Picture, ReadyLine, Summary
from bot.services.sync_objects import NotEnabled, ObjectFilters, ObjectList
from bot.services.sync_preview import ResultsPreview
from bot.services.sync_results import ResultsFile, RowNote, SyncResult
from bot.services.syncs import ChunkOutcome, PostOutcome
from bot.services.transaction_filters import Filters
from bot.services.transactions import TransactionList
from bot.services.upload_mappings import MappingStep, SavedMapping
from bot.services.upload_plan import PlanPart
from bot.services.upload_run import Failure, UploadReport
from bot.services.uploads import UploadPlan, UploadPreview
from bot.store import AuditEntry, ConnectionEvent
from bot.syncable_kinds import KINDS
from handlers.commands import COMMANDS
from tests.driver import mrkdwn_texts

TEMPLATES = Path(__file__).parent.parent / "templates"

# Names, reasons and file names from outside: ERPs, merchants, Ramp's messages, Slack file names.
HOSTILE = [
    "<!channel>",
    "<!here> <!subteam^S1|@finance>",
    "a & b <@U1>",
    "<#C666|general>",
    "<https://evil.example|click here>",
    '"}]}',
    "{{ 7*7 }}",
    "\\u0000\n\t",
    "Café ☕ 株式会社",
    "*bold* _x_ `y`",
]
# The ids the bot writes into its own mentions (`<@{{ user_id }}>`, `<#{{ channel_id }}>`) come from
# Slack's signed payloads, so here they stay plain ids while every name is hostile; what Slack would
# turn into a ping or a link is then either one of these, a `<!date^…>` the bot wrote, or a hole.
USER_ID, CHANNEL_ID = "U9", "C1"
OWN_MARKUP = re.compile(rf"<@{USER_ID}>|<#{CHANNEL_ID}>|<!date\^\d+\^[^<>|]+\|[^<>]+>")
LIVE_MARKUP = ("<!", "<@", "<#", "<http")


def assert_inert(text: str) -> None:
    """Slack parses `<…>` in `text` and in mrkdwn (reference/slack.md section 10); plain_text it shows
    as typed, so that is all that can ping, mention or link."""
    left = OWN_MARKUP.sub("", text)
    assert not any(markup in left for markup in LIVE_MARKUP), text


@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_template_keeps_hostile_strings_inert_in_the_fallback_text_and_the_blocks(hostile):
    for rendered in every_template(hostile).values():
        for message in rendered:
            json.dumps(message)
            if message.get("type") not in ("modal", "home"):
                assert message["text"]
                assert_inert(message["text"])
            for text in mrkdwn_texts(message["blocks"]):
                assert_inert(text)


def test_the_hostile_test_renders_every_template_file():
    assert set(every_template(HOSTILE[0])) == {
        p.name.removesuffix(".json.j2") for p in TEMPLATES.glob("*.j2") if not p.name.startswith("_")
    }


def test_the_field_modal_asks_three_things_per_field_and_keeps_its_metadata():
    view = render_view(
        "upload_field_modal.json.j2",
        fields=HOSTILE,
        requirable={r.value: r.label for r in REQUIRABLE},
        metadata=HOSTILE[1],
    )
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    asked = ("split", "required", "display")  # not the input type: options need single choice
    assert inputs == [f"field_{what}_{n}" for n in range(len(HOSTILE)) for what in asked]
    assert view["private_metadata"] == HOSTILE[1]
    assert len(view["title"]["text"]) <= 24  # Slack's limit for a modal's title


def every_template(hostile: str) -> dict[str, list[dict[str, Any]]]:
    """Every template by name, rendered with each string from outside set to `hostile`."""
    return {
        **connection_messages(hostile),
        **category_messages(hostile),
        **transaction_and_sync_messages(hostile),
        **upload_messages(hostile),
        **summary_messages(hostile),
        **migration_messages(hostile),
        **object_messages(hostile),
        **notice_messages(hostile),
    }


def notice_messages(hostile: str) -> dict[str, list[dict[str, Any]]]:
    """Ready notices and `/ramp notify`'s answers: merchants, vendors and Ramp's words hostile."""
    bills = next(row for row in KINDS if row.key == "bills")
    item = replace(from_transaction(hostile_transaction(hostile)), kind="bills", counterparty=hostile)
    subscription = NoticeSubscription(CHANNEL_ID, KINDS, USER_ID, "2026-12-03T08:00:00+00:00")
    subscribed = Subscribed(subscription, ((bills, 3),), (NotEnabled(bills),), ((bills, hostile),))
    notice = Notice("n1", CHANNEL_ID, (KindNews(bills, (item,)),))
    return {
        "notice_ready": [render_message("notice_ready.json.j2", notice=notice)],
        "notice_settings": [
            render_message(
                "notice_settings.json.j2",
                mode=mode,
                channel_id=CHANNEL_ID,
                uses_webhooks=webhooks,
                poll_s=1800.0,
                syntax="/ramp notify on [kinds]",
                example="/ramp notify on bills",
                subscription=subscription,
                subscribed=subscribed,
            )
            for mode in ("on", "off", "show")
            for webhooks in (True, False)
        ],
    }


def object_messages(hostile: str) -> dict[str, list[dict[str, Any]]]:
    """The other syncable kinds: `/ramp ready`, a kind's list with a marked row, the row's modal."""
    item = from_transaction(hostile_transaction(hostile))
    bill = replace(item, kind="bills", reference=hostile, detail=hostile, person=hostile)
    rows = {row.key: row for row in KINDS}
    kinds = (
        ReadyKind(rows["bills"], 1, (bill.amount,), bill),
        ReadyKind(rows["transfers"], problem=hostile),
        ReadyKind(rows["cashbacks"]),
    )
    at = datetime(2025, 6, 1, 10, 42, tzinfo=UTC)
    overview = ReadyOverview(kinds, at)
    listing = ObjectList("l1", rows["bills"], ObjectFilters("bills", (("vendor", hostile),)), (bill, bill))
    empty = ObjectList("l2", rows["cashbacks"], ObjectFilters("cashbacks"), ())
    marked = {bill.id: hostile}
    modal = {"metadata": hostile, "max_length": 9, "max_link": 9, "kind": rows["bills"]}
    return {
        "ready": [render_message("ready.json.j2", overview=o) for o in (overview, ReadyOverview((), at))],
        "objects": [
            render_message("objects.json.j2", listing=x, page=1, marked=marked, labels=TransactionList.labels)
            for x in (listing, empty)
        ],
        "object_modal": [
            render_view("object_modal.json.j2", outcome=outcome, item=i, **modal)
            for outcome in ("synced", "failed")
            for i in (bill, None)
        ],
    }


def migration_messages(hostile: str) -> dict[str, list[dict[str, Any]]]:
    """A switch to another connection (running, done, stopped) and a field's required setting."""
    steps = (StepState(hostile, "done"), StepState(hostile, "started"), StepState(hostile, "waiting"))
    held = (HeldCount(hostile, 3, 3), HeldCount(hostile, 2, 1))
    migrations = [
        Migration("m1", SWITCH_MODES[mode], "c0", hostile, hostile, USER_ID, CHANNEL_ID, "1.2", "r", state,
                  steps, held if state != "running" else (), hostile if state == "stopped" else "",
                  hostile if state == "stopped" else "")
        for mode in SWITCH_MODES
        for state in ("running", "done", "stopped")
    ]  # fmt: skip
    field = CustomField("f1", hostile, hostile, "SINGLE_CHOICE", True, True, hostile, ("BILL",))
    ready = ReadyCheck((SwitchReadyLine(hostile, 4, (Money(4550, "USD"), Money(100, "JPY"))),), (hostile,))
    return {
        "migration": [render_message("migration.json.j2", migration=m, note=hostile) for m in migrations],
        "migration_ready": [
            render_message(
                "migration_ready.json.j2", ready=ready, mode=mode, old=hostile, new=hostile, value=hostile
            )
            for mode in SWITCH_MODES.values()
        ],
        "field_required": [
            render_message(
                "field_required.json.j2",
                field=field,
                held=hostile,
                wanted=hostile,
                value=hostile,
                changed=changed,
            )
            for changed in (
                None,
                RequiredChanged(field, ("BILL",)),
                RequiredChanged(field, ("TRANSACTION",)),
                RequiredChanged(field, ("BILL",), refused=hostile),
            )
        ],
        "field_display": [
            render_message("field_display.json.j2", changed=DisplayNameChanged(field, asked))
            for asked in (hostile, "Cost centre")
        ],
    }


def hostile_connection(hostile: str) -> Connection:
    return Connection(
        id="c1",
        remote_provider_name=hostile,
        is_active=True,
        created_at="2026-01-01T00:00:00Z",
        last_linked_at=None,
    )


def connection_messages(hostile: str) -> dict[str, list[dict[str, Any]]]:
    connection = hostile_connection(hostile)
    entry = AuditEntry("2026-01-01T00:00:00", USER_ID, CHANNEL_ID, "connect", hostile, "ok", hostile, hostile)
    event = ConnectionEvent("2026-01-01T00:00:00", "connected", "c1", hostile, USER_ID)
    status = {"counts": [], "since": "2026", "history": [event]}
    old = Connection("c0", hostile, False, "2025-01-01T00:00:00Z", "2025-06-01T00:00:00Z")  # type: ignore[arg-type]
    conflicts = [
        AlreadyActive(connection, hostile, previous, set_up_in_ramp=ramp, reactivate_only=only)
        for previous, ramp, only in (((), False, False), ((old,), True, False), ((old, old), False, True))
    ] + [
        AlreadyActive(hostile_connection(hostile), hostile),
        AlreadyActive(connection, hostile, (old,), set_up_in_ramp=True, read_only=True),
    ]
    return {
        "help": [
            render_message("help.json.j2", commands=COMMANDS, typed=hostile, suggestion=None),
            render_message("help.json.j2", commands=COMMANDS, typed=hostile, suggestion="status"),
        ],
        "error": [render_message("error.json.j2", message=hostile, next_step=hostile, reference=hostile)],
        "notice": [render_message("notice.json.j2", text=f"Cancelled by <@{USER_ID}>.", detail=hostile)],
        "refusal": [
            render_message("refusal.json.j2", attempted=hostile, why="it writes to Ramp", admins=admins)
            for admins in ([f"<@{USER_ID}>"], [])
        ],
        "status": [
            render_message("status.json.j2", connection=connection, **status, **hostile_status(hostile)),
            *(
                render_message("status.json.j2", connection=connection, **status, kind=kind)
                for kind in (REGISTERED, SET_UP_IN_RAMP, replace(DIRECT, refused_at=hostile))
            ),
            render_message(
                "status.json.j2",
                connection=connection,
                **status,
                entities=(Entity("e1", hostile, "USD", True), Entity("e2", hostile, None, False)),
            ),
            render_message("status.json.j2", connection=None, counts=[], since=None, history=[]),
        ],
        "connect_conflict": [
            render_message("connect_conflict.json.j2", offer=offer, requested=hostile) for offer in conflicts
        ],
        "reactivate_offer": [
            render_message(
                "reactivate_offer.json.j2", offer=ReactivateOffer(hostile, previous, offer_new=new)
            )
            for previous, new in (((old,), True), ((old, old), True), ((old, old), False))
        ],
        "connected": [
            render_message(
                "connected.json.j2",
                connection=connection,
                user_id=USER_ID,
                reactivated=reactivated,
                replaced=connection,
                counts=counts,
            )
            for reactivated, counts in ((False, []), (True, [CategoryCount("gl_accounts", 62, False)]))
        ],
        "no_reactivate": [render_message("no_reactivate.json.j2", requested=hostile, known=[hostile])],
        "disconnect_confirm": [
            render_message("disconnect_confirm.json.j2", active=connection, kind=kind)
            for kind in (REGISTERED, SET_UP_IN_RAMP, DIRECT)
        ],
        "disconnected": [
            render_message("disconnected.json.j2", connection=connection, user_id=USER_ID, backed_up=hostile)
        ],
        "audit": [render_message("audit.json.j2", entries=[entry])],
    }


def hostile_status(hostile: str) -> dict[str, Any]:
    """The parts of `/ramp status` and the Home tab that come from Ramp and from uploads."""
    failures = (  # one reason of several kinds, one of a single kind, one whose kind is unknown
        FailureGroup(hostile, 5, (hostile, hostile), ((hostile, 3), (hostile, 2))),
        FailureGroup(hostile, 1, (hostile,), ((hostile, 1),)),
        FailureGroup(hostile, 2, (hostile,)),
    )
    oldest = ReadyItem("t0", hostile, Money(4550, "USD"), datetime(2025, 6, 1, tzinfo=UTC))
    return {
        "sync": SyncStatus(1, (Money(4550, "USD"),), oldest, failures, 9, 1),
        "uploads": [UploadLine(hostile, hostile, "done", {"created": 2}, USER_ID, "2025-06-03T10:00:00")],
        "schedules": [hostile_schedule(hostile, "active"), hostile_schedule(hostile, "paused")],
    }


def hostile_schedule(hostile: str, state: str) -> Schedule:
    set_at = datetime(2025, 1, 1, tzinfo=UTC)
    return Schedule(CHANNEL_ID, time(9), "Europe/London", True, USER_ID, set_at, state, hostile)


def category_messages(hostile: str) -> dict[str, list[dict[str, Any]]]:
    connection = hostile_connection(hostile)
    counts = [CategoryCount("vendors", 1001, True)]
    listing = CategoryFile("vendors", hostile, b"", 2, [[hostile, hostile, None, True, "r1"]] * 2)
    accounts = CategoryFile(
        "gl_accounts", hostile, b"", 1, [[hostile, hostile * 40, hostile, hostile, False, "uuid"]] * 10
    )
    return {
        "categories": [
            render_message("categories.json.j2", connection=connection, counts=counts, listing=None),
            render_message("categories.json.j2", connection=connection, counts=[], listing=listing),
            render_message("categories.json.j2", connection=connection, counts=[], listing=accounts),
        ]
    }


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_category_table_stays_one_inert_code_block_within_slacks_limit(hostile):
    for message in category_messages(hostile)["categories"][1:]:
        table = message["blocks"][1]["text"]["text"]
        assert len(table) <= 3000 and table.startswith("```") and table.endswith("```")
        assert table.count("```") == 2  # no cell ends the block early
        assert_inert(table)
        assert not any(word in table for word in ("None", "True", "False", "r1", "uuid"))


def test_a_category_table_aligns_its_columns_and_reads_like_a_finance_tool():
    rows = [["6000", "Travel", "6000", "EXPENSE", True, "uuid-1"]]
    rows += [["61", "Rent & rates", None, None, False, "u2"]]
    message = render_message(
        "categories.json.j2",
        connection=hostile_connection("NetSuite"),
        counts=[],
        listing=CategoryFile("gl_accounts", "gl.csv", b"", 62, rows),
    )
    assert message["text"] == "62 GL accounts in Ramp for NetSuite"
    lines = message["blocks"][1]["text"]["text"].strip("`").splitlines()
    assert lines == [  # aligned as Slack shows it, with &amp; as one character
        "Code  Name          Classification  Active",
        "----  ------------  --------------  ------",
        "6000  Travel        EXPENSE         yes",
        "      Rent &amp; rates                  no",
    ]


def test_a_category_table_cuts_long_cells_and_rows_past_its_limit():
    table = code_table(["Name"], [["x" * 50]] * 200, limit=500)
    lines = table.splitlines()
    assert lines[2] == "x" * (CELL_WIDTH - 1) + "…" and lines[-1] == "…" and len(table) <= 500


def test_counts_read_in_the_singular_for_one():
    counts = [CategoryCount("fields", 1, False), CategoryCount("gl_accounts", 62, False)]
    counts += [CategoryCount("field_options", 1000, True)]
    connection = hostile_connection("X")
    message = render_message("categories.json.j2", connection=connection, counts=counts, listing=None)
    assert message["text"] == (
        "Categories in Ramp for X: 1 custom field, 62 GL accounts, 1,000+ custom field options"
    )


def hostile_transaction(hostile: str) -> Transaction:
    coding = Selection("GL_ACCOUNT", hostile, hostile, hostile, hostile, hostile)
    field = Selection("OTHER", hostile, None, None, hostile, None)
    return Transaction(
        id="a1111111-1111-4111-8111-111111111111",
        user_transaction_time=datetime(2025, 6, 1, tzinfo=UTC),
        accounting_date=None,
        merchant_name=hostile,
        card_holder_name=hostile,
        amount=Money(4550, "USD"),
        original_amount=Money(6800, "JPY"),
        state="CLEARED",
        sync_status="SYNC_READY",
        memo=hostile,
        entity_id=None,
        selections=(field,),
        line_items=(LineItem(Money(1, "USD"), hostile, (coding,)), LineItem(Money(4549, "USD"), None, ())),
    )


def upload_messages(hostile: str) -> dict[str, list[dict[str, Any]]]:
    """The upload templates: file names, ERP names and ids, row errors and Ramp's reasons hostile."""
    record = CategoryRecord("gl_accounts", hostile, hostile, hostile, "ASSET", hostile)
    before = Held("r1", hostile, hostile, hostile)
    change = Change(record, "r1", {"name": hostile, "code": hostile}, True, before)
    part = PlanPart("field_options", [record], [change], [Held("r2", hostile, hostile)], field_name=hostile)
    plan = UploadPlan("gl_accounts", hostile, [part], 1, [], [hostile], conflicts=[Conflict(record, hostile)])
    errors = UploadPlan("gl_accounts", hostile, [], 0, [RowError(3, hostile, hostile)] * 12)
    gone = UploadPlan("subsidiaries", hostile, [], unavailable=hostile)
    report = UploadReport(1, 1, 1, 1, [hostile], [Failure((hostile,) * 7, hostile)] * 11)
    previous = {"finished": "2026-01-01T00:00:00", "uploaded_by": USER_ID}
    plans = (plan, errors, gone, UploadPlan("vendors", hostile, []))
    saved = SavedMapping(ColumnMapping("gl_accounts", {"name": hostile}), USER_ID, "2026-12-02T10:00:00")
    previews = [UploadPreview(hostile, hostile, p, previous, saved) for p in plans]
    previews.append(UploadPreview(hostile, hostile, plans[0], previous, saved, read_only=hostile))
    timing = {"upload": hostile, "deactivate": hostile}
    kinds = {"kind_label": hostile, "subsidiary_field": hostile, "timing": timing}
    header = FileHeader(2, [hostile, "Name", ""], [[hostile, hostile], [hostile]])
    chosen = {"name": 1, "type": 0}
    columns = [(0, hostile), (1, "Name")]
    step = MappingStep(
        hostile, header, "gl_accounts", fields_for("gl_accounts"), chosen, hostile, saved, columns, [hostile]
    )
    fields = {
        "fields": [hostile, hostile],
        "requirable": {r.value: r.label for r in REQUIRABLE},
        "metadata": hostile,
    }
    return {
        "upload_preview": [render_message("upload_preview.json.j2", preview=p, **kinds) for p in previews],
        "upload_progress": [render_message("upload_progress.json.j2", done=3, total=7, user_id=USER_ID)],
        "upload_report": [
            render_message(
                "upload_report.json.j2", report=report, file_name=hostile, user_id=USER_ID, note=hostile
            )
        ],
        "upload_help": [
            render_message(
                "upload_help.json.j2", formats=describe_formats(), kind_label=hostile, field_name=hostile
            )
        ],
        "upload_field_modal": [render_view("upload_field_modal.json.j2", **fields)],
        "upload_mapping_offer": [render_message("upload_mapping_offer.json.j2", step=step, value=hostile)],
        "upload_mapping_modal": [
            render_view(
                "upload_mapping_modal.json.j2",
                step=step,
                fields=MAPPED_FIELDS,
                kinds_of={f.key: hostile for f in MAPPED_FIELDS},
                metadata=hostile,
            )
        ],
    }


def transaction_and_sync_messages(hostile: str) -> dict[str, list[dict[str, Any]]]:
    """Transaction and sync templates, every outside string hostile: merchants, people, ERP names, files."""
    transaction = hostile_transaction(hostile)
    listing = TransactionList("l1", Filters(merchant=hostile), (transaction,))
    notes = [RowNote(2, hostile, hostile)]
    results = ResultsFile(
        hostile, [SyncResult(transaction.id, reference_id=hostile, row=2)], notes, notes, notes
    )
    preview = ResultsPreview("p1", results, results.results, notes, notes, 1)
    outcome = PostOutcome([ChunkOutcome("k", 1, "failed", error=hostile, item_errors={hostile: hostile})])
    empty = TransactionList("l2", Filters(merchant=hostile), ())
    modal = {"metadata": hostile, "max_length": 9}
    return {
        "transactions": [render_message("transactions.json.j2", listing=x, page=1) for x in (listing, empty)],
        "transaction_modal": [
            render_view("transaction_modal.json.j2", kind=kind, transaction=t, **modal)
            for kind in ("synced", "failed")
            for t in (transaction, None)
        ],
        "sync_help": [render_message("sync_help.json.j2", max_reference=255, max_error=1000)],
        "sync_preview": [
            render_message("sync_preview.json.j2", preview=p)
            for p in (preview, replace(preview, read_only=hostile))
        ],
        "sync_posted": [
            render_message(
                "sync_posted.json.j2", outcome=outcome, rows={hostile: 2}, title=hostile, user_id=USER_ID
            )
        ],
    }


def summary_messages(hostile: str) -> dict[str, list[dict[str, Any]]]:
    """The summary templates: the daily summary, the schedule answers, the pause notice, the Home tab."""
    paused = hostile_schedule(hostile, "paused")
    status = hostile_status(hostile)
    dashboard = Overview(
        hostile_connection(hostile),
        None,
        [],
        history=[],
        refreshed_at=datetime(2025, 6, 3, tzinfo=UTC),
        kind=SET_UP_IN_RAMP,
        **status,
    )
    said = {
        "channel_id": CHANNEL_ID,
        "next_run": hostile,
        "from_profile": True,
        "syntax": hostile,
        "example": hostile,
    }
    return {
        "summary": [
            render_message("summary.json.j2", summary=hostile_summary(hostile, busy)) for busy in (1, 0)
        ],
        "summary_schedule": [
            render_message("summary_schedule.json.j2", mode=mode, schedule=schedule, **said)
            for mode in ("on", "off", "show")
            for schedule in (paused, hostile_schedule(hostile, "active"), None)
            if schedule or mode != "on"
        ],
        "summary_paused": [
            render_message("summary_paused.json.j2", schedule=paused, error=error)
            for error in (hostile, "is_archived")
        ],
        "home": [render_view("home.json.j2", dashboard=dashboard)],
    }


def hostile_summary(hostile: str, busy: int) -> Summary:
    oldest = ReadyItem("t1", hostile, Money(4550, "USD"), datetime(2025, 6, 1, tzinfo=UTC))
    upload = UploadLine(hostile, hostile, "done", {"created": 1}, USER_ID, "2025-06-02T08:00:00")
    return Summary(
        channel_id=CHANNEL_ID,
        tz="Europe/London",
        built_at=datetime(2025, 6, 2, 8, tzinfo=UTC),
        local_date=date(2025, 6, 2),
        list_id="list-1",
        ready_count=busy,
        lines=(ReadyLine(Money(4550, "USD"), 1, 1, Money(4550, "USD")),) * busy,
        oldest=oldest if busy else None,
        oldest_days=1,
        uncoded=busy,
        partly_coded=0,
        failures=(FailureGroup(hostile, 2, (hostile,)),) * busy,
        failure_count=2 * busy,
        uploads=(upload,) * 7 * busy,
        pictures=(Picture("USD", tuple(DayBar(date(2025, 6, d), 4550, 0) for d in range(1, 15))),),
        since=datetime(2025, 6, 1, 8, tzinfo=UTC),
        first=False,
        schedule=hostile_schedule(hostile, "active"),
        late_minutes=90,
    )


def test_mrkdwn_escapes_only_the_three_control_characters():
    assert mrkdwn("<!here> & 'quotes'") == "&lt;!here&gt; &amp; 'quotes'"


def test_long_lists_are_cut_at_slacks_block_limit_saying_how_many_were_left_out():
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 4000}} for _ in range(120)]
    fitted = fit_blocks(blocks, MAX_MESSAGE_BLOCKS)
    assert len(fitted) == 50
    assert "71 more" in fitted[-1]["elements"][0]["text"]
    assert len(fitted[0]["text"]["text"]) == 3000


@pytest.mark.parametrize("cell", ["=SUM(A1)", "+1+2", "-2+3", "@cmd", "\tx", " =1+1", "\u200b@cmd"])
def test_csv_cells_that_spreadsheets_would_run_are_neutralised(cell):
    assert safe_cell(cell).startswith("'")


def test_csv_keeps_plain_numbers_and_text():
    assert safe_cell("-12.50") == "-12.50"
    assert to_csv(["a"], [["Café"]]).decode("utf-8-sig").splitlines() == ["a", "Café"]
