"""Every row of a previewed file as a CSV: what the upload does with it, and why, by Excel row number.

    content = row_list_csv(parsed, plan)     # row, outcome, id, name, code, classification, detail

Outcomes: new, changed (before → after per field), unchanged, skipped (with the reason, and for a
record the ERP deleted that Ramp holds active, that Upload deactivates it), error (the column and
the problem; the other rows of such a file are "not uploaded"), and, without a row, the items Ramp
holds that the file lacks. A classification Ramp keeps its own of is said in the row's detail.
Cells go through bot/exports.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.exports import to_csv
from bot.importers import ParsedFile
from bot.importers.records import MAX_LISTED_SKIPS
from bot.services.category_diff import Change
from bot.services.upload_plan import UploadPlan

HEADER = ("row", "outcome", "id", "name", "code", "classification", "detail")
Row = tuple[object, ...]
HAS_ERRORS = "the file has errors: fix them, share it again"  # why none of its rows is uploaded


@dataclass(frozen=True)
class RowList:
    file_name: str  # the file the rows are of
    filename: str  # of the CSV
    content: bytes
    rows: int  # data rows of the file


def row_list(parsed: ParsedFile, plan: UploadPlan, file_name: str) -> RowList:
    stem = file_name.rsplit(".", 1)[0] or "file"
    return RowList(file_name, f"{stem}-rows.csv", row_list_csv(parsed, plan), parsed.total_rows)


def row_list_csv(parsed: ParsedFile, plan: UploadPlan) -> bytes:
    rows = sorted(_file_rows(parsed, plan), key=lambda row: (int(str(row[0])), str(row[1])))
    return to_csv(HEADER, [*rows, *_unlisted_skips(parsed), *_missing(plan)])


def _file_rows(parsed: ParsedFile, plan: UploadPlan) -> Iterator[Row]:
    new = {id(record) for record in plan.new_records}
    changed = {id(change.record): change for change in plan.changes}
    kept = {id(conflict.record): conflict.held for conflict in plan.conflicts}
    rows = parsed.record_rows if len(parsed.record_rows) == len(parsed.records) else [0] * len(parsed.records)
    for record, number in zip(parsed.records, rows, strict=True):
        change = changed.get(id(record))
        if plan.unavailable or plan.errors:
            outcome, detail = "not uploaded", plan.unavailable or HAS_ERRORS
        elif id(record) in new:
            outcome, detail = "new", ""
        elif change is not None:
            outcome, detail = "changed", _before_after(change)
        else:
            outcome, detail = "unchanged", ""
        if id(record) in kept:
            note = f"classification stays {kept[id(record)]} (Ramp sets it on create only)"
            detail = f"{detail}; {note}" if detail else note
        yield (number, outcome, record.id, record.name, record.code, record.classification, detail)
    deactivated = {item.id for item in plan.deleted_items}
    for skipped in parsed.skipped:
        detail = skipped.reason_text
        if skipped.reason == "deleted" and skipped.id in deactivated:
            detail = f"{detail}; active in Ramp, so Upload deactivates it"
        yield (skipped.row, "skipped", skipped.id, skipped.name, "", "", detail)
    by_row: dict[int, list[str]] = {}
    for error in parsed.errors:
        by_row.setdefault(error.row, []).append(f"column {error.column}: {error.message}")
    for number, problems in by_row.items():
        yield (number, "error", "", "", "", "", "; ".join(problems))


def _before_after(change: Change) -> str:
    return "; ".join(f"{name}: {before or 'blank'} → {after}" for name, before, after in change.shown)


def _unlisted_skips(parsed: ParsedFile) -> list[Row]:
    """Skipped rows past the ones kept with their details: counted, not listed."""
    more = parsed.skipped_count - len(parsed.skipped)
    if more <= 0:
        return []
    return [
        (
            "",
            "skipped",
            "",
            "",
            "",
            "",
            f"{more:,} more skipped rows (only the first {MAX_LISTED_SKIPS:,} are listed)",
        )
    ]


def _missing(plan: UploadPlan) -> list[Row]:
    return [
        ("", "missing from the file", item.id, item.name, item.code, item.classification, "in Ramp, active")
        for item in plan.missing_items
    ]
