"""Category uploads: a shared file previewed against what Ramp holds, then uploaded on request.

    preview = uploads.preview_file(content, "Chart of accounts.csv", file_id=..., user_id=..., channel_id=...)
    preview.plan.new, preview.plan.changed, preview.plan.missing ...   # nothing written yet
    report = uploads.start(preview.id, user_id=..., channel_id=..., deactivate_missing=False)
    for interrupted in uploads.interrupted():      # at start-up: uploads a killed run left running
        uploads.resume(interrupted)

The preview reads every item of the kind from Ramp (all pages, active and inactive) and keeps the
file's records in the `uploads` table, so **Upload** needs no second download and works after a
restart. **Upload** diffs again against what Ramp holds *then* (someone may have changed Ramp in
between) and hands the plan to `upload_run.Uploader`, which journals every batch before sending it.
A bot killed mid-upload finishes it when it starts again (`resume`, with upload_resume.py), or
reports what the journal shows was written. A header no format fits is read with the column mapping
saved for it (`self.mappings`, upload_mappings.py); `row_list` says what happens to every row,
and a preview that lists only the first rows of something carries that list (`overflow_rows`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from bot.category_kinds import FIELD_OPTIONS
from bot.category_kinds import kind as category_kind
from bot.errors import UserError
from bot.importers import CategoryRecord, ImportFileError, ParsedFile, parse_category_file
from bot.importers.records import FieldSpec
from bot.ramp import RampClient, RampError
from bot.services.audit import AuditLog
from bot.services.connection_kinds import ConnectionKinds
from bot.services.upload_mappings import ColumnMappings, SavedMapping
from bot.services.upload_plan import FIELD_INPUT_TYPE, UploadPlan, file_plan, plan_upload
from bot.services.upload_resume import Journal
from bot.services.upload_rows import RowList, row_list
from bot.services.upload_run import Progress, Uploader, UploadReport
from bot.store import Store

log = logging.getLogger(__name__)

SUBSIDIARY_FIELD = "Subsidiary"


class UploadProblem(UserError):
    """An upload cannot go ahead; `str(error)` tells the user why and what to do."""


@dataclass(frozen=True)
class UploadPreview:
    id: str
    file_name: str
    plan: UploadPlan
    previous: dict[str, Any] | None = None  # the same bytes, uploaded before as this kind
    mapping: SavedMapping | None = None  # how a header the bot did not know was read
    parsed: ParsedFile | None = field(default=None, repr=False, compare=False)  # the file as read
    read_only: str = ""  # why Upload is not offered: Ramp refused a write for the connection as direct

    @property
    def overflow_rows(self) -> RowList | None:
        """Every row as a CSV when the preview lists only the first rows of something (issue 14 §4:
        "attach a CSV … when there are more than fit"), else None."""
        if self.parsed is None or not self.plan.overflows or self.plan.unavailable:
            return None
        return row_list(self.parsed, self.plan, self.file_name)

    @property
    def nothing_to_do(self) -> bool:
        plan = self.plan
        # Items missing from the file keep the preview open even for a file uploaded before: the
        # admin may share it again to tick "also deactivate".
        work = plan.new or plan.changed or plan.deleted or plan.missing or plan.fields_to_create
        return not (plan.errors or plan.unavailable or work)

    @property
    def can_upload(self) -> bool:
        return not (self.plan.errors or self.plan.unavailable or self.nothing_to_do or self.read_only)


@dataclass(frozen=True)
class UploadStarted:
    report: UploadReport
    plan: UploadPlan
    file_name: str


@dataclass(frozen=True)
class FieldSetting:
    """How to create a custom field that does not exist yet (asked before the upload)."""

    input_type: str = FIELD_INPUT_TYPE  # only single choice: the one input type that takes options
    is_splittable: bool = False
    is_required_for: tuple[str, ...] = ()  # TRANSACTION, BILL…: coded before it may be marked ready
    display_name: str = ""  # the name shown in Ramp; "" for the field's own


@dataclass(frozen=True)
class InterruptedUpload:
    """An upload a previous run of the bot left running; where its preview and thread are."""

    id: str
    file_name: str
    channel_id: str
    thread_ts: str
    message_ts: str
    user_id: str
    runner: str = ""  # the run that left it: taking over from it is a claim only one process wins


@dataclass(frozen=True)
class ResumedUpload:
    upload: InterruptedUpload
    report: UploadReport  # the whole upload, before and after the restart
    finished: bool  # False: Ramp could not be read; the report is what the journal confirms
    reason: str = ""


class UploadService:
    def __init__(self, ramp: RampClient, store: Store, audit: AuditLog, run_id: str) -> None:
        self.ramp = ramp
        self.store = store
        self.audit = audit
        self.run_id = run_id  # this process, as the runner of the uploads it starts
        self.mappings = ColumnMappings(store)
        self.kinds = ConnectionKinds(ramp, store)

    def preview_file(
        self,
        content: bytes,
        name: str,
        *,
        file_id: str,
        user_id: str,
        channel_id: str,
        thread_ts: str = "",
        kind: str | None = None,
        format_name: str | None = None,
        encoding: str | None = None,
    ) -> UploadPreview:
        """Read, validate and diff a shared file; `ImportFileError` if it cannot be read at all.
        `kind` and `format_name` override what the header row suggests, `encoding` (a key of
        `bot.importers.ENCODINGS`) how a text file is decoded. A header no format fits is read with
        the column mapping saved for it, if there is one (upload_mappings.py)."""
        parsed, mapping = self._parse(content, name, kind, format_name, encoding)
        sha256 = hashlib.sha256(content).hexdigest()
        preview = self._preview(parsed, name, sha256, file_id=file_id, user_id=user_id, channel_id=channel_id)
        if thread_ts:
            self.store.set_upload_thread(preview.id, thread_ts)
        return replace(preview, mapping=mapping, parsed=parsed)

    def _parse(
        self, content: bytes, name: str, kind: str | None, format_name: str | None, encoding: str | None
    ) -> tuple[ParsedFile, SavedMapping | None]:
        try:
            parsed = parse_category_file(content, name, kind=kind, format_name=format_name, encoding=encoding)
        except ImportFileError:
            mapping = None if kind or format_name else self.mappings.for_file(content, name, encoding)
            if mapping is None:
                raise
            return self.mappings.read(mapping, content, name, encoding), mapping
        return parsed, None

    def row_list(self, upload_id: str, content: bytes) -> RowList:
        """Every row of a previewed file, read again as the preview read it and diffed against Ramp
        now: what the upload does with each, as a CSV (upload_rows.py)."""
        row = self.store.upload_row(upload_id)
        if row is None:
            raise UploadProblem("I no longer have that preview. Share the file again.")
        encoding = row.get("encoding") or None
        try:
            parsed, _ = self._parse(content, row["name"], None, row["format_name"], encoding)
        except ImportFileError:  # a mapped file, or one read as another kind: as the preview found it
            parsed, _ = self._parse(content, row["name"], None, None, encoding)
        plan = file_plan(parsed) if parsed.errors else plan_upload(parsed, self.ramp)
        return row_list(parsed, plan, row["name"])

    def replace_preview(self, upload_id: str, user_id: str) -> dict[str, Any] | None:
        """Retire a preview the user re-runs with another format or kind; None if it already
        started or ended (its file id and thread otherwise)."""
        row = self.store.upload_row(upload_id)
        if row is None or row["outcome"] == "invalid":  # a preview with errors offers no Upload
            return row
        return row if self.store.claim_upload(upload_id, "replaced", user_id) else None

    def preview_as_field(
        self, upload_id: str, user_id: str, field_name: str = SUBSIDIARY_FIELD
    ) -> UploadPreview:
        """The subsidiaries of an earlier preview, as the options of a custom field instead."""
        row = self.store.upload_row(upload_id)
        if row is None:
            raise UploadProblem("I no longer have that file. Share it again.")
        records = [replace(r, kind=FIELD_OPTIONS, field=field_name) for r in _load_records(row)]
        parsed = ParsedFile(f"{row['format_name']} as “{field_name}” options", FIELD_OPTIONS, records)
        preview = self._preview(
            parsed,
            row["name"],
            row["sha256"],
            file_id=row["file_id"],
            user_id=user_id,
            channel_id=row["channel_id"],
        )
        self.store.set_upload_thread(preview.id, row.get("thread_ts") or "")
        return preview

    def _preview(
        self, parsed: ParsedFile, name: str, sha256: str, *, file_id: str, user_id: str, channel_id: str
    ) -> UploadPreview:
        direct = None
        if parsed.errors:
            plan = file_plan(parsed)
        else:
            active = self.ramp.active_connection()
            if active is None:
                raise UploadProblem(
                    "Ramp has no active accounting connection, so there is nowhere to upload to. "
                    "An admin can register one with `/ramp connect <ERP name>`, then share the file again."
                )
            plan = plan_upload(parsed, self.ramp)
            direct = self.kinds.refusing_writes(active)
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
                "encoding": parsed.encoding.codec if parsed.encoding and parsed.encoding.chosen else "",
                "records": _dump_records(parsed.records),
                # With the counts: what Upload needs again besides the records (its own diff).
                "counts": json.dumps(
                    {
                        **plan.counts(),
                        "fields_to_create": plan.fields_to_create,
                        "deleted_ids": sorted(parsed.deleted_ids),
                    }
                ),
                "outcome": "previewed" if not (plan.errors or plan.unavailable) else "invalid",
            }
        )
        previous = self.store.last_done_upload(sha256, parsed.kind)
        return UploadPreview(upload_id, name, plan, previous, read_only=direct.note if direct else "")

    def fields_to_create(self, upload_id: str) -> list[str]:
        """The custom fields Ramp lacked at preview time, which Upload first creates (a modal asks how)."""
        row = self.store.upload_row(upload_id)
        counts = json.loads(row["counts"] or "{}") if row else {}
        return [str(name) for name in counts.get("fields_to_create") or []]

    def file_of(self, upload_id: str) -> tuple[str, str] | None:
        """(Slack file id, thread) of a previewed upload, to read the file again with other options."""
        row = self.store.upload_row(upload_id)
        if row is None or row["outcome"] not in ("previewed", "invalid"):
            return None
        return str(row["file_id"]), str(row.get("thread_ts") or "")

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
        message_ts: str = "",
        field_settings: dict[str, FieldSetting] | None = None,
    ) -> UploadStarted | None:
        """Diff again against Ramp now and carry the plan out; None if this upload was already
        started, cancelled, or never previewed (a second click, another admin first).
        `field_settings` says how to create custom fields Ramp lacks (by name; defaults otherwise);
        `message_ts` is kept so that a restarted bot can report where the upload was shown."""
        settings = field_settings or {}
        for setting in settings.values():
            if setting.input_type != FIELD_INPUT_TYPE:  # options go only on single-choice fields
                raise UploadProblem(
                    f"A field created for options is single choice, not “{setting.input_type}”: "
                    "Ramp keeps options only for single-choice fields."
                )
        direct = self.kinds.refusing_writes()
        if direct is not None:  # found direct since the preview: Ramp would refuse every write
            raise UploadProblem(direct.note)
        row = self.store.upload_row(upload_id)
        claimed = row is not None and self.store.claim_upload_run(
            upload_id,
            user_id,
            runner=self.run_id,
            message_ts=message_ts,
            deactivate_missing=deactivate_missing,
            field_settings=json.dumps({name: s.__dict__ for name, s in settings.items()}),
        )
        if row is None or not claimed:
            return None
        try:
            plan = self._plan(row, settings)
            report = Uploader(self.ramp, self.store, upload_id, progress).run(plan.parts, deactivate_missing)
        except Exception as error:
            self.store.finish_upload(upload_id, "failed", row["counts"], str(error)[:1000])
            self._audit(row, user_id, channel_id, "failed", f"upload failed: {error}"[:1000])
            raise
        self._finish(row, user_id, channel_id, report)
        return UploadStarted(report, plan, row["name"])

    def _plan(self, row: dict[str, Any], settings: dict[str, FieldSetting]) -> UploadPlan:
        """The stored file's records (and the ids it marks deleted) diffed against Ramp as it is now."""
        records = _load_records(row)
        deleted_ids = frozenset(str(i) for i in json.loads(row["counts"] or "{}").get("deleted_ids") or ())
        parsed = ParsedFile(
            row["format_name"], row["kind"], records, total_rows=len(records), deleted_ids=deleted_ids
        )
        plan = plan_upload(parsed, self.ramp)
        if plan.unavailable:
            raise UploadProblem(plan.unavailable)
        if plan.errors:  # Ramp changed since the preview: a field named in the file takes no options now
            raise UploadProblem(plan.errors[0].message)
        for part in plan.parts:
            setting = settings.get(part.field_name or "")
            if part.creates_field and setting is not None:
                part.field_input_type, part.field_splittable = setting.input_type, setting.is_splittable
                part.field_required_for = tuple(setting.is_required_for)
                part.field_display_name = setting.display_name
        return plan

    def _finish(self, row: dict[str, Any], user_id: str, channel_id: str, report: UploadReport) -> None:
        counts = {**json.loads(row["counts"] or "{}"), **report.counts()}
        detail = _describe(report, row["name"])
        self.store.finish_upload(row["id"], report.outcome, json.dumps(counts), detail)
        self._audit(row, user_id, channel_id, "ok" if report.outcome == "done" else "failed", detail)

    # -- after a restart -----------------------------------------------------------------------

    def interrupted(self) -> list[InterruptedUpload]:
        """Uploads a previous run of the bot left running (it was killed or crashed)."""
        return [
            InterruptedUpload(
                id=row["id"],
                file_name=row["name"],
                channel_id=row["channel_id"] or "",
                thread_ts=row["thread_ts"] or "",
                message_ts=row["message_ts"] or "",
                user_id=row["uploaded_by"] or "",
                runner=row["runner"],
            )
            for row in self.store.running_uploads(except_runner=self.run_id)
        ]

    def resume(self, upload: InterruptedUpload, progress: Progress | None = None) -> ResumedUpload | None:
        """Finish an interrupted upload: re-read Ramp, send only what it still lacks, report the whole
        upload. When Ramp cannot be read, report what the journal confirms. None if another
        process took it over first."""
        if not self.store.take_over_upload(upload.id, self.run_id, previous=upload.runner):
            return None
        row = self.store.upload_row(upload.id)
        assert row is not None
        journal = Journal.read(self.store.upload_batches(upload.id))
        deactivate = bool(row["deactivate_missing"])
        settings = {
            name: FieldSetting(**value) for name, value in json.loads(row["field_settings"] or "{}").items()
        }
        try:
            plan = self._plan(row, settings)
            uploader = Uploader(self.ramp, self.store, upload.id, progress, first_batch=journal.last_batch)
            after = uploader.run(plan.parts, deactivate)
        except (RampError, UploadProblem) as error:
            reason = error.user_text() if isinstance(error, RampError) else str(error)
            return self._resume_failed(row, upload, journal, reason)
        except Exception:
            log.exception("could not resume upload %s", upload.id)
            return self._resume_failed(row, upload, journal, "an internal error; the log has details")
        self.store.close_unfinished_batches(upload.id, journal.last_batch, "rechecked")
        report = journal.resumed(plan.parts, deactivate, after)
        self._finish(row, upload.user_id, upload.channel_id, report)
        return ResumedUpload(upload, report, finished=True)

    def _resume_failed(
        self, row: dict[str, Any], upload: InterruptedUpload, journal: Journal, reason: str
    ) -> ResumedUpload:
        report = journal.confirmed_report(reason)
        self._finish(row, upload.user_id, upload.channel_id, report)
        return ResumedUpload(upload, report, finished=False, reason=reason)

    def _audit(self, row: dict[str, Any], user_id: str, channel_id: str, outcome: str, detail: str) -> None:
        self.audit.record(
            user_id=user_id,
            channel_id=channel_id or row["channel_id"],
            command="upload",
            arguments=f"{row['name']} ({category_kind(row['kind']).plural})",  # the file, and what it holds
            outcome=outcome,
            detail=detail,
        )


