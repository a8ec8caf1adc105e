"""What Ramp holds of each category kind: counts for status, and each kind as CSV (lists, backups).

    categories = CategoryService(ramp)
    categories.counts()                          # [CategoryCount("gl_accounts", 14, False), ...]
    categories.export(kind("vendors"), stamp)    # CategoryFile("vendors", "vendors-<stamp>.csv", ...)
    categories.export_all(stamp)                 # every exported kind Ramp holds any of

Which kinds are counted and exported, and their columns, come from bot/category_kinds.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from bot import category_kinds
from bot.category_kinds import KINDS, CategoryKind, every_item
from bot.exports import to_csv
from bot.ramp import RampClient

# Reading a 200,000-vendor list costs 2,000 requests; status shows "1,000+" instead.
COUNT_CAP = 1_000
FIRST_ROWS = 10  # shown in Slack above the file
# The columns Slack shows of a kind's first rows, in this order, with their headings: what finance
# reads. Ramp's ramp_id (a uuid) and the ERP's internal id stay in the CSV file only.
SHOWN_COLUMNS: dict[str, str] = {
    "field": "Field",
    "code": "Code",
    "name": "Name",
    "option_value": "Value",
    "classification": "Classification",
    "input_type": "Type",
    "is_splittable": "Splittable",
    "is_active": "Active",
}


@dataclass(frozen=True)
class CategoryCount:
    kind: str
    count: int
    capped: bool

    @property
    def label(self) -> str:
        return category_kinds.kind(self.kind).title

    @property
    def phrase(self) -> str:
        """`1 custom field`, `62 GL accounts`, `1,000+ vendors`."""
        row = category_kinds.kind(self.kind)
        noun = row.singular if self.count == 1 and not self.capped else row.plural
        return f"{self.count:,}{'+' if self.capped else ''} {noun}"


@dataclass(frozen=True)
class CategoryFile:
    kind: str
    filename: str
    content: bytes
    rows: int
    first_rows: list[list[object]] = field(default_factory=list, repr=False)

    @property
    def header(self) -> list[str]:
        """The CSV file's header: every column."""
        return list(category_kinds.kind(self.kind).columns)

    @property
    def label(self) -> str:
        return category_kinds.kind(self.kind).title

    @property
    def noun(self) -> str:
        """The kind as it reads after this file's count: `1 vendor`, `25 vendors`."""
        row = category_kinds.kind(self.kind)
        return row.singular if self.rows == 1 else row.plural

    @property
    def shown_header(self) -> list[str]:
        """The headings of the columns Slack shows (`SHOWN_COLUMNS`)."""
        return [SHOWN_COLUMNS[c] for c in self._shown()]

    @property
    def shown_rows(self) -> list[list[str]]:
        """The first rows, the shown columns only, as people read them: "" for none, yes or no."""
        at = [self.header.index(c) for c in self._shown()]
        return [[_cell(row[i]) for i in at] for row in self.first_rows]

    def _shown(self) -> list[str]:
        return [c for c in SHOWN_COLUMNS if c in self.header]


class CategoryService:
    def __init__(self, ramp: RampClient) -> None:
        self._ramp = ramp

    def counts(self, options: bool = False) -> list[CategoryCount]:
        """Active items of each counted kind, read concurrently, capped at COUNT_CAP each.

        `options`: count custom field options too (`/ramp categories`), which reads every field's
        options, so status and the Home tab leave them out."""
        counted = [row for row in KINDS if row.counted or (options and row.in_field and row.list_words)]

        def count(row: CategoryKind) -> CategoryCount:
            seen = sum(1 for _ in islice(self._active(row), COUNT_CAP + 1))
            return CategoryCount(row.key, min(seen, COUNT_CAP), seen > COUNT_CAP)

        with ThreadPoolExecutor(max_workers=len(counted)) as pool:
            return list(pool.map(count, counted))

    def export(self, kind: CategoryKind, stamp: str) -> CategoryFile:
        """One category kind as a CSV file, every page read."""
        rows = list(self._rows(kind))
        filename = f"{kind.file_stem}-{stamp}.csv"
        content = to_csv(list(kind.columns), rows)
        return CategoryFile(kind.key, filename, content, len(rows), rows[:FIRST_ROWS])

    def export_all(self, stamp: str) -> list[CategoryFile]:
        """Every exported kind Ramp holds for the active connection, one CSV each (empty kinds left out)."""
        files = [self.export(row, stamp) for row in KINDS if row.columns]
        return [f for f in files if f.rows]

    def _active(self, kind: CategoryKind) -> Iterator[object]:
        items = getattr(self._ramp, kind.iter_method)
        if not kind.in_field:
            yield from items(is_active=True)
            return
        for custom in self._ramp.iter_fields(is_active=True):
            yield from items(custom.ramp_id, is_active=True)

    def _rows(self, kind: CategoryKind) -> Iterator[list[object]]:
        items = getattr(self._ramp, kind.iter_method)
        if not kind.in_field:
            for item in every_item(items):
                yield _values(item, kind)
            return
        for custom in every_item(self._ramp.iter_fields):  # options are listed per custom field
            for item in every_item(items, custom.ramp_id):
                yield [custom.name, custom.id, *_values(item, kind)]


def _values(item: Any, kind: CategoryKind) -> list[object]:
    """The item's cells; a list (a field's `is_required_for`) is one cell, "TRANSACTION,BILL", as the
    custom-fields format reads it back (bot/importers/formats.py)."""
    values = [getattr(item, attribute) for attribute in kind.attributes]
    return [",".join(v) if isinstance(v, list | tuple) else v for v in values]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
