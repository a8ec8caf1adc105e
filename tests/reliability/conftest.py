"""The reliability suite (`-m reliability`). Its helpers (the long-form switch `sized`, the secret
scan, the readers of Slack and Ramp) are in tests/driver.py with everything else tests share."""

from collections.abc import Iterator

import pytest

from tests.driver import Recorder, recording_server


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """A loopback server that records every request made to it (tests/driver.py `Recorder`)."""
    with recording_server() as server:
        yield server
