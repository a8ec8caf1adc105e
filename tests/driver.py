"""The test driver: what a test does to the bot through Slack and Ramp, and reads back from them.

Every helper that more than one test module needs lives here, once; a test module imports from here
(and the fixtures come from the conftests), never from another test module. Everything goes through
the front door: the Slack stand-in's signed requests, and the Ramp sandbox's own state over HTTP.
"""

from __future__ import annotations

import copy
import json
import os
import re
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from bot.ramp import RampClient
from bot.services.audit import AuditLog
from bot.services.syncs import SyncService
from bot.store import Store
from sandbox.ramp import RampSandbox
from sandbox.ramp.objects import KINDS as OBJECT_KINDS
from sandbox.slack import SlackStandIn
from sandbox.slack.state import Message

# -- who and where ------------------------------------------------------------------------------------

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
ADMIN = "U0ADMIN"
USER = "U0USER"
CHANNEL = "C0FIN"

ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).parent / "fixtures" / "files"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Recorder(ThreadingHTTPServer):
    """A loopback HTTP server that records every request made to it and answers `status`: the
    `response_url` an attacker would choose, to check that nothing left the machine for a request."""

    def __init__(self) -> None:
        self.received: list[str] = []  # "METHOD /path?query", in order
        self.status = 200
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                recorder.received.append(f"{self.command} {self.path}")
                self.send_response(recorder.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _record  # noqa: N815 (http.server's names)

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


@contextmanager
def recording_server() -> Iterator[Recorder]:
    server = Recorder()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def journal(workdir: Path, table: str, order_by: str = "rowid") -> list[dict[str, Any]]:
    """The rows of one of the bot's journal tables (sync_chunks, upload_batches...) in the database in
    `workdir`, read straight from SQLite: what a restarted bot would find."""
    with closing(sqlite3.connect(workdir / "bot.sqlite3")) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(f"SELECT * FROM {table} ORDER BY {order_by}")]  # noqa: S608


# -- the Ramp sandbox: set up, and read back -----------------------------------------------------------

FIXTURE = Path(__file__).parent / "fixtures" / "transactions" / "ready_mix.json"
# The five transactions of the fixture: four ready to sync (USD, USD, EUR, JPY), one synced already.
RAMEN, HYPERLINK, CAFE, SHINKANSEN, SYNCED = (t["id"] for t in json.loads(FIXTURE.read_text("utf-8")))


def load_mix(ramp: RampSandbox) -> None:
    """The fixture's transactions into the sandbox."""
    payload = json.loads(FIXTURE.read_text("utf-8"))
    httpx.post(f"{ramp.url}/_sandbox/transactions", json=payload).raise_for_status()


def generate(ramp: RampSandbox, count: int, seed: int) -> list[str]:
    """`count` transactions made up by the sandbox from `seed`; returns the ids ready to sync, sorted."""
    httpx.post(f"{ramp.url}/_sandbox/transactions", json={"generate": count, "seed": seed}).raise_for_status()
    with ramp.state.lock:
        return sorted(t["id"] for t in ramp.state.transactions.items if t["sync_status"] == "SYNC_READY")


def ramp_state(ramp: RampSandbox) -> dict[str, Any]:
    return httpx.get(f"{ramp.url}/_sandbox/state").json()


def active_connections(ramp: RampSandbox) -> list[dict[str, Any]]:
    return [c for c in ramp_state(ramp)["connections"] if c["is_active"]]


def sandbox_connection(ramp: RampSandbox, name: str, kind: str, active: bool = True) -> dict[str, Any]:
    """A connection made as if in Ramp's UI (`POST /_sandbox/connections`): direct, universal_csv or api."""
    response = httpx.post(
        f"{ramp.url}/_sandbox/connections",
        json={"remote_provider_name": name, "kind": kind, "active": active},
    )
    response.raise_for_status()
    return dict(response.json())


def books(ramp: RampSandbox) -> dict[str, list[dict[str, Any]]]:
    """The categories Ramp holds for the active connection, by kind ({} with no connection)."""
    state = ramp_state(ramp)
    if not state["active_connection_id"]:
        return {}
    return state["categories"][state["active_connection_id"]]


