"""A results file checked before it is posted: what Post would send, and why the rest is left out.

A result is postable when Ramp holds its transaction ready now and it was not posted before. "Posted
before" means it is in a journalled chunk Ramp accepted (`sent`) or may have (`pending`, awaiting
an answer); `journalled_results` answers that for the preview here and for `post_sync_results`
(syncs.py), so a result the preview counted as already posted is never sent again under a new key.

The preview is saved (`sync_previews`) with exactly the results it kept, so its Post button sends
what the preview showed (`saved_preview`), even after a restart.
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bot.ramp import NotFound, RampClient
from bot.services.sync_results import ResultsFile, RowNote, SyncResult
from bot.services.transactions import list_sync_ready
from bot.store import Store

ResultKey = tuple[str, str | None, str | None]
LOOKUPS = 50  # ids not ready and never seen, looked up one by one to tell "unknown" from "not ready"


def result_key(result: SyncResult) -> ResultKey:
    """What makes two results the same post: the transaction and its reference or error message."""
    if result.succeeded:
        return (result.transaction_id, result.reference_id, None)
    return (result.transaction_id, None, result.error or "")


def journalled_results(store: Store) -> dict[ResultKey, str]:
    """Every result in a chunk Ramp accepted (`sent`) or may have (`pending`), with that state."""
    found: dict[ResultKey, str] = {}
    for transaction_id, reference_id, error, state in store.journalled_results():
        key = result_key(SyncResult(transaction_id, reference_id, error))
        if found.get(key) != "sent":
            found[key] = state
    return found


@dataclass
class ResultsPreview:
    id: str
    file: ResultsFile
    to_post: list[SyncResult]  # ready in Ramp now, and not posted before
    unknown: list[RowNote]
    not_ready: list[RowNote]
    already_posted: int

    @property
    def successes(self) -> int:
        return sum(1 for r in self.to_post if r.succeeded)

    @property
    def failures(self) -> int:
        return len(self.to_post) - self.successes

    @property
    def nothing_to_do(self) -> bool:
        return not self.to_post


def preview_results(
    ramp: RampClient, store: Store, parsed: ResultsFile, *, source: str, user_id: str
) -> ResultsPreview:
    """Check a results file against what Ramp holds ready now; keep what Post will send."""
    ready = {t.id for t in list_sync_ready(ramp, store, remember=False).transactions}
    postable = [r for r in parsed.results if r.transaction_id in ready]
    unknown, not_ready = _not_postable(
        ramp, store, [r for r in parsed.results if r.transaction_id not in ready]
    )
    journalled = journalled_results(store)
    to_post = [r for r in postable if result_key(r) not in journalled]
    already = len(postable) - len(to_post)
    preview = ResultsPreview(uuid.uuid4().hex[:16], parsed, to_post, unknown, not_ready, already)
    store.save_sync_preview(preview.id, source, user_id, _dump_results(to_post))
    return preview


def _not_postable(
    ramp: RampClient, store: Store, results: list[SyncResult]
) -> tuple[list[RowNote], list[RowNote]]:
    seen = store.transaction_rows([r.transaction_id for r in results])
    unseen = [r.transaction_id for r in results if r.transaction_id not in seen][:LOOKUPS]

    def status(transaction_id: str) -> str | None:
        try:
            return ramp.get_transaction(transaction_id).sync_status or "NOT_SYNC_READY"
        except NotFound:
            return None

    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="ramp-lookup") as pool:
        looked_up = dict(zip(unseen, pool.map(status, unseen), strict=True))
    unknown, not_ready = [], []
    for result in results:
        found = seen[result.transaction_id]["sync_status"] if result.transaction_id in seen else None
        found = found or looked_up.get(result.transaction_id)
        if found:
            reason = "already synced" if found == "SYNCED" else found.replace("_", " ").lower()
            not_ready.append(RowNote(result.row, result.transaction_id, reason))
        elif result.transaction_id in looked_up:
            unknown.append(RowNote(result.row, result.transaction_id, "Ramp has no transaction with this id"))
        else:
            unknown.append(RowNote(result.row, result.transaction_id, "not among Ramp's ready transactions"))
    return unknown, not_ready


def _dump_results(results: list[SyncResult]) -> str:
    return json.dumps([[r.transaction_id, r.reference_id, r.error, r.row] for r in results])


def saved_preview(store: Store, preview_id: str) -> tuple[str, list[SyncResult]] | None:
    """(source, results) of a preview shown earlier, for its Post button."""
    row = store.sync_preview(preview_id)
    if row is None:
        return None
    return row["source"], [SyncResult(*values) for values in json.loads(row["results"])]
