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
from bot.category_kinds import KINDS, CategoryKind
from bot.exports import to_csv
from bot.ramp import RampClient

# Reading a 200,000-vendor list costs 2,000 requests; status shows "1,000+" instead.
COUNT_CAP = 1_000
FIRST_ROWS = 10  # shown in Slack above the file


@dataclass(frozen=True)
class CategoryCount:
    kind: str
    count: int
    capped: bool

    @property
    def label(self) -> str:
        return category_kinds.kind(self.kind).title


@dataclass(frozen=True)
class CategoryFile:
    kind: str
    filename: str
    content: bytes
    rows: int
    first_rows: list[list[object]] = field(default_factory=list, repr=False)

    @property
    def header(self) -> list[str]:
        return list(category_kinds.kind(self.kind).columns)

    @property
    def label(self) -> str:
        return category_kinds.kind(self.kind).title


class CategoryService:
    def __init__(self, ramp: RampClient) -> None:
        self._ramp = ramp

    def counts(self) -> list[CategoryCount]:
        """Active items of each counted kind, read concurrently, capped at COUNT_CAP each."""
        counted = [row for row in KINDS if row.counted]

        def count(row: CategoryKind) -> CategoryCount:
            items = getattr(self._ramp, row.iter_method)(is_active=True)
            seen = sum(1 for _ in islice(items, COUNT_CAP + 1))
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

    def _rows(self, kind: CategoryKind) -> Iterator[list[object]]:
        items = getattr(self._ramp, kind.iter_method)
        if not kind.in_field:
            for item in items():
                yield _values(item, kind)
            return
        for custom in self._ramp.iter_fields():  # options are listed per custom field
            for item in items(custom.ramp_id):
                yield [custom.name, *_values(item, kind)]


def _values(item: Any, kind: CategoryKind) -> list[object]:
    return [getattr(item, attribute) for attribute in kind.attributes]
