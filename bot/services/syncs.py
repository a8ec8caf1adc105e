"""Sync results back to Ramp, exactly once: chunked, journalled before sending, resent with the same key.

`POST /accounting/syncs` takes at most 5,000 results a call, all or nothing, and an
`idempotency_key` Ramp uses to recognise a retry (shared/reference/ramp-api.md section 6). So:

- results are sorted by transaction id and cut into chunks of at most `MAX_SYNC_ITEMS`; each chunk's
  key is the sha256 of its sorted items, so the same results always give the same chunks and keys
  (a file shared twice, a double click, a Slack retry all land on keys already journalled);
- each chunk is written to `sync_chunks` as `pending` BEFORE it is sent; the answer makes it `sent`
  (with Ramp's sync_id) or `failed` (Ramp refused it: nothing was written, per-item errors kept);
- no answer (timeout, 5xx, connection reset after the client's own retries) leaves it `pending`:
  Ramp may or may not have written it, and `resend_pending()` (at start-up, and before every post)
  sends it again with its same key, which Ramp answers with the first sync_id and writes nothing;
- a `sent` chunk is never sent again. An empty successful or failed list is left out of the body.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bot.ramp import (
    MAX_SYNC_ITEMS,
    InvalidInput,
    NotFound,
    RampClient,
    RampError,
    RampUnavailable,
    RateLimited,
)
from bot.services.audit import AuditLog
from bot.services.sync_results import ResultsFile, RowNote, SyncResult
from bot.services.transactions import list_sync_ready
from bot.store import Store

log = logging.getLogger(__name__)

SYNC_TYPE = "TRANSACTION_SYNC"


@dataclass(frozen=True)
class Chunk:
    key: str
    successful: tuple[dict[str, Any], ...]
    failed: tuple[dict[str, Any], ...]

    @property
    def items(self) -> int:
        return len(self.successful) + len(self.failed)

    def payload(self) -> str:
        return _canonical({"sync_type": SYNC_TYPE, "successful": self.successful, "failed": self.failed})


def plan_chunks(results: Iterable[SyncResult], size: int = MAX_SYNC_ITEMS) -> list[Chunk]:
    """Sorted by id, cut into chunks of at most `size`; each key derived from its content."""
    ordered = sorted(results, key=lambda r: r.transaction_id)
    chunks = []
    for start in range(0, len(ordered), size):
        part = ordered[start : start + size]
        successful = tuple(r.item() for r in part if r.succeeded)
        failed = tuple(r.item() for r in part if not r.succeeded)
        content = _canonical({"sync_type": SYNC_TYPE, "successful": successful, "failed": failed})
        chunks.append(Chunk(hashlib.sha256(content.encode()).hexdigest(), successful, failed))
    return chunks


ResultKey = tuple[str, str | None, str | None]
AWAITING = "Awaiting Ramp's answer to an earlier post of these results; I resend it with its own key."


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


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass
class ChunkOutcome:
    key: str
    items: int
    state: str  # sent, already sent, pending (no answer; resent later), failed (Ramp refused)
    sync_id: str = ""
    error: str = ""
    item_errors: dict[str, str] = field(default_factory=dict)  # transaction id -> Ramp's complaint


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
        `resend_pending` sends with its own key) is not sent again in a new chunk under a new key."""
        self.resend_pending()
        journalled = journalled_results(self._store)
        fresh = [r for r in results if result_key(r) not in journalled]
        outcomes = [
            ChunkOutcome("", count, state, error="" if state == "already sent" else AWAITING)
            for state, count in Counter(
                "already sent" if journalled[result_key(r)] == "sent" else "pending"
                for r in results
                if result_key(r) in journalled
            ).items()
        ]
        to_send = []
        for chunk in plan_chunks(fresh):
            new = self._store.journal_chunk(
                {
                    "key": chunk.key,
                    "payload": chunk.payload(),
                    "source": source,
                    "user_id": user_id,
                    "items": chunk.items,
                    "report_channel": channel_id if report_to else "",
                    "report_ts": report_to,
                }
            )
            existing = None if new else self._store.sync_chunk(chunk.key)
            if existing is not None and existing["state"] == "sent":
                outcomes.append(ChunkOutcome(chunk.key, chunk.items, "already sent", existing["sync_id"]))
            else:
                to_send.append(chunk)
        if on_journalled is not None:  # from here a restarted bot finishes the post: safe to say so
            on_journalled()
        outcomes += [self._send(chunk.key, chunk.successful, chunk.failed) for chunk in to_send]
        outcome = PostOutcome(outcomes, {r.transaction_id: r.row for r in results if r.row})
        self._record(outcome, user_id, channel_id, source)
        return outcome

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
            payload = json.loads(row["payload"])
            log.info("resending sync chunk %s (%d items) with its own key", row["key"][:12], row["items"])
            outcome = self._send(row["key"], payload["successful"], payload["failed"])
            sent.append((row, outcome))
            self._record(PostOutcome([outcome]), row["user_id"], "", f"resend {row['source']}".strip())
        return sent

    def preview(self, parsed: ResultsFile, *, source: str, user_id: str) -> ResultsPreview:
        return preview_results(self._ramp, self._store, parsed, source=source, user_id=user_id)

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

    def _send(self, key: str, successful: Sequence[Any], failed: Sequence[Any]) -> ChunkOutcome:
        items = len(successful) + len(failed)
        try:
            sync_id = self._ramp.post_syncs(key, successful=successful, failed=failed, sync_type=SYNC_TYPE)
        except (RampUnavailable, RateLimited) as error:
            # No answer: Ramp may have written it. Keep it pending; the same key makes a resend safe.
            self._store.set_chunk_state(key, "pending", error=error.user_text())
            return ChunkOutcome(key, items, "pending", error=error.user_text())
        except RampError as error:
            # An answer refusing the whole chunk: nothing was written.
            per_item = item_errors(error, successful, failed) if isinstance(error, InvalidInput) else {}
            self._store.set_chunk_state(key, "failed", error=error.user_text())
            log.warning("Ramp refused sync chunk %s: %s", key[:12], error)
            return ChunkOutcome(key, items, "failed", error=error.user_text(), item_errors=per_item)
        self._store.set_chunk_state(key, "sent", sync_id=sync_id)
        self._store.set_transaction_status([item["id"] for item in successful], "SYNCED")
        return ChunkOutcome(key, items, "sent", sync_id=sync_id)

    def _record(self, outcome: PostOutcome, user_id: str, channel_id: str, source: str) -> None:
        sent, already = outcome.count("sent"), outcome.count("already sent")
        pending, failed = outcome.count("pending"), outcome.count("failed")
        detail = f"sent {sent:,}, already sent {already:,}, awaiting answer {pending:,}, refused {failed:,}"
        self._audit.record(
            user_id=user_id,
            channel_id=channel_id,
            command="sync",
            arguments=source,
            outcome="failed" if failed or pending else "ok",
            detail=detail + ("; " + outcome.errors[0] if outcome.errors else ""),
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


LOOKUPS = 50  # ids not ready and never seen, looked up one by one to tell "unknown" from "not ready"


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
