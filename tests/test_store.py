"""The store on a real SQLite file: its claims (first wins, second loses, also when two connections
race for the same key), the sync journal as rows, the payload backfill of migration 0008, and the
retention policy (old rows go; recent rows and rows pending work needs stay), applied at start-up
and once a day."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from bot.app import build_services
from bot.scheduler import SummaryScheduler
from bot.schema import migrations
from bot.services.sync_results import SyncResult
from bot.services.syncs import journalled_chunk, plan_chunks
from bot.store import KEPT_WHOLE, RETENTION, Store
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import bot_settings

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = "2026-06-01"
ROUNDS = 150


@pytest.fixture
def store(tmp_path: Path) -> Any:
    opened = Store(tmp_path / "bot.sqlite3")
    yield opened
    opened.close()


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def ago(days: float) -> str:
    return iso(NOW - timedelta(days=days))


def results_rows(n: int, prefix: str = "t") -> list[dict[str, Any]]:
    return [
        {"transaction_id": f"{prefix}{i}", "outcome": "synced", "reference_id": f"JE-{i}", "message": None}
        for i in range(n)
    ]


def add_upload(store: Store, upload_id: str, **columns: Any) -> None:
    store.add_upload({"id": upload_id, "name": f"{upload_id}.csv", "kind": "gl_accounts", **columns})


def add_schedule(store: Store, channel_id: str, state: str = "active") -> None:
    store.save_summary_schedule(
        {
            "channel_id": channel_id,
            "local_time": "09:00",
            "tz": "UTC",
            "weekdays_only": 0,
            "set_by": "U1",
            "set_at": ago(1),
            "state": state,
            "reason": "",
        }
    )


def count(store: Store, table: str, where: str = "1") -> int:
    return int(store.db.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0])


# -- each claim: first wins, second loses -------------------------------------------------------------


def test_an_event_is_claimed_once(store: Store):
    assert store.claim_once("event:Ev1") is True
    assert store.claim_once("event:Ev1") is False
    assert store.claim_once("event:Ev1", quick=True) is False
    assert store.claim_once("event:Ev2", quick=True) is True
    assert count(store, "processed_events") == 2


def test_a_signature_is_refused_within_its_window_and_forgotten_after(store: Store):
    assert store.claim_request("v0=abc", now=1000.0, keep_s=600) is True
    assert store.claim_request("v0=abc", now=1599.0, keep_s=600) is False
    assert store.claim_request("v0=def", now=1700.0, keep_s=600) is True  # drops abc, 700 s old
    assert count(store, "seen_requests") == 1
    assert store.claim_request("v0=abc", now=1701.0, keep_s=600) is True


def test_a_previewed_upload_is_started_or_cancelled_once(store: Store):
    add_upload(store, "u1")
    assert store.claim_upload("u1", "running", "U1") is True
    assert store.claim_upload("u1", "cancelled", "U2") is False
    assert (
        store.claim_upload_run(
            "u1", "U2", runner="r2", message_ts="1.2", deactivate_missing=False, field_settings="{}"
        )
        is False
    )
    row = store.upload_row("u1")
    assert row is not None and (row["outcome"], row["uploaded_by"]) == ("running", "U1")
    assert store.claim_upload("unknown", "running", "U1") is False


def test_an_upload_run_is_claimed_once_with_what_a_restart_needs(store: Store):
    add_upload(store, "u1")
    claim = {"runner": "r1", "message_ts": "1.2", "deactivate_missing": True, "field_settings": "{}"}
    assert store.claim_upload_run("u1", "U1", **claim) is True
    assert store.claim_upload_run("u1", "U2", **{**claim, "runner": "r2"}) is False
    assert store.claim_upload("u1", "cancelled", "U2") is False
    row = store.upload_row("u1")
    assert row is not None and (row["runner"], row["uploaded_by"], row["deactivate_missing"]) == (
        "r1",
        "U1",
        1,
    )


def test_a_running_upload_is_taken_over_once_from_the_runner_that_left_it(store: Store):
    add_upload(store, "u1")
    store.claim_upload_run(
        "u1", "U1", runner="dead", message_ts="", deactivate_missing=False, field_settings=""
    )
    assert [row["runner"] for row in store.running_uploads(except_runner="r1")] == ["dead"]
    assert store.take_over_upload("u1", "r1", previous="dead") is True
    assert store.take_over_upload("u1", "r2", previous="dead") is False  # r1 has it now
    assert store.take_over_upload("u1", "r1", previous="r1") is False  # already ours
    assert store.running_uploads(except_runner="r1") == []
    store.finish_upload("u1", "done", "{}", "")
    assert store.take_over_upload("u1", "r3", previous="r1") is False  # not running


def test_a_summary_day_is_claimed_once_and_can_be_given_back(store: Store):
    add_schedule(store, "C1")
    add_schedule(store, "C2", state="paused")
    assert store.claim_summary_day("C1", DAY) is True
    assert store.claim_summary_day("C1", DAY) is False
    assert store.claim_summary_day("C1", "2026-05-31") is False  # an earlier day
    store.release_summary_day("C1", DAY, None)
    assert store.claim_summary_day("C1", DAY) is True
    assert store.claim_summary_day("C2", DAY) is False  # paused
    assert (store.summary_schedule("C1") or {})["last_date"] == DAY


def test_a_chunk_is_journalled_once_with_its_results_in_order(store: Store):
    rows = [
        {"transaction_id": "b", "outcome": "failed", "reference_id": None, "message": "closed"},
        {"transaction_id": "a", "outcome": "synced", "reference_id": "JE-1", "message": None},
    ]
    assert store.journal_chunk("k1", rows, source="file", user_id="U1") is True
    assert store.journal_chunk("k1", results_rows(3), source="other", user_id="U2") is False
    assert count(store, "sync_results") == 2
    assert store.chunk_results("k1") == rows
    chunk = store.sync_chunk("k1")
    assert chunk is not None and (chunk["state"], chunk["items"], chunk["source"]) == ("pending", 2, "file")
    assert [c["key"] for c in store.pending_chunks()] == ["k1"]


def test_a_failed_insert_of_results_leaves_no_chunk_behind(store: Store):
    with pytest.raises(sqlite3.IntegrityError):
        store.journal_chunk("k1", [{**results_rows(1)[0], "transaction_id": None}], source="", user_id="")
    assert store.sync_chunk("k1") is None and count(store, "sync_results") == 0


# -- two connections racing for the same keys -----------------------------------------------------------

Claim = Callable[[Store, int, int], bool]  # (store, which racer, round) -> won


def _upload_previewed(store: Store, i: int) -> None:
    add_upload(store, f"u{i}")


def _upload_left_running(store: Store, i: int) -> None:
    add_upload(store, f"u{i}")
    store.claim_upload_run(
        f"u{i}", "U1", runner="dead", message_ts="", deactivate_missing=False, field_settings=""
    )


RACES: dict[str, tuple[Callable[[Store, int], None] | None, Claim]] = {
    "claim_once": (None, lambda s, n, i: s.claim_once(f"event:{i}")),
    "claim_request": (None, lambda s, n, i: s.claim_request(f"v0={i}", now=1000.0 + i, keep_s=600)),
    "claim_upload": (
        _upload_previewed,
        lambda s, n, i: s.claim_upload(f"u{i}", ("running", "cancelled")[n], f"U{n}"),
    ),
    "claim_upload_run": (
        _upload_previewed,
        lambda s, n, i: s.claim_upload_run(
            f"u{i}", f"U{n}", runner=f"r{n}", message_ts="", deactivate_missing=False, field_settings=""
        ),
    ),
    "take_over_upload": (
        _upload_left_running,
        lambda s, n, i: s.take_over_upload(f"u{i}", f"r{n}", previous="dead"),
    ),
    "claim_summary_day": (
        lambda s, i: add_schedule(s, f"C{i}"),
        lambda s, n, i: s.claim_summary_day(f"C{i}", DAY),
    ),
    "journal_chunk": (
        None,
        lambda s, n, i: s.journal_chunk(f"k{i}", results_rows(3, f"r{n}-"), source=f"racer {n}", user_id=""),
    ),
}


def race(path: Path, claim: Claim, rounds: int) -> list[tuple[bool, bool]]:
    """Two `Store`s on one file, each in its own thread, claiming the same key at once every round."""
    barrier = threading.Barrier(2, timeout=30)

    def racer(n: int) -> list[bool]:
        store = Store(path)
        try:
            won = []
            for i in range(rounds):
                barrier.wait()
                won.append(claim(store, n, i))
            return won
        finally:
            store.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(racer, (0, 1))
    return list(zip(first, second, strict=True))


@pytest.mark.parametrize("name", list(RACES))
def test_two_connections_racing_for_the_same_key_have_exactly_one_winner(
    store: Store, tmp_path: Path, name: str
):
    setup, claim = RACES[name]
    for i in range(ROUNDS):
        if setup is not None:
            setup(store, i)
    outcomes = race(tmp_path / "bot.sqlite3", claim, ROUNDS)
    losers = [i for i, (a, b) in enumerate(outcomes) if a + b != 1]
    assert losers == [], f"rounds without exactly one winner: {losers[:10]}"
    # And the database agrees with the winners.
    if name == "journal_chunk":
        assert count(store, "sync_chunks") == ROUNDS and count(store, "sync_results") == 3 * ROUNDS
        winners = [f"racer {int(b)}" for a, b in outcomes]
        assert [store.sync_chunk(f"k{i}")["source"] for i in range(ROUNDS)] == winners  # type: ignore[index]
    if name == "claim_upload":
        expected = ["cancelled" if b else "running" for a, b in outcomes]
        assert [store.upload_row(f"u{i}")["outcome"] for i in range(ROUNDS)] == expected  # type: ignore[index]
    if name == "take_over_upload":
        expected = [f"r{int(b)}" for a, b in outcomes]
        assert [store.upload_row(f"u{i}")["runner"] for i in range(ROUNDS)] == expected  # type: ignore[index]


# -- the questions status and summaries ask of the journal -------------------------------------------------


def _journal(store: Store, key: str, rows: list[dict[str, Any]], state: str, updated: str) -> None:
    store.journal_chunk(key, rows, source="", user_id="U1")
    store.set_chunk_state(key, state)
    store.db.execute("UPDATE sync_chunks SET updated = ? WHERE key = ?", [updated, key])


def test_failures_and_synced_amounts_come_from_answered_chunks_only(store: Store):
    store.save_transactions(
        [
            {"id": "a", "merchant_name": "Cafe", "amount": 450, "currency": "USD", "sync_status": "SYNCED"},
            {"id": "b", "merchant_name": "Ramen", "amount": 1200, "currency": "USD", "sync_status": "SYNCED"},
            {"id": "c", "merchant_name": "Train", "amount": 9000, "currency": "JPY", "sync_status": "SYNCED"},
        ]
    )
    failed = {"outcome": "failed", "reference_id": None}
    synced = {"outcome": "synced", "message": None}
    _journal(store, "old", [{"transaction_id": "a", **failed, "message": "old"}], "sent", ago(10))
    _journal(
        store,
        "k1",
        [
            {"transaction_id": "a", **synced, "reference_id": "JE-1"},
            {"transaction_id": "b", **failed, "message": "Period closed"},
            {"transaction_id": "c", **synced, "reference_id": "JE-2"},
            {"transaction_id": "x", **failed, "message": ""},
        ],
        "sent",
        ago(1),
    )
    _journal(store, "refused", [{"transaction_id": "b", **failed, "message": "nope"}], "failed", ago(1))
    _journal(store, "unanswered", results_rows(2), "pending", ago(1))
    failures = store.reported_failures(ago(7), {})
    assert [(f["transaction_id"], f["message"], f["name"], f["amount"]) for f in failures] == [
        ("b", "Period closed", "Ramen", 1200),
        ("x", "", None, None),
    ]
    assert store.reported_failures(ago(1), {}, strictly_after=True) == []
    assert len(store.reported_failures(ago(1), {})) == 2
    assert store.unconfirmed_results(ago(7)) == 3
    assert sorted((r["currency"], r["amount"]) for r in store.synced_amounts(ago(7))) == [
        ("JPY", 9000),
        ("USD", 450),
    ]
    assert sorted(store.journalled_results(), key=repr) == sorted(
        [
            ("a", "JE-1", None, "sent"),
            ("b", None, "Period closed", "sent"),
            ("c", "JE-2", None, "sent"),
            ("x", None, "", "sent"),
            ("a", None, "old", "sent"),
            ("t0", "JE-0", None, "pending"),
            ("t1", "JE-1", None, "pending"),
        ],
        key=repr,
    )


# -- migration 0008: payloads become rows ---------------------------------------------------------------


def test_journalled_payloads_become_rows_and_a_pending_chunk_is_resent_as_first_journalled(tmp_path: Path):
    path = tmp_path / "bot.sqlite3"
    results = [
        SyncResult("c3333333-3333-4333-8333-333333333333", error="Period closed"),
        SyncResult("a1111111-1111-4111-8111-111111111111", reference_id="JE-1"),
        SyncResult("b2222222-2222-4222-8222-222222222222", reference_id="JE-2"),
    ]
    (chunk,) = plan_chunks(results)
    payload = json.dumps(
        {"sync_type": "TRANSACTION_SYNC", "successful": chunk.successful, "failed": chunk.failed}
    )
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="0008_sync_results_retention")
    for key, state, body in [
        (chunk.key, "pending", payload),
        ("refused", "failed", json.dumps({"successful": [], "failed": []})),
    ]:
        old.table("sync_chunks").insert(
            {"key": key, "payload": body, "state": state, "items": 3, "created": ago(1), "updated": ago(1)}
        )
    old.close()

    store = Store(path)
    try:
        assert "payload" not in store.db["sync_chunks"].columns_dict
        assert count(store, "sync_results") == 3
        (pending,) = store.pending_chunks()
        rebuilt = journalled_chunk(pending["key"], store.chunk_results(pending["key"]))
        assert (rebuilt.successful, rebuilt.failed) == (chunk.successful, chunk.failed)
        assert plan_chunks(rebuilt.results)[0].key == chunk.key
    finally:
        store.close()


def test_chunk_keys_are_those_earlier_versions_journalled():
    (chunk,) = plan_chunks(
        [
            SyncResult("a1111111-1111-4111-8111-111111111111", reference_id="JE-1"),
            SyncResult("c3333333-3333-4333-8333-333333333333", error="Period closed"),
        ]
    )
    # sha256 of {"failed":[...],"successful":[...],"sync_type":"TRANSACTION_SYNC"}, canonical JSON.
    assert chunk.key == "a01b5c4470b7efeefd4a985320344c8ab41ffb2212faa3e531d3663f09a7df36"


# -- retention -------------------------------------------------------------------------------------------


def test_every_table_is_under_a_retention_policy_or_kept_whole_for_a_reason(store: Store):
    pruned = {p.table for p in RETENTION}
    children = {child for p in RETENTION for child, _, _ in p.children}
    assert len(pruned) == len(RETENTION)  # one figure a table
    assert set(store.db.table_names()) == pruned | children | set(KEPT_WHOLE)


def _seed_old_and_recent(store: Store) -> None:
    store.db.execute(
        "INSERT INTO seen_requests VALUES ('old', ?), ('new', ?)",
        [(NOW - timedelta(days=2)).timestamp(), NOW.timestamp()],
    )
    for key, at in [("old", ago(8)), ("new", ago(6))]:
        store.db.execute("INSERT INTO processed_events VALUES (?, ?)", [key, at])
    for table in ("transaction_lists", "sync_previews"):
        store.db.table(table).insert_all([{"id": "old", "at": ago(31)}, {"id": "new", "at": ago(29)}])
    store.db.table("ready_snapshots").insert_all(
        [{"at": ago(41), "currency": "USD", "count": 1, "amount": 1}, {"at": ago(39), "currency": "USD"}]
    )
    store.db.table("audit_log").insert_all([{"at": ago(401)}, {"at": ago(399)}])
    store.db.table("summary_log").insert_all(
        [
            {"channel_id": "C1", "at": ago(402)},
            {"channel_id": "C1", "at": ago(401)},  # C1's last: the next summary's baseline
            {"channel_id": "C2", "at": ago(401)},
            {"channel_id": "C2", "at": ago(1)},
        ]
    )
    store.db.table("transactions").insert_all(
        [
            {"id": "old", "fetched_at": ago(401), "sync_status": "SYNCED"},
            {"id": "old-ready", "fetched_at": ago(401), "sync_status": "SYNC_READY"},
            {"id": "new", "fetched_at": ago(399), "sync_status": "SYNCED"},
        ]
    )


def _seed_journals(store: Store) -> None:
    for key, state, days in [
        ("sent", "sent", 401),
        ("refused", "failed", 401),
        ("pending", "pending", 500),
        ("recent", "sent", 399),
    ]:
        _journal(store, key, results_rows(2), state, ago(days))
    for upload_id, outcome, finished, created in [
        ("done", "done", ago(91), ago(92)),
        ("cancelled", "cancelled", "", ago(91)),
        ("running", "running", "", ago(300)),
        ("recent", "done", ago(89), ago(120)),
    ]:
        add_upload(store, upload_id, outcome=outcome, finished=finished, created=created)
        store.journal_upload_batch(upload_id, 1, "create", "gl_accounts", "[]")


def test_prune_deletes_old_rows_and_keeps_recent_ones_and_pending_work(store: Store):
    _seed_old_and_recent(store)
    _seed_journals(store)
    deleted = store.prune(NOW)
    assert deleted == {
        "seen_requests": 1,
        "processed_events": 1,
        "transaction_lists": 1,
        "sync_previews": 1,
        "ready_snapshots": 1,
        "uploads": 2,
        "sync_chunks": 2,
        "transactions": 1,
        "summary_log": 2,
        "audit_log": 1,
        "migrations": 0,  # tests/test_migration.py prunes them
        "object_lists": 0,  # tests/test_objects.py prunes these two
        "sync_objects": 0,
        "notice_items": 0,  # tests/test_notices.py
    }
    assert [r["key"] for r in store.db.query("SELECT key FROM processed_events")] == ["new"]
    assert sorted(r["key"] for r in store.db.query("SELECT key FROM sync_chunks")) == ["pending", "recent"]
    assert count(store, "sync_results") == 4 and store.chunk_results("pending") == results_rows(2)
    assert sorted(r["id"] for r in store.db.query("SELECT id FROM uploads")) == ["recent", "running"]
    assert sorted(r["upload_id"] for r in store.db.query("SELECT upload_id FROM upload_batches")) == [
        "recent",
        "running",
    ]
    assert sorted(r["id"] for r in store.db.query("SELECT id FROM transactions")) == ["new", "old-ready"]
    assert [(r["channel_id"], r["at"]) for r in store.db.query("SELECT * FROM summary_log ORDER BY id")] == [
        ("C1", ago(401)),
        ("C2", ago(1)),
    ]
    assert set(store.prune(NOW).values()) == {0}  # nothing left to prune


def test_a_large_prune_goes_in_batches_and_deletes_every_old_row(store: Store):
    store.db.conn.executemany(
        "INSERT INTO processed_events VALUES (?, ?)", [(f"event:{i}", ago(8)) for i in range(2_345)]
    )
    store.claim_once("event:today")
    assert store.prune(NOW)["processed_events"] == 2_345
    assert count(store, "processed_events") == 1


def test_the_bot_prunes_as_it_starts(tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn):
    settings = bot_settings(tmp_path, ramp, slack)
    store = Store(settings.db_path)
    store.db.execute("INSERT INTO processed_events VALUES ('event:old', '2020-01-01T00:00:00+00:00')")
    store.claim_once("event:now")
    store.close()
    build_services(settings).close()
    store = Store(settings.db_path)
    try:
        assert [r["key"] for r in store.db.query("SELECT key FROM processed_events")] == ["event:now"]
    finally:
        store.close()


def test_the_scheduler_prunes_once_a_day_after_the_start_up_prune():
    pruned: list[datetime] = []
    scheduler = SummaryScheduler(summaries=None, channel=None, prune=pruned.append)  # type: ignore[arg-type]
    assert scheduler.prune_if_due(NOW) is False  # start-up has just pruned
    assert scheduler.prune_if_due(NOW + timedelta(hours=23, minutes=59)) is False
    assert scheduler.prune_if_due(NOW + timedelta(days=1)) is True
    assert scheduler.prune_if_due(NOW + timedelta(days=1, hours=1)) is False
    assert scheduler.prune_if_due(NOW + timedelta(days=2, hours=1)) is True
    assert pruned == [NOW + timedelta(days=1), NOW + timedelta(days=2, hours=1)]
