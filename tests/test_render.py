"""Renderers are pure and safe: hostile strings never break the JSON or ping a channel; limits hold."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.commands import COMMANDS
from bot.exports import safe_cell, to_csv
from bot.importers import CategoryRecord, RowError, describe_formats
from bot.money import Money
from bot.ramp import Connection, LineItem, Selection, Transaction
from bot.render import MAX_MESSAGE_BLOCKS, fit_blocks, mrkdwn, render_message, render_view
from bot.services.categories import CategoryCount, CategoryFile
from bot.services.category_diff import Change, Held
from bot.services.sync_results import ResultsFile, RowNote, SyncResult
from bot.services.syncs import ChunkOutcome, PostOutcome, ResultsPreview
from bot.services.transactions import Filters, TransactionList
from bot.services.upload_run import Failure, PlanPart, UploadReport
from bot.services.uploads import UploadPlan, UploadPreview
from bot.store import AuditEntry

HOSTILE = [
    "<!channel>",
    '"}]}',
    "a & b <@U1>",
    "{{ 7*7 }}",
    "\\u0000\n\t",
    "Café ☕ 株式会社",
    "*bold* _x_ `y`",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_template_renders_hostile_strings_as_valid_escaped_json(hostile):
    connection = Connection(
        id="c1",
        remote_provider_name=hostile,
        is_active=True,
        created_at="2026-01-01T00:00:00Z",
        last_linked_at=None,
    )
    entry = AuditEntry(
        at="2026-01-01T00:00:00",
        user_id="U9",
        channel_id="C1",
        command="connect",
        arguments=hostile,
        outcome="ok",
        detail=hostile,
        trace_id=hostile,
    )
    messages = [
        render_message("help.json.j2", commands=COMMANDS, typed=hostile, suggestion=None),
        render_message("error.json.j2", message=hostile, next_step=hostile, reference=hostile),
        render_message("refused.json.j2", command=hostile, admins=[]),
        render_message("status.json.j2", connection=connection, counts=[], since="2026", history=[]),
        render_message("connect_conflict.json.j2", active=connection, requested=hostile, same_provider=False),
        render_message(
            "connected.json.j2", connection=connection, user_id="U9", reactivated=False, replaced=connection
        ),
        render_message("no_reactivate.json.j2", requested=hostile, known=[hostile]),
        render_message("disconnect_confirm.json.j2", active=connection),
        render_message("disconnected.json.j2", connection=connection, user_id="U9", backed_up=hostile),
        render_message("audit.json.j2", entries=[entry]),
        *category_messages(connection, hostile),
        *transaction_and_sync_messages(hostile),
        *upload_messages(hostile),
    ]
    for message in messages:
        json.dumps(message)
        assert message["text"]
        for text in mrkdwn_texts(message["blocks"]):
            assert "<!channel>" not in text and "<@U1>" not in text


def category_messages(connection: Connection, hostile: str) -> list[dict]:
    counts = [CategoryCount("vendors", 1001, True)]
    listing = CategoryFile("vendors", hostile, b"", 2, [[hostile, hostile, None, True, "r1"]] * 2)
    return [
        render_message("categories.json.j2", connection=connection, counts=counts, listing=None),
        render_message("categories.json.j2", connection=connection, counts=[], listing=listing),
    ]


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


def upload_messages(hostile: str) -> list[dict]:
    """The issue 4 templates: file names, ERP names and ids, row errors and Ramp's reasons hostile."""
    record = CategoryRecord("gl_accounts", hostile, hostile, hostile, "ASSET", hostile)
    change = Change(record, "r1", {"name": hostile}, True)
    part = PlanPart("field_options", [record], [change], [Held("r2", hostile, hostile)], field_name=hostile)
    plan = UploadPlan("gl_accounts", hostile, [part], 1, [], [hostile])
    errors = UploadPlan("gl_accounts", hostile, [], 0, [RowError(3, hostile, hostile)] * 12)
    gone = UploadPlan("subsidiaries", hostile, [], unavailable=hostile)
    report = UploadReport(1, 1, 1, 1, [hostile], [Failure((hostile,) * 7, hostile)] * 11)
    previous = {"finished": "2026-01-01T00:00:00", "uploaded_by": hostile}
    plans = (plan, errors, gone, UploadPlan("vendors", hostile, []))
    previews = [UploadPreview(hostile, hostile, p, previous) for p in plans]
    kinds = {"kind_label": hostile, "subsidiary_field": hostile}
    return [
        *(render_message("upload_preview.json.j2", preview=p, **kinds) for p in previews),
        render_message("upload_progress.json.j2", done=3, total=7, user_id=hostile),
        render_message("upload_report.json.j2", report=report, file_name=hostile, user_id=hostile),
        render_message(
            "upload_help.json.j2", formats=describe_formats(), kind_label=hostile, field_name=hostile
        ),
    ]


