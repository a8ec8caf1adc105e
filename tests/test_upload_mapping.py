"""The mapping step, end to end through Slack: a file whose header the bot does not know gets its
header and first rows with **Map columns…**; the modal's answers give the normal preview in place;
the mapping is remembered, so the next file with that header is previewed at once and says whose
mapping it was read with, and **Change mapping…** reads it again another way."""

from __future__ import annotations

from typing import Any

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    USER,
    books,
    connect,
    first_reply,
    now,
    share,
    text_of,
    upload,
)

# An in-house export: a title line, then a header no known format has.
HOUSE = (
    b"Acme Holdings ledger export\n"
    b"Acct,Description,Kind,Enabled\n"
    b"4000,Product Sales,Revenue,yes\n"
    b"6000,Office Rent,Expense,yes\n"
    b"6100,Old Travel,Expense,no\n"
)
# The same header, another order and case, other rows.
HOUSE_AGAIN = b"description,acct,enabled,kind\nBank Fees,6200,yes,Expense\n"

AS_ACCOUNTS = {
    "map_kind": {"kind": "gl_accounts"},
    "map_id": {"column": "0"},
    "map_name": {"column": "1"},
    "map_code": {"column": "0"},
    "map_type": {"column": "2"},
    "map_active": {"column": "3"},
}


def open_mapping(slack: SlackStandIn, message: Any, user: str = ADMIN) -> dict[str, Any]:
    """Press Map columns… (or Change mapping…) and return the modal it opens."""
    before = set(slack.views)
    slack.click("upload_map_columns", message=message, user=user)
    opened = slack.wait_for(lambda: [v for key, v in slack.views.items() if key not in before], timeout=15)
    return dict(opened[0])


def test_an_unknown_header_is_mapped_in_a_modal_then_previewed_and_uploaded(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "Acme ERP")
    offer = first_reply(slack, share(slack, HOUSE, "ledger.csv"))
    shown = text_of(offer)
    assert "I don't recognise the columns of *ledger.csv*" in shown
    assert "`/ramp upload` lists the formats" in shown and "/ramp help" not in shown
    assert "Product Sales" in shown  # the first rows, to map by

    modal = open_mapping(slack, offer)
    assert "Acme Holdings" not in text_of(modal)  # the title line is not the header
    assert "A (Acct): 4000, 6000, 6100" in text_of(modal)
    slack.submit_view(values=AS_ACCOUNTS, user=ADMIN)

    preview = slack.wait_for(lambda: "upload_start" in str(now(slack, offer).blocks) and now(slack, offer))
    text = text_of(preview)
    assert "*2* new" in text and "*1* skipped" in text  # the row marked Enabled = no
    assert f"Read with the column mapping <@{ADMIN}> saved on" in text
    upload(slack, preview)
    held = {(a["id"], a["code"], a["name"], a["classification"]) for a in books(ramp)["gl_accounts"]}
    assert held == {("4000", "4000", "Product Sales", "REVENUE"), ("6000", "6000", "Office Rent", "EXPENSE")}


def test_the_next_file_with_that_header_is_read_at_once_and_the_mapping_can_be_changed(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "Acme ERP")
    offer = first_reply(slack, share(slack, HOUSE, "ledger.csv"))
    open_mapping(slack, offer)
    slack.submit_view(values=AS_ACCOUNTS, user=ADMIN)
    slack.wait_for(lambda: "upload_start" in str(now(slack, offer).blocks))

    again = first_reply(slack, share(slack, HOUSE_AGAIN, "ledger-december.csv"))
    assert "upload_start" in str(again.blocks)  # no second mapping step
    assert f"<@{ADMIN}> saved on" in text_of(again)

    modal = open_mapping(slack, again)
    name = next(b for b in modal["blocks"] if b.get("block_id") == "map_name")
    assert name["element"]["initial_option"]["value"] == "0"  # the saved answer, in this file's order
    as_vendors = {"map_kind": {"kind": "vendors"}, "map_id": {"column": "1"}, "map_name": {"column": "0"}}
    slack.submit_view(values=as_vendors, user=ADMIN)
    changed = slack.wait_for(lambda: "as vendors" in text_of(now(slack, again)) and now(slack, again))
    upload(slack, changed)
    assert [(v["id"], v["name"]) for v in books(ramp)["vendors"]] == [("6200", "Bank Fees")]


def test_a_mapping_without_a_name_column_is_refused_in_the_modal(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "Acme ERP")
    offer = first_reply(slack, share(slack, HOUSE, "ledger.csv"))
    open_mapping(slack, offer)
    twice = {**AS_ACCOUNTS, "map_name": {"column": "0"}}  # Acct as both the id and the name
    response = slack.submit_view(values=twice, user=ADMIN)
    assert "one column per field" in response.json()["errors"]["map_name"]
    assert "upload_start" not in str(now(slack, offer).blocks)


def test_only_an_admin_saves_a_mapping(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox):
    connect(slack, "Acme ERP")
    offer = first_reply(slack, share(slack, HOUSE, "ledger.csv", user=USER))
    open_mapping(slack, offer, user=USER)
    response = slack.submit_view(values=AS_ACCOUNTS, user=USER)
    assert "admin" in response.json()["errors"]["map_kind"].lower()
    again = first_reply(slack, share(slack, HOUSE_AGAIN, "ledger-december.csv", user=USER))
    assert "Map columns…" in text_of(again)  # nothing was saved


def test_type_values_no_table_knows_are_classified_in_the_modal_and_remembered(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "Acme ERP")
    content = b"Acct,Description,Kind\n1010,Petty Cash,Kassa\n6000,Office Rent,Expense\n"
    offer = first_reply(slack, share(slack, content, "ledger.csv"))
    modal = open_mapping(slack, offer)
    assert "“Kassa” is" in text_of(modal) and "“Expense” is" not in text_of(modal)
    answers = {key: AS_ACCOUNTS[key] for key in ("map_kind", "map_id", "map_name", "map_code", "map_type")}
    slack.submit_view(values={**answers, "class_0": {"classification": "ASSET"}}, user=ADMIN)
    preview = slack.wait_for(lambda: "upload_start" in str(now(slack, offer).blocks) and now(slack, offer))
    assert "Unknown account type" not in text_of(preview)
    upload(slack, preview)
    held = {a["id"]: a["classification"] for a in books(ramp)["gl_accounts"]}
    assert held == {"1010": "ASSET", "6000": "EXPENSE"}
    # Remembered with the mapping: the modal opened again starts from ASSET.
    again = first_reply(slack, share(slack, content, "ledger-2.csv"))
    reopened = open_mapping(slack, again)
    asked = next(b for b in reopened["blocks"] if b.get("block_id") == "class_0")
    assert asked["element"]["initial_option"]["value"] == "ASSET"
