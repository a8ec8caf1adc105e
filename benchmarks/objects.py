"""Benchmarks of the other syncable kinds (reimbursements, bills, bill payments, transfers, cashbacks).

The Ramp sandbox runs in its own process with 250 ms latency and Ramp's rate limit; between runs the
benchmark waits out the window.

- `ready`: 1,000 ready items of each of the five kinds. Time to the first message of `/ramp ready`
  (sent to a `python -m bot serve` process, until the overview reaches the response_url), against
  one sequential cursor per kind, one kind after another.
- `list_objects`: 5,000 ready bills, the whole list through `SyncObjectService` (fetched, parsed,
  stored), first and later listing, against one sequential cursor.
"""

from __future__ import annotations

import tempfile
import time
import urllib.parse
from pathlib import Path

import httpx

from benchmarks.scenarios import LATENCY_MS
from benchmarks.transactions import (
    WINDOW_S,
    ResponseCatcher,
    bot_process,
    client,
    first_message_s,
    ramp_process,
    requests_seen,
    set_latency,
    timed,
)
from bot.services.sync_objects import ObjectFilters, SyncObjectService
from bot.store import Store
from bot.syncable_kinds import KINDS, TRANSACTIONS, SyncableKind

READY_BAR_S = 4.0
LIST_BAR_S = 1.5
GENERATED = ("reimbursements", "bills", "transfers", "cashbacks")


def make_ready(url: str, kind: str, count: int, seed: int) -> None:
    """`count` objects of the kind, every one marked ready as a Ramp user would (bills also paid)."""
    for start in range(0, count, 1000):
        n = min(1000, count - start)
        answer = httpx.post(
            f"{url}/_sandbox/objects", json={"kind": kind, "generate": n, "seed": seed + start}, timeout=300
        )
        answer.raise_for_status()
        ids = answer.json()["ids"]
        httpx.post(f"{url}/_sandbox/ready", json={"kind": kind, "ids": ids}, timeout=300).raise_for_status()
        if kind == "bills":  # and paid, so their payments wait too
            body = {"kind": "bill_payments", "ids": ids}
            httpx.post(f"{url}/_sandbox/ready", json=body, timeout=300).raise_for_status()


def sequential_cursor(url: str, row: SyncableKind) -> int:
    """The seed guide's loop per ready query: one request at a time, following `page.next`."""
    token = httpx.post(
        f"{url}/developer/v1/token",
        auth=("bench", "bench"),
        data={"grant_type": "client_credentials", "scope": row.scope},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    seen: set[str] = set()
    for query in row.ready_queries:
        params = urllib.parse.urlencode({**query, "page_size": "100"})
        next_url: str | None = f"{url}/developer/v1{row.path}?{params}"
        while next_url:
            body = httpx.get(next_url, headers=headers, timeout=60).json()
            seen |= {item["id"] for item in body["data"]}
            next_url = body["page"]["next"]
    return len(seen)


def ready(quick: bool = False) -> list[dict[str, object]]:
    """`/ramp ready` with 1,000 ready items of each of the five kinds at 250 ms."""
    each = 200 if quick else 1000
    others = [row for row in KINDS if row.key != TRANSACTIONS]
    with ramp_process() as url, tempfile.TemporaryDirectory() as tmp:
        for n, kind in enumerate(GENERATED):
            make_ready(url, kind, each, seed=100 * (n + 1))
        set_latency(url, LATENCY_MS)
        before = requests_seen(url)
        baseline_s, counts = timed(lambda: [sequential_cursor(url, row) for row in others])
        time.sleep(WINDOW_S)
        catcher = ResponseCatcher()
        try:
            with bot_process(url, tmp) as bot_url:
                time.sleep(WINDOW_S)
                total = sum(counts)
                cold_s = first_message_s(bot_url, catcher, total, "ready", "items")
                time.sleep(WINDOW_S)
                warm_s = first_message_s(bot_url, catcher, total, "ready", "items")
        finally:
            catcher.close()
        after = requests_seen(url)
    label = f"/ramp ready, {total:,} ready in 5 kinds, {LATENCY_MS} ms"

    def row(measure: str, ours: float) -> dict[str, object]:
        return {
            "scenario": label,
            "measure": measure,
            "ours": f"{ours:.2f} s",
            "baseline": f"{baseline_s:.2f} s (one sequential cursor per kind)",
            "ratio": f"{baseline_s / ours:.1f}x faster",
            "bar": f"< {READY_BAR_S:.0f} s" if not quick else "",
        }

    limited = after["rate_limited"] - before["rate_limited"]
    return [
        row("first message, first overview", cold_s),
        row("first message, later overview", warm_s),
        {"scenario": label, "measure": "429s received", "ours": str(limited), "bar": "0"},
    ]


def list_objects(quick: bool = False) -> list[dict[str, object]]:
    """5,000 ready bills through the service, first and later listing."""
    count = 1000 if quick else 5000
    with ramp_process() as url, tempfile.TemporaryDirectory() as tmp:
        # About 86 % of generated bills end up ready (the rest are synced or archived): make 5,000.
        make_ready(url, "bills", count * 117 // 100, seed=7)
        set_latency(url, LATENCY_MS)
        bills = next(row for row in KINDS if row.key == "bills")
        baseline_s, found = timed(lambda: sequential_cursor(url, bills))
        time.sleep(WINDOW_S)
        ramp, store = client(url), Store(Path(tmp) / "service.sqlite3")
        service = SyncObjectService(ramp, store)
        calls = requests_seen(url)["total"]
        first_s, listing = timed(lambda: service.list_ready(ObjectFilters("bills")))
        first_calls = requests_seen(url)["total"] - calls
        time.sleep(WINDOW_S)
        later_s, again = timed(lambda: service.list_ready(ObjectFilters("bills")))
        ramp.close()
        store.close()
    assert len(listing.items) == len(again.items) == found, (len(listing.items), found)
    label = f"list {found:,} ready bills, {LATENCY_MS} ms"

    def row(measure: str, ours: float, note: str = "") -> dict[str, object]:
        return {
            "scenario": label,
            "measure": measure,
            "ours": f"{ours:.2f} s{note}",
            "baseline": f"{baseline_s:.2f} s (one sequential cursor)",
            "ratio": f"{baseline_s / ours:.1f}x faster",
            "bar": f"< {LIST_BAR_S} s" if not quick else "",
        }

    return [
        row("full list via service, first listing", first_s, f"; {first_calls} calls"),
        row("full list via service, later listing", later_s),
    ]
