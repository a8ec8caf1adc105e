"""Reading an upload's batch journal after a restart: what a killed run had certainly written, what
was in flight, and what the resumed run should add to its own report.

A batch is journalled `pending`, marked `sent` just before its request, and `done` or `failed` (with
the ids that failed) once Ramp answered. A run killed mid-upload leaves `pending` and `sent`
batches: whether Ramp applied those is unknown until Ramp is read again. So a restart first
re-reads Ramp (a fresh diff of the file against all its items), sends only what is still missing,
and counts as written before the restart every journalled item the fresh diff no longer needs.
When Ramp cannot be read, `Journal.confirmed_report` says exactly what the journal knows: what
Ramp confirmed, and which items were in flight and stay unconfirmed.

    journal = Journal.read(store.upload_batches(upload_id))
    report = journal.resumed(fresh_plan.parts, deactivate_missing, after=resumed_run_report)
    report = journal.confirmed_report("Ramp did not answer")    # when Ramp cannot be read
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.services.upload_plan import PlanPart
from bot.services.upload_run import Failure, UploadReport

IN_FLIGHT = ("pending", "sent")
UNDONE = {"create": "to create", "update": "to change", "deactivate": "to deactivate"}  # by journal op


@dataclass
class Journal:
    """The batches of one upload, grouped by (op, the part's journal key)."""

    ids: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    confirmed: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    in_flight: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    failures: list[Failure] = field(default_factory=list)
    last_batch: int = 0

    @classmethod
    def read(cls, batches: Iterable[dict[str, Any]]) -> Journal:
        journal = cls()
        for batch in batches:
            key = (str(batch["op"]), str(batch["kind"]))
            ids = [str(i) for i in json.loads(batch["item_ids"] or "[]")]
            failed = {str(i) for i in json.loads(batch.get("failed_ids") or "[]")}
            journal.ids[key].update(ids)
            journal.last_batch = max(journal.last_batch, int(batch["batch_no"]))
            if batch["state"] in IN_FLIGHT:
                journal.in_flight[key].update(ids)
            else:
                journal.confirmed[key].update(i for i in ids if i not in failed)
                if failed:
                    journal.failures.append(Failure(tuple(sorted(failed)), str(batch["error"] or "failed")))
        return journal

    def written_before(self, parts: Sequence[PlanPart], deactivate_missing: bool) -> UploadReport:
        """What the killed run wrote: journalled items the fresh diff (`parts`) no longer needs."""
        before = UploadReport()
        for part in parts:
            key = part.journal_key
            still_new = {r.id for r in part.new}
            still_changed = {c.record.id for c in part.changed}
            still_missing = {h.id for h in part.deleted} | (
                {h.id for h in part.missing} if deactivate_missing else set()
            )
            before.created += len(self.ids[("create", key)] - still_new)
            before.updated += len(self.ids[("update", key)] - still_changed)
            before.deactivated += len(self.ids[("deactivate", key)] - still_missing)
            if part.category_kind.in_field and self.ids[("create_field", key)] and part.field_ramp_id:
                before.fields_created.append(part.field_name or "")
        return before

    def resumed(
        self, parts: Sequence[PlanPart], deactivate_missing: bool, after: UploadReport
    ) -> UploadReport:
        """The whole upload: what the killed run wrote, plus `after`, the resumed run's report."""
        before = self.written_before(parts, deactivate_missing)
        return UploadReport(
            created=before.created + after.created,
            updated=before.updated + after.updated,
            reactivated=before.reactivated + after.reactivated,
            deactivated=before.deactivated + after.deactivated,
            fields_created=[*before.fields_created, *after.fields_created],
            failures=list(after.failures),
        )

    def confirmed_report(self, reason: str) -> UploadReport:
        """When Ramp cannot be read: what Ramp confirmed, plus the in-flight items as unconfirmed."""
        report = UploadReport(failures=list(self.failures))
        for (op, _key), ids in self.confirmed.items():
            if op == "create":
                report.created += len(ids)
            elif op == "update":
                report.updated += len(ids)
            elif op == "deactivate":
                report.deactivated += len(ids)
            elif op == "create_field":
                report.fields_created.extend(sorted(ids))
        for (op, key), ids in sorted(self.in_flight.items()):
            if ids:
                what = UNDONE.get(op, op)
                report.failures.append(
                    Failure(
                        tuple(sorted(ids)),
                        f"{key} {what}, in flight when the bot stopped and not confirmed by Ramp "
                        f"({reason}). Share the file again: the preview shows what Ramp holds.",
                    )
                )
        return report
