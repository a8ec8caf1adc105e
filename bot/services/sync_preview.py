"""A results file checked before it is posted: what Post would send, and why the rest is left out.

A result is postable when Ramp holds its object ready now and it was not posted before. Each kind
is checked against its own ready list (bot/syncable_kinds.py: transactions through their sliced
listing, the other kinds through bot/services/sync_objects.py), the kinds side by side. "Posted
before" means it is in a journalled chunk of the same sync type that Ramp accepted (`sent`) or may
have (`pending`, awaiting an answer); `journalled_results` answers that for the preview here and
for `post_sync_results` (syncs.py), so a result the preview counted as already posted is never
sent again under a new key.

The preview is saved (`sync_previews`) with exactly the results it kept, so its Post button sends
what the preview showed (`saved_preview`), even after a restart.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bot.ramp import NotFound, RampClient
from bot.services.sync_objects import NotEnabled, fetch_ready
from bot.services.sync_results import ResultsFile, RowNote, SyncResult
from bot.services.transactions import list_sync_ready
from bot.store import Store
from bot.syncable_kinds import BY_KEY, KINDS, SYNCED_STATUSES, TRANSACTIONS, SyncableKind, kind

ResultKey = tuple[str, str, str | None, str | None]
LOOKUPS = 50  # ids not ready and never seen, looked up one by one to tell "unknown" from "not ready"
# What Ramp calls an object it has synced (openapi-all-objects.json: Bill.sync_status has its own enum).


def result_key(result: SyncResult) -> ResultKey:
    """What makes two results the same post: the kind, the object, and its reference or error."""
    if result.succeeded:
        return (result.kind, result.transaction_id, result.reference_id, None)
    return (result.kind, result.transaction_id, None, result.error or "")


def journalled_results(store: Store) -> dict[ResultKey, str]:
    """Every result in a chunk Ramp accepted (`sent`) or may have (`pending`), with that state."""
    found: dict[ResultKey, str] = {}
    for row in KINDS:
        for object_id, reference_id, error, state in store.journalled_results(row.sync_type):
            key = result_key(SyncResult(object_id, reference_id, error, kind=row.key))
            if found.get(key) != "sent":
                found[key] = state
    return found


@dataclass(frozen=True)
class KindCount:
    """One line of the preview: how many synced and failed results of one kind would be posted."""

    kind: SyncableKind
    successes: int
    failures: int


@dataclass
class ResultsPreview:
    id: str
    file: ResultsFile
    to_post: list[SyncResult]  # ready in Ramp now, and not posted before
    unknown: list[RowNote]
    not_ready: list[RowNote]
    already_posted: int
    read_only: str = ""  # why Post is not offered: Ramp refused a write for the connection as direct

    @property
    def successes(self) -> int:
        return sum(1 for r in self.to_post if r.succeeded)

    @property
    def failures(self) -> int:
        return len(self.to_post) - self.successes

    @property
    def nothing_to_do(self) -> bool:
        return not self.to_post

    @property
    def can_post(self) -> bool:
        return bool(self.to_post) and not self.read_only

    @property
    def by_kind(self) -> list[KindCount]:
        """Synced and failed counts per kind, in the table's order; only kinds with something to post."""
        return [
            KindCount(row, sum(1 for r in mine if r.succeeded), sum(1 for r in mine if not r.succeeded))
            for row in KINDS
            if (mine := [r for r in self.to_post if r.kind == row.key])
        ]

    @property
    def several_kinds(self) -> bool:
        """Whether the file speaks of more than card transactions (then each note names its kind)."""
        file = self.file
        notes = [*self.unknown, *self.not_ready, *file.invalid, *file.incomplete, *file.duplicates]
        return any(k != TRANSACTIONS for k in [*(r.kind for r in file.results), *(n.kind for n in notes)])


def preview_results(
    ramp: RampClient, store: Store, parsed: ResultsFile, *, source: str, user_id: str
) -> ResultsPreview:
    """Check a results file against what Ramp holds ready now; keep what Post will send."""
    kinds = parsed.kinds
    with ThreadPoolExecutor(max_workers=max(1, len(kinds)), thread_name_prefix="ramp-ready") as pool:
        ready = dict(
            zip([k.key for k in kinds], pool.map(lambda k: _ready(ramp, store, k), kinds), strict=True)
        )
    postable, waiting, not_enabled, elsewhere = [], [], [], []
    for result in parsed.results:
        found = ready[result.kind]
        if isinstance(found, NotEnabled):
            not_enabled.append(RowNote(result.row, result.transaction_id, _not_enabled(found), result.kind))
        elif result.transaction_id not in found:
            elsewhere.append(result)
        elif _waits(result, found[result.transaction_id]):
            waiting.append(result)
        else:
            postable.append(result)
    followers = _after_their_own(waiting, postable)
    postable += [r for r in waiting if r in followers]
    unknown, not_ready = _not_postable(ramp, store, elsewhere)
    not_ready += not_enabled + [
        RowNote(r.row, r.transaction_id, _waiting_reason(r), r.kind) for r in waiting if r not in followers
    ]
    journalled = journalled_results(store)
    to_post = [r for r in postable if result_key(r) not in journalled]
    already = len(postable) - len(to_post)
    preview = ResultsPreview(uuid.uuid4().hex[:16], parsed, to_post, unknown, not_ready, already)
    store.save_sync_preview(preview.id, source, user_id, _dump_results(to_post))
    return preview