def synced_ids(ramp: RampSandbox) -> list[str]:
    """Every transaction id Ramp recorded a sync result for (successful or failed), sorted."""
    return sorted(
        item["id"]
        for sync in ramp_state(ramp)["syncs"]
        for item in [*sync.get("successful_syncs", []), *sync.get("failed_syncs", [])]
    )


def routed(ramp: RampSandbox, route: str) -> int:
    """How many requests Ramp received on `route`, e.g. "POST /developer/v1/accounting/syncs"."""
    return int(ramp_state(ramp)["requests"]["by_route"].get(route, 0))


def write_requests(ramp: RampSandbox) -> int:
    """Requests that could change Ramp (any POST/PATCH/DELETE but the token endpoint)."""
    routes = ramp_state(ramp)["requests"]["by_route"]
    return sum(
        count
        for route, count in routes.items()
        if route.split(" ", 1)[0] in ("POST", "PATCH", "DELETE", "PUT") and "/token" not in route
    )


def set_faults(ramp: RampSandbox, **config: Any) -> None:
    """The sandbox's fault injection (latency, error rate, kinds, seed...); no arguments: none."""
    httpx.post(f"{ramp.url}/_sandbox/faults", json={"error_rate": 0, **config}).raise_for_status()


def injected(ramp: RampSandbox) -> dict[str, int]:
    """The faults the sandbox injected so far, by kind."""
    return dict(httpx.get(f"{ramp.url}/_sandbox/faults").json()["injected"])


def sandbox_service(ramp: RampSandbox, tmp_path: Path) -> SyncService:
    """The sync service on its own against the sandbox, its client not waiting between retries."""
    store = Store(tmp_path / "syncs.sqlite3")
    client = RampClient(ramp.url, "test-client", "test-client-secret", max_retries=1, sleep=lambda _: None)
    return SyncService(client, store, AuditLog(store))


# -- Slack: what the conversation shows ----------------------------------------------------------------


def walk_texts(node: Any) -> list[str]:
    """Every `text` string in a block tree (or a view, or any JSON), in order."""
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [t for value in node.values() for t in walk_texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in walk_texts(item)]
    return []


def mrkdwn_texts(node: Any) -> Iterator[str]:
    """Every mrkdwn text in a block tree: where Slack would turn `<!channel>` into a ping."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            yield node["text"]
        for value in node.values():
            yield from mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from mrkdwn_texts(item)


def text_of(message: Message | dict[str, Any]) -> str:
    """What one message (or a view: a modal, a Home tab) shows: its text and every text in its blocks."""
    if isinstance(message, dict):
        return "\n".join(walk_texts(message.get("blocks") or []))
    return "\n".join([message.text, *walk_texts(message.blocks)])


def texts(slack: SlackStandIn, channel: str | None = None) -> str:
    """Everything the conversation shows, as one string: message texts and every text in blocks."""
    return "\n".join(text_of(message) for message in slack.messages(channel))


def wait_for_text(slack: SlackStandIn, needle: str, timeout: float = 10.0) -> str:
    """Wait until `needle` shows anywhere in the conversation; returns everything shown then."""
    return slack.wait_for(lambda: needle in texts(slack) and texts(slack), timeout=timeout)


def now(slack: SlackStandIn, message: Message) -> Message:
    """The message as the channel shows it now (the bot updates messages in place)."""
    return next(m for m in slack.messages() if m.ts == message.ts and m.channel == message.channel)


def in_thread(slack: SlackStandIn, thread_ts: str) -> list[Message]:
    """The bot's messages in a thread (the user's share message itself excluded)."""
    return [m for m in slack.messages(CHANNEL) if m.thread_ts == thread_ts and m.source != "user"]


def previews_in(slack: SlackStandIn, thread_ts: str) -> list[Message]:
    """The bot's messages in a thread that carry no file: the preview, not the CSV of its rows that
    comes beside it when the preview lists only the first ones."""
    return [m for m in in_thread(slack, thread_ts) if not m.files]


def action_ids(message: Message) -> list[str]:
    """The action ids of a message's buttons, in order."""
    return [
        element.get("action_id")
        for block in message.blocks
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("type") == "button"
    ]


