"""Benchmark of ready notices: a burst of 500 ready webhooks in 10 s (issue 16's bar: every ack under
1 s, one notice per channel per burst).

The Ramp sandbox (250 ms latency, Ramp's rate limit) and `python -m bot serve` run in their own
processes; the Slack stand-in runs here. Two channels ask for notices (`/ramp notify on`). The
benchmark plays Ramp's webhook sender: it makes 500 card transactions ready in the sandbox, 5 at a
time, and for each sends `transactions.ready_to_sync` to `POST /ramp/webhooks`, signed with a
subscription secret it put in the bot's database as `python -m bot webhooks subscribe` does (the
sandbox's own deliveries are sequential and do not time the answers). 50 events a second, up to 20
in flight; each ack is timed. Then it waits until the bot has posted, and a quiet period more.

The baseline is the webhook guide's naive handler, in the same run against the same sandbox: each
event re-reads its object (`GET /transactions/{id}`) before it answers, and posts one notice per event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from benchmarks.processes import free_port, process
from benchmarks.scenarios import ADMIN, LATENCY_MS, SECRET, TOKEN, percentile
from benchmarks.transactions import add_transactions, client, ramp_process, set_latency
from bot.sealed import Sealer
from bot.services.notices import MAX_WAIT_S, QUIET_S
from bot.store import Store
from sandbox.ramp import generate_transactions
from sandbox.slack import SlackStandIn

EVENTS = 500
SPREAD_S = 10.0
IN_FLIGHT = 20
CHANNELS = ("C0BENCH", "C0BENCH2")
ACK_BAR_S = 1.0
HOOK_SECRET = "bench-webhook-secret"


def unready(count: int, seed: int = 11) -> list[dict[str, Any]]:
    """`count` transactions not ready to sync (and not declined), and as many ready ones beside them."""
    made = [t for t in generate_transactions(count * 3, seed) if t.get("state") != "DECLINED"]
    for t in made[:count]:
        t["sync_status"] = "NOT_SYNC_READY"
    return made


def sign(body: bytes) -> str:
    return hmac.new(HOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()


def send_burst(ramp_url: str, hook_url: str, ids: list[str]) -> list[float]:
    """Each id made ready, then its event sent; EVENTS over SPREAD_S. Returns each ack's seconds."""
    http = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=IN_FLIGHT))
    started = time.perf_counter()

    def deliver(n: int) -> float:
        due = started + n * SPREAD_S / len(ids)
        time.sleep(max(0.0, due - time.perf_counter()))
        if n % 5 == 0:  # items become ready a few at a time, then their events go out
            httpx.post(f"{ramp_url}/_sandbox/ready", json={"kind": "transactions", "ids": ids[n : n + 5]})
        event = {"id": str(uuid.uuid4()), "type": "transactions.ready_to_sync", "created_at": "",
                 "business_id": str(uuid.uuid4()), "object": {"id": ids[n]}}  # fmt: skip
        body = json.dumps(event).encode()
        headers = {"Content-Type": "application/json", "X-Ramp-Webhook-Signature": sign(body)}
        begun = time.perf_counter()
        answer = http.post(hook_url, content=body, headers=headers)
        took = time.perf_counter() - begun
        if answer.status_code != 200:
            raise RuntimeError(f"webhook answered {answer.status_code}: {answer.text[:200]}")
        return took

    with http, ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        return list(pool.map(deliver, range(len(ids))))


def notices_per_channel(slack: SlackStandIn) -> dict[str, list[int]]:
    """The item count of every ready notice, by channel."""
    found: dict[str, list[int]] = {c: [] for c in CHANNELS}
    for m in slack.messages():
        if m.channel in found and m.source == "chat.postMessage" and '"notice|' in json.dumps(m.blocks):
            found[m.channel].append(int(m.text.split(" ", 1)[0].replace(",", "")))
    return found


