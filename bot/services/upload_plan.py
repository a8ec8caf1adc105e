"""What an upload would do: a parsed file diffed against every item of its kind Ramp holds now.

Reads Ramp (all pages, active and inactive items), writes nothing. Used by the preview, again by
**Upload** (Ramp may have changed in between), and by a restarted bot finishing an upload.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.importers import (
    FIELD_OPTIONS,
    GL_ACCOUNTS,
    SUBSIDIARIES,
    VENDORS,
    CategoryRecord,
    ParsedFile,
    RowError,
)
from bot.ramp import CustomField, NotFound, RampClient
from bot.services.category_diff import Held, diff_records
from bot.services.upload_run import PlanPart


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
                f"Ramp has no custom field “{name}” yet: *Upload* first asks how to create it "
                "(by default a single-choice field that cannot be split across line items)."
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
