"""Unit tests for the Ramp client (`bot/ramp/`) and `bot.money`, with Ramp stood in by httpx's
MockTransport: every test talks HTTP to a scripted Ramp, never to our own modules' insides.

Backoff and rate-limit waits use an injected fake clock and sleep, so nothing really sleeps.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from bot.money import Money
from bot.ramp import (
    DEFAULT_SCOPES,
    OPTIONAL_SCOPES,
    FileWindowHistory,
    Forbidden,
    GLAccount,
    InvalidInput,
    NotFound,
    RampClient,
    RampError,
    RampUnavailable,
    RateLimited,
    SlidingWindowLimiter,
    Transaction,
    Unauthorized,
)

FIXTURES = Path(__file__).parent / "fixtures" / "ramp"
BASE = "https://ramp.test"
CLIENT_ID = "ramp_id_abc"
SECRET = "s3cr3t-never-shown"
TOKEN = "ramp_tok_first"

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeRamp:
    """Scripted answers per "METHOD /path"; records every request with the fake time it arrived."""

    def __init__(self, clock: FakeClock | None = None, tokens: tuple[str, ...] = (TOKEN,)) -> None:
        self.clock = clock
        self.replies: dict[str, deque[Reply]] = {}
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []
        self.tokens = deque(tokens)
        self.expires_in = 864_000

    def on(self, route: str, *replies: Reply) -> FakeRamp:
        self.replies.setdefault(route, deque()).extend(replies)
        return self

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.clock.now if self.clock else 0.0)
        route = f"{request.method} {request.url.path}"
        if route == "POST /developer/v1/token" and route not in self.replies:
            token = self.tokens.popleft() if len(self.tokens) > 1 else self.tokens[0]
            body = {"access_token": token, "token_type": "bearer", "expires_in": self.expires_in, "scope": ""}
            return httpx.Response(200, json=body)
        queue = self.replies.get(route)
        if not queue:
            raise AssertionError(f"unexpected request {route}")
        reply = queue.popleft() if len(queue) > 1 else queue[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(request)
        return reply

    def api_requests(self, route: str | None = None) -> list[httpx.Request]:
        return [
            r
            for r in self.requests
            if not r.url.path.startswith("/developer/v1/token")
            and (route is None or f"{r.method} {r.url.path}" == route)
        ]

    def token_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == "/developer/v1/token"]


def make_client(ramp: FakeRamp, clock: FakeClock | None = None, **kwargs: Any) -> RampClient:
    clock = clock or ramp.clock or FakeClock()
    return RampClient(
        BASE,
        CLIENT_ID,
        SECRET,
        transport=httpx.MockTransport(ramp.handler),
        sleep=clock.sleep,
        clock=clock,
        **kwargs,
    )


def ramp_error(
    status: int, code: str, message: str, trace: str = "1234abcd", **info: list[str]
) -> httpx.Response:
    body = {"error_v2": {"error_code": code, "message": message, "additional_info": info, "notes": ""}}
    return httpx.Response(status, json=body, headers={"x-trace-id": trace})


def page(items: list[dict[str, Any]], next_url: str | None) -> httpx.Response:
    return httpx.Response(200, json={"data": items, "page": {"next": next_url}})


def gl(n: int) -> dict[str, Any]:
    return {
        "ramp_id": f"00000000-0000-4000-8000-{n:012d}",
        "id": str(n),
        "name": f"Account {n}",
        "is_active": True,
    }


CONNECTIONS = httpx.Response(
    200,
    json={
        "connections": [
            {
                "id": "c-old",
                "is_active": False,
                "remote_provider_name": "Sage",
                "created_at": "2024-01-01T00:00:00Z",
            },
            {
                "id": "c-new",
                "is_active": True,
                "remote_provider_name": "NetSuite",
                "created_at": "2025-01-01",
            },
        ]
    },
)


# --- token -----------------------------------------------------------------------------------------


def test_token_request_is_form_encoded_with_basic_auth_and_the_bots_scopes() -> None:
    ramp = FakeRamp().on("GET /developer/v1/accounting/all-connections", CONNECTIONS)
    with make_client(ramp) as client:
        client.list_connections()

    (token_request,) = ramp.token_requests()
    assert token_request.method == "POST"
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = parse_qs(token_request.content.decode())
    scopes = " ".join(DEFAULT_SCOPES + OPTIONAL_SCOPES)
    assert form == {"grant_type": ["client_credentials"], "scope": [scopes]}
    expected = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    assert token_request.headers["authorization"] == f"Basic {expected}"
    (api_request,) = ramp.api_requests()
    assert api_request.headers["authorization"] == f"Bearer {TOKEN}"


def test_token_is_cached_across_calls_and_renewed_a_minute_before_expiry() -> None:
    clock = FakeClock()
    ramp = FakeRamp(clock, tokens=("ramp_tok_1", "ramp_tok_2"))
    ramp.expires_in = 3600
    ramp.on("GET /developer/v1/accounting/all-connections", CONNECTIONS)
    client = make_client(ramp)

    client.list_connections()
    client.list_connections()
    clock.now += 3600 - 61
    client.list_connections()
    assert len(ramp.token_requests()) == 1

    clock.now += 2  # now inside the last minute of the token's life
    client.list_connections()
    assert len(ramp.token_requests()) == 2
    assert ramp.api_requests()[-1].headers["authorization"] == "Bearer ramp_tok_2"


def test_short_lived_token_is_renewed_at_ninety_percent_of_its_life() -> None:
    clock = FakeClock()
    ramp = FakeRamp(clock, tokens=("ramp_tok_1", "ramp_tok_2"))
    ramp.expires_in = 100
    ramp.on("GET /developer/v1/accounting/all-connections", CONNECTIONS)
    client = make_client(ramp)
    client.list_connections()
    clock.now += 89
    client.list_connections()
    assert len(ramp.token_requests()) == 1
    clock.now += 2
    client.list_connections()
    assert len(ramp.token_requests()) == 2


def test_a_401_gets_one_new_token_and_one_retry() -> None:
    ramp = FakeRamp(tokens=("ramp_tok_revoked", "ramp_tok_fresh"))
    ramp.on(
        "GET /developer/v1/accounting/all-connections",
        ramp_error(401, "DEVELOPER_7000", "Token expired"),
        CONNECTIONS,
    )
    client = make_client(ramp)
    assert [c.id for c in client.list_connections()] == ["c-old", "c-new"]
    auths = [r.headers["authorization"] for r in ramp.api_requests()]
    assert auths == ["Bearer ramp_tok_revoked", "Bearer ramp_tok_fresh"]


def test_a_second_401_surfaces_as_unauthorized_after_exactly_one_refresh() -> None:
    ramp = FakeRamp(tokens=("ramp_tok_1", "ramp_tok_2", "ramp_tok_3"))
    ramp.on(
        "GET /developer/v1/accounting/all-connections", ramp_error(401, "DEVELOPER_7000", "Invalid token")
    )
    client = make_client(ramp)
    with pytest.raises(Unauthorized) as caught:
        client.list_connections()
    assert len(ramp.token_requests()) == 2
    assert len(ramp.api_requests()) == 2
    assert caught.value.status == 401


def test_refused_credentials_raise_unauthorized_without_the_secret_anywhere() -> None:
    refused = httpx.Response(
        401, json={"error": "invalid_client", "error_description": "Client authentication failed"}
    )
    ramp = FakeRamp().on("POST /developer/v1/token", refused)
    client = make_client(ramp)
    with pytest.raises(Unauthorized) as caught:
        client.list_connections()
    error = caught.value
    assert error.error_code == "invalid_client"
    assert "Client authentication failed" in error.user_text()
    for text in (str(error), repr(error), error.user_text(), repr(client)):
        assert SECRET not in text
    assert len(ramp.token_requests()) == 1  # a refused credential is not retried


def test_scope_not_on_the_app_raises_forbidden_naming_the_scopes() -> None:
    refused = httpx.Response(400, json={"error": "invalid_scope", "error_description": "Scope not allowed"})
    ramp = FakeRamp().on("POST /developer/v1/token", refused)
    with pytest.raises(Forbidden) as caught:
        make_client(ramp, scopes=("accounting:read", "entities:read")).list_connections()
    assert caught.value.required_scope == "accounting:read entities:read"
    assert "accounting:read entities:read" in caught.value.user_text()


def test_revoke_token_posts_the_cached_token_as_a_form() -> None:
    ramp = FakeRamp().on("GET /developer/v1/accounting/all-connections", CONNECTIONS)
    ramp.on("POST /developer/v1/token/revoke", httpx.Response(200))
    client = make_client(ramp)
    client.revoke_token()  # nothing cached yet: no request
    assert ramp.requests == []
    client.list_connections()
    client.revoke_token()
    revoke = ramp.requests[-1]
    assert revoke.url.path == "/developer/v1/token/revoke"
    assert revoke.headers["authorization"].startswith("Basic ")
    assert parse_qs(revoke.content.decode()) == {"token": [TOKEN], "token_type_hint": ["access_token"]}


# --- rate limit ------------------------------------------------------------------------------------


def max_in_any_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered[i:] if t < start + window) for i, start in enumerate(ordered))


def test_limiter_never_admits_more_than_the_limit_in_any_rolling_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(5, 10.0, clock=clock, sleep=clock.sleep)
    admitted = []
    for _ in range(23):
        limiter.settle(limiter.acquire())  # answered at once
        admitted.append(clock.now)
        clock.now += 0.7  # a steady caller faster than the limit allows
    assert max_in_any_window(admitted, 10.0 + 0.05) == 5
    assert clock.sleeps  # it had to wait


def test_limiter_runs_at_the_edge_of_the_limit_not_under_it() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(200, 10.0, clock=clock, sleep=clock.sleep)
    start = clock.now
    for _ in range(1000):
        with limiter.slot():
            pass
    # 1,000 requests at 200 per (10 s + 50 ms): four full waits, so just over 40 s of fake time.
    assert clock.now - start == pytest.approx(4 * 10.05)


def test_limiter_holds_across_threads() -> None:
    last_read = threading.local()

    def clock() -> float:  # remembers, per thread, the time the limiter saw when it admitted us
        last_read.value = time.monotonic()
        return last_read.value

    limiter = SlidingWindowLimiter(5, 0.2, margin_s=0.0, clock=clock)
    admitted: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            with limiter.slot():
                with lock:
                    admitted.append(last_read.value)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 20
    assert max_in_any_window(admitted, 0.2) <= 5


def test_a_slot_is_held_from_admission_until_a_window_after_the_answer() -> None:
    # Ramp counts a request on arrival, somewhere between our send and its answer; so the limiter
    # keeps it in the window until `window_s` after the answer, whatever the round trip took.
    clock = FakeClock()
    limiter = SlidingWindowLimiter(2, 10.0, margin_s=0.0, clock=clock, sleep=clock.sleep)
    slow = limiter.acquire()
    limiter.settle(limiter.acquire())
    clock.now += 3.0  # the first request answers 3 s after it was sent
    limiter.settle(slow)
    start = clock.now
    limiter.acquire()  # room again only when the fast one's answer leaves the window
    assert clock.now - start == pytest.approx(7.0)
    limiter.acquire()
    assert clock.now - start == pytest.approx(10.0)  # and the slow one's: 10 s after its answer


def test_requests_in_flight_hold_their_slots_until_they_answer() -> None:
    limiter = SlidingWindowLimiter(1, 1.0)
    first = limiter.acquire()
    admitted = threading.Event()
    waiter = threading.Thread(target=lambda: (limiter.acquire(), admitted.set()), daemon=True)
    waiter.start()
    assert not admitted.wait(0.3)  # the only slot is in flight: the second request waits
    assert limiter.in_window() == 1
    limiter.settle(first)
    assert not admitted.wait(0.3)  # answered, but it still counts for the next second
    assert limiter.in_window() == 1
    assert admitted.wait(5)


def test_client_counts_token_requests_against_the_rate_limit() -> None:
    clock = FakeClock()
    ramp = FakeRamp(clock).on("GET /developer/v1/accounting/all-connections", CONNECTIONS)
    client = make_client(ramp, rate_limit=3, rate_window_s=10.0)
    for _ in range(7):
        client.list_connections()
    assert len(ramp.requests) == 8
    assert max_in_any_window(ramp.times, 10.0) == 3


# Ramp's window is rolling and every request made while blocked extends it: on a 429 stop every
# request for the rest of the window, then back off 1 s, 2 s, 4 s (shared/reference/ramp-api.md §12).
WINDOW_AND_MARGIN = 10.0 + 0.05


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


def test_a_429_waits_out_the_window_then_backs_off_one_two_four_seconds() -> None:
    clock = FakeClock()
    limited = httpx.Response(429)
    ramp = FakeRamp(clock).on(
        "GET /developer/v1/accounting/all-connections", limited, limited, limited, CONNECTIONS
    )
    make_client(ramp).list_connections()
    assert gaps(ramp.times[1:]) == pytest.approx([WINDOW_AND_MARGIN + s for s in (1.0, 2.0, 4.0)])


def test_a_success_after_a_429_starts_the_back_off_again_from_one_second() -> None:
    clock = FakeClock()
    limited = httpx.Response(429)
    ramp = FakeRamp(clock).on(
        "GET /developer/v1/accounting/all-connections", limited, CONNECTIONS, limited, CONNECTIONS
    )
    client = make_client(ramp)
    client.list_connections()
    client.list_connections()
    assert gaps(ramp.times[1:]) == pytest.approx([WINDOW_AND_MARGIN + 1.0, 0.0, WINDOW_AND_MARGIN + 1.0])


def test_retry_after_replaces_the_rest_of_the_window_when_ramp_sends_it() -> None:
    clock = FakeClock()
    ramp = FakeRamp(clock).on(
        "GET /developer/v1/accounting/all-connections",
        httpx.Response(429, headers={"Retry-After": "3"}),
        CONNECTIONS,
    )
    make_client(ramp).list_connections()
    assert gaps(ramp.times[1:]) == pytest.approx([3.0 + 1.0])


def test_a_429_closes_the_shared_limiter_to_every_caller_and_stragglers_only_extend_it() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(200, 10.0, clock=clock, sleep=clock.sleep)
    first, straggler = limiter.acquire(), limiter.acquire()  # two threads' requests on the wire
    first.record(429, None)
    limiter.settle(first)
    clock.now += 2.0  # the other one was sent before the block was known, and arrived in it
    straggler.record(429, None)
    limiter.settle(straggler)
    start = clock.now
    limiter.acquire()  # any caller, not only the ones refused, waits
    # The straggler extended Ramp's block (it arrived while blocked) but it is the same block: the
    # back-off stays at 1 s instead of doubling once per thread that was in flight.
    assert clock.now - start == pytest.approx(WINDOW_AND_MARGIN + 1.0)


def test_a_restarted_client_waits_out_the_window_its_previous_process_may_have_filled(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    history = FileWindowHistory(tmp_path / "bot.sqlite3.ramp-window", wall_clock=clock)
    ramp = FakeRamp(clock).on("GET /developer/v1/accounting/all-connections", CONNECTIONS)
    make_client(ramp, history=history).list_connections()
    last_sent = ramp.times[-1]
    # The process dies here: nothing of its limiter is left but the file. Ramp may still count up to
    # 200 of its requests for the next 10 s, and a 429 then would extend the block (§12).
    make_client(ramp, history=history).list_connections()
    assert ramp.times[-1] - last_sent >= WINDOW_AND_MARGIN


def test_a_client_started_a_window_after_the_last_request_does_not_wait(tmp_path: Path) -> None:
    clock = FakeClock()
    history = FileWindowHistory(tmp_path / "bot.sqlite3.ramp-window", wall_clock=clock)
    ramp = FakeRamp(clock).on("GET /developer/v1/accounting/all-connections", CONNECTIONS)
    make_client(ramp, history=history).list_connections()
    clock.now += 15.0
    sleeps_before = len(clock.sleeps)
    make_client(ramp, history=history).list_connections()
    assert len(clock.sleeps) == sleeps_before
    assert history.path.exists()


def test_an_unreadable_history_is_taken_as_a_window_that_may_be_full(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "bot.sqlite3.ramp-window"
    path.write_bytes(b"\x00garbage")
    ramp = FakeRamp(clock).on("GET /developer/v1/accounting/all-connections", CONNECTIONS)
    make_client(ramp, history=FileWindowHistory(path, wall_clock=clock)).list_connections()
    assert ramp.times[0] - 1000.0 == pytest.approx(WINDOW_AND_MARGIN)


# --- retries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(429),
        httpx.Response(500),
        httpx.Response(503, text="upstream connect error"),
        httpx.ReadTimeout("timed out"),
        httpx.ReadError("connection reset by peer"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ConnectError("connection refused"),
    ],
    ids=["429", "500", "503", "timeout", "reset", "disconnect", "refused"],
)
def test_reads_are_retried_until_they_succeed(failure: Reply) -> None:
    clock = FakeClock()
    ramp = FakeRamp(clock).on("GET /developer/v1/accounting/accounts", failure, failure, page([gl(1)], None))
    accounts = list(make_client(ramp).iter_gl_accounts())
    assert [a.id for a in accounts] == ["1"]
    assert len(ramp.api_requests()) == 3
    assert len(clock.sleeps) == 2


def test_backoff_grows_with_full_jitter_and_honours_retry_after() -> None:
    clock = FakeClock()
    ramp = FakeRamp(clock).on(
        "GET /developer/v1/accounting/all-connections",
        httpx.Response(500),
        httpx.Response(500),
        httpx.Response(500),
        httpx.Response(503, headers={"Retry-After": "3"}),  # a 429's wait is the limiter's (below)
        CONNECTIONS,
    )
    make_client(ramp, backoff_base_s=0.5).list_connections()
    first, second, third, fourth = clock.sleeps
    assert 0 <= first <= 0.5 and 0 <= second <= 1.0 and 0 <= third <= 2.0
    assert fourth == 3.0


def test_retries_give_up_after_max_retries_with_the_last_error() -> None:
    clock = FakeClock()
    ramp = FakeRamp(clock).on("GET /developer/v1/accounting/all-connections", httpx.ReadTimeout("slow"))
    with pytest.raises(RampUnavailable) as caught:
        make_client(ramp, max_retries=3).list_connections()
    assert caught.value.status == 0
    assert caught.value.retryable
    assert len(ramp.api_requests()) == 4

    ramp = FakeRamp(clock).on("GET /developer/v1/accounting/all-connections", httpx.Response(429))
    with pytest.raises(RateLimited):
        make_client(ramp, max_retries=2).list_connections()
    assert len(ramp.api_requests()) == 3


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(500), httpx.Response(502), httpx.ReadTimeout("slow"), httpx.ReadError("reset")],
    ids=["500", "502", "timeout", "reset"],
)
def test_batch_create_is_not_retried_after_an_ambiguous_failure(failure: Reply) -> None:
    ramp = FakeRamp().on("POST /developer/v1/accounting/accounts", failure)
    with pytest.raises(RampUnavailable):
        make_client(ramp).create_gl_accounts([{"id": "1", "name": "Cash", "classification": "ASSET"}])
    assert len(ramp.api_requests()) == 1


def test_batch_create_is_retried_when_ramp_refused_it_with_429_or_never_saw_it() -> None:
    created = httpx.Response(201, json={"gl_accounts": [gl(1)], "uploaded": [gl(1)["ramp_id"]]})
    ramp = FakeRamp().on(
        "POST /developer/v1/accounting/accounts", httpx.Response(429), httpx.ConnectError("refused"), created
    )
    accounts = make_client(ramp).create_gl_accounts(
        [{"id": "1", "name": "Account 1", "classification": "ASSET"}]
    )
    assert accounts == [GLAccount.from_ramp(gl(1))]
    assert len(ramp.api_requests()) == 3


def test_sync_post_is_retried_with_the_same_idempotency_key() -> None:
    ramp = FakeRamp().on(
        "POST /developer/v1/accounting/syncs",
        httpx.ReadTimeout("slow"),
        httpx.Response(500),
        httpx.Response(201, json={"sync_id": "5e0c1a2b-0000-4000-8000-000000000001"}),
    )
    sync_id = make_client(ramp).post_syncs("key-1", successful=[{"id": "t1", "reference_id": "JE-1"}])
    assert sync_id == "5e0c1a2b-0000-4000-8000-000000000001"
    keys = {json.loads(r.content)["idempotency_key"] for r in ramp.api_requests()}
    assert keys == {"key-1"} and len(ramp.api_requests()) == 3


def test_field_creation_and_deletes_are_retried() -> None:
    field = {"ramp_id": "f-1", "id": "Department", "name": "Department", "input_type": "SINGLE_CHOICE"}
    ramp = FakeRamp()
    ramp.on("POST /developer/v1/accounting/fields", httpx.Response(502), httpx.Response(201, json=field))
    ramp.on("DELETE /developer/v1/accounting/vendors/v-1", httpx.ReadError("reset"), httpx.Response(204))
    client = make_client(ramp)
    assert client.create_field("Department", "Department", "SINGLE_CHOICE").ramp_id == "f-1"
    client.delete_vendor("v-1")
    assert len(ramp.api_requests()) == 4


def test_connection_create_is_not_retried_after_a_5xx() -> None:
    ramp = FakeRamp().on("POST /developer/v1/accounting/connection", httpx.Response(500))
    with pytest.raises(RampUnavailable):
        make_client(ramp).create_connection("NetSuite")
    assert len(ramp.api_requests()) == 1


# --- timeouts --------------------------------------------------------------------------------------


def test_writes_wait_seventy_five_seconds_for_an_answer_and_reads_thirty() -> None:
    # Ramp may work up to 60 s on a large batch and its own client waits 75 s (ramp-api.md §12): a
    # write given up sooner is a success the bot would report as an ambiguous failure.
    waits: dict[str, float] = {}

    def answer(request: httpx.Request) -> httpx.Response:
        waits[request.method] = request.extensions["timeout"]["read"]
        if request.method == "GET":
            return CONNECTIONS
        return httpx.Response(201, json={"vendors": [], "uploaded": []})

    ramp = FakeRamp().on("GET /developer/v1/accounting/all-connections", answer)
    ramp.on("POST /developer/v1/accounting/vendors", answer)
    client = make_client(ramp)
    client.list_connections()
    client.create_vendors([{"id": "V1", "name": "Acme"}])
    assert waits == {"GET": 30.0, "POST": 75.0}


# --- pagination ------------------------------------------------------------------------------------


def test_pagination_follows_next_until_null_with_filters_and_page_size() -> None:
    next_1 = f"{BASE}/developer/v1/accounting/accounts?is_active=true&page_size=100&start={gl(2)['ramp_id']}"
    next_2 = f"{BASE}/developer/v1/accounting/accounts?is_active=true&page_size=100&start={gl(3)['ramp_id']}"
    ramp = FakeRamp().on(
        "GET /developer/v1/accounting/accounts",
        page([gl(1), gl(2)], next_1),
        page([gl(3)], next_2),
        page([], None),
    )
    accounts = list(make_client(ramp).iter_gl_accounts(is_active=True, remote_id=None))
    assert [a.id for a in accounts] == ["1", "2", "3"]
    first, second, third = ramp.api_requests()
    assert dict(first.url.params) == {"is_active": "true", "page_size": "100"}
    assert str(second.url) == next_1
    assert str(third.url) == next_2


def test_pagination_keeps_the_token_on_our_host_when_next_names_another() -> None:
    elsewhere = "https://elsewhere.example/developer/v1/entities?page_size=100&start=e-1"
    entity = {"id": "e-1", "entity_name": "Acme Inc", "currency": "USD", "is_primary": True}
    ramp = FakeRamp().on("GET /developer/v1/entities", page([entity], elsewhere), page([], None))
    assert [e.entity_name for e in make_client(ramp).iter_entities()] == ["Acme Inc"]
    assert {r.url.host for r in ramp.requests} == {"ramp.test"}
    assert ramp.api_requests()[1].url.params["start"] == "e-1"


def test_transaction_filters_send_booleans_as_true_and_false() -> None:
    ramp = FakeRamp().on("GET /developer/v1/transactions", page([], None))
    list(
        make_client(ramp).iter_transactions(
            sync_ready=True, has_no_sync_commits=False, min_amount=Decimal("10")
        )
    )
    assert dict(ramp.api_requests()[0].url.params) == {
        "sync_ready": "true",
        "has_no_sync_commits": "false",
        "min_amount": "10",
        "page_size": "100",
    }


# --- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, InvalidInput),
        (422, InvalidInput),
        (403, Forbidden),
        (404, NotFound),
        (405, NotFound),
        (429, RateLimited),
        (500, RampUnavailable),
        (503, RampUnavailable),
    ],
)
def test_each_status_maps_to_its_error_class(status: int, error_class: type[RampError]) -> None:
    reply = ramp_error(status, "DEVELOPER_7001", "Something is off.", trace="1234abcd")
    ramp = FakeRamp().on("GET /developer/v1/accounting/vendors/v-9", reply)
    with pytest.raises(error_class) as caught:
        make_client(ramp, max_retries=0).get_vendor("v-9")
    error = caught.value
    assert (error.status, error.error_code, error.message, error.trace_id) == (
        status,
        "DEVELOPER_7001",
        "Something is off.",
        "1234abcd",
    )
    assert ": Something is off (DEVELOPER_7001, trace 1234abcd)" in error.user_text()
    assert "\n" not in error.user_text()


def test_validation_error_user_text_reads_plainly_with_field_errors() -> None:
    reply = ramp_error(
        400, "DEVELOPER_7001", "Invalid request.", trace="9f8e7d", gl_accounts=["id already exists"]
    )
    ramp = FakeRamp().on("POST /developer/v1/accounting/accounts", reply)
    with pytest.raises(InvalidInput) as caught:
        make_client(ramp).create_gl_accounts([{"id": "1", "name": "Cash", "classification": "ASSET"}])
    assert caught.value.additional_info == {"gl_accounts": ["id already exists"]}
    assert caught.value.user_text() == (
        "Ramp rejected the request: Invalid request — gl_accounts: id already exists"
        " (DEVELOPER_7001, trace 9f8e7d)"
    )


def test_forbidden_names_the_scope_the_endpoint_needs() -> None:
    ramp = FakeRamp().on("GET /developer/v1/transactions", ramp_error(403, "DEVELOPER_7100", "Missing scope"))
    with pytest.raises(Forbidden) as caught:
        list(make_client(ramp).iter_transactions())
    assert caught.value.required_scope == "transactions:read"
    assert "transactions:read" in caught.value.user_text()


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (httpx.Response(502, text="<html><body>Bad gateway</body></html>"), "HTTP 502 Bad Gateway"),
        (httpx.Response(500), "HTTP 500 Internal Server Error"),
        (httpx.Response(404, text="no such route"), "no such route"),
        (httpx.Response(400, json=["not", "an", "object"]), "HTTP 400 Bad Request"),
    ],
    ids=["html", "empty", "text", "json-list"],
)
def test_error_without_a_ramp_body_still_reads(reply: httpx.Response, message: str) -> None:
    ramp = FakeRamp().on("GET /developer/v1/entities/e-1", reply)
    with pytest.raises(RampError) as caught:
        make_client(ramp, max_retries=0).get_entity("e-1")
    assert caught.value.message == message
    assert message in caught.value.user_text()
    assert caught.value.trace_id is None


def test_subsidiary_upload_on_todays_ramp_raises_not_found() -> None:
    ramp = FakeRamp().on("POST /developer/v1/accounting/subsidiaries", httpx.Response(405))
    with pytest.raises(NotFound) as caught:
        make_client(ramp).create_subsidiaries([{"id": "425", "name": "Acme GmbH"}])
    assert caught.value.status == 405


# --- request bodies --------------------------------------------------------------------------------


def test_empty_sync_lists_are_left_out_of_the_body() -> None:
    ramp = FakeRamp().on("POST /developer/v1/accounting/syncs", httpx.Response(201, json={"sync_id": "s-1"}))
    client = make_client(ramp)
    client.post_syncs("key-2", failed=[{"id": "t2", "error": {"message": "Period closed"}}])
    body = json.loads(ramp.api_requests()[0].content)
    assert body == {
        "idempotency_key": "key-2",
        "sync_type": "TRANSACTION_SYNC",
        "failed_syncs": [{"id": "t2", "error": {"message": "Period closed"}}],
    }


def test_sync_and_batch_limits_are_checked_before_sending() -> None:
    ramp = FakeRamp()
    client = make_client(ramp)
    with pytest.raises(ValueError):
        client.post_syncs(
            "k", successful=[{"id": str(i), "reference_id": "r"} for i in range(4000)], failed=[{}] * 1001
        )
    with pytest.raises(ValueError):
        client.post_syncs("k")
    with pytest.raises(ValueError):
        client.create_gl_accounts(
            [{"id": str(i), "name": "x", "classification": "ASSET"} for i in range(501)]
        )
    assert client.create_vendors([]) == []
    assert ramp.requests == []


def test_vendor_upload_sends_only_id_and_name() -> None:
    vendor = {"ramp_id": "v-1", "id": "V1", "name": "Amazon", "is_active": True}
    ramp = FakeRamp().on(
        "POST /developer/v1/accounting/vendors", httpx.Response(201, json={"vendors": [vendor]})
    )
    (created,) = make_client(ramp).create_vendors([{"id": "V1", "name": "Amazon", "code": "19566"}])
    assert created.ramp_id == "v-1"
    assert json.loads(ramp.api_requests()[0].content) == {"vendors": [{"id": "V1", "name": "Amazon"}]}


def test_field_and_option_bodies_follow_the_spec() -> None:
    field = {"ramp_id": "f-1", "id": "Department", "name": "Department", "input_type": "SINGLE_CHOICE"}
    option = {"ramp_id": "o-1", "id": "D10", "value": "Sales", "code": "10", "is_active": True}
    ramp = FakeRamp()
    ramp.on("POST /developer/v1/accounting/fields", httpx.Response(201, json=field))
    ramp.on("POST /developer/v1/accounting/field-options", httpx.Response(201, json={"options": [option]}))
    client = make_client(ramp)
    created = client.create_field("Department", "Department", "SINGLE_CHOICE", is_splittable=True)
    (added,) = client.create_field_options(created.ramp_id, [{"id": "D10", "value": "Sales", "code": "10"}])
    field_body, option_body = (json.loads(r.content) for r in ramp.api_requests())
    assert field_body == {
        "id": "Department",
        "name": "Department",
        "input_type": "SINGLE_CHOICE",
        "is_splittable": True,
    }
    assert option_body == {"field_id": "f-1", "options": [{"id": "D10", "value": "Sales", "code": "10"}]}
    assert (added.value, added.code) == ("Sales", "10")


def test_active_connection_and_connection_writes() -> None:
    connection = {
        "id": "c-3",
        "is_active": True,
        "remote_provider_name": "Odoo",
        "created_at": "2025-05-01T10:00:00Z",
    }
    ramp = FakeRamp()
    ramp.on("GET /developer/v1/accounting/all-connections", CONNECTIONS)
    ramp.on("POST /developer/v1/accounting/connection", httpx.Response(201, json=connection))
    ramp.on("POST /developer/v1/accounting/connection/c-old/reactivate", httpx.Response(200, json=connection))
    ramp.on("DELETE /developer/v1/accounting/connection", httpx.Response(204))
    client = make_client(ramp)
    active = client.active_connection()
    assert active is not None and active.remote_provider_name == "NetSuite"
    assert client.create_connection("Odoo").id == "c-3"
    assert json.loads(ramp.api_requests()[-1].content) == {"remote_provider_name": "Odoo"}
    client.reactivate_connection("c-old")
    client.disconnect()
    assert [r.method for r in ramp.api_requests()] == ["GET", "POST", "POST", "DELETE"]


def test_path_ids_cannot_change_the_path() -> None:
    ramp = FakeRamp().on("GET /developer/v1/accounting/accounts/../vendors", httpx.Response(200, json=gl(1)))
    make_client(ramp).get_gl_account("../vendors")
    assert ramp.api_requests()[0].url.raw_path == b"/developer/v1/accounting/accounts/..%2Fvendors"


def test_debug_log_has_method_path_status_and_trace_but_no_secrets(caplog: pytest.LogCaptureFixture) -> None:
    reply = httpx.Response(200, json={"connections": []}, headers={"x-trace-id": "trace-77"})
    ramp = FakeRamp().on("GET /developer/v1/accounting/all-connections", reply)
    with caplog.at_level(logging.DEBUG, logger="bot.ramp"):
        make_client(ramp).list_connections()
    text = caplog.text
    assert "GET /developer/v1/accounting/all-connections -> 200" in text and "trace-77" in text
    assert SECRET not in text and TOKEN not in text


# --- models ----------------------------------------------------------------------------------------


def load_transaction() -> dict[str, Any]:
    return json.loads((FIXTURES / "transaction.json").read_text(encoding="utf-8"), parse_float=Decimal)


def test_transaction_with_a_split_parses_amounts_codings_and_dates() -> None:
    tx = Transaction.from_ramp(load_transaction())
    assert tx.original_amount == Money(84250, "EUR")
    assert tx.amount == Money(91234, "USD")  # the line items, exact
    assert tx.merchant_name == "Hotel Adlon Kempinski"
    assert tx.card_holder_name == "Amélie Nguyen"
    assert (tx.state, tx.sync_status, tx.memo) == ("CLEARED", "SYNC_READY", "Berlin customer visit, March")
    assert tx.user_transaction_time is not None and tx.user_transaction_time.utcoffset() is not None
    assert tx.accounting_date is not None and tx.accounting_date.isoformat() == "2025-03-04T00:00:00+00:00"
    assert tx.is_split
    assert [selection.type for selection in tx.selections] == ["MERCHANT"]
    room, dinner = tx.line_items
    assert room.amount == Money(60000, "USD") and room.memo == "Room, 3 nights (customer visit)"
    gl_coding, subsidiary = room.selections
    assert (gl_coding.field_name, gl_coding.name, gl_coding.external_id, gl_coding.external_code) == (
        "GL Account",
        "Travel:Lodging",
        "514",
        "6410",
    )
    assert subsidiary.type == "SUBSIDIARY"  # sent as "Subsidiary"
    assert (subsidiary.field_external_id, subsidiary.external_id) == ("Subsidiary", "426")
    assert [s.type for s in dinner.selections] == ["GL_ACCOUNT", "OTHER"]


def test_transaction_without_line_items_uses_the_decimal_amount_exactly() -> None:
    payload = load_transaction()
    payload["line_items"] = []
    payload["amount"] = Decimal("0.29")
    assert Transaction.from_ramp(payload).amount == Money(29, "USD")
    payload["amount"] = 0.29  # even a float from elsewhere goes through its decimal text
    assert Transaction.from_ramp(payload).amount == Money(29, "USD")
    payload["currency_code"] = "JPY"
    payload["amount"] = 5000
    assert Transaction.from_ramp(payload).amount == Money(5000, "JPY")


def test_transaction_read_through_the_client_never_holds_a_float() -> None:
    body = (FIXTURES / "transaction.json").read_text(encoding="utf-8")
    ramp = FakeRamp().on(
        "GET /developer/v1/transactions/3f1c6b2e-8d4a-4c59-9a7e-2b1d5e6f7a80",
        httpx.Response(200, content=body, headers={"content-type": "application/json"}),
    )
    tx = make_client(ramp).get_transaction("3f1c6b2e-8d4a-4c59-9a7e-2b1d5e6f7a80")
    assert tx.amount.format() == "USD 912.34"


def test_sparse_payloads_parse_with_defaults() -> None:
    tx = Transaction.from_ramp({"id": "t-1", "amount": 12, "currency_code": "EUR"})
    assert tx.amount == Money(1200, "EUR") == tx.original_amount
    assert (tx.selections, tx.line_items, tx.card_holder_name, tx.accounting_date) == ((), (), None, None)
    with pytest.raises(ValueError):
        GLAccount.from_ramp({"name": "no ramp id"})


# Money (formatting, minor units, parsing) is tested in tests/test_money.py.
