"""Query parsing and Ramp's keyset pagination.

Ramp lists answer `{"data": [...], "page": {"next": <complete URL or null>}}`. `start` is the id of
the last item of the previous page; `next` carries every original filter. `page_size` defaults to
20 and must be 2..100 (Ramp's guide; out-of-range sizes are rejected with a 422).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from sandbox.ramp.errors import ApiError, invalid

DEFAULT_PAGE_SIZE = 20
MIN_PAGE_SIZE = 2
MAX_PAGE_SIZE = 100


@dataclass
class Query:
    """The query string of one request, plus what is needed to build `page.next`."""

    base_url: str
    path: str
    pairs: list[tuple[str, str]]

    def get(self, name: str) -> str | None:
        found = [value for key, value in self.pairs if key == name]
        return found[-1] if found else None

    # The readers below run after validation.py has checked the query against the spec (types,
    # enums, `format: date-time`), so they parse and do not check again: an enum is read with `get`.

    def boolean(self, name: str) -> bool | None:
        """True for `true`/`1` (any case), the words validation.py takes for true (its assumption).
        assumption: on the sandbox's own `/_sandbox` calls, which the spec does not cover, any other
        value reads as false."""
        value = self.get(name)
        return None if value is None else value.strip().lower() in ("true", "1")

    def decimal(self, name: str) -> Decimal | None:
        value = self.get(name)
        if value is None:
            return None
        try:
            return Decimal(value)
        except InvalidOperation as exc:  # the spec's `format: decimal`, which its validator does not check
            raise invalid(f"{name} must be a number.", **{name: ["Not a valid number."]}) from exc

    def datetime(self, name: str) -> datetime | None:
        value = self.get(name)
        return None if value is None else parse_datetime(value)

    def page_size(self) -> int:
        raw = self.get("page_size")
        if raw is None:
            return DEFAULT_PAGE_SIZE
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not MIN_PAGE_SIZE <= size <= MAX_PAGE_SIZE:
            message = f"page_size must be an integer between {MIN_PAGE_SIZE} and {MAX_PAGE_SIZE}."
            raise ApiError(422, message, {"page_size": [message]})
        return size

    def start(self) -> str | None:
        return self.get("start") or None

    def next_url(self, last_id: str) -> str:
        pairs = [(key, value) for key, value in self.pairs if key != "start"]
        pairs.append(("start", last_id))
        return f"{self.base_url}{self.path}?{urlencode(pairs)}"

    def page(self, items: Iterator[dict[str, Any]], id_key: str = "id") -> dict[str, Any]:
        """Take one page from `items` (already filtered and positioned after `start`)."""
        size = self.page_size()
        data: list[dict[str, Any]] = []
        more = False
        for item in items:
            if len(data) == size:
                more = True
                break
            data.append(item)
        next_url = self.next_url(str(data[-1][id_key])) if more else None
        return {"data": data, "page": {"next": next_url}}


@functools.lru_cache(maxsize=1 << 16)
def parse_datetime(value: str) -> datetime:
    """ISO 8601 date or date-time; a value without an offset is UTC (Ramp's convention). RFC 3339
    §5.6 (the spec's `format: date-time`) lets "T" and "Z" be lower case. Cached: a listing's scan
    parses the same stored dates for every page (datetimes are immutable)."""
    text = value.strip()
    parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
