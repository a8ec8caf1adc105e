"""A migration killed with SIGKILL in the middle (issue 15 §3): the bot as a real process
(`python -m bot serve`), killed while one step is on the wire, then started again on the same
database. The restarted bot finishes the migration from its journal: Ramp ends with one new connection
holding exactly what the old one held, and the user is told how it ended. When Ramp cannot be
reached after the restart, the message says exactly where the migration stopped and what to do.

Each run kills in one step (every step of the journal: backup, disconnect, connect, each kind's
upload, the custom field's create, its options, and the count-by-count check), after a random extra
delay from its own seeded generator (the seed is the run's step, shown in the test id), so a failing
run can be replayed.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from bot.ramp import RampClient
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.bot_process import CLIENT_SECRET, bot_process, wait_until
from tests.driver import (
    ADMIN,
    CHANNEL,
    active_connections,
    books,
    connect,
    journal,
    message_with,
    ramp_state,
    set_faults,
    texts,
)

pytestmark = pytest.mark.reliability

DONE = "connected Ramp to *Xero*, replacing NetSuite"
RESUMED = "The bot restarted during this migration"


def hold_a_chart(ramp: RampSandbox) -> None:
    """NetSuite's chart: 600 GL accounts (two batches), 120 vendors, a required, splittable field with a
    display name and 30 options."""
    with RampClient(ramp.url, "test-client", CLIENT_SECRET) as client:
        for start in (0, 500):
            client.create_gl_accounts(
                [
                    {"id": f"{n:05}", "name": f"Account {n}", "classification": "EXPENSE", "code": f"C{n}"}
                    for n in range(start, min(start + 500, 600))
                ]
            )
        vendors = client.create_vendors([{"id": f"V{n}", "name": f"Vendor {n}"} for n in range(120)])
        for vendor in vendors[:5]:
            client.update_vendor(vendor.ramp_id, code=f"VC-{vendor.id}")
        field = client.create_field(
            id="DEPT",
            name="Department",
            input_type="SINGLE_CHOICE",
            is_splittable=True,
            display_name="Dept",
            is_required_for=["TRANSACTION"],
        )
        client.create_field_options(field.ramp_id, [{"id": f"D{n}", "value": f"Team {n}"} for n in range(30)])


def chart(ramp: RampSandbox) -> dict[str, list[tuple]]:
    held = books(ramp)
    return {
        "gl_accounts": sorted(
            (a["id"], a["name"], a.get("code"), a["classification"]) for a in held["gl_accounts"]
        ),
        "vendors": sorted((v["id"], v["name"], v.get("code")) for v in held["vendors"]),
        "fields": sorted(
            (f["id"], f["input_type"], f["is_splittable"], f["display_name"], tuple(f["is_required_for"]))
            for f in held["fields"]
        ),
        "field_options": sorted((o["id"], o["value"]) for o in held["field_options"]),
    }


def started(workdir: Path, step: str) -> bool:
    """The journal shows `step` begun (the bot writes it down before it carries the step out)."""
    return any(s["step"].startswith(step) for s in journal(workdir, "migration_steps", "step_no"))


def start_migration_and_kill(
    workdir: Path, ramp: RampSandbox, slack: SlackStandIn, step: str, extra: float
) -> None:
    with bot_process(workdir, ramp, slack) as first:
        connect(slack, "NetSuite")
        hold_a_chart(ramp)
        slack.slash_command("/ramp", "connect Xero", user=ADMIN, channel=CHANNEL)
        offer = message_with(slack, "connection_migrate")
        set_faults(ramp, latency_ms=150)  # every step is on the wire for a while
        slack.click("connection_migrate", message=offer, user=ADMIN)
        wait_until(lambda: started(workdir, step), f"the migration never reached {step}", timeout=60)
        time.sleep(extra)
        first.kill()
    set_faults(ramp)
    wait_until(lambda: ramp_state(ramp)["requests"]["in_flight"] == 0, "Ramp still busy")


STEPS = (
    "backup",
    "disconnect",
    "connect",
    "upload GL accounts",
    "upload vendors",
    "create custom field",
    "upload options",
    "check",
)


@pytest.mark.parametrize("step", STEPS)
def test_a_migration_killed_mid_step_is_finished_by_the_restarted_bot(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn, step: str
):
    extra = random.Random(step).uniform(0.0, 0.15)
    start_migration_and_kill(tmp_path, ramp, slack, step, extra)
    assert journal(tmp_path, "migrations")[0]["state"] == "running"

    with bot_process(tmp_path, ramp, slack):
        wait_until(lambda: DONE in texts(slack), "the restarted bot did not finish the migration", timeout=90)
        shown = texts(slack)
        slack.wait_quiet()
    assert RESUMED in shown
    connections = ramp_state(ramp)["connections"]
    assert sorted(c["remote_provider_name"] for c in connections) == ["NetSuite", "Xero"]  # one Xero
    assert [c["remote_provider_name"] for c in active_connections(ramp)] == ["Xero"]
    held = chart(ramp)
    assert (
        len(held["gl_accounts"]) == 600 and len(held["vendors"]) == 120 and len(held["field_options"]) == 30
    )
    assert held["gl_accounts"][0] == ("00000", "Account 0", "C0", "EXPENSE")
    assert sum(1 for v in held["vendors"] if v[2]) == 5
    assert held["fields"] == [("DEPT", "SINGLE_CHOICE", True, "Dept", ("TRANSACTION",))]
    assert held["field_options"][0] == ("D0", "Team 0")
    assert journal(tmp_path, "migrations")[0]["state"] == "done"
    print(f"\nmigration crash: killed in {step} +{extra:.2f}s")


def test_when_ramp_fails_after_the_restart_the_message_says_where_it_stopped_and_what_to_do(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
):
    start_migration_and_kill(tmp_path, ramp, slack, "upload GL accounts", 0.0)
    set_faults(ramp, error_rate=1.0, kinds=["500"])
    with bot_process(tmp_path, ramp, slack):
        wait_until(lambda: "stopped:" in texts(slack), "the restarted bot said nothing", timeout=120)
        shown = texts(slack)
    set_faults(ramp)
    assert "Where that leaves you" in shown
    assert journal(tmp_path, "migrations")[0]["state"] == "stopped"
    steps = journal(tmp_path, "migration_steps", "step_no")
    assert [s["step"] for s in steps if s["state"] == "done"][:3] == ["backup", "disconnect", "connect"]