def button_value(message: Message, action_id: str) -> str:
    for block in message.blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise LookupError(action_id)


def message_with(slack: SlackStandIn, action_id: str, timeout: float = 15.0) -> Message:
    """The newest message offering `action_id`, once there is one (a snapshot: what the user saw)."""
    found = slack.wait_for(
        lambda: next((m for m in reversed(slack.messages()) if action_id in json.dumps(m.blocks)), None),
        timeout=timeout,
    )
    return copy.deepcopy(found)


def kind_listing(slack: SlackStandIn, title: str) -> Message:
    """The newest list of one kind (`/ramp transactions`, `/ramp bills`…) whose header is `title`,
    once it is there (live: it is updated in place)."""

    def listed(message: Message) -> bool:
        navs = [b for b in message.blocks if str(b.get("block_id", "")).split("|")[0].endswith("_nav")]
        headers = [b["text"]["text"] for b in message.blocks if b.get("type") == "header"]
        return bool(navs) and title in headers

    return slack.wait_for(lambda: next((m for m in reversed(slack.messages(CHANNEL)) if listed(m)), None))


def row_menu(slack: SlackStandIn, message: Message, object_id: str, outcome: str, user: str = ADMIN) -> None:
    """Choose Mark synced… (`outcome` "synced") or Report failure… ("failed") in a list row's menu."""
    (row,) = [b for b in message.blocks if str(b.get("block_id", "")).endswith(f"|{object_id}")]
    menu = row["accessory"]
    (option,) = [o["value"] for o in menu["options"] if o["value"].startswith(f"{outcome}|")]
    slack.click(menu["action_id"], message=message, user=user, block_id=row["block_id"], value=option)


def nav_button(message: Message, text: str) -> tuple[str, str]:
    """(action id, value) of a list's button showing `text` ("Export CSV", "Next ▶")."""
    for block in message.blocks:
        if block.get("type") == "actions" and str(block.get("block_id", "")).split("|")[0].endswith("_nav"):
            for element in block["elements"]:
                if element["text"]["text"] == text:
                    return str(element["action_id"]), str(element["value"])
    raise LookupError(text)


def listing_message(slack: SlackStandIn) -> Message:
    """The `/ramp transactions` listing, once it is there (live: it is updated in place)."""
    return slack.wait_for(
        lambda: next((m for m in slack.messages(CHANNEL) if "transactions_nav" in json.dumps(m.blocks)), None)
    )


# -- Slack: what a user does -----------------------------------------------------------------------------


def connect(slack: SlackStandIn, name: str) -> None:
    """`/ramp connect <name>` by the admin, and wait until the bot says it is connected."""
    slack.slash_command("/ramp", f"connect {name}", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, f"connected Ramp to *{name}*")


@dataclass(frozen=True)
class Shared:
    """A file shared in the channel: its Slack file id, and the share message's ts (the bot's thread)."""

    file_id: str
    thread: str


def share(
    slack: SlackStandIn,
    content: bytes,
    name: str = "results.csv",
    user: str = ADMIN,
    stated_size: int | None = None,
    download_url: str | None = None,
) -> Shared:
    """Share a file in the channel, as `user`; nothing is waited for. `files.info` may be made to lie:
    `stated_size` instead of the real size, `download_url` instead of the stand-in's own link."""
    filetype = name.rsplit(".", 1)[-1].lower()  # Slack's file types are lower case: csv, xlsx, text
    file_id = slack.add_file(name=name, content=content, filetype=filetype, user=user)
    if stated_size is not None:
        slack.workspace.files[file_id].size_override = stated_size
    if download_url is not None:
        slack.workspace.files[file_id].url_override = download_url
    slack.share_file(file_id, channel=CHANNEL, user=user)
    thread = next(m.ts for m in reversed(slack.messages(CHANNEL)) if m.files and m.files[0].id == file_id)
    return Shared(file_id, thread)


