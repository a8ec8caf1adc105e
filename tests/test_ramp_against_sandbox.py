"""The Ramp client against the sandbox over loopback: the token cache, the shared rate limiter under
eight threads, retries through injected faults, keyset pagination, and each error kind mapped to its
type with Ramp's status, error code, message and trace id.

What the sandbox saw is read from its test API (`GET /_sandbox/state`), never from the client.
"""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from bot.ramp import (
    Forbidden,
    InvalidInput,
    NotFound,
    RampClient,
    RampError,
    RampUnavailable,
    RateLimited,
    Unauthorized,
)
from bot.ramp.auth import DEFAULT_SCOPES
from bot.ramp.errors import error_from_response
from sandbox.ramp import RampSandbox

UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
TRACE_ID = re.compile(r"[0-9a-f]{32}")  # the sandbox's x-trace-id
ALL_CONNECTIONS = "GET /developer/v1/accounting/all-connections"
TOKEN = "POST /developer/v1/token"

# These workloads read entities too, which no feature of the bot asks for.
EVERY_SCOPE = (*DEFAULT_SCOPES, "entities:read")


def requests_seen(sandbox_url: str) -> dict[str, Any]:
    return httpx.get(f"{sandbox_url}/_sandbox/state", params={"summary": "true"}).json()["requests"]


def set_faults(sandbox_url: str, **settings: Any) -> None:
    httpx.post(f"{sandbox_url}/_sandbox/faults", json=settings).raise_for_status()


def generate_transactions(sandbox_url: str, count: int, seed: int) -> list[str]:
    created = httpx.post(f"{sandbox_url}/_sandbox/transactions", json={"generate": count, "seed": seed})
    created.raise_for_status()
    return created.json()["ids"]


# -- token -----------------------------------------------------------------------------------------


def test_the_token_is_fetched_once_and_fetched_again_after_the_sandbox_expires_it(ramp: RampSandbox):
    with RampClient(ramp.url, "id", "secret", scopes=EVERY_SCOPE) as client:
        for _ in range(3):
            client.list_connections()
        httpx.post(f"{ramp.url}/_sandbox/expire-tokens").raise_for_status()
        client.list_connections()  # 401, one new token, the same call again
        client.list_connections()
    seen = requests_seen(ramp.url)
    assert seen["by_route"][TOKEN] == 2
    assert seen["by_route"][ALL_CONNECTIONS] == 6
    assert seen["by_status"]["401"] == 1


# -- the shared rate limiter -----------------------------------------------------------------------


def test_eight_threads_sharing_one_client_stay_under_the_rate_limit():
    with (
        RampSandbox(port=0, rate_limit=40, rate_window_s=2.0) as strict,
        RampClient(
            strict.url, "id", "secret", scopes=EVERY_SCOPE, rate_limit=40, rate_window_s=2.0
        ) as client,
    ):
        client.create_connection("NetSuite")
        client.create_vendors([{"id": f"V{i}", "name": f"Vendor {i}"} for i in range(3)])
        reads = [
            lambda: len(client.list_connections()),
            lambda: len(list(client.iter_vendors())),
            lambda: len(list(client.iter_entities())),
        ]
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda n: reads[n % 3](), range(96)))
        seen = requests_seen(strict.url)
    entities = answers[2]
    assert answers == [1, 3, entities] * 32
    assert seen["total"] == 99 > 2 * 40  # the limit was reached more than twice over
    assert seen["rate_limited"] == 0
    assert "429" not in seen["by_status"]


# -- retries ---------------------------------------------------------------------------------------


def read_everything(client: RampClient, transaction_ids: list[str]) -> dict[str, Any]:
    return {
        "one_by_one": [client.get_transaction(tid).id for tid in transaction_ids],
        "transactions": [t.id for t in client.iter_transactions(state="ALL")],
        "gl_accounts": [a.id for a in client.iter_gl_accounts()],
        "entities": [e.id for e in client.iter_entities()],
        "connections": [c.id for c in client.list_connections()],
    }


