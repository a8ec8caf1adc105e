"""Carrying out an upload plan: batches of 500 created in parallel, changes patched, records the ERP
deleted deactivated, missing items deactivated on request, every batch journalled in SQLite before
it is sent.

The Ramp client retries a batch create only when Ramp certainly did not act (a 429, a connection
that never opened: bot/ramp/retry.py). After an ambiguous failure (a 5xx, a reset, a timeout) the
batch may or may not have been applied, and sending it again would fail on "id already exists".
Ramp's batches are all-or-nothing (reference/ramp-api.md §4), so one lookup of the batch's first id
tells which: found, the whole batch is in Ramp; not found, none of it is, and it is sent again.
A batch Ramp rejects (400) is split in halves until the item at fault is alone, so one bad row
costs only itself; an item that turns out to exist already (someone else created it since the
preview) counts as created.

Ramp serves every GET from a read replica (bot/services/replica.py), so a lookup right after a
write may not see it yet. Before a lookup concludes that a refused item does not exist, it looks
again while the replica may be behind (one patience per batch, shared by its halves). And a run
ends only once Ramp's reads show its last writes, so the report, and the next preview, are true.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bot.category_kinds import FIELDS, CategoryKind, every_item
from bot.importers import CategoryRecord
from bot.importers.records import FieldSpec
from bot.ramp import MAX_BATCH, InvalidInput, RampClient, RampError, RampUnavailable, RateLimited
from bot.services.category_diff import Change, Held
from bot.services.replica import Patience, visible
from bot.services.upload_plan import FIELD_INPUT_TYPE, FIELD_INPUT_TYPES, PlanPart
from bot.store import Store

WORKERS = 16  # enough requests in flight to fill Ramp's rate limit at 250 ms latency
RECENT_KEPT = 4 * WORKERS  # writes remembered for `_settle`: more than can be in flight with the last


@dataclass(frozen=True)
class Written:
    """A write Ramp confirmed: which item, how a read shows it, when it was sent and answered."""

    part: PlanPart
    remote_id: str
    shows: Callable[[Any], bool]
    sent: float  # when its request left, past the rate limiter (RampClient.last_sent_at)
    answered: float
UPDATE_GROUP = 50  # PATCHes and DELETEs go one item per request; journalled in groups
MAX_ATTEMPTS = 6  # sends of one batch after ambiguous failures before it is reported as failed

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Failure:
    ids: tuple[str, ...]
    reason: str


@dataclass
class UploadReport:
    created: int = 0
    updated: int = 0
    reactivated: int = 0
    deactivated: int = 0
    fields_created: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(len(f.ids) for f in self.failures)

    @property
    def written(self) -> int:
        return self.created + self.updated + self.deactivated

    @property
    def outcome(self) -> str:
        if not self.failures:
            return "done"
        return "partial" if self.written or self.fields_created else "failed"

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "reactivated": self.reactivated,
            "deactivated": self.deactivated,
            "failed": self.failed,
        }


class Uploader:
    """Runs one upload's parts against Ramp; thread-safe counters, one journal row per batch."""

    def __init__(
        self,
        ramp: RampClient,
        store: Store,
        upload_id: str,
        progress: Progress | None = None,
        first_batch: int = 0,
    ) -> None:
        self.ramp = ramp
        self.store = store
        self.upload_id = upload_id
        self.report = UploadReport()
        self._progress = progress or (lambda done, total: None)
        self._lock = threading.Lock()
        self._done = 0
        self._total = 0
        self._batch_no = first_batch  # a resumed upload journals after the killed run's batches
        self._recent: list[Written] = []  # the last writes answered, for `_settle`

    def run(
        self, parts: Sequence[PlanPart], deactivate_missing: bool, workers: int = WORKERS
    ) -> UploadReport:
        self._total = sum(
            len(p.new) + len(p.changed) + len(_to_deactivate(p, deactivate_missing)) for p in parts
        )
        self._progress(0, self._total)
        for part in parts:
            if part.category_kind.in_field:
                self._ensure_field(part)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="upload") as pool:
            futures: list[Future[None]] = []
            for part in parts:
                if part.creates_field:  # still: Ramp refused to create the field
                    self._fail([r.id for r in part.new + [c.record for c in part.changed]], part.field_error)
                    continue
                for chunk in _chunks(part.new, MAX_BATCH):
                    number = self._journal("create", part, [r.id for r in chunk])
                    futures.append(pool.submit(self._create_batch, part, number, chunk))
                for changes in _chunks(part.changed, UPDATE_GROUP):
                    number = self._journal("update", part, [c.record.id for c in changes])
                    futures.append(pool.submit(self._update_group, part, number, changes))
                for gone in _chunks(_to_deactivate(part, deactivate_missing), UPDATE_GROUP):
                    number = self._journal("deactivate", part, [h.id for h in gone])
                    futures.append(pool.submit(self._deactivate_group, part, number, gone))
            for future in futures:
                future.result()
        self._settle()
        return self.report

    # -- custom fields ---------------------------------------------------------------------------

    def _ensure_field(self, part: PlanPart) -> None:
        """Create the custom field the options belong to (or reactivate it: POST is idempotent on id)."""
        if part.field_ramp_id is not None and part.field_active:
            return
        name = part.field_name or "Custom field"
        number = self._journal("create_field", part, [part.field_id or name])
        try:
            created = self.ramp.create_field(
                id=part.field_id or name,
                name=name,
                input_type=part.field_input_type,
                is_splittable=part.field_splittable,
                display_name=part.field_display_name or None,
                is_required_for=list(part.field_required_for) or None,
            )
        except RampError as error:
            part.field_error = f"the custom field “{name}” could not be created: {error.user_text()}"
            self.store.set_upload_batch_state(
                self.upload_id, number, "failed", error.user_text(), json.dumps([part.field_id or name])
            )
            return
        part.field_ramp_id, part.field_active = created.ramp_id, True
        splittable = "splittable" if part.field_splittable else "not splittable"
        label = FIELD_INPUT_TYPES.get(part.field_input_type, part.field_input_type)
        with self._lock:
            self.report.fields_created.append(f"{name} ({label}, {splittable})")
        self.store.set_upload_batch_state(self.upload_id, number, "done")

    # -- creates -----------------------------------------------------------------------------------

    def _create_batch(self, part: PlanPart, number: int, records: list[CategoryRecord]) -> None:
        self.store.set_upload_batch_state(self.upload_id, number, "sent")
        try:
            created, failures = self._create_all(part, records, Patience())
        except RampError as error:  # Ramp stayed unreachable even for the lookup after a failure
            reason = f"not confirmed; share the file again to check and finish: {error.user_text()}"
            created, failures = {}, [Failure(tuple(r.id for r in records), reason)]
        if created:
            self._wrote(part, list(created)[-1], lambda item: True)  # all-or-nothing: one shows the batch
        if part.category_kind.code_sent == "by patch":
            failures += self._set_codes(part, [r for r in records if r.code and r.id in created], created)
        with self._lock:
            self.report.created += len(created)
            self.report.failures.extend(failures)
        self._state(number, failures)
        self._advance(len(records))

    def _create_all(
        self, part: PlanPart, records: list[CategoryRecord], patience: Patience
    ) -> tuple[dict[str, str], list[Failure]]:
        """Create `records` in one batch; returns {ERP id: ramp_id ("" when unknown)} and failures."""
        pending, created = list(records), {}
        last: RampError | None = None
        for _attempt in range(MAX_ATTEMPTS):
            try:
                created.update(self._create(part, pending))
                return created, []
            except (RampUnavailable, RateLimited) as error:
                last = error
                ramp_id = self._find(part, pending[0].id)  # all-or-nothing: one id tells
                if ramp_id is not None:
                    created.update({r.id: "" for r in pending})
                    created[pending[0].id] = ramp_id
                    return created, []
            except InvalidInput as error:
                if last is not None and self._find(part, pending[0].id, patience) is not None:
                    # The send whose answer was lost landed after our lookup: the batch is in.
                    return {**created, **{r.id: "" for r in pending}}, []
                if len(pending) == 1:
                    ramp_id = self._find(part, pending[0].id, patience)
                    if ramp_id is not None:  # created by someone else since the preview
                        return {**created, pending[0].id: ramp_id}, []
                    return created, [Failure((pending[0].id,), error.user_text())]
                middle = len(pending) // 2
                first, first_failures = self._create_all(part, pending[:middle], patience)
                second, second_failures = self._create_all(part, pending[middle:], patience)
                return {**created, **first, **second}, first_failures + second_failures
            except RampError as error:
                return created, [Failure(tuple(r.id for r in pending), error.user_text())]
        reason = f"{last.user_text() if last else 'Ramp did not answer'} (gave up after {MAX_ATTEMPTS} tries)"
        return created, [Failure(tuple(r.id for r in pending), reason)]

    def _create(self, part: PlanPart, records: list[CategoryRecord]) -> dict[str, str]:
        kind = part.category_kind
        if kind.key == FIELDS:  # Ramp creates custom fields one POST each, idempotent on id
            return {r.id: self.ramp.create_field(**_field_body(r)).ramp_id for r in records}
        answer = self._scoped(part, kind.create_method)([_item(kind, r) for r in records])
        if kind.create_returns_ids:  # in the order sent
            return {r.id: ramp_id for r, ramp_id in zip(records, answer, strict=False)} or {
                r.id: "" for r in records
            }
        return {str(item.id): item.ramp_id for item in answer}

    def _find(self, part: PlanPart, remote_id: str, patience: Patience | None = None) -> str | None:
        """Ramp's id for an ERP id, or None when Ramp has no such item; with `patience`, a miss is
        looked up again while the read replica may still be behind."""
        while True:
            item = self._lookup(part, remote_id)
            if item is not None:
                return str(item.ramp_id)
            if patience is None or not patience.wait():
                return None

    def _lookup(self, part: PlanPart, remote_id: str) -> Any:
        found = every_item(self._scoped(part, part.category_kind.iter_method), remote_id=remote_id)
        return next((i for i in found if i.id == remote_id), None)

    def _wrote(self, part: PlanPart, remote_id: str, shows: Callable[[Any], bool]) -> None:
        """Remember a write Ramp confirmed just now, on this thread's last request, and how a read
        shows it (for `_settle`)."""
        written = Written(part, remote_id, shows, self.ramp.last_sent_at(), time.monotonic())
        with self._lock:
            self._recent.append(written)
            del self._recent[: -RECENT_KEPT]

    def _settle(self) -> None:
        """Wait until Ramp's reads show the last writes. A write answered before the last-answered
        one was sent was applied before it; a replica applies writes in order, so once that last one
        shows, so does every such write. Only the writes answered since it was sent (in flight with
        it) are looked at: at the end of a run one or two, not a pool's worth, so the looks cost the
        rate window next to nothing. When more than RECENT_KEPT overlapped it, every kept one is."""
        if not self._recent:
            return
        last = max(self._recent, key=lambda w: w.answered)
        waiting = [w for w in self._recent if w.answered >= last.sent]

        def still_hidden(write: Written) -> bool:
            return not _shows(self._lookup(write.part, write.remote_id), write.shows)

        # The looks go side by side: one after another, 16 of them at 250 ms cost 4 s of an upload.
        with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="upload-settle") as pool:

            def shown() -> bool:
                hidden = list(pool.map(still_hidden, waiting))
                waiting[:] = [w for w, h in zip(waiting, hidden, strict=True) if h]
                return not waiting

            visible(shown)

    def _scoped(self, part: PlanPart, method: str) -> Callable[..., Any]:
        """The Ramp client's `method`; for options, bound to their custom field."""
        call = getattr(self.ramp, method)
        return functools.partial(call, part.field_ramp_id) if part.category_kind.in_field else call

    def _set_codes(
        self, part: PlanPart, records: list[CategoryRecord], created: dict[str, str]
    ) -> list[Failure]:
        """PATCH the codes Ramp does not take on create (vendors')."""
        failures = []
        for record in records:
            try:
                ramp_id = created.get(record.id) or self._find(part, record.id)
                if ramp_id:
                    getattr(self.ramp, part.category_kind.update_method)(ramp_id, code=record.code)
                    self._wrote(part, record.id, _patched(part.category_kind, {"code": record.code}))
            except RampError as error:
                failures.append(
                    Failure((record.id,), f"created, but its code was not set: {error.user_text()}")
                )
        return failures

    # -- updates and deactivations -------------------------------------------------------------------

    def _update_group(self, part: PlanPart, number: int, changes: list[Change]) -> None:
        self.store.set_upload_batch_state(self.upload_id, number, "sent")
        failures = []
        for change in changes:
            try:
                self._update(part, change)
                with self._lock:
                    self.report.updated += 1
                    self.report.reactivated += change.reactivate
            except RampError as error:
                failures.append(Failure((change.record.id,), error.user_text()))
            self._advance(1)
        with self._lock:
            self.report.failures.extend(failures)
        self._state(number, failures)

    def _update(self, part: PlanPart, change: Change) -> None:
        kind = part.category_kind
        if not kind.update_method:
            raise InvalidInput(f"the bot cannot change {kind.plural} Ramp already holds (only create them)")
        fields = dict(change.fields) | ({"reactivate": True} if change.reactivate else {})
        shows = _patched(kind, fields)
        if "name" in fields:
            fields[kind.name_attribute] = fields.pop("name")
        getattr(self.ramp, kind.update_method)(change.ramp_id, **fields)
        self._wrote(part, change.record.id, shows)

    def _deactivate_group(self, part: PlanPart, number: int, items: list[Held]) -> None:
        self.store.set_upload_batch_state(self.upload_id, number, "sent")
        failures = []
        kind = part.category_kind
        for item in items:
            try:
                if not kind.delete_method:
                    raise InvalidInput(f"the bot cannot deactivate {kind.plural}")
                getattr(self.ramp, kind.delete_method)(item.ramp_id)
                self._wrote(part, item.id, lambda found: not found.is_active)
                with self._lock:
                    self.report.deactivated += 1
            except RampError as error:
                failures.append(Failure((item.id,), error.user_text()))
            self._advance(1)
        with self._lock:
            self.report.failures.extend(failures)
        self._state(number, failures)

    # -- bookkeeping -------------------------------------------------------------------------------

    def _journal(self, op: str, part: PlanPart, ids: list[str]) -> int:
        self._batch_no += 1
        self.store.journal_upload_batch(self.upload_id, self._batch_no, op, part.journal_key, json.dumps(ids))
        return self._batch_no

    def _state(self, number: int, failures: list[Failure]) -> None:
        if failures:
            error = "; ".join(f"{len(f.ids)} item(s): {f.reason}" for f in failures)[:2000]
            failed_ids = json.dumps([i for f in failures for i in f.ids])
            self.store.set_upload_batch_state(self.upload_id, number, "failed", error, failed_ids)
        else:
            self.store.set_upload_batch_state(self.upload_id, number, "done")

    def _fail(self, ids: list[str], reason: str) -> None:
        if ids:
            with self._lock:
                self.report.failures.append(Failure(tuple(ids), reason))
            self._advance(len(ids))

    def _advance(self, items: int) -> None:
        with self._lock:
            self._done += items
            done, total = self._done, self._total
        self._progress(done, total)


