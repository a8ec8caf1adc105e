"""What Ramp holds: category counts for status, and every category kind as CSV (backups, lists)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice

from bot.exports import to_csv
from bot.ramp import RampClient

# Reading a 200,000-vendor list costs 2,000 requests; status shows "1,000+" instead.
COUNT_CAP = 1_000

KIND_LABELS = {
    "gl_accounts": "GL accounts",
    "vendors": "Vendors",
    "fields": "Custom fields",
    "field_options": "Custom field options",
}


@dataclass(frozen=True)
class CategoryCount:
    kind: str
    count: int
    capped: bool

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class CategoryFile:
    kind: str
    filename: str
    content: bytes
    rows: int


def count_categories(ramp: RampClient) -> list[CategoryCount]:
    """Active GL accounts, vendors and custom fields, read concurrently, capped at COUNT_CAP each."""
    sources = {
        "gl_accounts": lambda: ramp.iter_gl_accounts(is_active=True),
        "vendors": lambda: ramp.iter_vendors(is_active=True),
        "fields": lambda: ramp.iter_fields(is_active=True),
    }

    def count(kind: str) -> CategoryCount:
        seen = sum(1 for _ in islice(sources[kind](), COUNT_CAP + 1))
        return CategoryCount(kind, min(seen, COUNT_CAP), seen > COUNT_CAP)

    with ThreadPoolExecutor(max_workers=len(sources)) as pool:
        return list(pool.map(count, sources))


def export_categories(ramp: RampClient, stamp: str) -> list[CategoryFile]:
    """Every category kind Ramp holds for the active connection, one CSV each (empty kinds left out)."""
    files = [
        _file(
            "gl_accounts",
            f"gl-accounts-{stamp}.csv",
            ["id", "name", "code", "classification", "is_active", "ramp_id"],
            (
                [a.id, a.name, a.code, a.classification, a.is_active, a.ramp_id]
                for a in ramp.iter_gl_accounts()
            ),
        ),
        _file(
            "vendors",
            f"vendors-{stamp}.csv",
            ["id", "name", "code", "is_active", "ramp_id"],
            ([v.id, v.name, v.code, v.is_active, v.ramp_id] for v in ramp.iter_vendors()),
        ),
    ]
    fields = list(ramp.iter_fields())
    files.append(
        _file(
            "fields",
            f"custom-fields-{stamp}.csv",
            ["id", "name", "input_type", "is_splittable", "is_active", "ramp_id"],
            ([f.id, f.name, f.input_type, f.is_splittable, f.is_active, f.ramp_id] for f in fields),
        )
    )
    files.append(
        _file(
            "field_options",
            f"custom-field-options-{stamp}.csv",
            ["field", "option_id", "option_value", "code", "is_active", "ramp_id"],
            _option_rows(ramp, fields),
        )
    )
    return [f for f in files if f.rows]


def _option_rows(ramp: RampClient, fields: list) -> Iterator[list[object]]:
    for field in fields:
        for option in ramp.iter_field_options(field.ramp_id):
            yield [field.name, option.id, option.value, option.code, option.is_active, option.ramp_id]


def _file(kind: str, filename: str, header: list[str], rows: Iterable[list[object]]) -> CategoryFile:
    materialised = list(rows)
    return CategoryFile(kind, filename, to_csv(header, materialised), len(materialised))