def test_retries_carry_a_read_workload_through_twenty_percent_faults(ramp: RampSandbox):
    transaction_ids = generate_transactions(ramp.url, 150, seed=2)
    with RampClient(ramp.url, "id", "secret", scopes=EVERY_SCOPE) as setup:
        setup.create_connection("NetSuite")
        setup.create_gl_accounts(
            [{"id": str(n), "name": f"Account {n}", "classification": "EXPENSE"} for n in range(120)]
        )
        expected = read_everything(setup, transaction_ids[:60])

    set_faults(
        ramp.url, error_rate=0.2, kinds=["429", "500", "timeout", "reset"], seed=11, timeout_hold_s=0.5
    )
    try:
        # A timeout costs 0.25 s here; the sandbox holds the connection twice as long. The client
        # waits out an injected 429 as if Ramp's window were 0.5 s (the workload needs far fewer).
        with RampClient(
            ramp.url,
            "id",
            "secret",
            timeout=0.25,
            backoff_base_s=0.005,
            max_retries=8,
            rate_window_s=0.5,
            scopes=EVERY_SCOPE,
        ) as client:
            answered = read_everything(client, transaction_ids[:60])
        injected = httpx.get(f"{ramp.url}/_sandbox/faults").json()["injected"]
    finally:
        set_faults(ramp.url, error_rate=0)
    assert answered == expected
    assert {label.removesuffix("-after-apply") for label in injected} == {"429", "500", "timeout", "reset"}
    assert sum(injected.values()) >= 10


# -- pagination ------------------------------------------------------------------------------------


def test_pagination_yields_each_of_250_vendors_exactly_once(ramp: RampSandbox):
    uploaded = [f"V{n:03d}" for n in range(250)]
    with RampClient(ramp.url, "id", "secret") as client:
        client.create_connection("NetSuite")
        client.create_vendors([{"id": vendor_id, "name": f"Vendor {vendor_id}"} for vendor_id in uploaded])
        listed = [v.id for v in client.iter_vendors()]
    assert Counter(listed) == Counter(uploaded)
    assert requests_seen(ramp.url)["by_route"]["GET /developer/v1/accounting/vendors"] == 3  # 100+100+50


def test_pagination_yields_each_of_250_transactions_exactly_once_and_keeps_the_filters(ramp: RampSandbox):
    created = generate_transactions(ramp.url, 250, seed=3)
    with RampClient(ramp.url, "id", "secret") as client:
        everything = list(client.iter_transactions(state="ALL"))
        ready = [t.id for t in client.iter_transactions(state="ALL", sync_status="SYNC_READY")]
    assert Counter(t.id for t in everything) == Counter(created)
    expected_ready = [t.id for t in everything if t.sync_status == "SYNC_READY"]
    assert len(expected_ready) > 100  # so the filter had to travel in page.next
    assert Counter(ready) == Counter(expected_ready)
    assert requests_seen(ramp.url)["by_route"]["GET /developer/v1/transactions"] == 3 + 2


# -- each error kind -------------------------------------------------------------------------------


def assert_ramp_error(error: RampError, kind: type[RampError], status: int, error_code: str | None) -> None:
    assert type(error) is kind
    assert (error.status, error.error_code) == (status, error_code)
    assert error.message
    assert error.trace_id is not None and TRACE_ID.fullmatch(error.trace_id)
    assert error.message.rstrip(".") in error.user_text()
    assert error.trace_id in error.user_text()


def test_wrong_client_credentials_are_unauthorized_and_the_secret_stays_out_of_the_text():
    with (
        RampSandbox(port=0, client_id="bot", client_secret="right-secret") as strict,
        RampClient(strict.url, "bot", "a-wrong-secret") as client,
    ):
        with pytest.raises(Unauthorized) as refused:
            client.list_connections()
    assert_ramp_error(refused.value, Unauthorized, 401, "invalid_client")
    assert "a-wrong-secret" not in refused.value.user_text() + str(refused.value)


def test_a_token_without_the_write_scope_is_forbidden_and_names_the_missing_scope(ramp: RampSandbox):
    with RampClient(ramp.url, "id", "secret", scopes=("accounting:read",)) as reader:
        assert reader.list_connections() == []
        with pytest.raises(Forbidden) as refused:
            reader.create_connection("Xero")
    assert_ramp_error(refused.value, Forbidden, 403, "DEVELOPER_7100")
    assert refused.value.required_scope == "accounting:write"
    assert "Add accounting:write to the app's scopes" in refused.value.user_text()