def first_reply(slack: SlackStandIn, shared: Shared, timeout: float = 60.0) -> Message:
    """The bot's first answer in the share's thread, as it was first shown (a copy: the bot updates
    the real one in place, see `now`)."""
    return copy.deepcopy(slack.wait_for(lambda: next(iter(in_thread(slack, shared.thread)), None), timeout))


def preview_of(
    slack: SlackStandIn, content: bytes, name: str = "results.csv", user: str = ADMIN, timeout: float = 60.0
) -> Message:
    """Share a file and return the bot's threaded answer: the preview (or why there is none)."""
    return first_reply(slack, share(slack, content, name, user=user), timeout=timeout)


def click_and_wait(
    slack: SlackStandIn,
    action_id: str,
    message: Message,
    user: str = ADMIN,
    timeout: float = 30.0,
    **click: Any,
) -> Message:
    """Press `action_id` on `message` and wait until the bot has updated that message; returns it."""
    before = now(slack, message).rev
    slack.click(action_id, message=message, user=user, **click)
    return copy.deepcopy(
        slack.wait_for(lambda: now(slack, message).rev != before and now(slack, message), timeout)
    )


def upload(
    slack: SlackStandIn,
    preview: Message,
    deactivate: bool = False,
    fields: bool = False,
    timeout: float = 60.0,
) -> str:
    """Press Upload on a preview (ticking "Also deactivate", or through the custom-field modal) and
    wait for the report that replaces the preview; returns everything the report shows."""
    if deactivate:
        option = {"value": "deactivate", "text": {"type": "mrkdwn", "text": "Also deactivate"}}
        slack.click("upload_deactivate", message=preview, user=ADMIN, value=[option])
    if fields:
        slack.click("upload_fields", message=preview, user=ADMIN)
        slack.wait_for(lambda: slack.views, timeout=timeout)
        slack.submit_view(user=ADMIN)
    else:
        slack.click("upload_start", message=preview, user=ADMIN)
    return text_of(upload_report(slack, preview, timeout=timeout))


def upload_report(slack: SlackStandIn, preview: Message, timeout: float = 60.0) -> Message:
    """Wait for the upload's report that replaces the preview in place; returns it."""
    return copy.deepcopy(
        slack.wait_for(
            lambda: now(slack, preview).text.startswith("Upload of") and now(slack, preview), timeout=timeout
        )
    )


def upload_accounts(slack: SlackStandIn) -> str:
    """Connect QuickBooks Online and upload its chart of accounts (14 accounts); returns the report."""
    connect(slack, "QuickBooks Online")
    content = (FILES / "qbo_chart_of_accounts.csv").read_bytes()
    return upload(slack, preview_of(slack, content, "qbo_chart_of_accounts.csv"))


def results_csv(*rows: str) -> bytes:
    """A results file (`transaction_id,status,reference_id,error`) with these rows."""
    return ("transaction_id,status,reference_id,error\n" + "\n".join(rows) + "\n").encode()


def press_post(slack: SlackStandIn, preview: Message, user: str = ADMIN, timeout: float = 60.0) -> Message:
    """Press Post on a results preview and wait for the post's report; returns it."""
    slack.click("sync_results_post", message=preview, user=user)
    return posted(slack, preview, timeout=timeout)


def posted(slack: SlackStandIn, preview: Message, timeout: float = 60.0) -> Message:
    """Wait for a results preview to become the post's report ("Posting…" is text only; the report
    has blocks again, and no Post button); returns the report."""

    def reported() -> Message | None:
        message = now(slack, preview)
        return message if message.blocks and "sync_results_post" not in action_ids(message) else None

    return copy.deepcopy(slack.wait_for(reported, timeout=timeout))


def post_results(slack: SlackStandIn, *rows: str) -> Message:
    """Share a results file with these rows and Post it; returns the post's report."""
    return press_post(slack, preview_of(slack, results_csv(*rows)))


