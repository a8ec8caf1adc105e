"""The one base of failures a person can act on: what happened, what to do, and Ramp's trace id.

    UserError                    .what_happened .what_to_do .trace_id; str(error) == what_happened
     ├── RampError               bot/ramp/errors.py: Ramp's message, the advice, its x-trace-id
     ├── ImportFileError         bot/importers/records.py: a file that cannot be read at all
     ├── UploadProblem           bot/services/uploads.py: a preview or upload that cannot go on
     ├── FilterError             bot/services/transaction_filters.py: `/ramp transactions` filters
     ├── ScheduleError           bot/services/schedules.py: `/ramp summary on …`
     └── DownloadError           handlers/downloads.py: a shared file that cannot be fetched

One handler (handlers/errors.py) turns any of them into the same message; anything else is a bug,
logged with an error id that the message shows.
"""

from __future__ import annotations


class UserError(Exception):
    """A failure explained to the person who asked: `what_happened`, then `what_to_do`."""

    def __init__(self, what_happened: str, what_to_do: str = "") -> None:
        super().__init__(what_happened)
        self._what_happened = what_happened
        self._what_to_do = what_to_do

    @property
    def what_happened(self) -> str:
        return self._what_happened

    @property
    def what_to_do(self) -> str:
        return self._what_to_do

    trace_id: str | None = None  # Ramp's x-trace-id, when Ramp said it