def test_a_scope_the_token_endpoint_refuses_is_forbidden_not_bad_credentials(ramp: RampSandbox):
    with RampClient(ramp.url, "id", "secret", scopes=("accounting:read", "payroll:write")) as client:
        with pytest.raises(Forbidden) as refused:
            client.list_connections()
    assert_ramp_error(refused.value, Forbidden, 400, "invalid_scope")
    assert refused.value.required_scope == "accounting:read payroll:write"
    assert "RAMP_CLIENT_SECRET" not in refused.value.user_text()


def test_an_unknown_id_is_not_found(ramp: RampSandbox):
    with RampClient(ramp.url, "id", "secret") as client:
        client.create_connection("NetSuite")
        with pytest.raises(NotFound) as missing:
            client.get_gl_account(UNKNOWN_UUID)
    assert_ramp_error(missing.value, NotFound, 404, "DEVELOPER_7002")


def test_a_rejected_batch_is_invalid_input_naming_the_item_and_field(ramp: RampSandbox):
    with RampClient(ramp.url, "id", "secret") as client:
        client.create_connection("NetSuite")
        with pytest.raises(InvalidInput) as rejected:
            client.create_gl_accounts(
                [
                    {"id": "1000", "name": "Cash", "classification": "ASSET"},
                    {"id": "6000", "name": " ", "classification": "EXPENSE"},
                ]
            )
    assert_ramp_error(rejected.value, InvalidInput, 400, "DEVELOPER_7001")
    assert rejected.value.additional_info == {"gl_accounts": {"1": {"name": ["Field may not be blank."]}}}


def test_a_422_from_the_sandbox_maps_to_invalid_input(ramp: RampSandbox):
    # The client always asks for page_size=100, so it cannot provoke Ramp's 422 itself: send the
    # request by hand and give the sandbox's real answer to the client's error mapping.
    token = httpx.post(
        f"{ramp.url}/developer/v1/token",
        auth=("id", "secret"),
        data={"grant_type": "client_credentials", "scope": "transactions:read"},
    ).json()["access_token"]
    answer = httpx.get(
        f"{ramp.url}/developer/v1/transactions",
        params={"page_size": 500},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 422
    error = error_from_response(answer)
    assert_ramp_error(error, InvalidInput, 422, "DEVELOPER_7001")
    assert "page_size" in error.additional_info


def test_429s_that_outlast_the_retries_are_rate_limited():
    # The client believes in Ramp's 200 per 10 s; this sandbox allows 3 per minute.
    with (
        RampSandbox(port=0, rate_limit=3, rate_window_s=60.0) as stingy,
        RampClient(stingy.url, "id", "secret", max_retries=2, backoff_base_s=0.01) as client,
    ):
        client.list_connections()  # the token and this call: 2 of the 3
        client.list_connections()
        with pytest.raises(RateLimited) as limited:
            client.list_connections()
        seen = requests_seen(stingy.url)
    assert_ramp_error(limited.value, RateLimited, 429, "DEVELOPER_7429")
    assert limited.value.retryable
    assert seen["rate_limited"] == 3  # the call and its two retries


def test_server_errors_that_outlast_the_retries_are_unavailable(ramp: RampSandbox):
    with RampClient(ramp.url, "id", "secret", max_retries=2, backoff_base_s=0.01) as client:
        client.list_connections()  # the token, before the sandbox starts failing
        set_faults(ramp.url, error_rate=1.0, kinds=["500"])
        try:
            with pytest.raises(RampUnavailable) as down:
                client.list_connections()
        finally:
            set_faults(ramp.url, error_rate=0)
    assert_ramp_error(down.value, RampUnavailable, 500, "DEVELOPER_7000")
    assert down.value.retryable
    assert requests_seen(ramp.url)["by_route"][ALL_CONNECTIONS] == 1 + 3


def test_no_answer_after_the_retries_is_unavailable_with_status_zero(ramp: RampSandbox):
    with RampClient(ramp.url, "id", "secret", timeout=0.1, max_retries=1, backoff_base_s=0.01) as client:
        client.list_connections()
        set_faults(ramp.url, error_rate=1.0, kinds=["timeout"], timeout_hold_s=0.3)
        try:
            with pytest.raises(RampUnavailable) as silent:
                client.list_connections()
        finally:
            set_faults(ramp.url, error_rate=0)
    assert (silent.value.status, silent.value.error_code, silent.value.trace_id) == (0, None, None)
    assert "did not answer in time" in silent.value.user_text()
