"""Daily summary schedules: what `/ramp summary on HH:MM [Area/City] [weekdays]` means, and when a
channel's summary is due.

A schedule keeps the local time and the IANA zone, never a UTC instant, so a daylight-saving change
moves the UTC send time and keeps the local one. A summary is due on a local day once its local
time has passed, if it was not sent that day, and if the schedule existed by then (turning one on at
10:00 for 09:00 starts tomorrow). A wall time that a spring-forward skips is read with the offset
before the change (London's 01:30 on that day goes out at 02:30 BST); one that happens twice in
autumn is due at its first occurrence (PEP 495 `fold=0`).

Exactly once per day comes from `Store.claim_summary_day`: one UPDATE that only one process can win.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import UserError
from bot.store import Store

SYNTAX = "/ramp summary on HH:MM [Area/City] [weekdays]"
EXAMPLE = "/ramp summary on 08:30 Europe/London weekdays"
ACTIVE, PAUSED, OFF = "active", "paused", "off"
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
_WEEKDAY_WORDS = {"weekdays", "weekday", "workdays", "mon-fri"}
_DAILY_WORDS = {"daily", "everyday", "every-day"}


class ScheduleError(UserError, ValueError):
    """What the user typed cannot be a schedule; the message says what is wrong."""


@dataclass(frozen=True)
class ScheduleRequest:
    at: time
    tz: str | None  # None: the time zone of whoever sets it
    weekdays_only: bool


@dataclass(frozen=True)
class Schedule:
    channel_id: str
    at: time
    tz: str
    weekdays_only: bool
    set_by: str
    set_at: datetime
    state: str = ACTIVE  # active, paused (the channel was gone), off
    reason: str = ""  # why it is paused
    last_date: date | None = None  # the last local day a summary was claimed for

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def when(self) -> str:
        """`09:00 Europe/London, weekdays`."""
        return f"{self.at:%H:%M} {self.tz}, {'weekdays' if self.weekdays_only else 'every day'}"

    @property
    def command(self) -> str:
        """The command that sets this schedule again."""
        return f"/ramp summary on {self.at:%H:%M} {self.tz}" + (" weekdays" if self.weekdays_only else "")

    def local_day(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()

    def due_at(self, day: date) -> datetime | None:
        """The UTC instant of `day`'s summary, or None on a day without one (a weekend)."""
        if self.weekdays_only and day.weekday() >= 5:
            return None
        local = datetime.combine(day, self.at, tzinfo=self.zone)  # fold=0: the first of a repeated hour
        return local.astimezone(UTC)

    def is_due(self, now: datetime) -> bool:
        day = self.local_day(now)
        due = self.due_at(day)
        return (
            self.state == ACTIVE
            and due is not None
            and self.set_at <= due <= now
            and (self.last_date is None or self.last_date < day)
        )

    def next_run(self, now: datetime) -> datetime:
        """The next UTC instant a summary will go out (today's if it is still ahead)."""
        day = self.local_day(now)
        for offset in range(8):
            candidate = date.fromordinal(day.toordinal() + offset)
            due = self.due_at(candidate)
            if due is None or due < max(now, self.set_at):
                continue
            if self.last_date is not None and candidate <= self.last_date:
                continue
            return due
        raise AssertionError("a schedule runs at least every weekday")


def parse_schedule(args: tuple[str, ...]) -> ScheduleRequest:
    """`("08:30", "Europe/London", "weekdays")` after `on`; the zone and `weekdays` are optional."""
    if not args:
        raise ScheduleError("At what time? Give it as HH:MM in 24-hour time.")
    match = _TIME.match(args[0].strip().lower())
    if match is None:
        raise ScheduleError(f"`{args[0]}` is not a time; give it as HH:MM in 24-hour time, e.g. 08:30.")
    at = time(int(match.group(1)), int(match.group(2)))
    tz: str | None = None
    weekdays_only = False
    for word in args[1:]:
        lowered = word.lower()
        if lowered in _WEEKDAY_WORDS:
            weekdays_only = True
        elif lowered in _DAILY_WORDS:
            weekdays_only = False
        elif tz is None:
            tz = time_zone(word)
        else:
            raise ScheduleError(f"I don't know what `{word}` means here.")
    return ScheduleRequest(at, tz, weekdays_only)


def time_zone(typed: str) -> str:
    """The IANA name for what was typed (`europe/paris` -> `Europe/Paris`), or a ScheduleError."""
    name = _zone_names().get(typed.strip().lower())
    if name is None:
        raise ScheduleError(
            f"`{typed}` is not a time zone I know; use an IANA name such as `Europe/London`,"
            " `America/New_York` or `Asia/Tokyo`."
        )
    return name


@cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def usable_zone(name: str | None) -> str:
    """A zone from Slack's profile, or UTC when it is missing or unknown here."""
    try:
        return time_zone(name) if name else "UTC"
    except (ScheduleError, ZoneInfoNotFoundError):
        return "UTC"


class ScheduleBook:
    """The schedules in SQLite, as `Schedule` values."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def set(
        self, channel_id: str, request: ScheduleRequest, tz: str, user_id: str, now: datetime
    ) -> Schedule:
        self._store.save_summary_schedule(
            {
                "channel_id": channel_id,
                "local_time": f"{request.at:%H:%M}",
                "tz": tz,
                "weekdays_only": int(request.weekdays_only),
                "set_by": user_id,
                "set_at": _iso(now),
                "state": ACTIVE,
                "reason": "",
            }
        )
        schedule = self.get(channel_id)
        assert schedule is not None
        return schedule

    def turn_off(self, channel_id: str) -> Schedule | None:
        """The schedule that was on (or paused), now off; None when there was none."""
        current = self.get(channel_id)
        if current is None or current.state == OFF:
            return None
        self._store.set_summary_state(channel_id, OFF, "")
        return current

    def pause(self, channel_id: str, reason: str) -> None:
        self._store.set_summary_state(channel_id, PAUSED, reason)

    def get(self, channel_id: str) -> Schedule | None:
        row = self._store.summary_schedule(channel_id)
        return _schedule(row) if row else None

    def listed(self) -> list[Schedule]:
        """Active and paused schedules, by channel."""
        return [_schedule(row) for row in self._store.summary_schedules() if row["state"] != OFF]

    def due(self, now: datetime) -> list[Schedule]:
        return [s for s in self.listed() if s.is_due(now)]

    def claim(self, schedule: Schedule, now: datetime) -> bool:
        """Take today's summary for this channel; False when another process (or tick) has it."""
        return self._store.claim_summary_day(schedule.channel_id, schedule.local_day(now).isoformat())

    def release(self, schedule: Schedule, now: datetime) -> None:
        """Give back a claim whose summary was certainly not posted, so the next tick tries again."""
        previous = schedule.last_date.isoformat() if schedule.last_date else None
        self._store.release_summary_day(schedule.channel_id, schedule.local_day(now).isoformat(), previous)


def _schedule(row: dict[str, object]) -> Schedule:
    hours, minutes = str(row["local_time"]).split(":")
    last = row.get("last_date")
    return Schedule(
        channel_id=str(row["channel_id"]),
        at=time(int(hours), int(minutes)),
        tz=str(row["tz"]),
        weekdays_only=bool(row["weekdays_only"]),
        set_by=str(row["set_by"] or ""),
        set_at=datetime.fromisoformat(str(row["set_at"])),
        state=str(row["state"]),
        reason=str(row.get("reason") or ""),
        last_date=date.fromisoformat(str(last)) if last else None,
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
