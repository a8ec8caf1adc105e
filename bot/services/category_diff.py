"""What an upload would change: a file's category records against what Ramp holds, item by item.

Pure code, no Ramp and no database, so it is tested as a property: applying the diff to Ramp's
items gives the file (tests/test_uploads.py). Ramp's rules it follows (reference/ramp-api.md §4):

- items are matched on the ERP id (Ramp's `id`); a batch create fails as a whole on an id that
  already exists, *active or not*, so an inactive item in the file is reactivated and patched,
  never created again;
- PATCH takes a name (`value` for options) and a code; a GL account's classification cannot be
  changed after creation, so a different classification is noted, not patched;
- a blank code in the file leaves Ramp's code alone: most ERP exports have no code column at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.importers import CategoryRecord


@dataclass(frozen=True, slots=True)
class Held:
    """One category as Ramp holds it now."""

    ramp_id: str
    id: str
    name: str
    code: str | None = None
    is_active: bool = True
    classification: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """An item in both: what to PATCH on Ramp's item (`fields` uses `name`; options call it value)."""

    record: CategoryRecord
    ramp_id: str
    fields: dict[str, Any]
    reactivate: bool = False
    before: Held | None = field(default=None, compare=False)  # Ramp's item, for the preview

    @property
    def shown(self) -> list[tuple[str, str, str]]:
        """(field, before, after) for the preview: "name", "Travel", "Travel & Meals"."""
        held = self.before
        rows = [
            (key, str(getattr(held, key, "") or "") if held else "", str(value))
            for key, value in self.fields.items()
        ]
        if self.reactivate:
            rows.append(("active", "no", "yes"))
        return rows


@dataclass(frozen=True, slots=True)
class Conflict:
    """A classification the file gives that Ramp will not take: Ramp sets it on create only."""

    record: CategoryRecord
    held: str  # what Ramp keeps


@dataclass
class Diff:
    new: list[CategoryRecord] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    missing: list[Held] = field(default_factory=list)  # active in Ramp, not in the file
    conflicts: list[Conflict] = field(default_factory=list)  # Ramp cannot change it; told, not patched

    @property
    def classification_differs(self) -> int:
        return len(self.conflicts)


def diff_records(records: Iterable[CategoryRecord], held: Iterable[Held]) -> Diff:
    """New, changed, unchanged and missing items. `held` is every item of the kind, active or not."""
    by_id = {item.id: item for item in held}
    diff = Diff()
    in_file: set[str] = set()
    for record in records:
        in_file.add(record.id)
        current = by_id.get(record.id)
        if current is None:
            diff.new.append(record)
            continue
        fields = _changed_fields(record, current)
        if fields or not current.is_active:
            diff.changed.append(Change(record, current.ramp_id, fields, not current.is_active, current))
        else:
            diff.unchanged += 1
        if (
            record.classification
            and current.classification
            and record.classification != current.classification
        ):
            diff.conflicts.append(Conflict(record, current.classification))
    diff.missing = [item for item in by_id.values() if item.is_active and item.id not in in_file]
    return diff


def _changed_fields(record: CategoryRecord, current: Held) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if record.name != current.name:
        fields["name"] = record.name
    if record.code and record.code != current.code:
        fields["code"] = record.code
    return fields