class NaiveHandler:
    """The guide's snippet as a server: verify, re-read the object, then answer; a notice per event
    and channel is counted, not posted (posting would only make the baseline slower)."""

    def __init__(self, ramp_url: str) -> None:
        ramp = client(ramp_url)
        notices = self.notices = [0]
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ok = hmac.compare_digest(sign(body), self.headers.get("X-Ramp-Webhook-Signature", ""))
                if ok:
                    ramp.get_transaction(json.loads(body)["object"]["id"])
                    with lock:
                        notices[0] += len(CHANNELS)
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ramp/webhooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def burst(quick: bool = False) -> list[dict[str, object]]:
    """500 ready webhooks in 10 s against `python -m bot serve`: ack p50/p99, notices per channel."""
    count = 100 if quick else EVENTS
    with ramp_process() as ramp_url, tempfile.TemporaryDirectory() as tmp:
        made = unready(count)
        ids = [t["id"] for t in made[:count]]
        add_transactions(ramp_url, made)
        set_latency(ramp_url, LATENCY_MS)
        ours, notices, waited = run_ours(ramp_url, Path(tmp), ids)
        with ramp_process() as base_url:  # a sandbox of its own: a fresh rate window, fresh items
            base = unready(count, seed=13)
            add_transactions(base_url, base)
            set_latency(base_url, LATENCY_MS)
            baseline, posted = run_naive(base_url, [t["id"] for t in base[:count]])
    rows: list[dict[str, object]] = []
    for q, name in ((0.5, "p50"), (0.99, "p99")):
        a, b = percentile(ours, q), percentile(baseline, q)
        rows.append(
            {
                "scenario": f"{count} ready webhooks in {SPREAD_S:.0f} s",
                "measure": f"ack {name} ms, up to {IN_FLIGHT} in flight",
                "ours": f"{a * 1000:.1f}",
                "baseline": f"{b * 1000:.1f} (re-read, then answer)",
                "ratio": f"{b / a:.1f}x",
                "bar": (
                    ("met" if max(ours) < ACK_BAR_S else "**missed**")
                    + f" (every ack < 1 s; max {max(ours) * 1000:.0f} ms)"
                )
                if name == "p99"
                else "",
            }
        )
    per_channel = ", ".join(f"{len(v)} ({'+'.join(map(str, v)) or '0'} items)" for v in notices.values())
    one_each = all(len(v) == 1 and v[0] == count for v in notices.values())
    rows.append(
        {
            "scenario": f"{count} ready webhooks in {SPREAD_S:.0f} s",
            "measure": f"notices per channel ({len(CHANNELS)} channels); last one after the burst",
            "ours": f"{per_channel}; {waited:.1f} s",
            "baseline": f"{posted // len(CHANNELS)} per channel (one per event)",
            "ratio": "",
            "bar": ("met" if one_each else "**missed**") + " (one notice per channel per burst)",
        }
    )
    return rows


def run_ours(ramp_url: str, tmp: Path, ids: list[str]) -> tuple[list[float], dict[str, list[int]], float]:
    bot_port = free_port()
    bot_url = f"http://127.0.0.1:{bot_port}"
    with SlackStandIn(
        port=0, bot_url=f"{bot_url}/slack/events", signing_secret=SECRET, bot_token=TOKEN
    ) as slack:
        slack.add_user(ADMIN, name="ada", real_name="Ada Admin", tz="Europe/London")
        for channel in CHANNELS:
            slack.add_channel(channel, name=channel.lower())
        env = {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.url,
            "RAMP_API_URL": ramp_url,
            "RAMP_CLIENT_ID": "bench",
            "RAMP_CLIENT_SECRET": "bench",
            "RAMP_BOT_DB": str(tmp / "bot.sqlite3"),
            "RAMP_BOT_ADMINS": ADMIN,
        }
        args = [
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
        with process(args, f"{bot_url}/healthz", env=env):
            for channel in CHANNELS:
                slack.slash_command("/ramp", "notify on transactions", user=ADMIN, channel=channel)
                slack.wait_for(
                    lambda c=channel: any("Ready notices on" in m.text for m in slack.messages(c)), 120
                )
            # What `python -m bot webhooks subscribe` keeps: an active subscription and its secret,
            # sealed under the bot's RAMP_CLIENT_SECRET.
            store = Store(tmp / "bot.sqlite3")
            local = uuid.uuid4().hex
            store.begin_webhook(local, f"{bot_url}/ramp/webhooks")
            store.finish_webhook(
                local,
                str(uuid.uuid4()),
                ["transactions.ready_to_sync"],
                Sealer(env["RAMP_CLIENT_SECRET"]).seal(HOOK_SECRET),
                "active",
            )
            store.close()
            acks = send_burst(ramp_url, f"{bot_url}/ramp/webhooks", ids)
            ended = time.perf_counter()
            slack.wait_for(lambda: all(sum(v) >= len(ids) for v in notices_per_channel(slack).values()), 120)
            waited = time.perf_counter() - ended
            time.sleep(QUIET_S + MAX_WAIT_S)  # a second notice would come within this
            return acks, notices_per_channel(slack), waited


def run_naive(ramp_url: str, ids: list[str]) -> tuple[list[float], int]:
    naive = NaiveHandler(ramp_url)
    try:
        return send_burst(ramp_url, naive.url, ids), naive.notices[0]
    finally:
        naive.close()
