"""The local product for browser tests and the README screenshot: the Ramp sandbox seeded like
`make run` seeds it, the Slack stand-in with the local identities and the `/ramp` subcommands, and the
bot, all on free loopback ports (as tests/conftest.py starts them)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from handlers.commands import COMMANDS
from sandbox.ramp import RampSandbox
from sandbox.slack import LOCAL_ADMIN, SlackStandIn
from tests.conftest import RunningBot, bot_settings, start_bot
from tests.driver import BOT_TOKEN, SIGNING_SECRET

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; `playwright install` is never run
SEED = {"generate": 300, "seed": 7}  # what bot/__main__.py run_local seeds


@dataclass
class LocalStack:
    slack: SlackStandIn
    ramp: RampSandbox
    bot: RunningBot

    @property
    def url(self) -> str:
        return self.slack.url


@contextmanager
def local_stack(tmp_path: Path, ramp: RampSandbox) -> Iterator[LocalStack]:
    """Everything `make run` starts, acting as U0LOCALADMIN (the bot's admin) by default."""
    ramp.add_transactions(dict(SEED))
    slack = SlackStandIn(
        port=0,
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        commands=[spec.describe() for spec in COMMANDS],
    )
    with slack:
        settings = bot_settings(tmp_path, ramp, slack, admins=(LOCAL_ADMIN,))
        with contextmanager(start_bot)(settings, slack) as bot:
            yield LocalStack(slack, ramp, bot)


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install -e '.[test]')"
    return None


def require_browser() -> None:
    """Skip when there is no browser, unless RAMP_BOT_REQUIRE_BROWSER=1 (as on CI): then fail."""
    reason = missing_browser()
    if reason is None:
        return
    if os.environ.get("RAMP_BOT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (RAMP_BOT_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--no-proxy-server"]
    )
