"""Sync results as the ERP reports them: one `SyncResult` per transaction, its checks, and results
files (`transaction_id,status,reference_id,error`, CSV or XLSX) read into results and row notes.

Pure code: no Ramp, no database. Posting them (and the shape Ramp wants them in) is `syncs.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.importers import ImportFileError, read_rows
from bot.importers.formats import header_key

# Ramp documents no length limits; these keep within what ERPs and Ramp's Accounting tab show.
MAX_REFERENCE = 255
MAX_ERROR = 1000
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
SUCCESS_WORDS = {"success", "successful", "succeeded", "synced"}
FAILED_WORDS = {"failed", "failure", "fail", "error"}


@dataclass(frozen=True)
class SyncResult:
    """One result: a reference id means synced, an error message means failed."""

    transaction_id: str
    reference_id: str | None = None
    error: str | None = None
    row: int = 0  # the file's row, for messages; 0 when typed in a modal

    @property
    def succeeded(self) -> bool:
        return self.reference_id is not None


def check_result(result: SyncResult) -> str | None:
    """Why this result cannot be posted, or None."""
    if not _UUID.match(result.transaction_id):
        return f"`{result.transaction_id[:60]}` is not a Ramp transaction id"
    if result.reference_id is not None and not result.reference_id.strip():
        return "the ERP reference id is empty"
    if result.reference_id is not None and len(result.reference_id) > MAX_REFERENCE:
        return f"the reference id has {len(result.reference_id):,} characters; the limit is {MAX_REFERENCE}"
    if result.reference_id is None and not (result.error or "").strip():
        return "the failure reason is empty"
    if result.error is not None and len(result.error) > MAX_ERROR:
        return f"the failure reason has {len(result.error):,} characters; the limit is {MAX_ERROR:,}"
    return None


# -- results files: transaction_id,status,reference_id,error --------------------------------------

RESULT_COLUMNS = ("transaction_id", "status", "reference_id", "error")


@dataclass(frozen=True)
class RowNote:
    """A row left out of the post, and why."""

    row: int
    transaction_id: str
    reason: str


@dataclass
class ResultsFile:
    filename: str
    results: list[SyncResult]  # readable rows, one per transaction id
    incomplete: list[RowNote]  # neither the reference its success needs nor the error its failure needs
    invalid: list[RowNote]  # unknown status, too long, not an id
    duplicates: list[RowNote]  # an id seen on an earlier row (a conflicting one leaves the id out)


def parse_results_file(data: bytes, filename: str) -> ResultsFile:
    """Read a CSV or XLSX of ERP results. Raises `ImportFileError` if it cannot be read at all."""
    parsed = ResultsFile(filename, [], [], [], [])
    seen: dict[str, SyncResult] = {}
    conflicting: set[str] = set()
    with read_rows(data, filename) as rows:
        columns: dict[str, int] | None = None
        for number, cells in rows:
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _result_columns(cells, filename)
                continue
            row = {name: _cell(cells, index) for name, index in columns.items()}
            result, problem = _result(number, row)
            if problem is not None:
                target = parsed.incomplete if problem.reason.startswith("no ") else parsed.invalid
                target.append(problem)
                continue
            assert result is not None
            earlier = seen.get(result.transaction_id)
            if earlier is None:
                seen[result.transaction_id] = result
                continue
            same = (earlier.reference_id, earlier.error) == (result.reference_id, result.error)
            if not same:
                conflicting.add(result.transaction_id)
            reason = f"also on row {earlier.row}" + (
                "" if same else " with a different result: both left out"
            )
            parsed.duplicates.append(RowNote(number, result.transaction_id, reason))
    if columns is None:
        raise ImportFileError(f"“{filename}” has no header row.")
    parsed.results = [r for r in seen.values() if r.transaction_id not in conflicting]
    return parsed


def _result_columns(cells: list[str], filename: str) -> dict[str, int]:
    keys = [header_key(cell) for cell in cells]
    wanted = {name: header_key(name) for name in RESULT_COLUMNS}
    missing = [name for name, key in wanted.items() if key not in keys]
    if missing:
        raise ImportFileError(
            f"“{filename}” lacks the column(s) {', '.join(missing)}. A results file has the header "
            f"`{','.join(RESULT_COLUMNS)}`."
        )
    return {name: keys.index(key) for name, key in wanted.items()}


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _result(number: int, row: dict[str, str]) -> tuple[SyncResult | None, RowNote | None]:
    transaction_id, status = row["transaction_id"], row["status"].lower()
    reference, error = row["reference_id"], row["error"]
    if not transaction_id:
        return None, RowNote(number, "", "no transaction_id")
    if status in SUCCESS_WORDS:
        if not reference:
            return None, RowNote(number, transaction_id, "no reference_id for a success")
        result = SyncResult(transaction_id, reference_id=reference, row=number)
    elif status in FAILED_WORDS:
        if not error:
            return None, RowNote(number, transaction_id, "no error message for a failure")
        result = SyncResult(transaction_id, error=error, row=number)
    else:
        return None, RowNote(
            number, transaction_id, f"status `{row['status'][:20]}` is neither success nor failed"
        )
    problem = check_result(result)
    return (None, RowNote(number, transaction_id, problem)) if problem else (result, None)
