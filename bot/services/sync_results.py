"""Sync results as the ERP reports them: one `SyncResult` per object of any kind Ramp syncs, its
checks, and results files (CSV or XLSX) read into results and row notes.

A results file has the header `transaction_id,status,reference_id,error` (`id` may stand for
`transaction_id`), and two optional columns: `type`, the kind of object on the row (the
`result_type` words of bot/syncable_kinds.py, `transaction` when absent or empty), and
`deep_link_url`, the ERP's link to a synced bill (shared/ramp-api/openapi-all-objects.json,
`ApiAccountingSuccessfulSyncRequestBody.deep_link_url`: "Only applicable for bills").

Pure code: no Ramp, no database. Posting them (and the shape Ramp wants them in) is `syncs.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.importers import ImportFileError, read_rows
from bot.importers.formats import header_key
from bot.syncable_kinds import BY_KEY, KINDS, TRANSACTIONS, SyncableKind, for_word

# Ramp documents no length limits; these keep within what ERPs and Ramp's Accounting tab show.
MAX_REFERENCE = 255
MAX_ERROR = 1000
# assumption: the spec gives `deep_link_url` no length limit; 2,000 is what browsers reliably open.
MAX_DEEP_LINK = 2000
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
SUCCESS_WORDS = {"success", "successful", "succeeded", "synced"}
FAILED_WORDS = {"failed", "failure", "fail", "error"}
TYPE_WORDS = ", ".join(f"`{k.result_type}`" for k in KINDS)


@dataclass(frozen=True)
class SyncResult:
    """One result: a reference id means synced, an error message means failed."""

    transaction_id: str  # the object's id, whatever its kind
    reference_id: str | None = None
    error: str | None = None
    row: int = 0  # the file's row, for messages; 0 when typed in a modal
    kind: str = TRANSACTIONS  # a key of bot/syncable_kinds.py: it decides the sync_type
    deep_link_url: str | None = None  # bills only: the bill in the ERP

    @property
    def succeeded(self) -> bool:
        return self.reference_id is not None


def check_result(result: SyncResult) -> str | None:
    """Why this result cannot be posted, or None."""
    row = BY_KEY.get(result.kind)
    if row is None:
        return f"`{result.kind[:30]}` is not a kind of object Ramp syncs"
    if not _UUID.match(result.transaction_id):
        return f"`{result.transaction_id[:60]}` is not a Ramp {row.result_type.replace('_', ' ')} id"
    if result.reference_id is not None and not result.reference_id.strip():
        return "the ERP reference id is empty"
    if result.reference_id is not None and len(result.reference_id) > MAX_REFERENCE:
        return f"the reference id has {len(result.reference_id):,} characters; the limit is {MAX_REFERENCE}"
    if result.reference_id is None and not (result.error or "").strip():
        return "the failure reason is empty"
    if result.error is not None and len(result.error) > MAX_ERROR:
        return f"the failure reason has {len(result.error):,} characters; the limit is {MAX_ERROR:,}"
    if result.deep_link_url is not None:
        return _check_deep_link(row, result, result.deep_link_url)
    return None


def _check_deep_link(row: SyncableKind, result: SyncResult, link: str) -> str | None:
    if not row.deep_link:
        bills = ", ".join(k.plural for k in KINDS if k.deep_link)
        return f"`deep_link_url` is for {bills} only, and this is a {row.singular}: leave it empty"
    if not result.succeeded:
        return "`deep_link_url` goes with a success only: Ramp links a synced bill to the ERP"
    parts = urlsplit(link)
    if parts.scheme != "https" or not parts.netloc or any(c.isspace() for c in link):
        return f"`deep_link_url` `{link[:60]}` is not an https URL; write it as https://erp.example.com/bills/123"
    if len(link) > MAX_DEEP_LINK:
        return f"`deep_link_url` has {len(link):,} characters; the limit is {MAX_DEEP_LINK:,}"
    return None


def kind_of_type(word: str) -> SyncableKind | None:
    """The kind a `type` cell names: `bill_payment`, `Bill Payment`, `bill-payments`; the empty
    cell is a card transaction; None for a word no kind has."""
    if not word.strip():
        return BY_KEY[TRANSACTIONS]
    return for_word(word)


# -- results files: transaction_id,status,reference_id,error[,type][,deep_link_url] ----------------

RESULT_COLUMNS = ("transaction_id", "status", "reference_id", "error")
ID_HEADERS = ("transaction_id", "id")  # the first column's names, either one
OPTIONAL_COLUMNS = ("type", "deep_link_url")


@dataclass(frozen=True)
class RowNote:
    """A row left out of the post, and why."""

    row: int
    transaction_id: str
    reason: str
    kind: str = TRANSACTIONS  # "" when the row's `type` names no kind

    @property
    def kind_singular(self) -> str:
        """`bill payment`, as the preview names a row's kind; "" for a row of no known kind."""
        row = BY_KEY.get(self.kind)
        return row.singular if row else ""


