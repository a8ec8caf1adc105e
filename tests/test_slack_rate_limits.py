"""The bot under Slack's real rate limits: the stand-in answers 429 with `Retry-After` past each
method's tier (sandbox/slack/ratelimits.py; https://api.slack.com/apis/rate-limits), and a flood of
work still ends with every answer shown once, nothing lost, nothing doubled and no traceback.
"""

from __future__ import annotations

import logging

import pytest

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import action_ids, connect, in_thread, share

FILES = 15  # shared at once in one channel: three times chat.postMessage's burst there


def vendors(n: int) -> bytes:
    return f"id,name\nV-{n}-1,Vendor {n} One\nV-{n}-2,Vendor {n} Two\n".encode()


def test_files_shared_at_once_each_get_one_preview_despite_slacks_429s(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    connect(slack, "NetSuite")
    caplog.set_level(logging.WARNING)
    shared = [share(slack, vendors(n), f"vendors-{n}.csv") for n in range(FILES)]

    def answered() -> bool:
        return all(in_thread(slack, s.thread) for s in shared)

    slack.wait_for(answered, timeout=90)
    slack.wait_quiet(idle=1.0, timeout=60)

    assert slack.rate_limited > 0, "the flood went past chat.postMessage's limit in the channel"
    replies = [in_thread(slack, s.thread) for s in shared]
    assert [len(r) for r in replies] == [1] * FILES  # one answer each: none lost, none doubled
    assert all("upload_start" in action_ids(r[0]) for r in replies)  # and each is the preview
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