def _to_deactivate(part: PlanPart, deactivate_missing: bool) -> list[Held]:
    """Records the ERP deleted, always; items missing from the file only when the user ticked it."""
    return part.deleted + (part.missing if deactivate_missing else [])


def _shows(item: Any, shows: Callable[[Any], bool]) -> bool:
    return item is not None and shows(item)


def _patched(kind: CategoryKind, fields: dict[str, Any]) -> Callable[[Any], bool]:
    """How a read shows a PATCH of `fields` (`name` is the kind's name attribute; "" clears a code)."""

    def shows(item: Any) -> bool:
        for key, value in fields.items():
            attribute = kind.name_attribute if key == "name" else key
            if key == "reactivate":
                if not item.is_active:
                    return False
            elif (getattr(item, attribute, None) or "") != (value or ""):
                return False
        return True

    return shows


def _item(kind: CategoryKind, record: CategoryRecord) -> dict[str, str]:
    """A record as Ramp's batch create takes it."""
    item = {"id": record.id, kind.name_attribute: record.name}
    if kind.classified:
        item["classification"] = record.classification or "UNKNOWN"
    if kind.code_sent == "on create" and record.code:
        item["code"] = record.code
    return item


def _field_body(record: CategoryRecord) -> dict[str, Any]:
    """A custom field as `RampClient.create_field` takes it, with its settings."""
    spec = record.spec or FieldSpec(FIELD_INPUT_TYPE)
    return {
        "id": record.id,
        "name": record.name,
        "input_type": spec.input_type,
        "is_splittable": spec.is_splittable,
        "display_name": spec.display_name,
        "is_required_for": list(spec.is_required_for) or None,
    }


def _chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
