"""A file of custom fields (the custom-fields file a backup posts) against the fields Ramp holds: the
settings an upload changes, and the ones Ramp keeps. Pure: the caller has read Ramp.

Ramp's PATCH body (openapi `ApiAccountingCustomFieldUpdateParamsRequestBody`) takes name, display_name
and is_splittable; the input type and `is_required_for` are set on create only, so a difference in
them is a note for the preview, not a change (`/ramp field <name> required …` tries to change the
latter: bot/services/field_settings.py).

    notes = add_setting_changes(diff, parsed.records, list(every_item(ramp.iter_fields)))
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.importers import CategoryRecord
from bot.ramp import CustomField
from bot.services.category_diff import Change, Diff


def add_setting_changes(diff: Diff, records: list[CategoryRecord], held: list[CustomField]) -> list[str]:
    """Add to `diff.changed` the display names and splittable settings the file changes (a record
    that was unchanged moves to changed); returns what Ramp keeps, as notes for the preview."""
    by_id = {f.id: f for f in held if f.id}
    at = {change.record.id: index for index, change in enumerate(diff.changed)}
    kept: list[str] = []
    for record in records:
        found = by_id.get(record.id)
        if found is None or record.spec is None:
            continue
        settings = _patchable(record, found)
        if record.spec.input_type != (found.input_type or record.spec.input_type):
            kept.append(f"“{found.name}” stays {found.input_type} (Ramp sets the input type on create only)")
        if set(record.spec.is_required_for) != set(found.is_required_for):
            required = ",".join(record.spec.is_required_for) or "none"
            kept.append(
                f"“{found.name}” keeps what it is required for: try `/ramp field {record.id} required "
                f"{required.lower()}`"
            )
        if not settings:
            continue
        if record.id in at:
            change = diff.changed[at[record.id]]
            diff.changed[at[record.id]] = replace(change, fields={**change.fields, **settings})
        else:
            diff.changed.append(Change(record, found.ramp_id, settings))
            diff.unchanged -= 1
    return kept


def _patchable(record: CategoryRecord, found: CustomField) -> dict[str, Any]:
    """What a PATCH changes: a blank display name in the file leaves Ramp's alone, as a blank code does."""
    assert record.spec is not None
    settings: dict[str, Any] = {}
    if record.spec.display_name and record.spec.display_name != found.display_name:
        settings["display_name"] = record.spec.display_name
    if record.spec.is_splittable != found.is_splittable:
        settings["is_splittable"] = record.spec.is_splittable
    return settings