def transaction_and_sync_messages(hostile: str) -> list[dict]:
    """The issue 5 templates with every outside string hostile: merchants, people, ERP names, files."""
    transaction = hostile_transaction(hostile)
    listing = TransactionList("l1", Filters(merchant=hostile), (transaction,))
    notes = [RowNote(2, hostile, hostile)]
    results = ResultsFile(
        hostile, [SyncResult(transaction.id, reference_id=hostile, row=2)], notes, notes, notes
    )
    preview = ResultsPreview("p1", results, results.results, notes, notes, 1)
    outcome = PostOutcome([ChunkOutcome("k", 1, "failed", error=hostile, item_errors={hostile: hostile})])
    return [
        render_message("transactions.json.j2", listing=listing, page=1),
        render_message(
            "transactions.json.j2", listing=TransactionList("l2", Filters(merchant=hostile), ()), page=1
        ),
        render_message("sync_help.json.j2", max_reference=255, max_error=1000),
        render_message("sync_preview.json.j2", preview=preview),
        render_message(
            "sync_posted.json.j2", outcome=outcome, rows={hostile: 2}, title=hostile, user_id="U9"
        ),
    ]


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("kind", ["synced", "failed"])
def test_the_transaction_modals_render_hostile_strings_safely(hostile, kind):
    for transaction in (hostile_transaction(hostile), None):
        view = render_view(
            "transaction_modal.json.j2", kind=kind, transaction=transaction, metadata=hostile, max_length=9
        )
        assert json.loads(json.dumps(view))["private_metadata"] == hostile
        for text in mrkdwn_texts(view["blocks"]):
            assert "<!channel>" not in text and "<@U1>" not in text


def mrkdwn_texts(node):
    """Every mrkdwn text in a block tree: where Slack would turn `<!channel>` into a ping."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            yield node["text"]
        for value in node.values():
            yield from mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from mrkdwn_texts(item)


def test_every_template_file_is_covered_by_the_hostile_test():
    rendered = {
        "help",
        "error",
        "refused",
        "status",
        "connect_conflict",
        "connected",
        "no_reactivate",
        "disconnect_confirm",
        "disconnected",
        "audit",
        "categories",
        "notice",
        "transactions",
        "transaction_modal",
        "sync_help",
        "sync_preview",
        "sync_posted",
        "upload_preview",
        "upload_progress",
        "upload_report",
        "upload_help",
        "upload_field_modal",  # a view: its hostile test is in test_upload_preview.py
        "summary",  # issue 6: hostile tests in test_summaries.py and test_home.py
        "summary_schedule",
        "summary_paused",
        "home",
    }
    templates = {
        p.name.removesuffix(".json.j2") for p in (Path(__file__).parent.parent / "templates").glob("*.j2")
    }
    assert templates <= rendered | {"notice"}


def test_mrkdwn_escapes_only_the_three_control_characters():
    assert mrkdwn("<!here> & 'quotes'") == "&lt;!here&gt; &amp; 'quotes'"


def test_long_lists_are_cut_at_slacks_block_limit_saying_how_many_were_left_out():
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 4000}} for _ in range(120)]
    fitted = fit_blocks(blocks, MAX_MESSAGE_BLOCKS)
    assert len(fitted) == 50
    assert "71 more" in fitted[-1]["elements"][0]["text"]
    assert len(fitted[0]["text"]["text"]) == 3000


@pytest.mark.parametrize("cell", ["=SUM(A1)", "+1+2", "-2+3", "@cmd", "\tx"])
def test_csv_cells_that_spreadsheets_would_run_are_neutralised(cell):
    assert safe_cell(cell).startswith("'")


def test_csv_keeps_plain_numbers_and_text():
    assert safe_cell("-12.50") == "-12.50"
    assert to_csv(["a"], [["Café"]]).decode("utf-8-sig").splitlines() == ["a", "Café"]
