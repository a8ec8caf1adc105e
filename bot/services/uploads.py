"""Category uploads: a shared file previewed against what Ramp holds, then uploaded on request.

    preview = uploads.preview_file(content, "Chart of accounts.csv", file_id=..., user_id=..., channel_id=...)
    preview.plan.new, preview.plan.changed, preview.plan.missing ...   # nothing written yet
    report = uploads.start(preview.id, user_id=..., channel_id=..., deactivate_missing=False)

The preview reads every item of the kind from Ramp (all pages, active and inactive) and keeps the
file's records in the `uploads` table, so **Upload** needs no second download and works after a
restart. **Upload** diffs again against what Ramp holds *then* (someone may have changed Ramp in
between) and hands the plan to `upload_run.Uploader`, which journals every batch before sending it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from bot.importers import (
    FIELD_OPTIONS,
    GL_ACCOUNTS,
    SUBSIDIARIES,
    VENDORS,
    CategoryRecord,
    ParsedFile,
    RowError,
    parse_category_file,
)
from bot.ramp import CustomField, NotFound, RampClient
from bot.services.audit import AuditLog
from bot.services.category_diff import Held, diff_records
from bot.services.upload_run import FIELD_INPUT_TYPE, PlanPart, Progress, Uploader, UploadReport
from bot.store import Store

SUBSIDIARY_FIELD = "Subsidiary"
UPLOAD_KINDS = (GL_ACCOUNTS, VENDORS, SUBSIDIARIES, FIELD_OPTIONS)


class UploadProblem(Exception):
    """An upload cannot go ahead; `str(error)` tells the user why and what to do."""


@dataclass
class UploadPlan:
    """What an upload would do, per kind (or per custom field for options)."""

    kind: str
    format_name: str
    parts: list[PlanPart]
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unavailable: str = ""  # Ramp lacks the endpoint for this kind (subsidiaries today)

    @property
    def new(self) -> int:
        return sum(len(p.new) for p in self.parts)

    @property
    def changed(self) -> int:
        return sum(len(p.changed) for p in self.parts)

    @property
    def reactivated(self) -> int:
        return sum(c.reactivate for p in self.parts for c in p.changed)

    @property
    def unchanged(self) -> int:
        return sum(p.unchanged for p in self.parts)

    @property
    def missing(self) -> int:
        return sum(len(p.missing) for p in self.parts)

    @property
    def fields_to_create(self) -> list[str]:
        return [p.field_name or "" for p in self.parts if p.kind == FIELD_OPTIONS and p.field_ramp_id is None]

    def counts(self) -> dict[str, int]:
        return {
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "missing": self.missing,
            "skipped": self.skipped,
            "errors": len(self.errors),
        }


def preview_upload(parsed: ParsedFile, ramp: RampClient) -> UploadPlan:
    """Diff the file's records against every item of the kind Ramp holds now. Writes nothing."""
    plan = UploadPlan(parsed.kind, parsed.format_name, [], skipped=parsed.skipped_inactive, notes=[])
    plan.errors = list(parsed.errors)
    plan.notes = list(parsed.notes)
    if parsed.kind == FIELD_OPTIONS:
        plan.parts = _field_option_parts(parsed.records, ramp)
        for name in plan.fields_to_create:
            plan.notes.append(
                f"Ramp has no custom field “{name}” yet: it will be created first, as a single-choice "
                "field that cannot be split across line items. Change that in Ramp afterwards if needed."
            )
        return plan
    try:
        held = list(_held(parsed.kind, ramp))
    except NotFound:
        if parsed.kind != SUBSIDIARIES:
            raise
        plan.unavailable = (
            "Ramp no longer has an API for subsidiaries: legal entities are set up in Ramp itself now, "
            "and the bot cannot upload them."
        )
        return plan
    diff = diff_records(parsed.records, held)
    plan.parts = [PlanPart(parsed.kind, diff.new, diff.changed, diff.missing, diff.unchanged)]
    if diff.classification_differs:
        plan.notes.append(
            f"{diff.classification_differs:,} account(s) have another classification in Ramp; "
            "Ramp does not allow changing it, so it stays as it is."
        )
    if parsed.kind == SUBSIDIARIES and (diff.changed or diff.missing):
        plan.notes.append("Subsidiaries are only created: renaming or deactivating them is left to Ramp.")
    return plan


