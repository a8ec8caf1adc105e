"""Sync results back to Ramp, exactly once: chunked, journalled before sending, resent with the same key.

`POST /accounting/syncs` takes at most 5,000 results a call, all or nothing, and an
`idempotency_key` Ramp uses to recognise a retry (shared/reference/ramp-api.md section 6). So:

- results are grouped by kind (one `sync_type` per call, from the kind's row in
  bot/syncable_kinds.py; the kinds in the table's order, so a bill goes before its payment), sorted
  by id and cut into chunks of at most `MAX_SYNC_ITEMS`; each chunk's key is the sha256 of its
  sync_type and sorted items, so the same results always give the same chunks and keys (a file
  shared twice, a double click, a Slack retry all land on keys already journalled);
- each chunk is journalled as `pending` BEFORE it is sent (`Store.journal_chunk`: the chunk with its
  sync_type and one row per result, in one transaction); the answer makes it `sent` (with Ramp's
  sync_id) or `failed` (Ramp refused it: nothing was written, per-item errors kept);
- no answer (timeout, 5xx, connection reset after the client's own retries) leaves it `pending`:
  Ramp may or may not have written it, and `resend_pending()` (at start-up, and before every post)
  sends it again with its same key and sync_type, which Ramp answers with the first sync_id and
  writes nothing;
- a `sent` chunk is never sent again. An empty successful or failed list is left out of the body.

This is the one module that knows the request body's shape (`ramp_item`); the journal keeps rows
(`journal_row`), and a resend rebuilds the body from them (`journalled_chunk`). Checking a results
file before it is posted, and telling which results were posted before, is sync_preview.py.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bot.errors import UserError
from bot.ramp import MAX_SYNC_ITEMS, InvalidInput, RampClient, RampError, RampUnavailable, RateLimited
from bot.services.audit import AuditLog
from bot.services.connection_kinds import ConnectionKinds
from bot.services.sync_preview import (
    ResultKey,
    ResultsPreview,
    journalled_results,
    preview_results,
    result_key,
    saved_preview,
)
from bot.services.sync_results import ResultsFile, SyncResult
from bot.store import Store
from bot.syncable_kinds import BY_SYNC_TYPE, KINDS, TRANSACTIONS, SyncableKind, kind

log = logging.getLogger(__name__)

SYNCED, FAILED = "synced", "failed"  # a result's outcome in the journal (`sync_results`)
# The sync_status Ramp gives an object once synced (openapi-all-objects.json: Bill.sync_status has
# its own enum; a bill payment's is its bill's), kept in the cache until the next listing.

@dataclass(frozen=True)
class Chunk:
    key: str
    results: tuple[SyncResult, ...]  # of one kind, in id order
    sync_type: str = kind(TRANSACTIONS).sync_type

    @property
    def kind(self) -> SyncableKind:
        return BY_SYNC_TYPE[self.sync_type]

    @property
    def items(self) -> int:
        return len(self.results)

    @property
    def successful(self) -> tuple[dict[str, Any], ...]:
        return tuple(ramp_item(r) for r in self.results if r.succeeded)

    @property
    def failed(self) -> tuple[dict[str, Any], ...]:
        return tuple(ramp_item(r) for r in self.results if not r.succeeded)

    def rows(self) -> list[dict[str, Any]]:
        """Its results as the journal keeps them, one row each."""
        return [journal_row(r) for r in self.results]


def plan_chunks(results: Iterable[SyncResult], size: int = MAX_SYNC_ITEMS) -> list[Chunk]:
    """Per kind (in the table's order), sorted by id, cut into chunks of at most `size`; each key
    derived from its content."""
    by_kind: dict[str, list[SyncResult]] = {}
    for result in results:
        by_kind.setdefault(result.kind, []).append(result)
    chunks = []
    for row in KINDS:
        ordered = sorted(by_kind.pop(row.key, ()), key=lambda r: r.transaction_id)
        parts = [tuple(ordered[start : start + size]) for start in range(0, len(ordered), size)]
        chunks += [Chunk(_chunk_key(row.sync_type, part), part, row.sync_type) for part in parts]
    if by_kind:
        raise ValueError(f"results of no known kind: {', '.join(sorted(by_kind))}")
    return chunks


def _chunk_key(sync_type: str, results: tuple[SyncResult, ...]) -> str:
    """The sha256 of the body's canonical JSON. What it hashes never changes, so the same card
    transaction results keep the key an earlier version of the bot journalled them under."""
    successful = [ramp_item(r) for r in results if r.succeeded]
    failed = [ramp_item(r) for r in results if not r.succeeded]
    content = _canonical({"sync_type": sync_type, "successful": successful, "failed": failed})
    return hashlib.sha256(content.encode()).hexdigest()


def ramp_item(result: SyncResult) -> dict[str, Any]:
    """The result as an item of `successful_syncs` or `failed_syncs` in `POST /accounting/syncs`
    (a bill's success may carry `deep_link_url`: ApiAccountingSuccessfulSyncRequestBody)."""
    if result.succeeded:
        item = {"id": result.transaction_id, "reference_id": result.reference_id}
        return {**item, "deep_link_url": result.deep_link_url} if result.deep_link_url else item
    return {"id": result.transaction_id, "error": {"message": result.error or ""}}


def journal_row(result: SyncResult) -> dict[str, Any]:
    """The result as a row of the journal (`Store.journal_chunk`)."""
    synced = result.succeeded
    return {
        "transaction_id": result.transaction_id,
        "outcome": SYNCED if synced else FAILED,
        "reference_id": result.reference_id if synced else None,
        "message": None if synced else result.error or "",
        "deep_link_url": result.deep_link_url if synced else None,
    }


def journalled_chunk(key: str, rows: Iterable[dict[str, Any]], sync_type: str = "TRANSACTION_SYNC") -> Chunk:
    """A chunk rebuilt from its journal rows, to be resent as it was first sent."""
    kind_key = BY_SYNC_TYPE[sync_type].key
    return Chunk(
        key,
        tuple(
            SyncResult(
                row["transaction_id"],
                reference_id=row["reference_id"],
                kind=kind_key,
                deep_link_url=row.get("deep_link_url"),
            )
            if row["outcome"] == SYNCED
            else SyncResult(row["transaction_id"], error=row["message"] or "", kind=kind_key)
            for row in rows
        ),
        sync_type,
    )


AWAITING = "Awaiting Ramp's answer to an earlier post of these results; I resend it with its own key."


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass
class ChunkOutcome:
    key: str
    items: int
    state: str  # sent, already sent, pending (no answer; resent later), failed (Ramp refused)
    sync_id: str = ""
    error: str = ""
    item_errors: dict[str, str] = field(default_factory=dict)  # object id -> Ramp's complaint
    trace_id: str = ""  # Ramp's, when it refused the chunk
    kind: str = TRANSACTIONS  # a key of bot/syncable_kinds.py


@dataclass(frozen=True)
class KindOutcome:
    """How the results of one kind ended: items per state."""

    kind: SyncableKind
    sent: int
    already: int
    pending: int
    refused: int


@dataclass
class PostOutcome:
    chunks: list[ChunkOutcome]
    rows: dict[str, int] = field(default_factory=dict)  # transaction id -> its row in the file

    def count(self, state: str) -> int:
        return sum(c.items for c in self.chunks if c.state == state)

    @property
    def nothing_to_do(self) -> bool:
        return all(c.state == "already sent" for c in self.chunks)

    @property
    def item_errors(self) -> dict[str, str]:
        return {k: v for c in self.chunks for k, v in c.item_errors.items()}

    @property
    def errors(self) -> list[str]:
        return [c.error for c in self.chunks if c.error and c.state in ("failed", "pending")]

    @property
    def by_kind(self) -> list[KindOutcome]:
        """Items per state for each kind posted, in the table's order."""

        def count(chunks: list[ChunkOutcome], state: str) -> int:
            return sum(c.items for c in chunks if c.state == state)

        return [
            KindOutcome(row, *(count(mine, s) for s in ("sent", "already sent", "pending", "failed")))
            for row in KINDS
            if (mine := [c for c in self.chunks if c.kind == row.key])
        ]

    @property
    def several_kinds(self) -> bool:
        """Whether it posted more than one kind (then the report has a line per kind)."""
        return len({c.kind for c in self.chunks}) > 1


def outcomes_of_journalled(
    results: Sequence[SyncResult], journalled: dict[ResultKey, str]
) -> list[ChunkOutcome]:
    """One outcome per state for the results already in the journal: `already sent` (Ramp accepted
    their chunk) or `pending` (their chunk awaits an answer, and `resend_pending` sends it)."""
    return [
        ChunkOutcome("", count, state, error="" if state == "already sent" else AWAITING, kind=kind_key)
        for (kind_key, state), count in Counter(
            (r.kind, "already sent" if journalled[result_key(r)] == "sent" else "pending")
            for r in results
            if result_key(r) in journalled
        ).items()
    ]


@dataclass(frozen=True)
class ResumedPost:
    """A post a killed run left unanswered, finished by this one: where it was shown, how it ended."""

    channel_id: str
    message_ts: str
    user_id: str
    outcome: PostOutcome


class SyncService:
    """Posts sync results through the journal; `resend_pending` finishes what a crash left."""

    def __init__(self, ramp: RampClient, store: Store, audit: AuditLog) -> None:
        self._ramp = ramp
        self._store = store
        self._audit = audit
        self._kinds = ConnectionKinds(ramp, store)

    def post_sync_results(
        self,
        results: Sequence[SyncResult],
        *,
        user_id: str,
        channel_id: str = "",
        source: str = "",
        report_to: str = "",
        on_journalled: Callable[[], None] | None = None,
    ) -> PostOutcome:
        """Journal each chunk, call `on_journalled`, then send those not sent before. Audited.

        A result already in a chunk Ramp accepted (or may have: one awaiting its answer, which
        `resend_pending` sends with its own key) is not sent again in a new chunk under a new key.
        Nothing is journalled when Ramp refused a write for the connection as direct: it would refuse
        these too (a UserError saying so)."""
        direct = self._kinds.refusing_writes()
        if direct is not None:
            raise UserError("Nothing was posted: Ramp takes no sync results for it.", direct.note)
        self.resend_pending()
        journalled = journalled_results(self._store)
        outcomes = outcomes_of_journalled(results, journalled)
        fresh = [r for r in results if result_key(r) not in journalled]
        report_channel = channel_id if report_to else ""
        to_send, sent_before = self._journal_chunks(
            plan_chunks(fresh),
            source=source,
            user_id=user_id,
            report_channel=report_channel,
            report_ts=report_to,
        )
        outcomes += sent_before
        if on_journalled is not None:  # from here a restarted bot finishes the post: safe to say so
            on_journalled()
        outcomes += [self._send(chunk) for chunk in to_send]
        outcome = PostOutcome(outcomes, {r.transaction_id: r.row for r in results if r.row})
        self._record(outcome, results, user_id, channel_id, source)
        return outcome

    def _journal_chunks(self, chunks: list[Chunk], **where: str) -> tuple[list[Chunk], list[ChunkOutcome]]:
        """Journal each chunk as pending: (those to send, outcomes of those the same key sent before)."""
        to_send, sent_before = [], []
        for chunk in chunks:
            sent_as = self._journal(chunk, **where)
            if sent_as is None:
                to_send.append(chunk)
            else:
                sent_before.append(
                    ChunkOutcome(chunk.key, chunk.items, "already sent", sent_as, kind=chunk.kind.key)
                )
        return to_send, sent_before

    def _journal(self, chunk: Chunk, **where: str) -> str | None:
        """Journal `chunk` as pending; when the same chunk was sent before, its sync_id instead."""
        if self._store.journal_chunk(chunk.key, chunk.rows(), sync_type=chunk.sync_type, **where):
            return None
        existing = self._store.sync_chunk(chunk.key)
        return existing["sync_id"] if existing is not None and existing["state"] == "sent" else None

    def resend_pending(self) -> list[ChunkOutcome]:
        """Send again, with the same key, every chunk journalled but never answered."""
        return [outcome for _, outcome in self._resend_pending()]

    def resume(self) -> list[ResumedPost]:
        """At start-up: resend what a previous run journalled but never saw answered, and say, per
        message that showed "Posting…", how its post ended."""
        ended: dict[tuple[str, str, str], list[ChunkOutcome]] = {}
        for row, outcome in self._resend_pending():
            ended.setdefault((row["report_channel"], row["report_ts"], row["user_id"]), []).append(outcome)
        return [
            ResumedPost(channel, ts, user, PostOutcome(outcomes))
            for (channel, ts, user), outcomes in ended.items()
            if channel and ts
        ]

    def _resend_pending(self) -> list[tuple[dict[str, Any], ChunkOutcome]]:
        sent = []
        for row in self._store.pending_chunks():
            chunk = journalled_chunk(row["key"], self._store.chunk_results(row["key"]), row["sync_type"])
            log.info(
                "resending %s chunk %s (%d items) with its own key",
                chunk.sync_type,
                chunk.key[:12],
                chunk.items,
            )
            outcome = self._send(chunk)
            sent.append((row, outcome))
            self._record(PostOutcome([outcome]), chunk.results, row["user_id"], "", f"resend {row['source']}")
        return sent

    def preview(self, parsed: ResultsFile, *, source: str, user_id: str) -> ResultsPreview:
        shown = preview_results(self._ramp, self._store, parsed, source=source, user_id=user_id)
        direct = self._kinds.refusing_writes()
        return replace(shown, read_only=direct.note) if direct else shown

    def post_preview(
        self,
        preview_id: str,
        *,
        user_id: str,
        channel_id: str,
        report_to: str = "",
        on_journalled: Callable[[], None] | None = None,
    ) -> PostOutcome | None:
        """Post what a preview kept; None when the preview is unknown (another database, say).
        `report_to` is the ts of the message that shows the post, for a restarted bot to update."""
        saved = saved_preview(self._store, preview_id)
        if saved is None:
            return None
        source, results = saved
        return self.post_sync_results(
            results,
            user_id=user_id,
            channel_id=channel_id,
            source=source,
            report_to=report_to,
            on_journalled=on_journalled,
        )

    def journal(self, key: str) -> dict[str, Any] | None:
        return self._store.sync_chunk(key)

    def _send(self, chunk: Chunk) -> ChunkOutcome:
        key, successful, failed, kind_key = chunk.key, chunk.successful, chunk.failed, chunk.kind.key
        items = chunk.items
        try:
            sync_id = self._ramp.post_syncs(
                key, successful=successful, failed=failed, sync_type=chunk.sync_type
            )
        except (RampUnavailable, RateLimited) as error:
            # No answer: Ramp may have written it. Keep it pending; the same key makes a resend safe.
            self._store.set_chunk_state(key, "pending", error=error.user_text())
            return ChunkOutcome(key, items, "pending", error=error.user_text(), kind=kind_key)
        except RampError as error:
            # An answer refusing the whole chunk: nothing was written.
            per_item = item_errors(error, successful, failed) if isinstance(error, InvalidInput) else {}
            self._store.set_chunk_state(key, "failed", error=error.user_text())
            log.warning("Ramp refused %s chunk %s: %s", chunk.sync_type, key[:12], error)
            trace = error.trace_id or ""
            return ChunkOutcome(
                key,
                items,
                "failed",
                error=error.user_text(),
                item_errors=per_item,
                trace_id=trace,
                kind=kind_key,
            )
        self._store.set_chunk_state(key, "sent", sync_id=sync_id)
        self._mark_synced(kind_key, [item["id"] for item in successful])
        return ChunkOutcome(key, items, "sent", sync_id=sync_id, kind=kind_key)

    def _mark_synced(self, kind_key: str, ids: list[str]) -> None:
        """The cached objects say synced until the next listing reads them again."""
        if kind_key == TRANSACTIONS:
            self._store.set_transaction_status(ids, "SYNCED")
            return
        with self._store.atomic():
            for object_id in ids:
                self._store.set_object_status(kind_key, object_id, kind(kind_key).synced_status)

    def _record(
        self, outcome: PostOutcome, results: Sequence[SyncResult], user_id: str, channel_id: str, source: str
    ) -> None:
        self._audit.record_sync(
            user_id=user_id,
            channel_id=channel_id,
            source=source,
            results=results,
            counts={state: outcome.count(state) for state in ("sent", "already sent", "pending", "failed")},
            sync_ids=[c.sync_id for c in outcome.chunks if c.sync_id],
            errors=outcome.errors,
            trace_id=next((c.trace_id for c in outcome.chunks if c.trace_id), ""),
        )


def item_errors(error: RampError, successful: Sequence[Any], failed: Sequence[Any]) -> dict[str, str]:
    """Ramp's `additional_info` turned into transaction id -> message.

    Two shapes: lists of ids under a named key (`{"not_ready_ids": [...]}`), and schema errors per
    list index (`{"successful_syncs": {"3": {"reference_id": ["..."]}}}`)."""
    lists = {"successful_syncs": list(successful), "failed_syncs": list(failed)}
    ids = {item["id"] for items in lists.values() for item in items}
    found: dict[str, str] = {}
    for key, value in error.additional_info.items():
        if isinstance(value, list) and any(isinstance(v, str) and v in ids for v in value):
            reason = key.removesuffix("_ids").replace("_", " ")
            found.update({v: reason for v in value if isinstance(v, str) and v in ids})
        elif key in lists and isinstance(value, dict):
            for index, problems in value.items():
                if str(index).isdigit() and int(index) < len(lists[key]):
                    found[lists[key][int(index)]["id"]] = _flatten(problems)
    return found


def _flatten(problems: Any) -> str:
    if isinstance(problems, dict):
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in problems.items())
    if isinstance(problems, list):
        return "; ".join(str(p) for p in problems)
    return str(problems)
