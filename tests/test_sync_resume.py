"""A real `python -m bot serve` process killed (SIGKILL) while a sync post is on the wire, then started
again on the same database: Ramp ends with each result exactly once, and nothing is lost.

Two ways to die: Ramp received the chunk and applied it after the bot was gone (the answer was lost),
or the chunk never arrived (the connection was reset and the bot died waiting to retry). Either way
the chunk is journalled `pending` before it is sent, and the restarted bot resends it with its key.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.bot_process import bot_process, wait_until
from tests.driver import (
    ADMIN,
    CAFE,
    RAMEN,
    action_ids,
    journal,
    load_mix,
    preview_of,
    ramp_state,
    results_csv,
    routed,
    set_faults,
    synced_ids,
)

SYNCS = "POST /developer/v1/accounting/syncs"


@pytest.mark.parametrize("death", ["answer lost", "never arrived"])
def test_a_bot_killed_between_sending_and_the_answer_resends_on_restart_and_ramp_writes_once(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn, death: str
):
    load_mix(ramp)
    with bot_process(tmp_path, ramp, slack, log_level="WARNING") as first:
        preview = preview_of(slack, results_csv(f"{RAMEN},success,JE-1,", f"{CAFE},failed,,Period closed"))
        if death == "answer lost":
            # Ramp holds the request 3 s, then applies it; the bot is killed before it hears back.
            set_faults(ramp, latency_ms=3000)
        else:
            # Every request is reset before Ramp applies it; the bot is killed while backing off.
            set_faults(ramp, error_rate=1.0, kinds=["reset"], after_apply_rate=0.0)
        slack.click("sync_results_post", message=preview, user=ADMIN)
        wait_until(lambda: routed(ramp, SYNCS) >= 1, "the bot never sent the chunk")
        first.kill()

    ((key, state, items),) = [(c["key"], c["state"], c["items"]) for c in journal(tmp_path, "sync_chunks")]
    assert (state, items) == ("pending", 2)  # journalled before sending, never answered
    if death == "answer lost":
        wait_until(lambda: ramp_state(ramp)["syncs"], "Ramp never applied the held request")
        assert synced_ids(ramp) == sorted([RAMEN, CAFE])
    else:
        assert ramp_state(ramp)["syncs"] == []
    set_faults(ramp, latency_ms=0, error_rate=0)
    sent_before = routed(ramp, SYNCS)

    with bot_process(tmp_path, ramp, slack, log_level="WARNING"):
        wait_until(
            lambda: journal(tmp_path, "sync_chunks")[0]["state"] == "sent", "the restarted bot did not resend"
        )
        assert routed(ramp, SYNCS) == sent_before + 1  # resent once, with its key
        again = preview_of(
            slack, results_csv(f"{RAMEN},success,JE-1,", f"{CAFE},failed,,Period closed"), "again.csv"
        )
        assert action_ids(again) == []  # the same results shared again: already posted, nothing to press

    syncs = ramp_state(ramp)["syncs"]
    assert [s["idempotency_key"] for s in syncs] == [key]
    assert synced_ids(ramp) == sorted([RAMEN, CAFE])  # each result exactly once