# -- the long form, and secrets ----------------------------------------------------------------------

LONG = os.environ.get("RAMP_BOT_LONG", "") not in ("", "0")


def sized(default: int, long: int) -> int:
    """A count for the default form, or for the long form when RAMP_BOT_LONG is set."""
    return long if LONG else default


def everything_slack_received(slack: SlackStandIn) -> str:
    """Every Web API call's arguments, every message (response_url posts and acks included) and
    every file the bot uploaded, as one string: what the secret scan reads."""
    parts = [json.dumps(call.args, default=str) for call in slack.calls()]
    for message in slack.messages():
        parts.append(message.text)
        parts.append(json.dumps(message.blocks))
        parts.extend(f.content.decode("utf-8", "replace") for f in message.files)
    with slack.workspace.lock:
        files = list(slack.workspace.files.values())
        views = list(slack.workspace.views.values()) + list(slack.workspace.home_views.values())
    parts.extend(f.content.decode("utf-8", "replace") for f in files)
    parts.extend(json.dumps(v) for v in views)
    return "\n".join(parts)


def database_bytes(db_path: Path) -> bytes:
    """The SQLite file and its write-ahead log and journal, raw: secrets must not be anywhere in them."""
    return b"".join(
        path.read_bytes()
        for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-journal"))
        if path.exists()
    )


def issued_tokens(ramp: RampSandbox) -> list[str]:
    """The access tokens the sandbox handed out so far."""
    with ramp.state.lock:
        return list(ramp.state.tokens.tokens)


def secrets_found(secrets: list[str], **places: str | bytes) -> list[str]:
    """`place: secret-prefix` for each secret found in each place."""
    found = []
    for name, content in places.items():
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        for secret in secrets:
            if secret and secret in text:
                found.append(f"{name}: {secret[:6]}…")
    return found


# -- every kind of object: ready objects, results files with a `type` column, what Ramp recorded ----

KINDS_HEADER = "transaction_id,type,status,reference_id,error,deep_link_url"
# Written out here, not read from bot/syncable_kinds.py, so a wrong row there fails the tests.
SYNC_TYPES = {
    "transaction": "TRANSACTION_SYNC",
    "reimbursement": "REIMBURSEMENT_SYNC",
    "bill": "BILL_SYNC",
    "bill_payment": "BILL_PAYMENT_SYNC",
    "transfer": "TRANSFER_SYNC",
    "cashback": "STATEMENT_CREDIT_SYNC",
}


def ready_objects(ramp: RampSandbox, kind: str, count: int, seed: int = 1) -> list[str]:
    """`count` objects of `kind` ("bills", "reimbursements", "transfers", "cashbacks") ready to sync:
    generated by the sandbox from `seed` (twice as many, since some cannot become ready: a rejected
    or synced bill), all marked ready through its test API; the ids of `count` ready ones, sorted."""
    body = {"kind": kind, "generate": 2 * count, "seed": seed}
    added = httpx.post(f"{ramp.url}/_sandbox/objects", json=body, timeout=120)
    assert added.status_code == 201, added.text
    ids: list[str] = added.json()["ids"]
    marked = httpx.post(f"{ramp.url}/_sandbox/ready", json={"kind": kind, "ids": ids}, timeout=120)
    assert marked.status_code == 200, marked.text
    with ramp.state.lock:  # as tests/driver.py `generate` reads the transactions
        stored = ramp.state.objects.by_id[kind]
        ready = [i for i in ids if OBJECT_KINDS[kind].ready(stored[i])]
    assert len(ready) >= count, f"only {len(ready)} of {2 * count} {kind} became ready"
    return sorted(ready[:count])


def pay_bills(ramp: RampSandbox, ids: list[str]) -> None:
    """Pay these bills, as a Ramp user would: their payments become ready once the bills are synced."""
    marked = httpx.post(f"{ramp.url}/_sandbox/ready", json={"kind": "bill_payments", "ids": ids}, timeout=60)
    assert marked.status_code == 200, marked.text


