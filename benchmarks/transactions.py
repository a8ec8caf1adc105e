"""Benchmarks of listing sync-ready transactions, and posting sync results.

The Ramp sandbox runs in its own process with 250 ms latency and Ramp's rate limit (200 requests per
rolling 10 s). Between runs the benchmark waits out the window, so no run inherits another's requests.

- `list`: 5,000 sync-ready transactions. Time to the first message (`/ramp transactions` sent to a
  `python -m bot serve` process, until the list reaches the response_url) and to the full list
  through our service (fetched, parsed, stored), for a first listing and a later one; against one
  sequential cursor, the seed guide's way: one request at a time, a new connection each time.
- `post`: 20,000 sync results through `SyncService.post_sync_results`: time and calls, against the
  naive one request per result, run on a slice and projected (the full run would take over an hour).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from benchmarks.processes import free_port, process
from benchmarks.scenarios import ADMIN, LATENCY_MS, SECRET, TOKEN, command_body, signed
from bot.ramp import RampClient
from bot.services.audit import AuditLog
from bot.services.sync_results import SyncResult
from bot.services.syncs import SyncService, ramp_item
from bot.services.transactions import list_sync_ready
from bot.store import Store
from sandbox.ramp import generate_transactions

WINDOW_S = 10.5  # Ramp's rolling window, and a little
SYNCS = "POST /developer/v1/accounting/syncs"
FIRST_MESSAGE_BAR_S = 4.0  # DESIGN.md section 6
FULL_LIST_BAR_S = 1.5  # issue 16: 5,000 ready items of any kind to the full list


# -- the sandbox process --------------------------------------------------------------------------


@contextmanager
def ramp_process() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with process(["-m", "sandbox", "ramp", "--port", str(port)], f"{url}/_sandbox/state"):
        yield url


def add_transactions(url: str, transactions: list[dict[str, Any]]) -> None:
    for start in range(0, len(transactions), 2000):
        part = transactions[start : start + 2000]
        httpx.post(f"{url}/_sandbox/transactions", json=part, timeout=120).raise_for_status()


def set_latency(url: str, latency_ms: int) -> None:
    httpx.post(f"{url}/_sandbox/faults", json={"latency_ms": latency_ms}).raise_for_status()


def requests_seen(url: str) -> dict[str, Any]:
    return dict(httpx.get(f"{url}/_sandbox/state", timeout=60).json()["requests"])


def ready_mix(ready: int, seed: int = 5) -> list[dict[str, Any]]:
    """Realistic transactions (splits, codings, USD/EUR/JPY) of which exactly `ready` are SYNC_READY."""
    generated = generate_transactions(int(ready / 0.66) + 200, seed)
    chosen = [t for t in generated if t["sync_status"] == "SYNC_READY"][:ready]
    if len(chosen) < ready:
        raise RuntimeError("the generator gave too few ready transactions")
    return chosen + [t for t in generated if t["sync_status"] != "SYNC_READY"]


def client(url: str) -> RampClient:
    ramp = RampClient(url, "bench", "bench")
    ramp.active_connection()  # the token, outside the timings: a running bot holds one
    return ramp


def sequential_cursor(url: str, params: dict[str, str]) -> int:
    """The seed guide's loop: one request at a time, following `page.next`, no pooled connection."""
    token = httpx.post(
        f"{url}/developer/v1/token",
        auth=("bench", "bench"),
        data={"grant_type": "client_credentials", "scope": "transactions:read accounting:write"},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    next_url: str | None = f"{url}/developer/v1/transactions?" + urllib.parse.urlencode(params)
    count = 0
    while next_url:
        body = httpx.get(next_url, headers=headers, timeout=60).json()
        count += len(body["data"])
        next_url = body["page"]["next"]
    return count


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


# -- list --------------------------------------------------------------------------------------------


class ResponseCatcher:
    """A response_url on loopback: records when each of the bot's replies arrives."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, dict[str, Any]]] = []
        self.event = threading.Event()
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                catcher.arrivals.append((time.perf_counter(), body))
                catcher.event.set()
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/response"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def slash_command(bot_url: str, response_url: str, text: str) -> None:
    body, content_type = command_body("", text, response_url)
    headers = {**signed(body), "Content-Type": content_type}
    httpx.post(bot_url, content=body, headers=headers, timeout=10).raise_for_status()


def first_message_s(
    bot_url: str,
    catcher: ResponseCatcher,
    expected: int,
    command: str = "transactions",
    what: str = "transactions",
) -> float:
    """Seconds from sending `/ramp <command>` to its first reply, which must say `<expected> <what> ready`."""
    catcher.arrivals.clear()
    catcher.event.clear()
    started = time.perf_counter()
    slash_command(bot_url, catcher.url, command)
    if not catcher.event.wait(60):
        raise RuntimeError(f"the bot never answered /ramp {command}")
    at, body = catcher.arrivals[0]
    if f"{expected:,} {what} ready" not in str(body.get("text")):
        raise RuntimeError(f"unexpected answer (expected {expected:,} {what}): {str(body)[:300]}")
    return at - started


@contextmanager
def bot_process(ramp_url: str, tmp: str) -> Iterator[str]:
    slack_port, bot_port = free_port(), free_port()
    slack_url = f"http://127.0.0.1:{slack_port}/"
    slack_args = ["--port", str(slack_port), "--signing-secret", SECRET, "--bot-token", TOKEN]
    env = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_url,
        "RAMP_API_URL": ramp_url,
        "RAMP_CLIENT_ID": "bench",
        "RAMP_CLIENT_SECRET": "bench",
        "RAMP_BOT_DB": str(Path(tmp) / "bot.sqlite3"),
        "RAMP_BOT_ADMINS": ADMIN,
    }
    bot_args = [
        "-m",
        "bot",
        "--log-level",
        "WARNING",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(bot_port),
    ]
    with (
        process(["-m", "sandbox", "slack", *slack_args], f"{slack_url}_sandbox/state"),
        process(bot_args, f"http://127.0.0.1:{bot_port}/healthz", env=env),
    ):
        yield f"http://127.0.0.1:{bot_port}/slack/events"


def list_transactions(quick: bool = False) -> list[dict[str, object]]:
    """5,000 ready transactions at 250 ms: first message and full list, first and later listing."""
    ready = 1000 if quick else 5000
    with ramp_process() as url, tempfile.TemporaryDirectory() as tmp:
        add_transactions(url, ready_mix(ready))
        set_latency(url, LATENCY_MS)
        before = requests_seen(url)
        query = {"sync_status": "SYNC_READY", "page_size": "100"}  # the largest page Ramp allows
        baseline_s, count = timed(lambda: sequential_cursor(url, query))
        assert count == ready, count
        time.sleep(WINDOW_S)

        ramp, store = client(url), Store(Path(tmp) / "service.sqlite3")
        calls_before = requests_seen(url)["total"]
        first_s, listing = timed(lambda: list_sync_ready(ramp, store))
        first_calls = requests_seen(url)["total"] - calls_before
        assert len(listing.transactions) == ready
        later: list[float] = []
        for _ in range(1 if quick else 2):
            time.sleep(WINDOW_S)
            seconds, listing = timed(lambda: list_sync_ready(ramp, store))
            assert len(listing.transactions) == ready
            later.append(seconds)
        ramp.close()
        store.close()

        catcher = ResponseCatcher()
        try:
            with bot_process(url, tmp) as bot_url:
                time.sleep(WINDOW_S)
                cold_message_s = first_message_s(bot_url, catcher, ready)
                time.sleep(WINDOW_S)
                warm_message_s = first_message_s(bot_url, catcher, ready)
        finally:
            catcher.close()
        after = requests_seen(url)
    limited = after["rate_limited"] - before["rate_limited"]
    label = f"list {ready:,} ready, {LATENCY_MS} ms"
    later_s = statistics.median(later)

    def row(measure: str, ours: float, bar_s: float, note: str = "") -> dict[str, object]:
        return {
            "scenario": label,
            "measure": measure,
            "ours": f"{ours:.2f} s{note}",
            "baseline": f"{baseline_s:.2f} s (one sequential cursor)",
            "ratio": f"{baseline_s / ours:.1f}x faster",
            "bar": f"< {bar_s:g} s" if not quick else "",
        }

    return [
        row("first message, first listing", cold_message_s, FIRST_MESSAGE_BAR_S),
        row("first message, later listing", warm_message_s, FIRST_MESSAGE_BAR_S),
        row("full list via service, first listing", first_s, FULL_LIST_BAR_S, f"; {first_calls} calls"),
        row("full list via service, later listing", later_s, FULL_LIST_BAR_S),
        {"scenario": label, "measure": "429s received", "ours": str(limited), "bar": "0"},
    ]


# -- post --------------------------------------------------------------------------------------------


def ready_minimal(count: int) -> list[dict[str, Any]]:
    """Bare SYNC_READY transactions (the post does not read their codings)."""
    day = datetime.now(UTC) - timedelta(days=3)
    return [
        {
            "id": str(uuid.UUID(int=i + 1, version=4)),
            "sync_status": "SYNC_READY",
            "amount": 10.0 + i % 100,
            "merchant_name": f"Merchant {i % 50}",
            "user_transaction_time": (day + timedelta(seconds=i)).isoformat(),
        }
        for i in range(count)
    ]


def results_for(transactions: list[dict[str, Any]]) -> list[SyncResult]:
    return [
        SyncResult(t["id"], reference_id=f"JE-{i}") if i % 10 else SyncResult(t["id"], error="Period closed")
        for i, t in enumerate(transactions)
    ]


def naive_post(url: str, results: list[SyncResult]) -> None:
    """One request per result, one at a time, as the seed guide's loop does."""
    with httpx.Client(base_url=url, timeout=60) as http:
        token = http.post(
            "/developer/v1/token",
            auth=("bench", "bench"),
            data={"grant_type": "client_credentials", "scope": "accounting:write"},
        ).json()["access_token"]
        for result in results:
            listed = "successful_syncs" if result.succeeded else "failed_syncs"
            body = {
                "idempotency_key": str(uuid.uuid4()),
                "sync_type": "TRANSACTION_SYNC",
                listed: [ramp_item(result)],
            }
            http.post(
                "/developer/v1/accounting/syncs", json=body, headers={"Authorization": f"Bearer {token}"}
            ).raise_for_status()


def post_results(quick: bool = False) -> list[dict[str, object]]:
    """20,000 results at 250 ms: our chunked, journalled post against one request per result."""
    count, naive_count = (5000, 20) if quick else (20_000, 40)
    with ramp_process() as url, tempfile.TemporaryDirectory() as tmp:
        transactions = ready_minimal(count + naive_count)
        add_transactions(url, transactions)
        set_latency(url, LATENCY_MS)
        ours_results, naive_results = results_for(transactions[:count]), results_for(transactions[count:])

        naive_s, _ = timed(lambda: naive_post(url, naive_results))
        per_result = naive_s / naive_count
        time.sleep(WINDOW_S)

        store = Store(Path(tmp) / "service.sqlite3")
        ramp = client(url)
        service = SyncService(ramp, store, AuditLog(store))
        calls_before = requests_seen(url)["by_route"].get(SYNCS, 0)
        ours_s, outcome = timed(lambda: service.post_sync_results(ours_results, user_id=ADMIN))
        seen = requests_seen(url)
        calls = seen["by_route"].get(SYNCS, 0) - calls_before
        if outcome.count("sent") != count:
            raise RuntimeError(f"posted {outcome.count('sent')} of {count}")
        again_s, again = timed(lambda: service.post_sync_results(ours_results, user_id=ADMIN))
        assert again.nothing_to_do
        ramp.close()
        store.close()
    label = f"post {count:,} sync results, {LATENCY_MS} ms"
    projected = per_result * count
    return [
        {
            "scenario": label,
            "measure": "time; calls to /accounting/syncs",
            "ours": f"{ours_s:.2f} s; {calls} calls",
            "baseline": f"{projected / 60:.0f} min; {count:,} calls (one per result, "
            f"projected from {naive_count} at {per_result * 1000:.0f} ms each)",
            "ratio": f"{projected / ours_s:,.0f}x faster",
            "bar": "reported",
        },
        {
            "scenario": label,
            "measure": "the same results posted again",
            "ours": f"{again_s:.2f} s; 0 calls",
            "bar": "nothing sent twice",
        },
    ]
