"""The new exports end to end: a dimension list and a MYOB account list shared in Slack,
previewed, uploaded, and what the Ramp sandbox holds afterwards (issue 14 §2-3)."""

from __future__ import annotations

from pathlib import Path

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import books, connect, preview_of, text_of, upload

ERP = Path(__file__).parent / "fixtures" / "erp"


def test_a_netsuite_department_list_becomes_the_options_of_a_department_field(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
) -> None:
    connect(slack, "NetSuite")
    preview = preview_of(slack, (ERP / "netsuite_departments.csv").read_bytes(), "DepartmentList.csv")

    assert "Department" in text_of(preview)
    report = upload(slack, preview, fields=True)

    assert "Upload of" in report
    state = books(ramp)
    [field] = [f for f in state["fields"] if f["name"] == "Department"]
    options = {(o["id"], o["value"]) for o in state["field_options"] if o["field_id"] == field["ramp_id"]}
    assert options == {
        ("1", "Engineering"),
        ("2", "Engineering : Platform"),
        ("3", "Sales"),
        ("4", "Sales : EMEA"),
    }  # the inactive "Facilities (old)" is not uploaded


def test_a_myob_account_list_reaches_ramp_classified_without_its_header_accounts(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
) -> None:
    connect(slack, "MYOB AccountRight")
    preview = preview_of(slack, (ERP / "myob_accounts.txt").read_bytes(), "ACCOUNTS.TXT")

    assert "MYOB AccountRight accounts" in text_of(preview)
    upload(slack, preview)

    held = {a["name"]: (a["id"], a.get("code"), a["classification"]) for a in books(ramp)["gl_accounts"]}
    assert held["Business Credit Card"] == ("2-1200", "2-1200", "CREDCARD")
    assert held["Owner's Capital"][2] == "EQUITY" and held["Purchases"][2] == "EXPENSE"
    assert "Assets" not in held and "Trade Shows" not in held  # a header account, an inactive one
    assert len(held) == 11