def paid_synced_bills(ramp: RampSandbox, count: int) -> list[str]:
    """`count` new bills already synced to the ERP, then paid: their payments are ready to sync (a
    bill payment syncs only once its bill is synced and paid, sandbox/ramp/objects/kinds.py)."""
    synced = {"approval_status": "APPROVED", "status": "OPEN", "sync_status": "BILL_SYNCED"}
    synced |= {"archived_at": None, "paid_at": None}
    answer = httpx.post(f"{ramp.url}/_sandbox/objects", json={"kind": "bills", "objects": [synced] * count})
    assert answer.status_code == 201, answer.text
    ids = sorted(answer.json()["ids"])
    pay_bills(ramp, ids)
    return ids


def ready_of_kind(ramp: RampSandbox, key: str, count: int, seed: int = 1) -> list[str]:
    """`count` new items of the kind `key` (bot/syncable_kinds.py) ready to sync, sorted."""
    if key == "transactions":
        made = generate(ramp, 2 * count, seed=seed)
        assert len(made) >= count
        return made[:count]
    if key == "bill_payments":
        return paid_synced_bills(ramp, count)
    return ready_objects(ramp, key, count, seed)


def ready_in_ramp(ramp: RampSandbox, key: str) -> set[str]:
    """Every id of the kind `key` the sandbox holds ready to sync now, by its own rule."""
    with ramp.state.lock:
        if key == "transactions":
            return {t["id"] for t in ramp.state.transactions.items if t["sync_status"] == "SYNC_READY"}
        rule = OBJECT_KINDS[key]
        return {i for i, item in ramp.state.objects.by_id[rule.store].items() if rule.ready(item)}


def every_kind(ramp: RampSandbox, count: int, seed: int = 1) -> dict[str, list[str]]:
    """`count` ready objects of each of the six kinds, by `type` word (`SYNC_TYPES`)."""
    return {
        **four_kinds(ramp, count, seed),
        "bill_payment": paid_synced_bills(ramp, count),
        "cashback": ready_objects(ramp, "cashbacks", count, seed),
    }


def four_kinds(ramp: RampSandbox, count: int, seed: int = 1) -> dict[str, list[str]]:
    """`count` ready objects of each of four kinds, by `type` word: card transactions,
    reimbursements, bills, transfers."""
    transactions = generate(ramp, 2 * count, seed=seed)
    assert len(transactions) >= count
    return {
        "transaction": transactions[:count],
        "reimbursement": ready_objects(ramp, "reimbursements", count, seed),
        "bill": ready_objects(ramp, "bills", count, seed),
        "transfer": ready_objects(ramp, "transfers", count, seed),
    }


def kinds_csv(*rows: str, header: str = KINDS_HEADER) -> bytes:
    """A results file with the `type` and `deep_link_url` columns (`KINDS_HEADER`) and these rows."""
    return (header + "\n" + "\n".join(rows) + "\n").encode()


def kinds_file(ids: dict[str, list[str]]) -> bytes:
    """One row per id, of its type: every third one failed, the others synced (bills with a link)."""
    rows = []
    for word, type_ids in ids.items():
        for n, object_id in enumerate(type_ids):
            link = f"https://erp.example.com/bills/{n}" if word == "bill" else ""
            rows.append(
                f"{object_id},{word},success,ERP-{word}-{n},,{link}"
                if n % 3
                else f"{object_id},{word},failed,,Period closed,"
            )
    return kinds_csv(*rows)


def syncs(ramp: RampSandbox) -> list[dict[str, Any]]:
    return list(ramp_state(ramp)["syncs"])


def recorded(ramp: RampSandbox) -> list[tuple[str, str]]:
    """Every (sync_type, id) Ramp recorded a result for, successful or failed, sorted; twice if twice."""
    return sorted(
        (sync["sync_type"], item["id"])
        for sync in syncs(ramp)
        for item in [*sync.get("successful_syncs", []), *sync.get("failed_syncs", [])]
    )


