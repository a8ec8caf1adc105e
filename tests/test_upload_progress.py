"""Upload progress within Slack's rate limits: the preview message is updated at most once every
3 s, from outside the upload, and a 429 from Slack drops one update without slowing the upload.

`chat.update` is Tier 3 (about 50 a minute per workspace); over the limit Slack answers HTTP 429
with `Retry-After` and `{"ok": false, "error": "ratelimited"}`
(https://docs.slack.dev/apis/web-api/rate-limits), which is what the stand-in's `fail_next` sends.
Timings are read from what the stand-in and the Ramp sandbox recorded, never from our own clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from typing import Any

import pytest

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import connect, preview_of, ramp_state, set_faults, upload

ROWS = 100  # renamed accounts: one PATCH each, sent in 2 groups of 50 (UPDATE_GROUP) at once
LATENCY_MS = 100  # so the renames take about 50 x 0.1 s = 5 s, with progress after every PATCH
RETRY_AFTER_S = 4
UPDATE_EVERY_S = 3.0  # the spacing the issue asks for, per message


# -- helpers ---------------------------------------------------------------------------------------


def accounts(name: str) -> bytes:
    rows = "".join(f"{6000 + n},{name} {n},{6000 + n},EXPENSE\n" for n in range(ROWS))
    return ("id,name,code,classification\n" + rows).encode()


def updates_of(slack: SlackStandIn, message: Any) -> list[Any]:
    return [c for c in slack.calls("chat.update") if c.args.get("ts") == message.ts]


@pytest.fixture
def slow_renames(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox) -> Iterator[Any]:
    """ROWS accounts already in Ramp, a file renaming them all previewed, and Ramp slowed so that
    uploading it lasts several seconds. Yields the preview."""
    connect(slack, "NetSuite")
    upload(slack, preview_of(slack, accounts("Account"), "accounts.csv"))
    preview = preview_of(slack, accounts("Renamed"), "accounts-renamed.csv")
    set_faults(ramp, latency_ms=LATENCY_MS)
    try:
        yield preview
    finally:
        set_faults(ramp)


def patched_at(ramp: RampSandbox) -> list[float]:
    """When the Ramp sandbox applied each rename (its `updated_at`), as Unix time."""
    state = ramp_state(ramp)
    accounts = state["categories"][state["active_connection_id"]]["gl_accounts"]
    return [datetime.fromisoformat(a["updated_at"]).timestamp() for a in accounts if "Renamed" in a["name"]]


# -- tests ---------------------------------------------------------------------------------------


def test_progress_updates_of_one_message_are_at_least_3_s_apart(slack: SlackStandIn, slow_renames: Any):
    report = upload(slack, slow_renames)

    assert f"{ROWS} updated" in report
    times = [c.time for c in updates_of(slack, slow_renames)]
    assert len(times) >= 3, "progress was shown on the way, then the report"
    progress = times[:-1]  # the report itself is not held back by the spacing
    assert min(later - earlier for earlier, later in pairwise(progress)) >= UPDATE_EVERY_S


def test_a_429_on_a_progress_update_drops_it_and_the_upload_goes_on(
    slack: SlackStandIn, ramp: RampSandbox, slow_renames: Any
):
    slack.fail_next("chat.update", error="ratelimited", status=429, retry_after=RETRY_AFTER_S)

    report = upload(slack, slow_renames)

    assert f"{ROWS} updated" in report  # the report arrives, after Slack's Retry-After
    updates = updates_of(slack, slow_renames)
    refused = updates[0].time  # the first progress update, answered 429
    # Ramp kept receiving renames while Slack asked the bot to wait: the upload did not sleep.
    assert any(refused < at < refused + RETRY_AFTER_S for at in patched_at(ramp))
    # The refused update was dropped, not retried, and Slack heard nothing until Retry-After passed.
    assert all(later.time >= refused + RETRY_AFTER_S for later in updates[1:])
    assert len(patched_at(ramp)) == ROWS