def _describe(report: UploadReport, name: str) -> str:
    parts = [
        f"{report.created:,} created",
        f"{report.updated:,} updated",
        f"{report.deactivated:,} deactivated",
    ]
    if report.failed:
        parts.append(f"{report.failed:,} failed")
    return f"{name}: " + ", ".join(parts)


def _dump_records(records: list[CategoryRecord]) -> str:
    """One JSON array per line, so loading never holds the whole file as JSON values at once. An
    option's field id and a custom field's settings follow only when the record has them."""
    return "\n".join(json.dumps(_dumped(r)) for r in records)


def _dumped(r: CategoryRecord) -> list[Any]:
    line: list[Any] = [r.kind, r.id, r.name, r.code, r.classification, r.field]
    if r.field_id is not None or r.spec is not None:
        line.append(r.field_id)
    if r.spec is not None:
        spec = r.spec
        line.append([spec.input_type, spec.is_splittable, list(spec.is_required_for), spec.display_name])
    return line


def _load_records(row: dict[str, Any]) -> list[CategoryRecord]:
    text = row["records"] or ""
    records = []
    # A 200,000-row file is loaded again on Upload: repeated values (kind, field) are interned, and
    # lines are decoded one at a time (benchmarks/upload.py measures the peak).
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        kind, item_id, name, code, classification, field_name, *more = json.loads(text[start:end])
        start = end + 1
        spec = more[1] if len(more) > 1 else None
        records.append(
            CategoryRecord(
                sys.intern(kind),
                item_id,
                name,
                code,
                classification and sys.intern(classification),
                field_name and sys.intern(field_name),
                field_id=more[0] if more else None,
                spec=FieldSpec(spec[0], spec[1], tuple(spec[2]), spec[3]) if spec else None,
            )
        )
    return records


__all__ = [
    "SUBSIDIARY_FIELD",
    "FieldSetting",
    "InterruptedUpload",
    "ResumedUpload",
    "UploadPlan",
    "UploadPreview",
    "UploadProblem",
    "UploadService",
    "UploadStarted",
]