@dataclass
class ResultsFile:
    filename: str
    results: list[SyncResult]  # readable rows, one per object (a kind and an id)
    incomplete: list[RowNote]  # neither the reference its success needs nor the error its failure needs
    invalid: list[RowNote]  # unknown status or type, too long, not an id, a link where none goes
    duplicates: list[RowNote]  # an object seen on an earlier row (a conflicting one leaves it out)

    @property
    def kinds(self) -> list[SyncableKind]:
        """The kinds of object its results are of, in the table's order."""
        present = {r.kind for r in self.results}
        return [k for k in KINDS if k.key in present]


def parse_results_file(data: bytes, filename: str) -> ResultsFile:
    """Read a CSV or XLSX of ERP results. Raises `ImportFileError` if it cannot be read at all."""
    parsed = ResultsFile(filename, [], [], [], [])
    seen: dict[tuple[str, str], SyncResult] = {}
    conflicting: set[tuple[str, str]] = set()
    with read_rows(data, filename) as rows:
        columns: dict[str, int] | None = None
        id_column = ID_HEADERS[0]
        for number, cells in rows:
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _result_columns(cells, filename)
                id_column = _id_header(cells, columns)
                continue
            row = {name: _cell(cells, index) for name, index in columns.items()}
            result, problem = _result(number, row, id_column=id_column)
            if problem is not None:
                target = parsed.incomplete if problem.reason.startswith("no ") else parsed.invalid
                target.append(problem)
                continue
            assert result is not None
            key = (result.kind, result.transaction_id)
            earlier = seen.get(key)
            if earlier is None:
                seen[key] = result
                continue
            same = _outcome(earlier) == _outcome(result)
            if not same:
                conflicting.add(key)
            reason = f"also on row {earlier.row}" + (
                "" if same else " with a different result: both left out"
            )
            parsed.duplicates.append(RowNote(number, result.transaction_id, reason, result.kind))
    if columns is None:
        raise ImportFileError(f"“{filename}” has no header row.")
    parsed.results = [r for key, r in seen.items() if key not in conflicting]
    return parsed


def _outcome(result: SyncResult) -> tuple[str | None, str | None, str | None]:
    return (result.reference_id, result.error, result.deep_link_url)


def _result_columns(cells: list[str], filename: str) -> dict[str, int]:
    """Where each column is: `transaction_id` (found as `transaction_id` or `id`), `status`,
    `reference_id`, `error`, and `type`, `deep_link_url` when the file has them."""
    keys = [header_key(cell) for cell in cells]
    ids = [keys.index(header_key(h)) for h in ID_HEADERS if header_key(h) in keys]
    found = {name: keys.index(header_key(name)) for name in (*RESULT_COLUMNS[1:], *OPTIONAL_COLUMNS)
             if header_key(name) in keys}  # fmt: skip
    missing = [name for name in RESULT_COLUMNS[1:] if name not in found]
    if not ids:
        missing.insert(0, "transaction_id (or id)")
    if missing:
        raise ImportFileError(
            f"“{filename}” lacks the column(s) {', '.join(missing)}. A results file has the header "
            f"`{','.join(RESULT_COLUMNS)}`, and may add `type` (one of {TYPE_WORDS}) and, for bills, "
            "`deep_link_url`."
        )
    return {"transaction_id": ids[0], **found}


def _id_header(cells: list[str], columns: dict[str, int]) -> str:
    """The id column's name (from the header row) as messages should say it: `transaction_id` or `id`."""
    written = header_key(cells[columns["transaction_id"]])
    return next(h for h in ID_HEADERS if header_key(h) == written)


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _result(number: int, row: dict[str, str], *, id_column: str) -> tuple[SyncResult | None, RowNote | None]:
    object_id, status = row["transaction_id"], row["status"].lower()
    reference, error = row["reference_id"], row["error"]
    kind = kind_of_type(row.get("type", ""))
    if kind is None:
        written = row["type"][:30]
        return None, RowNote(
            number,
            object_id,
            f"column `type`: `{written}` is not a kind Ramp syncs; write one of {TYPE_WORDS}",
            "",
        )
    link = row.get("deep_link_url") or None
    if not object_id:
        return None, RowNote(number, "", f"no {id_column}", kind.key)
    if status in SUCCESS_WORDS:
        if not reference:
            return None, RowNote(number, object_id, "no reference_id for a success", kind.key)
        result = SyncResult(object_id, reference_id=reference, row=number, kind=kind.key, deep_link_url=link)
    elif status in FAILED_WORDS:
        if not error:
            return None, RowNote(number, object_id, "no error message for a failure", kind.key)
        result = SyncResult(object_id, error=error, row=number, kind=kind.key, deep_link_url=link)
    else:
        return None, RowNote(
            number, object_id, f"status `{row['status'][:20]}` is neither success nor failed", kind.key
        )
    problem = check_result(result)
    if problem and problem.startswith("`deep_link_url`"):
        problem = "column " + problem
    return (None, RowNote(number, object_id, problem, kind.key)) if problem else (result, None)
