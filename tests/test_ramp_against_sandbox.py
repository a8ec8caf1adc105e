"""The Ramp client against the sandbox over loopback: tokens, the shared rate limiter, retries
through injected faults, pagination, and each error kind mapped to its type."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bot.ramp import InvalidInput, NotFound, RampClient, RampError, RampUnavailable, Unauthorized
from sandbox.ramp import RampSandbox


def state(ramp: RampSandbox) -> dict:
    return httpx.get(f"{ramp.url}/_sandbox/state?summary=true").json()


def test_the_token_is_fetched_once_and_refreshed_after_ramp_expires_it(ramp: RampSandbox):
    with RampClient(ramp.url, "id", "secret") as client:
        client.list_connections()
        client.list_connections()
        httpx.post(f"{ramp.url}/_sandbox/expire-tokens").raise_for_status()
        client.list_connections()  # 401, one refresh, one retry
    routes = state(ramp)["requests"]["by_route"]
    assert routes["POST /developer/v1/token"] == 2
    assert routes["GET /developer/v1/accounting/all-connections"] == 4  # one of them refused with 401


def test_eight_threads_hammering_the_client_get_no_429():
    with (
        RampSandbox(port=0, rate_limit=40, rate_window_s=2.0) as strict,
        RampClient(strict.url, "id", "secret", rate_limit=40, rate_window_s=2.0) as client,
    ):
        client.create_connection("NetSuite")
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda _: client.list_connections(), range(120)))
        counts = httpx.get(f"{strict.url}/_sandbox/state?summary=true").json()["requests"]
    assert counts["rate_limited"] == 0


def test_retries_carry_a_read_workload_through_twenty_percent_faults(ramp: RampSandbox):
    httpx.post(f"{ramp.url}/_sandbox/transactions", json={"generate": 250, "seed": 2}).raise_for_status()
    httpx.post(
        f"{ramp.url}/_sandbox/faults",
        json={
            "error_rate": 0.2,
            "kinds": ["429", "500", "timeout", "reset"],
            "seed": 4,
            "timeout_hold_s": 0.3,
        },
    ).raise_for_status()
    try:
        with RampClient(ramp.url, "id", "secret", timeout=0.2, backoff_base_s=0.01, max_retries=12) as client:
            ids = [t.id for t in client.iter_transactions()]
    finally:
        httpx.post(f"{ramp.url}/_sandbox/faults", json={"error_rate": 0}).raise_for_status()
    assert len(ids) == len(set(ids)) >= 200


def test_pagination_yields_every_item_exactly_once(ramp: RampSandbox):
    with RampClient(ramp.url, "id", "secret") as client:
        client.create_connection("NetSuite")
        for start in range(0, 250, 50):
            client.create_vendors(
                [{"id": f"V{i:03d}", "name": f"Vendor {i}"} for i in range(start, start + 50)]
            )
        ids = [v.id for v in client.iter_vendors()]
    assert sorted(ids) == [f"V{i:03d}" for i in range(250)]


def test_error_kinds_map_to_their_types_with_ramps_details(ramp: RampSandbox):
    with RampClient(ramp.url, "id", "secret", max_retries=1, backoff_base_s=0.01) as client:
        with pytest.raises(InvalidInput) as no_connection:
            list(client.iter_gl_accounts())
        assert no_connection.value.status == 400 and no_connection.value.trace_id
        assert no_connection.value.error_code and "connection" in no_connection.value.user_text()
        client.create_connection("NetSuite")
        with pytest.raises(NotFound) as missing:
            client.get_gl_account("00000000-0000-4000-8000-000000000000")
        assert missing.value.status == 404
        with pytest.raises(InvalidInput):
            client.create_gl_accounts([{"id": "1", "name": "", "classification": "EXPENSE"}])
        httpx.post(
            f"{ramp.url}/_sandbox/faults", json={"error_rate": 1.0, "kinds": ["500"]}
        ).raise_for_status()
        try:
            with pytest.raises(RampUnavailable) as down:
                client.list_connections()
            assert down.value.status >= 500 or down.value.status == 0
        finally:
            httpx.post(f"{ramp.url}/_sandbox/faults", json={"error_rate": 0}).raise_for_status()
    with RampClient(ramp.url, "id", "secret", scopes=("accounting:read",)) as reader:
        with pytest.raises(RampError) as forbidden:
            reader.create_connection("Xero")
        assert forbidden.value.status == 403


def test_wrong_credentials_are_unauthorized_without_the_secret_in_the_text():
    with (
        RampSandbox(port=0, client_id="right", client_secret="right-secret") as strict,
        RampClient(strict.url, "right", "a-wrong-secret") as client,
    ):
        with pytest.raises(Unauthorized) as refused:
            client.list_connections()
    assert "a-wrong-secret" not in refused.value.user_text() + str(refused.value)
