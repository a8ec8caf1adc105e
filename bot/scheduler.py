"""Daily summaries and ready notices: threads in the bot process.

`SummaryScheduler` wakes at least once a minute and sends each channel's summary when it is due,
once a day, across restarts and replicas. `NoticeScheduler` (at the end) posts ready notices after
a burst of Ramp webhooks, and polls what is ready (every `RAMP_BOT_POLL_MINUTES`; less often, as a
fallback, when webhooks are set up).

Before building a summary the scheduler claims the channel's local day in SQLite
(`ScheduleBook.claim`: one UPDATE only one process can win), so two bot processes on one database
never both send. A summary missed while the bot was down is due until the end of that local day,
so the first tick after a restart sends it, once. When nothing was posted (Ramp or Slack said no)
the claim is given back and the next tick tries again; when the post may have gone through (the
connection dropped mid-request) it is kept: a missing summary is better than a double one.

The scheduler knows nothing of Slack: it hands a built summary to a `SummaryChannel` (the Slack
side lives in handlers/summary.py, wired in bot/app.py). Tests call `tick(now)` with their own
clock; nothing here sleeps except the loop of `start()`. The loop also prunes old rows once a day
(`prune_if_due`, given `Store.prune`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Protocol

from bot.services.notices import Notice, NoticeService, NoticeSubscription
from bot.services.schedules import Schedule
from bot.services.summaries import Summary, SummaryService
from bot.syncable_kinds import SyncableKind

log = logging.getLogger(__name__)

WAKE_SECONDS = 30.0  # at least once a minute, and early in each minute
PRUNE_EVERY = timedelta(days=1)  # old rows go once a day (`Store.prune`; start-up prunes too)


class Outcome(Enum):
    SENT = "sent"
    GONE = "gone"  # the channel is archived or the bot is not in it: nothing posted
    FAILED = "failed"  # refused (rate limited, bad request): nothing posted, try again
    UNCERTAIN = "uncertain"  # no answer: it may have been posted


@dataclass(frozen=True)
class Posted:
    outcome: Outcome
    message_ts: str = ""
    error: str = ""  # Slack's error code, e.g. not_in_channel


class SummaryChannel(Protocol):
    """Where summaries go (Slack, in production)."""

    def post_summary(self, summary: Summary) -> Posted: ...

    def tell_owner(self, schedule: Schedule, error: str) -> None: ...


def send_summary(
    summaries: SummaryService,
    channel: SummaryChannel,
    channel_id: str,
    now: datetime,
    *,
    trigger: str,
    tz: str | None = None,
) -> tuple[Summary, Posted]:
    """Build one summary from fresh data and post it; a scheduled one in a channel that is gone
    pauses the schedule and tells whoever set it."""
    summary = summaries.build(channel_id, now, tz=tz)
    posted = channel.post_summary(summary)
    if posted.outcome is Outcome.SENT:
        summaries.record_sent(summary, posted.message_ts, trigger)
    elif posted.outcome is Outcome.GONE and trigger != "now":
        schedule = summaries.schedules.get(channel_id)
        if schedule is not None and schedule.state == "active":
            summaries.schedules.pause(channel_id, posted.error)
            channel.tell_owner(schedule, posted.error)
    return summary, posted


class SummaryScheduler:
    def __init__(
        self,
        summaries: SummaryService,
        channel: SummaryChannel,
        clock: Callable[[], datetime] | None = None,
        prune: Callable[[datetime], object] | None = None,
    ) -> None:
        self._summaries = summaries
        self._channel = channel
        self._clock = clock or (lambda: datetime.now(UTC))
        self._prune = prune
        self._next_prune: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now: datetime | None = None, channel_id: str | None = None) -> list[Posted]:
        """Send every summary due at `now` (or only `channel_id`'s) that this process claims."""
        now = now or self._clock()
        sent: list[Posted] = []
        for schedule in self._summaries.schedules.due(now):
            if channel_id is not None and schedule.channel_id != channel_id:
                continue
            if not self._summaries.schedules.claim(schedule, now):
                continue  # another process (or an earlier tick) has today's
            sent.append(self._send(schedule, now))
        return sent

    def send_now(self, channel_id: str, now: datetime | None = None) -> Posted:
        """One summary for `channel_id` now, whatever its schedule (`python -m bot summary --now`)."""
        _, posted = send_summary(
            self._summaries, self._channel, channel_id, now or self._clock(), trigger="cron"
        )
        return posted

    def _send(self, schedule: Schedule, now: datetime) -> Posted:
        try:
            _, posted = send_summary(
                self._summaries, self._channel, schedule.channel_id, now, trigger="scheduled"
            )
        except Exception as error:  # Ramp unreachable, say: nothing was posted, so try again next tick
            log.warning("summary for %s not built: %r; retrying next tick", schedule.channel_id, error)
            self._summaries.schedules.release(schedule, now)
            return Posted(Outcome.FAILED, error=type(error).__name__)
        if posted.outcome is Outcome.FAILED:
            log.warning(
                "summary for %s refused by Slack (%s); retrying next tick", schedule.channel_id, posted.error
            )
            self._summaries.schedules.release(schedule, now)
        elif posted.outcome is Outcome.GONE:
            log.warning(
                "summary for %s not posted (%s): schedule paused, whoever set it told",
                schedule.channel_id,
                posted.error,
            )
        elif posted.outcome is Outcome.UNCERTAIN:
            log.error(
                "summary for %s may not have been posted (%s); not resent", schedule.channel_id, posted.error
            )
        return posted

    def prune_if_due(self, now: datetime) -> bool:
        """Prune old rows when a day has passed since the last time; the first call only starts the
        count (the bot pruned as it started)."""
        if self._prune is None:
            return False
        if self._next_prune is not None and now < self._next_prune:
            return False
        due, self._next_prune = self._next_prune is not None, now + PRUNE_EVERY
        if due:
            self._prune(now)
        return due

    # -- the thread ------------------------------------------------------------------------------

    def start(self) -> SummaryScheduler:
        self._thread = threading.Thread(target=self._run, name="summary-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # a bad tick (the database busy, say) must not end the scheduler
                log.exception("summary scheduler tick failed")
            now = self._clock()
            try:
                self.prune_if_due(now)
            except Exception:  # the database busy, say: tried again the next day
                log.exception("pruning old rows failed")
            self._stop.wait(min(WAKE_SECONDS, 61 - now.second - now.microsecond / 1e6))


# -- ready notices -------------------------------------------------------------------------------

FIRST_POLL_S = 60.0  # after a start, a first look soon: events may have been lost while it was down


class NoticeChannel(Protocol):
    """Where ready notices go (Slack, in production: handlers/notices.py)."""

    def post_notice(self, notice: Notice) -> Posted: ...

    def tell_owner(self, subscription: NoticeSubscription, error: str) -> None: ...


class NoticeScheduler:
    """One thread: the kinds a burst of webhooks made due (`NoticeService.burst`), and a poll of every
    subscribed kind each `poll_every_s()` seconds, each refreshed and announced. It ends when the
    services close. Tests may call `announce` and `poll` directly."""

    def __init__(
        self,
        notices: NoticeService,
        channel: NoticeChannel,
        poll_every_s: Callable[[], float],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._notices = notices
        self._channel = channel
        self._poll_every_s = poll_every_s
        self._clock = clock
        self._thread: threading.Thread | None = None

    def announce(self, kinds: Iterable[SyncableKind]) -> list[Posted]:
        """Re-read these kinds and post each channel's news; a notice not posted gives its items back."""
        sent = []
        for notice in self._notices.refresh(kinds):
            try:
                posted = self._channel.post_notice(notice)
            except Exception as error:  # no answer: it may be in the channel already, so not resent
                posted = Posted(Outcome.UNCERTAIN, error=type(error).__name__)
            if posted.outcome in (Outcome.FAILED, Outcome.GONE):
                self._notices.release(notice)
                log.warning("ready notice for %s not posted: %s", notice.channel_id, posted.error)
            if posted.outcome is Outcome.GONE:
                self._stop_notices(notice.channel_id, posted.error)
            sent.append(posted)
        return sent

    def poll(self) -> list[Posted]:
        return self.announce(self._notices.subscribed_kinds())

    def _stop_notices(self, channel_id: str, error: str) -> None:
        subscription = self._notices.unsubscribe(channel_id)
        if subscription is not None:
            self._channel.tell_owner(subscription, error)

    def start(self) -> NoticeScheduler:
        self._thread = threading.Thread(target=self._run, name="notice-scheduler", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        burst, stopped = self._notices.burst, self._notices.stopped
        next_poll = self._clock() + min(FIRST_POLL_S, self._poll_every_s())
        while not stopped.is_set():
            burst.wakeup.clear()
            try:
                due = burst.take_due()
                if due:
                    self.announce(due)
                # A poll waits while a burst of events is under way: it would post part of it.
                if self._clock() >= next_poll and burst.next_due_in() is None:
                    next_poll = self._clock() + self._poll_every_s()
                    self.poll()
            except Exception:  # Ramp or the database unavailable: the next burst or poll tries again
                log.exception("ready notices: a refresh failed")
            due_in = burst.next_due_in()
            burst.wakeup.wait(max(0.05, next_poll - self._clock() if due_in is None else due_in))
