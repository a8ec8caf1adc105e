"""The benchmark scenarios. Each returns rows for the results table: our figure, the baseline measured
in the same run, their ratio, and the DESIGN.md bar it is held against."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from slack_sdk.signature import SignatureVerifier

from benchmarks.processes import free_port, process

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
ADMIN = "U0ADMIN"
CHANNEL = "C0BENCH"
LATENCY_MS = 250


def signed(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


def command_body(slack_url: str, text: str, response_url: str | None = None) -> tuple[bytes, str]:
    form = {
        "command": "/ramp",
        "text": text,
        "user_id": ADMIN,
        "channel_id": CHANNEL,
        "team_id": "T0BENCH",
        "channel_name": "bench",
        "response_url": response_url or f"{slack_url}response/none",
        "trigger_id": "1.2.3",
    }
    return urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"


def click_body(slack_url: str) -> tuple[bytes, str]:
    payload = {
        "type": "block_actions",
        "user": {"id": ADMIN},
        "team": {"id": "T0BENCH"},
        "api_app_id": "A0",
        "trigger_id": "1.2.3",
        "response_url": f"{slack_url}response/none",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": CHANNEL},
        "channel": {"id": CHANNEL},
        "actions": [
            {
                "action_id": "connection_keep",
                "block_id": "b",
                "type": "button",
                "value": "keep",
                "action_ts": "1",
            }
        ],
    }
    return urllib.parse.urlencode(
        {"payload": json.dumps(payload)}
    ).encode(), "application/x-www-form-urlencoded"


def event_body(n: int) -> tuple[bytes, str]:
    envelope = {
        "type": "event_callback",
        "team_id": "T0BENCH",
        "api_app_id": "A0",
        "event_id": f"Ev{n:08d}",
        "event_time": int(time.time()),
        "event": {"type": "message", "channel": CHANNEL, "user": ADMIN, "text": "hello", "ts": f"{n}.0001"},
    }
    return json.dumps(envelope).encode(), "application/json"


def measure_acks(url: str, bodies: list[tuple[bytes, str]], in_flight: int = 20) -> list[float]:
    http = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=in_flight))

    def send(item: tuple[bytes, str]) -> float:
        body, content_type = item
        headers = {**signed(body), "Content-Type": content_type}
        started = time.perf_counter()
        response = http.post(url, content=body, headers=headers)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"bot answered {response.status_code}: {response.text[:200]}")
        return elapsed

    with http, ThreadPoolExecutor(max_workers=in_flight) as pool:
        return list(pool.map(send, bodies))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ack(quick: bool = False) -> list[dict[str, object]]:
    """p50/p99 time to acknowledge, 20 requests in flight, signed HTTP, Ramp at 250 ms latency."""
    count = 100 if quick else 400
    rows: list[dict[str, object]] = []
    ramp_port, slack_port, bot_port, floor_port = (free_port() for _ in range(4))
    ramp_url, slack_url = f"http://127.0.0.1:{ramp_port}", f"http://127.0.0.1:{slack_port}/"
    with (
        tempfile.TemporaryDirectory() as tmp,
        process(["-m", "sandbox", "ramp", "--port", str(ramp_port)], f"{ramp_url}/_sandbox/state"),
        process(
            [
                "-m",
                "sandbox",
                "slack",
                "--port",
                str(slack_port),
                "--signing-secret",
                SECRET,
                "--bot-token",
                TOKEN,
            ],
            f"{slack_url}_sandbox/state",
        ),
        process(
            ["-m", "bot", "--log-level", "WARNING", "serve", "--host", "127.0.0.1", "--port", str(bot_port)],
            f"http://127.0.0.1:{bot_port}/healthz",
            env={
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack_url,
                "RAMP_API_URL": ramp_url,
                "RAMP_CLIENT_ID": "bench",
                "RAMP_CLIENT_SECRET": "bench",
                "RAMP_BOT_DB": str(Path(tmp) / "bench.sqlite3"),
                "RAMP_BOT_ADMINS": ADMIN,
            },
        ),
        process(
            [
                "-m",
                "benchmarks.bare_bolt",
                "--port",
                str(floor_port),
                "--slack-url",
                slack_url,
                "--signing-secret",
                SECRET,
            ],
            f"http://127.0.0.1:{floor_port}/",
        ),
    ):
        httpx.post(f"{ramp_url}/_sandbox/faults", json={"latency_ms": LATENCY_MS}).raise_for_status()
        ours, floor = (
            f"http://127.0.0.1:{bot_port}/slack/events",
            f"http://127.0.0.1:{floor_port}/slack/events",
        )
        kinds: dict[str, Callable[[int], tuple[bytes, str]]] = {
            "/ramp status": lambda n: command_body(slack_url, "status"),
            "button click": lambda n: click_body(slack_url),
            "file share event": lambda n: event_body(n),
        }
        for label, make in kinds.items():
            measure_acks(floor, [make(i) for i in range(20)])  # warm up both
            measure_acks(ours, [make(10_000_000 + i) for i in range(20)])
            bare = measure_acks(floor, [make(20_000_000 + i) for i in range(count)])
            mine = measure_acks(ours, [make(30_000_000 + i) for i in range(count)])
            for q, name in ((0.5, "p50"), (0.99, "p99")):
                a, b = percentile(mine, q) * 1000, percentile(bare, q) * 1000
                rows.append(
                    {
                        "scenario": f"ack {label}",
                        "measure": f"{name} ms, 20 in flight",
                        "ours": f"{a:.1f}",
                        "baseline": f"{b:.1f} (bare Bolt)",
                        "ratio": f"{a / b:.2f}x",
                        "bar": ("met" if a <= 1.25 * b and a < 100 else "**missed**")
                        + " (p99 ≤ 1.25x the floor and < 100 ms)"
                        if name == "p99"
                        else "",
                    }
                )
    return rows


def _child(code: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


PARSE_CHILD = """
import json, resource, sys, time
from bot.importers import parse_category_file
path = sys.argv[1] if len(sys.argv) > 1 else {path!r}
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
parsed = parse_category_file(open(path, "rb").read() if path.endswith(".xlsx") else __import__("pathlib").Path(path), path)
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"rows": len(parsed.records), "errors": len(parsed.errors), "seconds": elapsed,
                  "peak_mb": peak / 1024, "base_mb": base / 1024}}))
