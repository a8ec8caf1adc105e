"""What Ramp holds: category counts for status, and every category kind as CSV (backups, lists)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
    first_rows: list[list[object]] = field(default_factory=list, repr=False)

    @property
    def header(self) -> list[str]:
        return HEADERS[self.kind]

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


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


# The words `/ramp categories <kind>` takes, and the kind each names.
KIND_WORDS = {
    "accounts": "gl_accounts",
    "vendors": "vendors",
    "fields": "fields",
    "options": "field_options",
}

HEADERS = {
    "gl_accounts": ["id", "name", "code", "classification", "is_active", "ramp_id"],
    "vendors": ["id", "name", "code", "is_active", "ramp_id"],
    "fields": ["id", "name", "input_type", "is_splittable", "is_active", "ramp_id"],
    "field_options": ["field", "option_id", "option_value", "code", "is_active", "ramp_id"],
}

FILE_STEMS = {
    "gl_accounts": "gl-accounts",
    "vendors": "vendors",
    "fields": "custom-fields",
    "field_options": "custom-field-options",
}


def export_categories(ramp: RampClient, stamp: str) -> list[CategoryFile]:
    """Every category kind Ramp holds for the active connection, one CSV each (empty kinds left out)."""
    files = [export_kind(ramp, kind, stamp) for kind in HEADERS]
    return [f for f in files if f.rows]


def export_kind(ramp: RampClient, kind: str, stamp: str) -> CategoryFile:
    """One category kind as a CSV file, every page read."""
    return _file(kind, f"{FILE_STEMS[kind]}-{stamp}.csv", HEADERS[kind], _rows(ramp, kind))


def _rows(ramp: RampClient, kind: str) -> Iterator[list[object]]:
    if kind == "gl_accounts":
        for a in ramp.iter_gl_accounts():
            yield [a.id, a.name, a.code, a.classification, a.is_active, a.ramp_id]
    elif kind == "vendors":
        for v in ramp.iter_vendors():
            yield [v.id, v.name, v.code, v.is_active, v.ramp_id]
    elif kind == "fields":
        for f in ramp.iter_fields():
            yield [f.id, f.name, f.input_type, f.is_splittable, f.is_active, f.ramp_id]
    else:
        for custom in ramp.iter_fields():
            for option in ramp.iter_field_options(custom.ramp_id):
                yield [custom.name, option.id, option.value, option.code, option.is_active, option.ramp_id]


def _file(kind: str, filename: str, header: list[str], rows: Iterable[list[object]]) -> CategoryFile:
    materialised = list(rows)
    return CategoryFile(kind, filename, to_csv(header, materialised), len(materialised), materialised[:10])