def _ready(ramp: RampClient, store: Store, row: SyncableKind) -> dict[str, str] | NotEnabled:
    """Id -> sync status of every object of the kind Ramp holds ready now (NotEnabled: no scope)."""
    if row.key == TRANSACTIONS:
        return {t.id: t.sync_status or "" for t in list_sync_ready(ramp, store, remember=False).transactions}
    try:
        return {item.id: item.sync_status or "" for item in fetch_ready(ramp, row)}
    except NotEnabled as error:
        return error


def _not_enabled(error: NotEnabled) -> str:
    return f"{error.kind.plural} are not enabled: add the `{error.kind.scope}` scope to the Ramp app"


def _waits(result: SyncResult, status: str) -> bool:
    after = kind(result.kind).after
    return after is not None and status == after[1]


def _after_their_own(waiting: list[SyncResult], postable: list[SyncResult]) -> set[SyncResult]:
    """The waiting results whose prerequisite (a success of the kind they follow) is being posted."""
    first = {(r.kind, r.transaction_id) for r in postable if r.succeeded}
    return {r for r in waiting if (_followed(r.kind), r.transaction_id) in first}


def _followed(kind_key: str) -> str:
    after = kind(kind_key).after
    assert after is not None, kind_key
    return after[0]


def _waiting_reason(result: SyncResult) -> str:
    before = kind(_followed(result.kind))
    return (
        f"its {before.singular} is not synced yet: add the {before.singular}'s success to this file "
        f"(type `{before.result_type}`), or sync the {before.singular} first"
    )


def _not_postable(
    ramp: RampClient, store: Store, results: list[SyncResult]
) -> tuple[list[RowNote], list[RowNote]]:
    """Unknown ids and ids that are not ready, each with its reason; looked up where never seen."""
    seen = {
        (kind_key, object_id): row["sync_status"]
        for kind_key in {r.kind for r in results}
        for object_id, row in _stored(store, kind_key, [r for r in results if r.kind == kind_key]).items()
    }
    unseen = [(r.kind, r.transaction_id) for r in results if (r.kind, r.transaction_id) not in seen][:LOOKUPS]

    def status(key: tuple[str, str]) -> str | None:
        kind_key, object_id = key
        try:
            if kind_key == TRANSACTIONS:
                return ramp.get_transaction(object_id).sync_status or "NOT_SYNC_READY"
            return ramp.get_object(kind(kind_key), object_id).sync_status or "NOT_SYNC_READY"
        except NotFound:
            return None

    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="ramp-lookup") as pool:
        looked_up = dict(zip(unseen, pool.map(status, unseen), strict=True))
    unknown, not_ready = [], []
    for result in results:
        key = (result.kind, result.transaction_id)
        found = seen.get(key) or looked_up.get(key)
        row = BY_KEY[result.kind]
        if found:
            reason = "already synced" if found in SYNCED_STATUSES else found.replace("_", " ").lower()
            not_ready.append(RowNote(result.row, result.transaction_id, reason, result.kind))
        elif key in looked_up:
            reason = f"Ramp has no {row.singular} with this id"
            unknown.append(RowNote(result.row, result.transaction_id, reason, result.kind))
        else:
            reason = f"not among Ramp's ready {row.plural}"
            unknown.append(RowNote(result.row, result.transaction_id, reason, result.kind))
    return unknown, not_ready


def _stored(store: Store, kind_key: str, results: Iterable[SyncResult]) -> dict[str, dict[str, Any]]:
    ids = [r.transaction_id for r in results]
    return store.transaction_rows(ids) if kind_key == TRANSACTIONS else store.object_rows(kind_key, ids)


def _dump_results(results: list[SyncResult]) -> str:
    return json.dumps(
        [[r.transaction_id, r.reference_id, r.error, r.row, r.kind, r.deep_link_url] for r in results]
    )


def saved_preview(store: Store, preview_id: str) -> tuple[str, list[SyncResult]] | None:
    """(source, results) of a preview shown earlier, for its Post button (a preview saved before
    results had kinds is of card transactions)."""
    row = store.sync_preview(preview_id)
    if row is None:
        return None
    return row["source"], [SyncResult(*values) for values in json.loads(row["results"])]
