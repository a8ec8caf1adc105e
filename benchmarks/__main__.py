"""`make bench`: the quality bars of DESIGN.md section 6 as numbers, each beside a baseline run in the
same process and the same minute. Prints a table; a full run (every scenario, full sizes) also
writes benchmarks/results.md and results.json.

Scenarios run in child processes where peak memory matters, so one scenario's heap does not
inflate the next one's figure.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import notices, objects, scenarios, sync_kinds, transactions, upload

HERE = Path(__file__).resolve().parent

Scenario = Callable[..., list[dict[str, object]]]

# name -> function(quick=bool) returning table rows; run in this order.
SCENARIOS: dict[str, Scenario] = {
    "ack": scenarios.ack,
    "parse_csv": scenarios.parse_csv,
    "parse_xlsx": scenarios.parse_xlsx,
    "upload": upload.upload,
    "list": transactions.list_transactions,
    "post": transactions.post_results,
    "post_kinds": sync_kinds.post_kinds,
    "ready": objects.ready,
    "list_objects": objects.list_objects,
    "notices": notices.burst,
}
ALL = tuple(SCENARIOS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("only", nargs="*", help=f"scenarios to run (default: all of {', '.join(ALL)})")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args(argv)
    chosen = args.only or list(ALL)
    unknown = sorted(set(chosen) - set(ALL))
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; choose from {', '.join(ALL)}")
    rows: list[dict[str, object]] = []
    started = time.monotonic()
    for name in chosen:
        print(f"running {name}…", flush=True)
        rows.extend(SCENARIOS[name](quick=args.quick))
    elapsed = time.monotonic() - started
    table = render_table(rows)
    print("\n" + table)
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "seconds": round(elapsed, 1),
        "quick": args.quick,
    }
    if args.quick or set(chosen) != set(ALL):
        # A smoke run or a few scenarios: printed only, so the full run's record stays whole.
        print("\n(benchmarks/results.md is written by a full run only: `make bench`)")
        return 0
    (HERE / "results.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2), encoding="utf-8")
    (HERE / "results.md").write_text(
        "# Benchmark results\n\n"
        f"`make bench` on {meta['machine']}, Python {meta['python']}, {meta['seconds']} s in all"
        f"{' (quick sizes)' if args.quick else ''}.\n\n" + table + "\n",
        encoding="utf-8",
    )
    return 0


def render_table(rows: list[dict[str, object]]) -> str:
    header = "| scenario | measure | ours | baseline | ratio | bar |\n|---|---|---|---|---|---|"
    lines = [
        f"| {r['scenario']} | {r['measure']} | {r['ours']} | {r.get('baseline', '')} | {r.get('ratio', '')} "
        f"| {r.get('bar', '')} |"
        for r in rows
    ]
    return "\n".join([header, *lines])


if __name__ == "__main__":
    sys.exit(main())
