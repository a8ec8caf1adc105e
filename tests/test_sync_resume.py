"""A real `python -m bot serve` process killed (SIGKILL) while a sync post is on the wire, then started
again on the same database: Ramp ends with each result exactly once, and nothing is lost.

Two ways to die: Ramp received the chunk and applied it after the bot was gone (the answer was lost),
or the chunk never arrived (the connection was reset and the bot died waiting to retry). Either way
the chunk is journalled `pending` before it is sent, and the restarted bot resends it with its key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.store import Store
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.bot_process import bot_process, wait_until
from tests.conftest import ADMIN
from tests.test_slack_app import ramp_state, wait_for_text
from tests.test_syncs import preview_message, results_csv, set_faults, share
from tests.test_transactions import CAFE, RAMEN, load_mix

SYNCS = "POST /developer/v1/accounting/syncs"


def requests_to(ramp: RampSandbox, route: str) -> int:
    return int(ramp_state(ramp)["requests"]["by_route"].get(route, 0))


def journal(tmp_path: Path) -> list[dict[str, Any]]:
    store = Store(tmp_path / "bot.sqlite3")
    try:
        return list(store.db.query("SELECT key, state, items FROM sync_chunks"))
    finally:
        store.close()


def synced_ids(ramp: RampSandbox) -> list[str]:
    syncs = ramp_state(ramp)["syncs"]
    return sorted(
        item["id"] for s in syncs for item in [*s.get("successful_syncs", []), *s.get("failed_syncs", [])]
    )


@pytest.mark.parametrize("death", ["answer lost", "never arrived"])
def test_a_bot_killed_between_sending_and_the_answer_resends_on_restart_and_ramp_writes_once(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn, death: str
):
    load_mix(ramp)
    with bot_process(tmp_path, ramp, slack, log_level="WARNING") as first:
        share(slack, results_csv(f"{RAMEN},success,JE-1,", f"{CAFE},failed,,Period closed"))
        preview = preview_message(slack)
        if death == "answer lost":
            # Ramp holds the request 3 s, then applies it; the bot is killed before it hears back.
            set_faults(ramp, latency_ms=3000)
        else:
            # Every request is reset before Ramp applies it; the bot is killed while backing off.
            set_faults(ramp, error_rate=1.0, kinds=["reset"], after_apply_rate=0.0)
        slack.click("sync_results_post", message=preview, user=ADMIN)
        wait_until(lambda: requests_to(ramp, SYNCS) >= 1, "the bot never sent the chunk")
        first.kill()

    ((key, state, items),) = [tuple(row.values()) for row in journal(tmp_path)]
    assert (state, items) == ("pending", 2)  # journalled before sending, never answered
    if death == "answer lost":
        wait_until(lambda: ramp_state(ramp)["syncs"], "Ramp never applied the held request")
        assert synced_ids(ramp) == sorted([RAMEN, CAFE])
    else:
        assert ramp_state(ramp)["syncs"] == []
    set_faults(ramp, latency_ms=0, error_rate=0)
    sent_before = requests_to(ramp, SYNCS)

    with bot_process(tmp_path, ramp, slack, log_level="WARNING"):
        wait_until(lambda: journal(tmp_path)[0]["state"] == "sent", "the restarted bot did not resend")
        assert requests_to(ramp, SYNCS) == sent_before + 1  # resent once, with its key
        share(slack, results_csv(f"{RAMEN},success,JE-1,", f"{CAFE},failed,,Period closed"), name="again.csv")
        wait_for_text(slack, "Nothing to do")  # the same results shared again: already posted

    syncs = ramp_state(ramp)["syncs"]
    assert [s["idempotency_key"] for s in syncs] == [key]
    assert synced_ids(ramp) == sorted([RAMEN, CAFE])  # each result exactly once