def run_upload(
    plan: UploadPlan,
    ramp: RampClient,
    store: Store,
    upload_id: str,
    *,
    deactivate_missing: bool = False,
    progress: Progress | None = None,
) -> UploadReport:
    """Carry `plan` out: create in batches of 500 in parallel, patch, deactivate if asked; each batch
    journalled in `upload_batches` under `upload_id` before it is sent."""
    return Uploader(ramp, store, upload_id, progress).run(plan.parts, deactivate_missing)


def _held(kind: str, ramp: RampClient) -> Iterable[Held]:
    if kind == GL_ACCOUNTS:
        for a in ramp.iter_gl_accounts():
            yield Held(a.ramp_id, a.id or "", a.name, a.code, a.is_active, a.classification)
    elif kind == VENDORS:
        for v in ramp.iter_vendors():
            yield Held(v.ramp_id, v.id or "", v.name, v.code, v.is_active)
    elif kind == SUBSIDIARIES:
        for s in ramp.iter_subsidiaries():
            yield Held(s.ramp_id, s.id or "", s.name, None, s.is_active)
    else:
        raise ValueError(f"not a category kind with one list: {kind}")


def _field_option_parts(records: list[CategoryRecord], ramp: RampClient) -> list[PlanPart]:
    """One part per custom field named in the file; the field found by name or ERP id."""
    by_field: dict[str, list[CategoryRecord]] = {}
    for record in records:
        by_field.setdefault(record.field or "", []).append(record)
    fields = list(ramp.iter_fields())
    parts = []
    for name, options in by_field.items():
        found = _find_field(fields, name)
        if found is None:
            parts.append(PlanPart(FIELD_OPTIONS, options, [], [], field_name=name))
            continue
        held = [
            Held(o.ramp_id, o.id or "", o.value, o.code, o.is_active)
            for o in ramp.iter_field_options(found.ramp_id)
        ]
        diff = diff_records(options, held)
        parts.append(
            PlanPart(
                FIELD_OPTIONS,
                diff.new,
                diff.changed,
                diff.missing,
                diff.unchanged,
                field_name=found.name,
                field_ramp_id=found.ramp_id,
                field_id=found.id,
                field_active=found.is_active,
            )
        )
    return parts


def _find_field(fields: list[CustomField], name: str) -> CustomField | None:
    """An active field by name first, then by ERP id, then an inactive one (re-POSTing revives it)."""
    wanted = name.strip().casefold()
    ranked = sorted(fields, key=lambda f: not f.is_active)
    for f in ranked:
        if f.name.strip().casefold() == wanted or (f.id or "").strip().casefold() == wanted:
            return f
    return None


@dataclass(frozen=True)
class UploadPreview:
    id: str
    file_name: str
    plan: UploadPlan
    previous: dict[str, Any] | None = None  # the same bytes, uploaded before as this kind

    @property
    def nothing_to_do(self) -> bool:
        plan = self.plan
        # Items missing from the file keep the preview open even for a file uploaded before: the
        # admin may share it again to tick "also deactivate".
        work = plan.new or plan.changed or plan.missing or plan.fields_to_create
        return not (plan.errors or plan.unavailable or work)

    @property
    def can_upload(self) -> bool:
        return not (self.plan.errors or self.plan.unavailable or self.nothing_to_do)


@dataclass(frozen=True)
class UploadStarted:
    report: UploadReport
    plan: UploadPlan
    file_name: str


