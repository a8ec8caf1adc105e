"""Renderers are pure and safe: hostile strings never break the JSON or ping a channel; limits hold."""

import json
from pathlib import Path

import pytest

from bot.commands import COMMANDS
from bot.exports import safe_cell, to_csv
from bot.ramp import Connection
from bot.render import MAX_MESSAGE_BLOCKS, fit_blocks, mrkdwn, render_message
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
    ]
    for message in messages:
        json.dumps(message)
        assert message["text"]
        for text in mrkdwn_texts(message["blocks"]):
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
        "notice",
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
