"""The work after the ack: handed to the app's worker pool as soon as the ack is decided.

Instead of Bolt's lazy listeners, which deep-copy the whole request for each one and re-run the
matching, the door that acked submits the chosen handler with its `Turn` (handlers/turn.py).
Every failure is reported to the person and, for a write, audited (handlers/errors.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

from handlers.errors import report_failure

if TYPE_CHECKING:
    from handlers.turn import Turn

log = logging.getLogger(__name__)

Work = Callable[["Turn"], None]


class AfterAck:
    def __init__(self, executor: Executor) -> None:
        self._executor = executor

    def submit(self, work: Work, turn: Turn, *, audited_as: str | None = None) -> None:
        self._executor.submit(run, work, turn, audited_as)

    def submit_event(self, work: Callable[..., None], *args: Any) -> None:
        """An event's work: nobody to answer, so a failure is logged with its traceback."""
        self._executor.submit(run_event, work, *args)


def run_event(work: Callable[..., None], *args: Any) -> None:
    try:
        work(*args)
    except Exception:
        log.exception("an event's work failed: %s", getattr(work, "__name__", work))


def run(work: Work, turn: Turn, audited_as: str | None = None) -> None:
    try:
        work(turn)
    except Exception as error:
        report_failure(turn, error, audited_as)