"""


def parse_csv(quick: bool = False) -> list[dict[str, object]]:
    rows = 100_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vendors.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            out.write("id,name\r\n")
            for i in range(rows):
                out.write(f'V{i:07d},"Vendor {i}, Inc."\r\n')
        result = _child(PARSE_CHILD.format(path=str(path)))
        baseline = _child(CSV_BASELINE.format(path=str(path)))
    return [
        {
            "scenario": f"parse CSV, {rows:,} rows",
            "measure": "rows/s; peak RSS",
            "ours": f"{result['rows'] / result['seconds']:,.0f}/s; {result['peak_mb']:.0f} MB",
            "baseline": f"{baseline['rows'] / baseline['seconds']:,.0f}/s; {baseline['peak_mb']:.0f} MB (csv.reader)",
            "ratio": f"{(result['rows'] / result['seconds']) / (baseline['rows'] / baseline['seconds']):.2f}x",
            "bar": "reported",
        }
    ]


CSV_BASELINE = """
import csv, json, resource, time
started = time.perf_counter()
with open({path!r}, newline="", encoding="utf-8") as f:
    rows = [row for row in csv.reader(f)][1:]
elapsed = time.perf_counter() - started
print(json.dumps({{"rows": len(rows), "seconds": elapsed,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def parse_xlsx(quick: bool = False) -> list[dict[str, object]]:
    import openpyxl

    rows = 10_000 if quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "accounts.xlsx"
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("Accounts")
        sheet.append(["id", "name", "code", "classification"])
        for i in range(rows):
            sheet.append([f"{10000 + i}", f"Account {i}", f"{10000 + i}", "EXPENSE"])
        book.save(path)
        result = _child(PARSE_CHILD.format(path=str(path)))
        baseline = _child(XLSX_BASELINE.format(path=str(path)))
    ours = result["rows"] / result["seconds"]
    base = baseline["rows"] / baseline["seconds"]
    return [
        {
            "scenario": f"parse XLSX, {rows:,} rows",
            "measure": "rows/s; peak RSS",
            "ours": f"{ours:,.0f}/s; {result['peak_mb']:.0f} MB",
            "baseline": f"{base:,.0f}/s; {baseline['peak_mb']:.0f} MB (openpyxl read-only)",
            "ratio": f"{ours / base:.2f}x",
            "bar": "reported",
        }
    ]


XLSX_BASELINE = """
import json, resource, time, openpyxl
started = time.perf_counter()
book = openpyxl.load_workbook({path!r}, read_only=True)
rows = [tuple("" if c is None else str(c) for c in row) for row in book.worksheets[0].iter_rows(values_only=True)][1:]
elapsed = time.perf_counter() - started
print(json.dumps({{"rows": len(rows), "seconds": elapsed,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0