class UploadService:
    def __init__(self, ramp: RampClient, store: Store, audit: AuditLog) -> None:
        self.ramp = ramp
        self.store = store
        self.audit = audit

    def preview_file(
        self, content: bytes, name: str, *, file_id: str, user_id: str, channel_id: str
    ) -> UploadPreview:
        """Read, validate and diff a shared file; `ImportFileError` if it cannot be read at all."""
        parsed = parse_category_file(content, name)
        sha256 = hashlib.sha256(content).hexdigest()
        return self._preview(parsed, name, sha256, file_id=file_id, user_id=user_id, channel_id=channel_id)

    def preview_as_field(
        self, upload_id: str, user_id: str, field_name: str = SUBSIDIARY_FIELD
    ) -> UploadPreview:
        """The subsidiaries of an earlier preview, as the options of a custom field instead."""
        row = self.store.upload_row(upload_id)
        if row is None:
            raise UploadProblem("I no longer have that file. Share it again.")
        records = [replace(r, kind=FIELD_OPTIONS, field=field_name) for r in _load_records(row)]
        parsed = ParsedFile(
            f"{row['format_name']} as “{field_name}” options", FIELD_OPTIONS, records, [], 0, 0
        )
        return self._preview(
            parsed,
            row["name"],
            row["sha256"],
            file_id=row["file_id"],
            user_id=user_id,
            channel_id=row["channel_id"],
        )

    def _preview(
        self, parsed: ParsedFile, name: str, sha256: str, *, file_id: str, user_id: str, channel_id: str
    ) -> UploadPreview:
        if parsed.errors:
            plan = UploadPlan(
                parsed.kind, parsed.format_name, [], parsed.skipped_inactive, list(parsed.errors)
            )
        else:
            if self.ramp.active_connection() is None:
                raise UploadProblem(
                    "Ramp has no active accounting connection, so there is nowhere to upload to. "
                    "An admin can register one with `/ramp connect <ERP name>`, then share the file again."
                )
            plan = preview_upload(parsed, self.ramp)
        upload_id = uuid.uuid4().hex
        self.store.add_upload(
            {
                "id": upload_id,
                "file_id": file_id,
                "name": name,
                "sha256": sha256,
                "user_id": user_id,
                "channel_id": channel_id,
                "kind": parsed.kind,
                "format_name": parsed.format_name,
                "records": _dump_records(parsed.records),
                "counts": json.dumps(plan.counts()),
                "outcome": "previewed" if not (plan.errors or plan.unavailable) else "invalid",
            }
        )
        previous = self.store.last_done_upload(sha256, parsed.kind)
        return UploadPreview(upload_id, name, plan, previous)

    def cancel(self, upload_id: str, user_id: str) -> bool:
        """False when the upload already started, finished or was cancelled."""
        return self.store.claim_upload(upload_id, "cancelled", user_id)

    def start(
        self,
        upload_id: str,
        *,
        user_id: str,
        channel_id: str,
        deactivate_missing: bool,
        progress: Progress | None = None,
    ) -> UploadStarted | None:
        """Diff again against Ramp now and carry the plan out; None if this upload was already
        started, cancelled, or never previewed (a second click, another admin first)."""
        row = self.store.upload_row(upload_id)
        if row is None or not self.store.claim_upload(upload_id, "running", user_id):
            return None
        records = _load_records(row)
        parsed = ParsedFile(row["format_name"], row["kind"], records, [], 0, len(records))
        try:
            plan = preview_upload(parsed, self.ramp)
            if plan.unavailable:
                raise UploadProblem(plan.unavailable)
            report = run_upload(
                plan,
                self.ramp,
                self.store,
                upload_id,
                deactivate_missing=deactivate_missing,
                progress=progress,
            )
        except Exception as error:
            self.store.finish_upload(upload_id, "failed", row["counts"], str(error)[:1000])
            self._audit(row, user_id, channel_id, "failed", f"upload failed: {error}"[:1000])
            raise
        counts = {**json.loads(row["counts"] or "{}"), **report.counts()}
        detail = describe(report, row["name"])
        self.store.finish_upload(upload_id, report.outcome, json.dumps(counts), detail)
        self._audit(row, user_id, channel_id, "ok" if report.outcome == "done" else "failed", detail)
        return UploadStarted(report, plan, row["name"])

    def _audit(self, row: dict[str, Any], user_id: str, channel_id: str, outcome: str, detail: str) -> None:
        self.audit.record(
            user_id=user_id,
            channel_id=channel_id or row["channel_id"],
            command="upload",
            arguments=f"{row['kind']} {row['name']}",
            outcome=outcome,
            detail=detail,
        )


def describe(report: UploadReport, name: str) -> str:
    parts = [
        f"{report.created:,} created",
        f"{report.updated:,} updated",
        f"{report.deactivated:,} deactivated",
    ]
    if report.failed:
        parts.append(f"{report.failed:,} failed")
    return f"{name}: " + ", ".join(parts)


def _dump_records(records: list[CategoryRecord]) -> str:
    return json.dumps([[r.kind, r.id, r.name, r.code, r.classification, r.field] for r in records])


def _load_records(row: dict[str, Any]) -> list[CategoryRecord]:
    return [CategoryRecord(*values) for values in json.loads(row["records"] or "[]")]


__all__ = [
    "FIELD_INPUT_TYPE",
    "SUBSIDIARY_FIELD",
    "UPLOAD_KINDS",
    "UploadPlan",
    "UploadPreview",
    "UploadProblem",
    "UploadService",
    "UploadStarted",
    "preview_upload",
    "run_upload",
]
