"""How long an upload takes: before **Upload**, from the requests it needs at Ramp's rate limit;
while it runs, from the pace of its last seconds.

    planned_seconds(plan.one_by_one + plan.batch_requests)     # 5,000 renames: 250.0
    pace = Pace(); pace.add(at_s, done); pace.seconds_left(done, total)
    duration(250.0)                                            # "about 4 min 10 s"

Ramp allows 200 requests per rolling 10-second window, for everything that uses the same API
client (shared/reference/ramp-api.md §2; bot/ramp/ratelimit.py keeps to it). A rename or a
deactivation is one PATCH or DELETE per item; a create takes up to 500 items a request.
"""

from __future__ import annotations

import math
from collections import deque

RAMP_REQUESTS_PER_S = 200 / 10.0  # shared/reference/ramp-api.md §2
PACE_WINDOW_S = 15.0  # the pace is measured over this much of the recent past
MIN_PACE_S = 2.0  # the first estimate needs this much of a run: Slack shows the first update at once


def planned_seconds(requests: int, per_second: float = RAMP_REQUESTS_PER_S) -> float:
    """The time `requests` take at Ramp's rate limit, if nothing else uses it meanwhile."""
    return requests / per_second


def duration(seconds: float) -> str:
    """A duration as people say it: "under 5 s", "about 40 s", "about 4 min 10 s", "about 1 h 5 min"."""
    if seconds < 5:
        return "under 5 s"
    if seconds < 60:
        return f"about {math.ceil(seconds / 5) * 5} s"
    if seconds < 3600:
        minutes, rest = divmod(math.ceil(seconds / 10) * 10, 60)
        return f"about {minutes} min" + (f" {rest} s" if rest and minutes < 10 else "")
    hours, rest = divmod(math.ceil(seconds / 300) * 300, 3600)
    return f"about {hours} h" + (f" {rest // 60} min" if rest else "")


class Pace:
    """Items done over time, the last PACE_WINDOW_S of it: the pace an upload goes at now (creates,
    500 an request, come first; renames at one a request follow), not its average since the start."""

    def __init__(self) -> None:
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, at_s: float, done: int) -> None:
        self._samples.append((at_s, done))
        while len(self._samples) > 2 and at_s - self._samples[1][0] >= PACE_WINDOW_S:
            self._samples.popleft()

    def seconds_left(self, done: int, total: int) -> float | None:
        """None until the run is MIN_PACE_S old and has done something."""
        if done >= total:
            return 0.0
        if len(self._samples) < 2:
            return None
        (first_at, first_done), (last_at, last_done) = self._samples[0], self._samples[-1]
        if last_at - first_at < MIN_PACE_S or last_done <= first_done:
            return None
        per_second = (last_done - first_done) / (last_at - first_at)
        return (total - done) / per_second
