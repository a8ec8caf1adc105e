"""What an upload would do: a parsed file diffed against every item of its kind Ramp holds now.

Reads Ramp (all pages, active and inactive items), writes nothing. Used by the preview, again by
**Upload** (Ramp may have changed in between), and by a restarted bot finishing an upload.

    plan = plan_upload(parsed, ramp)
    plan.new, plan.changed, plan.missing, plan.parts     # one part per kind, or per custom field
    plan.deleted                                         # deleted in the ERP, active in Ramp
    plan.skipped_rows, plan.skip_summary, plan.warnings, plan.checks, plan.encoding, plan.samples

The plan also carries what the preview says about the file itself (`file_plan` alone, when the
file has errors and Ramp is not read): every data row is a record, a skipped row or a row with
errors, and the preview lists the skipped rows with their reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from bot import category_kinds
from bot.category_kinds import FIELD_OPTIONS, FIELDS, CategoryKind, every_item
from bot.importers import (
    ENCODINGS,
    SKIP_REASONS,
    CategoryRecord,
    EncodingGuess,
    ParsedFile,
    RowError,
    SkippedRow,
)
from bot.ramp import MAX_BATCH, CustomField, NotFound, RampClient
from bot.services.category_diff import Change, Conflict, Held, diff_records
from bot.services.upload_fields import add_setting_changes

# Rows of each list the preview names (new, changed, skipped…; errors: LISTED_ERRORS), the rest it
# counts; when a list is longer, every row goes to the preview's thread as a CSV (issue 14 §4).
LISTED = 5
LISTED_ERRORS = 10
# The one input type that takes options: they are what people choose from (the seed guide creates a
# SINGLE_CHOICE field for its options). A field created for a file's options is always one.
FIELD_INPUT_TYPE = "SINGLE_CHOICE"
# Ramp's custom field input types (openapi: ApiAccountingCustomFieldCreateRequestBody.input_type)
FIELD_INPUT_TYPES = {"SINGLE_CHOICE": "single choice", "FREE_FORM_TEXT": "free text", "BOOLEAN": "yes / no"}


@dataclass
class PlanPart:
    """The work for one kind, or for the options of one custom field."""

    kind: str
    new: list[CategoryRecord]
    changed: list[Change]
    missing: list[Held]  # deactivated only when the user ticks "Also deactivate"
    unchanged: int = 0
    deleted: list[Held] = field(default_factory=list)  # deleted in the ERP, active in Ramp: deactivated
    field_name: str | None = None  # custom field options only
    field_ramp_id: str | None = None  # None: the field is created first
    field_id: str | None = None  # the field's ERP id when it exists (inactive fields are re-POSTed)
    field_active: bool = True
    field_error: str = ""  # why the field could not be created, when it could not
    field_input_type: str = FIELD_INPUT_TYPE  # for a field created first
    field_splittable: bool = False
    field_required_for: tuple[str, ...] = ()
    field_display_name: str = ""

    @property
    def category_kind(self) -> CategoryKind:
        return category_kinds.kind(self.kind)

    @property
    def journal_key(self) -> str:
        """How the batch journal names the part: the kind, or `field_options:<field name>`."""
        return f"{self.kind}:{self.field_name}" if self.field_name else self.kind

    @property
    def creates_field(self) -> bool:
        """Options of a custom field Ramp lacks: the field is created before them."""
        return self.category_kind.in_field and self.field_ramp_id is None


@dataclass
class UploadPlan:
    """What an upload would do, per kind (or per custom field for options)."""

    listed: ClassVar[int] = LISTED  # what templates/upload_preview.json.j2 names of each list
    listed_errors: ClassVar[int] = LISTED_ERRORS

    kind: str
    format_name: str
    parts: list[PlanPart]
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unavailable: str = ""  # Ramp lacks the endpoint for this kind (subsidiaries today)
    # About the file itself (see `ParsedFile`): `skipped` above is the sum of `skip_counts`.
    total_rows: int = 0
    skipped_rows: list[SkippedRow] = field(default_factory=list)  # the first ones, with reasons
    skip_counts: dict[str, int] = field(default_factory=dict)
    warnings: list[RowError] = field(default_factory=list)  # uploaded, but look at them
    checks: list[RowError] = field(default_factory=list)  # classified by a rule that may not fit
    kind_guess: str = ""  # why this kind, when the header fits several: the kind is a guess
    encoding: EncodingGuess | None = None  # how a text file was decoded; None for a workbook
    samples: list[str] = field(default_factory=list)  # a few names as read
    conflicts: list[Conflict] = field(default_factory=list)  # classifications Ramp keeps its own of

    @property
    def category_kind(self) -> CategoryKind:
        return category_kinds.kind(self.kind)

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
    def deleted(self) -> int:
        return sum(len(p.deleted) for p in self.parts)

    @property
    def deleted_items(self) -> list[Held]:
        return [item for part in self.parts for item in part.deleted]

    @property
    def new_records(self) -> list[CategoryRecord]:
        return [record for part in self.parts for record in part.new]

    @property
    def changes(self) -> list[Change]:
        return [change for part in self.parts for change in part.changed]

    @property
    def missing_items(self) -> list[Held]:
        return [item for part in self.parts for item in part.missing]

    @property
    def one_by_one(self) -> int:
        """Requests that write one item each (renames, reactivations, a vendor's code after its
        create, a deleted record's deactivation): Ramp's API has no batch PATCH or DELETE
        (reference/ramp-api.md §4)."""
        codes = sum(
            1 for part in self.parts if part.category_kind.code_sent == "by patch" for r in part.new if r.code
        )
        return self.changed + codes + self.deleted

    @property
    def batch_requests(self) -> int:
        """Batch creates: up to MAX_BATCH items a request."""
        return sum(-(-len(part.new) // MAX_BATCH) for part in self.parts)

    @property
    def skip_summary(self) -> list[tuple[int, str]]:
        """(count, what) per reason, in SKIP_REASONS order: [(3, "headings or totals"), …]."""
        return [
            (self.skip_counts[key], reason.count_text)
            for key, reason in SKIP_REASONS.items()
            if self.skip_counts.get(key)
        ]

    @property
    def offers_encoding(self) -> bool:
        """Whether the preview lets the user choose how the text is decoded: the guess is unsure,
        or the user chose already (and may choose again)."""
        return self.encoding is not None and bool(self.encoding.choices)

    @property
    def encoding_options(self) -> list[tuple[str, str]]:
        """(value, label) of the encoding select, best first; a value is what `encoding=` takes."""
        choices = self.encoding.choices if self.encoding else ()
        return [(codec, ENCODINGS[codec]) for codec in choices]

    @property
    def shows_samples(self) -> bool:
        """Whether the preview shows names as read: for text with letters beyond ASCII, where a
        wrong encoding shows, or when the encoding is offered."""
        return self.encoding is not None and (
            self.offers_encoding or any(not name.isascii() for name in self.samples)
        )

    @property
    def overflows(self) -> bool:
        """Whether the preview names only the first rows of some list and counts the others."""
        lists = (self.new, self.changed, self.deleted, self.missing, self.skipped, len(self.conflicts))
        more = (len(self.warnings), len(self.checks))
        return len(self.errors) > LISTED_ERRORS or any(count > LISTED for count in lists + more)

    @property
    def fields_to_create(self) -> list[str]:
        return [p.field_name or "" for p in self.parts if p.creates_field]

    def counts(self) -> dict[str, int]:
        return {
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "missing": self.missing,
            "deleted": self.deleted,
            "skipped": self.skipped,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }


def file_plan(parsed: ParsedFile) -> UploadPlan:
    """What the preview says about the file alone, before Ramp is read: counts, skipped rows,
    row errors and warnings, how it was decoded. No parts."""
    return UploadPlan(
        parsed.kind,
        parsed.format_name,
        [],
        parsed.skipped_count,
        list(parsed.errors),
        list(parsed.notes),
        total_rows=parsed.total_rows,
        skipped_rows=list(parsed.skipped),
        skip_counts=dict(parsed.skip_counts),
        warnings=list(parsed.warnings),
        checks=list(parsed.checks),
        kind_guess=parsed.kind_guess,
        encoding=parsed.encoding,
        samples=list(parsed.samples),
    )


def plan_upload(parsed: ParsedFile, ramp: RampClient) -> UploadPlan:
    """Diff the file's records against every item of the kind Ramp holds now. Writes nothing."""
    kind = category_kinds.kind(parsed.kind)
    plan = file_plan(parsed)
    if kind.in_field:
        plan.parts, refused = _field_option_parts(parsed, ramp)
        plan.errors.extend(refused)
        for name in plan.fields_to_create:
            plan.notes.append(
                f"Ramp has no custom field “{name}” yet: *Upload* first asks how to create it "
                "(a single-choice field, by default not split across line items)."
            )
        return plan
    try:
        held = _held(ramp, kind)
    except NotFound:
        if not kind.unavailable:
            raise
        plan.unavailable = kind.unavailable
        return plan
    diff = diff_records(parsed.records, held)
    if kind.key == FIELDS:  # a custom field's settings too (the custom-fields file of a backup)
        kept = add_setting_changes(diff, parsed.records, list(every_item(ramp.iter_fields)))
        if kept:
            plan.notes.append("Ramp keeps these settings: " + "; ".join(kept) + ".")
    # A record the ERP deleted is a skipped row; when Ramp still holds it active, Upload deactivates
    # it without the "Also deactivate" box, so card holders cannot code spend to it (issue 14 §1).
    deleted = [item for item in diff.missing if item.id in parsed.deleted_ids] if kind.delete_method else []
    missing = [item for item in diff.missing if item not in deleted] if deleted else diff.missing
    plan.parts = [PlanPart(kind.key, diff.new, diff.changed, missing, diff.unchanged, deleted=deleted)]
    plan.conflicts = diff.conflicts  # the preview names them: Ramp keeps its own classification
    if (diff.changed and not kind.update_method) or (diff.missing and not kind.delete_method):
        plan.notes.append(f"{kind.title} are only created: renaming or deactivating them is left to Ramp.")
    return plan


def _held(ramp: RampClient, kind: CategoryKind, *field_ramp_id: str) -> list[Held]:
    """Every item of the kind Ramp holds, active or not (options: of the custom field given)."""
    return [_as_held(item, kind) for item in every_item(getattr(ramp, kind.iter_method), *field_ramp_id)]


def _as_held(item: Any, kind: CategoryKind) -> Held:
    return Held(
        item.ramp_id,
        item.id or "",
        getattr(item, kind.name_attribute),
        getattr(item, "code", None),  # Ramp's subsidiaries have no code
        item.is_active,
        getattr(item, "classification", None) if kind.classified else None,
    )


def _field_option_parts(parsed: ParsedFile, ramp: RampClient) -> tuple[list[PlanPart], list[RowError]]:
    """One part per custom field named in the file; the field found by name or ERP id. A field Ramp
    holds with another input type than single choice takes no options: an error for the preview."""
    options_kind = category_kinds.kind(FIELD_OPTIONS)
    by_field: dict[str, list[CategoryRecord]] = {}
    first_row: dict[str, int] = {}  # the file's row of each field's first option (0: not known)
    rows = parsed.record_rows if len(parsed.record_rows) == len(parsed.records) else None
    for position, record in enumerate(parsed.records):
        by_field.setdefault(record.field or "", []).append(record)
        first_row.setdefault(record.field or "", rows[position] if rows is not None else 0)
    fields = list(every_item(ramp.iter_fields))
    parts, refused = [], []
    for name, options in by_field.items():
        field_id = next((o.field_id for o in options if o.field_id), None)  # a backup's `field_id`
        found = _find_field(fields, name, field_id)
        if found is None:
            parts.append(PlanPart(FIELD_OPTIONS, options, [], [], field_name=name, field_id=field_id))
            continue
        if found.input_type not in (None, FIELD_INPUT_TYPE):  # None: Ramp did not say; it may refuse
            refused.append(_takes_no_options(found, len(options), first_row[name]))
            continue
        diff = diff_records(options, _held(ramp, options_kind, found.ramp_id))
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
    return parts, refused


def _takes_no_options(found: CustomField, options: int, row: int) -> RowError:
    """The error at the first row of a field that takes no options: what is wrong, what to do."""
    label = FIELD_INPUT_TYPES.get(found.input_type or "", found.input_type or "")
    return RowError(
        row,
        "custom field",
        f"Ramp's custom field “{found.name}” is a {label} field, and Ramp keeps options only for "
        f"single-choice fields, so its {options:,} option(s) cannot be uploaded. Name a single-choice "
        "field in these rows instead (a name Ramp does not have yet is created as one), or remove them.",
    )


def _find_field(fields: list[CustomField], name: str, field_id: str | None = None) -> CustomField | None:
    """The field of the ERP id the file gives; else an active field by name first, then by ERP id,
    then an inactive one (re-POSTing revives it)."""
    if field_id and (same := next((f for f in fields if f.id == field_id), None)) is not None:
        return same
    wanted = name.strip().casefold()
    ranked = sorted(fields, key=lambda f: not f.is_active)
    for f in ranked:
        if f.name.strip().casefold() == wanted or (f.id or "").strip().casefold() == wanted:
            return f
    return None