def expected(ids: dict[str, list[str]]) -> list[tuple[str, str]]:
    """What `recorded` should say once every id of `ids` (by `type` word) was posted once."""
    return sorted((SYNC_TYPES[word], i) for word, type_ids in ids.items() for i in type_ids)


# -- ready notices: items made ready in the Ramp sandbox (firing its webhooks), the notices posted ---

NOTICE_COUNT = re.compile(r"^([\d,]+) new ")


def unready_transactions(ramp: RampSandbox, count: int, seed: int) -> list[str]:
    """`count` new transactions that are not ready to sync yet (made up by the sandbox from `seed`);
    declined ones are left out, since Ramp never lists them as ready."""
    httpx.post(
        f"{ramp.url}/_sandbox/transactions", json={"generate": count * 12, "seed": seed}
    ).raise_for_status()
    with ramp.state.lock:
        waiting = [
            t["id"]
            for t in ramp.state.transactions.items
            if t["sync_status"] == "NOT_SYNC_READY" and t.get("state") != "DECLINED"
        ]
    assert len(waiting) >= count, "the sandbox made too few transactions that are not ready"
    return waiting[-count:]


def pending_bills(ramp: RampSandbox, count: int) -> list[str]:
    """`count` new unpaid bills awaiting approval (so neither they nor their payments are ready)."""
    unpaid = {"approval_status": "PENDING", "status": "OPEN", "sync_status": "NOT_SYNCED"}
    unpaid["archived_at"] = None
    body = {"kind": "bills", "objects": [unpaid] * count}
    answer = httpx.post(f"{ramp.url}/_sandbox/objects", json=body)
    answer.raise_for_status()
    return list(answer.json()["ids"])


def make_ready(ramp: RampSandbox, kind: str, ids: list[str]) -> dict[str, Any]:
    """Ready to sync, as a Ramp user would make them; the sandbox fires the matching webhooks."""
    answer = httpx.post(f"{ramp.url}/_sandbox/ready", json={"kind": kind, "ids": ids})
    answer.raise_for_status()
    return dict(answer.json())


def webhook_options(ramp: RampSandbox, **options: Any) -> None:
    """`duplicate_rate`, `reorder`, `seed`…: how the sandbox delivers (sandbox/ramp/webhooks.py)."""
    httpx.post(f"{ramp.url}/_sandbox/options", json={"webhooks": options}).raise_for_status()


def deliveries(ramp: RampSandbox) -> dict[str, Any]:
    return dict(httpx.get(f"{ramp.url}/_sandbox/webhooks").json())


def deliveries_settled(ramp: RampSandbox) -> bool:
    """Nothing queued, and every event's last attempt answered 2xx."""
    state = deliveries(ramp)
    last = {a["event_id"]: a["status"] for a in state["attempts"]}
    return state["pending"] == 0 and all(status.startswith("2") for status in last.values())


def notices(slack: SlackStandIn, channel: str) -> list[Message]:
    """The ready notices the bot posted in the channel, oldest first."""
    return [
        m
        for m in slack.messages(channel)
        if m.source == "chat.postMessage" and '"notice|' in json.dumps(m.blocks)
    ]


def notice_count(message: Message) -> int:
    """The number of new items a notice announces (`12 new card transactions are ready…`)."""
    found = NOTICE_COUNT.match(message.text)
    assert found, message.text
    return int(found.group(1).replace(",", ""))


def list_buttons(message: Message) -> list[str]:
    """The kinds a notice's "List them" buttons list (each a section's accessory), in order."""
    return [
        str(block["accessory"]["value"])
        for block in message.blocks
        if (block.get("accessory") or {}).get("action_id") == "ready_list"
    ]


def pending_transfers(ramp: RampSandbox, count: int) -> list[str]:
    """`count` new card statement payments not accepted yet (Ramp has no webhook event for transfers)."""
    body = {"kind": "transfers", "objects": [{"status": "PENDING", "sync_status": "NOT_SYNC_READY"}] * count}
    answer = httpx.post(f"{ramp.url}/_sandbox/objects", json=body)
    answer.raise_for_status()
    return list(answer.json()["ids"])
