"""`python -m benchmarks upload`: a 200,000-row vendor CSV uploaded through the bot's own upload
service (preview, then Upload) to the Ramp sandbox in another process, at 250 ms latency and with
Ramp's rate limit (200 requests / 10 s) on. DESIGN.md section 6 sets the bars:

- items per second against the bound the rate limit allows, 200 / 10 s x 500 items = 10,000/s
  (goal: 90 % of it, the figure issue 12 holds the window rule to; DESIGN.md says 85 %). A file
  of 400 batches fits in two windows, so the first 200 requests go at once and the rate measured
  is the rate for this size, not a sustained one. Measured twice: Upload pressed the moment the
  preview is posted, and Upload pressed once the preview has been read for one rate window (as a
  person does). In the first, the connect and preview reads made just before are still in Ramp's
  window and hold slots the upload then waits for: every request's slot is free only a window after
  its answer, so the last batch cannot go before (the 10th-last of those reads' answer) + 20 s,
  which puts a floor of about 22 s under 200,000 rows. In the second only the Upload's own two
  reads are in the window: a floor of about 20.5 s;
- 429s received (goal: none), as the sandbox counts them;
- peak memory (RSS) of the uploading process, from reading the file to the report (goal < 200 MB).

The baseline is the naive script: one request of 500 at a time, sequentially, a new connection
per request, stopping at the first error, on a 20,000-row slice so the scenario stays short.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.processes import free_port, process

ROOT = Path(__file__).resolve().parent.parent
LATENCY_MS = 250
BOUND = 200 / 10 * 500  # items/s Ramp's rate limit allows with full batches
GOAL = 0.90
WINDOW_S = 10.0  # Ramp's rate window (reference/ramp-api.md section 12)
CLIENT = ("bench-client", "bench-secret")

UPLOAD_CHILD = """
import json, resource, sys, time
from pathlib import Path
from bot.ramp import RampClient
from bot.services.audit import AuditLog
from bot.services.connection import ConnectionService
from bot.services.uploads import UploadService
from bot.store import Store

url, db, csv_path, client_id, secret, read_s = sys.argv[1:7]
ramp = RampClient(url, client_id, secret)
store = Store(db)
ConnectionService(ramp, store, AuditLog(store)).connect("NetSuite", "U0BENCH", "C0BENCH")
uploads = UploadService(ramp, store, AuditLog(store), run_id="bench")
started = time.perf_counter()
preview = uploads.preview_file(
    Path(csv_path).read_bytes(), "vendors.csv", file_id="F0BENCH", user_id="U0BENCH", channel_id="C0BENCH"
)
previewed = time.perf_counter()
new, upload_id = preview.plan.new, preview.id
del preview  # the bot drops it once the preview is posted; Upload is another request
time.sleep(float(read_s))  # the person reading the preview
pressed = time.perf_counter()
done = uploads.start(upload_id, user_id="U0BENCH", channel_id="C0BENCH", deactivate_missing=False)
finished = time.perf_counter()
print(json.dumps({
    "new": new, "created": done.report.created, "failed": done.report.failed,
    "preview_s": previewed - started, "upload_s": finished - pressed,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def upload(quick: bool = False) -> list[dict[str, object]]:
    rows, naive_rows = (10_000, 2_000) if quick else (200_000, 20_000)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sandbox = ["-m", "sandbox", "ramp", "--port", str(port)]
    with tempfile.TemporaryDirectory() as tmp, process(sandbox, f"{url}/_sandbox/state?summary=true"):
        csv_path = Path(tmp) / "vendors.csv"
        write_vendors(csv_path, rows)
        fresh_sandbox(url)
        ours = run_child(url, Path(tmp) / "bot.sqlite3", csv_path, read_s=0.0)
        requests = httpx.get(f"{url}/_sandbox/state", params={"summary": "true"}).json()["requests"]
        fresh_sandbox(url)
        naive = naive_upload(url, csv_path, naive_rows)  # longer than a window: it clears both sides'
        fresh_sandbox(url)
        read = run_child(url, Path(tmp) / "read.sqlite3", csv_path, read_s=WINDOW_S)
        read_requests = httpx.get(f"{url}/_sandbox/state", params={"summary": "true"}).json()["requests"]
    naive_rate = naive["created"] / naive["seconds"]
    scenario = f"upload {rows:,} vendors, {LATENCY_MS} ms latency"

    def rate_row(measure: str, run: dict[str, Any]) -> dict[str, object]:
        rate = run["created"] / run["upload_s"]
        return {
            "scenario": scenario,
            "measure": measure,
            "ours": f"{rate:,.0f}/s = {rate / BOUND:.0%} of {BOUND:,.0f}/s; {run['failed']} failed",
            "baseline": f"{naive_rate:,.0f}/s (sequential, {naive_rows:,} rows)",
            "ratio": f"{rate / naive_rate:.1f}x",
            "bar": f">= {GOAL:.0%} of the bound",
        }

    return [
        rate_row("items/s, Upload pressed as the preview is posted", ours),
        rate_row(f"items/s, Upload pressed after reading the preview {WINDOW_S:.0f} s", read),
        {
            "scenario": scenario,
            "measure": "429s received",
            "ours": str(requests.get("rate_limited", 0) + read_requests.get("rate_limited", 0)),
            "baseline": "",
            "ratio": "",
            "bar": "0",
        },
        {
            "scenario": scenario,
            "measure": "peak RSS of the uploading process",
            "ours": f"{ours['peak_mb']:.0f} MB (preview {ours['preview_s']:.1f} s)",
            "baseline": "",
            "ratio": "",
            "bar": "< 200 MB",
        },
    ]


def write_vendors(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("id,name\r\n")
        for i in range(rows):
            out.write(f'V{i:07d},"Vendor {i}, Inc."\r\n')


def fresh_sandbox(url: str) -> None:
    httpx.post(f"{url}/_sandbox/reset").raise_for_status()
    httpx.post(f"{url}/_sandbox/faults", json={"latency_ms": LATENCY_MS}).raise_for_status()


def run_child(url: str, db: Path, csv_path: Path, read_s: float) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", UPLOAD_CHILD, url, str(db), str(csv_path), *CLIENT, str(read_s)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the upload failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def naive_upload(url: str, csv_path: Path, rows: int) -> dict[str, Any]:
    """What a script would do: a token, a connection, then one batch after the other."""
    token = httpx.post(
        f"{url}/developer/v1/token",
        data={"grant_type": "client_credentials", "scope": "accounting:read accounting:write"},
        auth=CLIENT,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    connection = {"remote_provider_name": "NetSuite"}
    httpx.post(f"{url}/developer/v1/accounting/connection", json=connection, headers=headers)
    with csv_path.open(encoding="utf-8") as lines:
        next(lines)
        vendors = [
            {"id": line.split(",", 1)[0], "name": line.split(",", 1)[1].strip().strip('"')}
            for _, line in zip(range(rows), lines, strict=False)
        ]
    created = 0
    started = time.perf_counter()
    for start in range(0, len(vendors), 500):
        batch = vendors[start : start + 500]
        answer = httpx.post(
            f"{url}/developer/v1/accounting/vendors", json={"vendors": batch}, headers=headers, timeout=60
        )
        if answer.status_code >= 400:
            break
        created += len(batch)
    return {"created": created, "seconds": time.perf_counter() - started}
