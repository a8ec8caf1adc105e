"""Benchmark of a results file of several kinds: 20,000 rows, 5,000 each of card transactions,
reimbursements, bills and transfers, read and posted through `SyncService.post_sync_results`.

The bar (issue 16): the minimum number of calls to `POST /accounting/syncs`, one per kind per 5,000
(Ramp takes one `sync_type` and at most 5,000 items a call), counted per sync_type from the sandbox's
own record of every sync. The baseline is one request per result, run on a slice and projected, as
benchmarks/transactions.py does for card transactions alone. Ramp at 250 ms latency, in its own process.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from benchmarks.scenarios import ADMIN, LATENCY_MS
from benchmarks.transactions import (
    WINDOW_S,
    add_transactions,
    client,
    naive_post,
    ramp_process,
    ready_minimal,
    results_for,
    set_latency,
    timed,
)
from bot.ramp import MAX_SYNC_ITEMS, RampClient
from bot.services.audit import AuditLog
from bot.services.sync_objects import fetch_ready
from bot.services.sync_results import parse_results_file
from bot.services.syncs import SyncService
from bot.store import Store
from bot.syncable_kinds import kind

OBJECT_KINDS = ("reimbursements", "bills", "transfers")  # with card transactions: four kinds


def ready_objects(url: str, ramp: RampClient, key: str, count: int) -> list[str]:
    """`count` ready objects of a kind, made through the sandbox's test API (generated, then all
    marked ready; a generated bill may be rejected or synced, so more are made than needed)."""
    made = httpx.post(
        f"{url}/_sandbox/objects", json={"kind": key, "generate": 2 * count, "seed": 16}, timeout=300
    )
    made.raise_for_status()
    ids = made.json()["ids"]
    httpx.post(f"{url}/_sandbox/ready", json={"kind": key, "ids": ids}, timeout=300).raise_for_status()
    ready = [item.id for item in fetch_ready(ramp, kind(key))][:count]
    if len(ready) < count:
        raise RuntimeError(f"only {len(ready)} {key} became ready")
    return ready


def results_file(ids: dict[str, list[str]]) -> bytes:
    """`transaction_id,type,status,reference_id,error,deep_link_url`: every tenth row failed, a bill
    carries its link."""
    lines = ["transaction_id,type,status,reference_id,error,deep_link_url"]
    for word, type_ids in ids.items():
        for n, object_id in enumerate(type_ids):
            link = f"https://erp.example.com/bills/{n}" if word == "bill" else ""
            lines.append(
                f"{object_id},{word},success,ERP-{n},,{link}"
                if n % 10
                else f"{object_id},{word},failed,,Closed,"
            )
    return ("\n".join(lines) + "\n").encode()


def syncs_by_type(url: str) -> Counter[str]:
    syncs: list[dict[str, Any]] = httpx.get(f"{url}/_sandbox/state", timeout=120).json()["syncs"]
    return Counter(s["sync_type"] for s in syncs)


def post_kinds(quick: bool = False) -> list[dict[str, object]]:
    """A 20,000-row results file of four kinds at 250 ms: calls per sync_type against the floor."""
    per_kind, naive_count = (1_000, 20) if quick else (5_000, 40)
    with ramp_process() as url, tempfile.TemporaryDirectory() as tmp:
        transactions = ready_minimal(per_kind + naive_count)
        add_transactions(url, transactions)
        setup = client(url)
        ids = {"transaction": [t["id"] for t in transactions[:per_kind]]}
        for key in OBJECT_KINDS:
            ids[kind(key).result_type] = ready_objects(url, setup, key, per_kind)
        setup.close()
        content = results_file(ids)
        rows = sum(len(v) for v in ids.values())
        set_latency(url, LATENCY_MS)

        naive_s, _ = timed(lambda: naive_post(url, results_for(transactions[per_kind:])))
        per_result = naive_s / naive_count
        time.sleep(WINDOW_S)

        store = Store(Path(tmp) / "service.sqlite3")
        ramp = client(url)
        service = SyncService(ramp, store, AuditLog(store))
        parse_s, parsed = timed(lambda: parse_results_file(content, "results.csv"))
        before = syncs_by_type(url)
        post_s, outcome = timed(lambda: service.post_sync_results(parsed.results, user_id=ADMIN))
        calls = syncs_by_type(url) - before
        if outcome.count("sent") != rows:
            raise RuntimeError(f"posted {outcome.count('sent')} of {rows}: {outcome.errors[:1]}")
        again_s, again = timed(lambda: service.post_sync_results(parsed.results, user_id=ADMIN))
        if not again.nothing_to_do or syncs_by_type(url) - before != calls:
            raise RuntimeError("the same results posted again reached Ramp")
        ramp.close()
        store.close()
    floor = len(ids) * math.ceil(per_kind / MAX_SYNC_ITEMS)
    label = f"results file, {rows:,} rows of {len(ids)} kinds, {LATENCY_MS} ms"
    per_type = ", ".join(f"{t} {n}" for t, n in sorted(calls.items()))
    projected = per_result * rows
    return [
        {
            "scenario": label,
            "measure": "calls to /accounting/syncs (by sync_type); time to post",
            "ours": f"{sum(calls.values())} calls ({per_type}); {post_s:.2f} s (read {parse_s:.2f} s)",
            "baseline": f"{rows:,} calls, {projected / 60:.0f} min (one per result, projected from "
            f"{naive_count} at {per_result * 1000:.0f} ms each)",
            "ratio": f"{rows / max(1, sum(calls.values())):,.0f}x fewer calls",
            "bar": f"{'met' if sum(calls.values()) == floor else 'MISSED'}: the floor is {floor} "
            f"(one per kind per {MAX_SYNC_ITEMS:,})",
        },
        {
            "scenario": label,
            "measure": "the same file posted again",
            "ours": f"{again_s:.2f} s; 0 calls",
            "baseline": "",
            "ratio": "",
            "bar": "nothing twice",
        },
    ]
