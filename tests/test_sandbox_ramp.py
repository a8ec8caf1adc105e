"""The Ramp sandbox, over real HTTP on loopback: each rule Ramp enforces, and its failure case.

Answers are checked against the response schemas of `shared/ramp-api/openapi.json`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from sandbox.ramp import RampSandbox, generate_transactions
from sandbox.ramp.ratelimit import RollingWindowLimiter

API = "/developer/v1"
ALL_SCOPES = "accounting:read accounting:write transactions:read entities:read"
SPEC = json.loads((Path(__file__).resolve().parents[2] / "shared" / "ramp-api" / "openapi.json").read_text())
REGISTRY = Registry().with_resource("spec", Resource.from_contents(SPEC, default_specification=DRAFT4))


def assert_matches(schema: str, body: Any) -> None:
    validator = OAS30Validator(
        {"$ref": f"spec#/components/schemas/{schema}"},
        registry=REGISTRY,
        format_checker=OAS30Validator.FORMAT_CHECKER,
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, errors[:5]


def token(url: str, scope: str = ALL_SCOPES, auth: tuple[str, str] = ("client", "secret")) -> httpx.Response:
    return httpx.post(
        f"{url}{API}/token", auth=auth, data={"grant_type": "client_credentials", "scope": scope}
    )


def client(sandbox: RampSandbox, scope: str = ALL_SCOPES) -> httpx.Client:
    answer = token(sandbox.url, scope)
    answer.raise_for_status()
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    return httpx.Client(base_url=f"{sandbox.url}{API}", headers=headers, timeout=10)


def error_of(answer: httpx.Response) -> dict[str, Any]:
    body = answer.json()
    assert set(body["error_v2"]) == {"error_code", "message", "additional_info", "notes"}
    assert body["error_v2"]["error_code"].startswith("DEVELOPER_7")
    assert "error" in body
    error: dict[str, Any] = body["error_v2"]
    return error


def gl(ident: str, name: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": ident, "name": name or f"Account {ident}", "classification": "EXPENSE", **extra}


def all_pages(api: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    answer = api.get(path, params=params)
    while True:
        assert answer.status_code == 200, answer.text
        items.extend(answer.json()["data"])
        next_url = answer.json()["page"]["next"]
        if next_url is None:
            return items
        answer = api.get(next_url)


@pytest.fixture
def api(ramp: RampSandbox) -> httpx.Client:
    return client(ramp)


@pytest.fixture
def connected(api: httpx.Client) -> httpx.Client:
    api.post("/accounting/connection", json={"remote_provider_name": "NetSuite"}).raise_for_status()
    return api


def set_option(sandbox: RampSandbox, **options: Any) -> None:
    httpx.post(f"{sandbox.url}/_sandbox/options", json=options).raise_for_status()


def wait_until(probe: Any, timeout: float = 10.0) -> Any:
    """Poll `probe` until it answers something true (the replica catching up), or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("the replica never caught up")


def add_transactions(sandbox: RampSandbox, body: Any) -> list[str]:
    answer = httpx.post(f"{sandbox.url}/_sandbox/transactions", json=body)
    assert answer.status_code == 201, answer.text
    ids: list[str] = answer.json()["ids"]
    return ids


# -- OAuth ---------------------------------------------------------------------------------------


def test_token_for_form_body_and_basic_auth_carries_its_scopes(ramp: RampSandbox) -> None:
    answer = token(ramp.url, "accounting:read entities:read")
    assert answer.status_code == 200
    assert_matches("TokenResponse", answer.json())
    assert answer.json()["access_token"].startswith("ramp_tok_")
    assert answer.json()["expires_in"] == 864000
    assert answer.json()["token_type"] == "Bearer"
    assert set(answer.json()["scope"].split()) == {"accounting:read", "entities:read"}
    assert len(answer.headers["x-trace-id"]) == 32


def test_token_request_sent_as_json_is_refused(ramp: RampSandbox) -> None:
    answer = httpx.post(
        f"{ramp.url}{API}/token",
        auth=("a", "b"),
        json={"grant_type": "client_credentials", "scope": "entities:read"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_unknown_scope_is_invalid_scope(ramp: RampSandbox) -> None:
    answer = token(ramp.url, "accounting:read payroll:everything")
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"
    assert "payroll:everything" in answer.json()["error_v2"]["message"]


@pytest.mark.parametrize("scope", ["webhooks:read", "webhooks:write"])
def test_webhook_scopes_ramp_does_not_have_are_invalid_scope(ramp: RampSandbox, scope: str) -> None:
    answer = token(ramp.url, f"accounting:read {scope}")  # Ramp's webhooks need the events' scopes
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"
    assert scope in answer.json()["error_v2"]["message"]


def test_fixed_client_credentials_refuse_a_wrong_secret() -> None:
    with RampSandbox(client_id="bot", client_secret="s3cret") as sandbox:
        assert token(sandbox.url, auth=("bot", "wrong")).status_code == 401
        assert token(sandbox.url, auth=("bot", "wrong")).json()["error"] == "invalid_client"
        assert token(sandbox.url, auth=("bot", "s3cret")).status_code == 200


def test_call_without_a_valid_token_is_401(ramp: RampSandbox) -> None:
    missing = httpx.get(f"{ramp.url}{API}/entities")
    forged = httpx.get(f"{ramp.url}{API}/entities", headers={"Authorization": "Bearer ramp_tok_forged"})
    assert (missing.status_code, forged.status_code) == (401, 401)
    error_of(forged)


@pytest.mark.parametrize(
    ("scope", "method", "path"),
    [
        ("accounting:read", "POST", "/accounting/connection"),
        ("accounting:write", "GET", "/accounting/all-connections"),
        ("accounting:read", "GET", "/transactions"),
        ("transactions:read", "GET", "/entities"),
    ],
)
def test_token_lacking_the_scope_gets_403(ramp: RampSandbox, scope: str, method: str, path: str) -> None:
    with client(ramp, scope) as api:
        answer = api.request(method, path, json={"remote_provider_name": "X"} if method == "POST" else None)
    assert answer.status_code == 403
    assert "scope" in error_of(answer)["message"]


def test_revoked_and_expired_tokens_are_refused(ramp: RampSandbox) -> None:
    with client(ramp) as api:
        assert api.get("/entities").status_code == 200
        bearer = api.headers["Authorization"].split()[1]
        revoked = httpx.post(f"{ramp.url}{API}/token/revoke", auth=("c", "s"), data={"token": bearer})
        assert revoked.status_code == 200
        assert api.get("/entities").status_code == 401
    with client(ramp) as api:
        assert httpx.post(f"{ramp.url}/_sandbox/expire-tokens").json()["expired"] >= 1
        assert api.get("/entities").status_code == 401


# -- connection ----------------------------------------------------------------------------------


def test_second_connection_is_refused_while_one_is_active(api: httpx.Client) -> None:
    first = api.post("/accounting/connection", json={"remote_provider_name": "NetSuite"})
    assert first.status_code == 201
    assert_matches("AccountingProvider", first.json())
    assert first.json()["is_active"] is True
    second = api.post("/accounting/connection", json={"remote_provider_name": "Sage Intacct"})
    assert second.status_code == 400
    assert "already active" in error_of(second)["message"]
    listed = api.get("/accounting/all-connections").json()
    assert_matches("ApiAccountingProviderAccessListResource", listed)
    assert [c["remote_provider_name"] for c in listed["connections"]] == ["NetSuite"]
    assert api.get("/accounting/connection").json()["id"] == first.json()["id"]


def test_connection_calls_without_a_connection_answer_404(api: httpx.Client) -> None:
    assert api.get("/accounting/connection").status_code == 404
    assert api.delete("/accounting/connection").status_code == 404
    unknown = api.post("/accounting/connection/6f1c1d3e-0000-4000-8000-000000000000/reactivate")
    assert unknown.status_code == 404
    assert api.post("/accounting/connection", json={}).status_code == 400


def test_reactivating_a_connection_restores_its_categories(api: httpx.Client) -> None:
    netsuite = api.post("/accounting/connection", json={"remote_provider_name": "NetSuite"}).json()
    api.post("/accounting/accounts", json={"gl_accounts": [gl("6000")]}).raise_for_status()
    assert api.delete("/accounting/connection").status_code == 204
    assert api.get("/accounting/accounts").status_code == 400  # no active connection
    api.post("/accounting/connection", json={"remote_provider_name": "Acumatica"}).raise_for_status()
    assert api.get("/accounting/accounts").json()["data"] == []
    blocked = api.post(f"/accounting/connection/{netsuite['id']}/reactivate")
    assert blocked.status_code == 400
    assert api.delete("/accounting/connection").status_code == 204
    restored = api.post(f"/accounting/connection/{netsuite['id']}/reactivate")
    assert restored.status_code == 200
    assert_matches("AccountingProvider", restored.json())
    assert restored.json()["is_active"] is True
    assert [a["id"] for a in api.get("/accounting/accounts").json()["data"]] == ["6000"]


def test_category_calls_without_a_connection_say_one_is_needed(api: httpx.Client) -> None:
    answer = api.post("/accounting/vendors", json={"vendors": [{"id": "V1", "name": "Delta"}]})
    assert answer.status_code == 400
    assert "connection" in error_of(answer)["message"]


# -- category batches ----------------------------------------------------------------------------


def test_batch_of_501_is_rejected_and_nothing_is_written(connected: httpx.Client) -> None:
    answer = connected.post("/accounting/accounts", json={"gl_accounts": [gl(str(i)) for i in range(501)]})
    assert answer.status_code == 400
    assert "gl_accounts" in error_of(answer)["additional_info"]
    assert connected.get("/accounting/accounts").json()["data"] == []
    assert connected.post("/accounting/accounts", json={"gl_accounts": []}).status_code == 400


def test_existing_id_rejects_the_whole_batch_naming_the_index(connected: httpx.Client) -> None:
    connected.post("/accounting/accounts", json={"gl_accounts": [gl("6000")]}).raise_for_status()
    answer = connected.post(
        "/accounting/accounts", json={"gl_accounts": [gl("6100"), gl("6200"), gl("6000")]}
    )
    assert answer.status_code == 400
    error = error_of(answer)
    assert set(error["additional_info"]["gl_accounts"]) == {"2"}
    assert "already exists" in error["additional_info"]["gl_accounts"]["2"]["id"][0]
    assert "gl_accounts[2].id" in error["message"]
    assert [a["id"] for a in connected.get("/accounting/accounts").json()["data"]] == ["6000"]


@pytest.mark.parametrize(
    ("bad_item", "field"),
    [
        (gl("6000"), "id"),  # the same id as item 0 of the batch
        ({"id": "6100", "classification": "EXPENSE"}, "name"),
        (gl("6100", name="  "), "name"),
        (gl("6100", classification="COSTS"), "classification"),
        (gl("6100", department="Sales"), "department"),
    ],
)
def test_one_bad_item_rejects_the_batch(
    connected: httpx.Client, bad_item: dict[str, Any], field: str
) -> None:
    answer = connected.post("/accounting/accounts", json={"gl_accounts": [gl("6000"), bad_item]})
    assert answer.status_code == 400
    assert field in error_of(answer)["additional_info"]["gl_accounts"]["1"]
    assert connected.get("/accounting/accounts").json()["data"] == []


def test_uploads_answer_the_specs_shapes(connected: httpx.Client) -> None:
    accounts = connected.post("/accounting/accounts", json={"gl_accounts": [gl("6000", code="6000")]})
    assert accounts.status_code == 201
    assert_matches("ApiAccountingGLAccountUploadResponse", accounts.json())
    assert accounts.json()["uploaded"] == [accounts.json()["gl_accounts"][0]["ramp_id"]]
    vendors = connected.post("/accounting/vendors", json={"vendors": [{"id": "V-1", "name": "Delta"}]})
    assert vendors.status_code == 201
    assert_matches("ApiAccountingVendorUploadResponse", vendors.json())
    coded_vendor = connected.post(
        "/accounting/vendors", json={"vendors": [{"id": "V-2", "name": "X", "code": "9"}]}
    )
    assert coded_vendor.status_code == 400  # vendor uploads take no code
    page = connected.get("/accounting/vendors", params={"remote_id": "V-1"}).json()
    assert_matches("PaginatedResponseApiAccountingVendorResourceSchema", page)
    assert [v["name"] for v in page["data"]] == ["Delta"]


def test_patch_delete_and_reactivate_a_gl_account(connected: httpx.Client) -> None:
    created = connected.post("/accounting/accounts", json={"gl_accounts": [gl("6000", code="6000")]}).json()
    ramp_id = created["uploaded"][0]
    patched = connected.patch(f"/accounting/accounts/{ramp_id}", json={"name": "Travel", "code": ""})
    assert patched.status_code == 200
    assert_matches("GeneralLedgerAccount", patched.json())
    assert patched.json()["name"] == "Travel" and "code" not in patched.json()
    assert (
        connected.patch(f"/accounting/accounts/{ramp_id}", json={"classification": "ASSET"}).status_code
        == 400
    )
    assert connected.delete(f"/accounting/accounts/{ramp_id}").status_code == 204
    assert connected.get(f"/accounting/accounts/{ramp_id}").json()["is_active"] is False
    inactive = connected.get("/accounting/accounts", params={"is_active": "false"}).json()["data"]
    assert [a["ramp_id"] for a in inactive] == [ramp_id]
    again = connected.post("/accounting/accounts", json={"gl_accounts": [gl("6000")]})
    assert again.status_code == 400  # a deleted id still exists
    assert connected.patch(f"/accounting/accounts/{ramp_id}", json={"reactivate": True}).json()["is_active"]
    assert connected.get("/accounting/accounts/not-a-uuid").status_code == 400
    assert connected.get("/accounting/accounts/6f1c1d3e-0000-4000-8000-000000000000").status_code == 404


def test_field_post_is_idempotent_on_id_and_reactivates(connected: httpx.Client) -> None:
    body = {"id": "Department", "name": "Department", "input_type": "SINGLE_CHOICE", "is_splittable": "True"}
    first = connected.post("/accounting/fields", json=body)
    assert first.status_code == 201
    assert_matches("ApiAccountingCustomFieldResource", first.json())
    assert first.json()["is_splittable"] is True
    ramp_id = first.json()["ramp_id"]
    assert connected.delete(f"/accounting/fields/{ramp_id}").status_code == 204
    again = connected.post("/accounting/fields", json=body)
    assert (again.json()["ramp_id"], again.json()["is_active"]) == (ramp_id, True)
    assert len(connected.get("/accounting/fields").json()["data"]) == 1
    assert connected.post("/accounting/fields", json={**body, "input_type": "DROPDOWN"}).status_code == 400
    patched = connected.patch(
        f"/accounting/fields/{ramp_id}", json={"display_name": "Dept", "is_splittable": False}
    )
    assert (patched.json()["display_name"], patched.json()["is_splittable"]) == ("Dept", False)


def test_options_need_an_existing_field(connected: httpx.Client) -> None:
    options = {"options": [{"id": "D100", "value": "Engineering"}]}
    by_erp_id = connected.post("/accounting/field-options", json={"field_id": "Department", **options})
    assert by_erp_id.status_code == 400
    assert error_of(by_erp_id)["additional_info"] == {"field_id": ["Not a valid UUID."]}
    unknown = connected.post(
        "/accounting/field-options", json={"field_id": "6f1c1d3e-0000-4000-8000-000000000000", **options}
    )
    assert unknown.status_code == 400
    assert connected.get("/accounting/field-options").status_code == 400  # field_id is required
    field = connected.post(
        "/accounting/fields", json={"id": "Dept", "name": "Dept", "input_type": "SINGLE_CHOICE"}
    )
    field_id = field.json()["ramp_id"]
    created = connected.post("/accounting/field-options", json={"field_id": field_id, **options})
    assert created.status_code == 201
    assert_matches("ApiAccountingCustomFieldOptionUploadResponse", created.json())
    duplicate = connected.post("/accounting/field-options", json={"field_id": field_id, **options})
    assert duplicate.status_code == 400
    option_id = created.json()["uploaded"][0]
    hidden = connected.patch(
        f"/accounting/field-options/{option_id}", json={"visibility": "HIDDEN", "code": "E"}
    )
    assert_matches("CustomFieldOption", hidden.json())
    assert (hidden.json()["visibility"], hidden.json()["code"]) == ("HIDDEN", "E")
    listed = connected.get("/accounting/field-options", params={"field_id": field_id}).json()
    assert_matches("PaginatedResponseApiAccountingCustomFieldOptionResourceSchema", listed)
    assert [o["value"] for o in listed["data"]] == ["Engineering"]


@pytest.mark.parametrize("input_type", ["FREE_FORM_TEXT", "BOOLEAN"])
def test_options_are_refused_for_a_field_that_is_not_single_choice(
    connected: httpx.Client, input_type: str
) -> None:
    body = {"id": "Memo", "name": "Memo", "input_type": input_type}
    field_id = connected.post("/accounting/fields", json=body).json()["ramp_id"]
    options = {"field_id": field_id, "options": [{"id": "M1", "value": "Travel"}]}
    refused = connected.post("/accounting/field-options", json=options)
    assert refused.status_code == 400
    error = error_of(refused)
    assert error["additional_info"] == {"field_id": [f"The custom field is {input_type}, not SINGLE_CHOICE."]}
    assert "only to a SINGLE_CHOICE field" in error["message"]
    listed = connected.get("/accounting/field-options", params={"field_id": field_id})
    assert (listed.status_code, listed.json()["data"]) == (200, [])  # listing stays allowed, and empty


def test_subsidiaries_answer_404_like_ramp_today_unless_switched_on(
    ramp: RampSandbox, connected: httpx.Client
) -> None:
    body = {"subsidiaries": [{"id": "SUB-US", "name": "Acme Corp"}, {"id": "SUB-DE", "name": "Acme GmbH"}]}
    assert connected.post("/accounting/subsidiaries", json=body).status_code == 404
    assert connected.get("/accounting/subsidiaries").status_code == 404
    set_option(ramp, subsidiaries=True)  # the May 2023 endpoints, for old accounts
    created = connected.post("/accounting/subsidiaries", json=body)
    assert created.status_code == 201
    assert set(created.json()) == {"uploaded"} and len(created.json()["uploaded"]) == 2
    names = [s["name"] for s in connected.get("/accounting/subsidiaries").json()["data"]]
    assert names == ["Acme Corp", "Acme GmbH"]
    bad = connected.post("/accounting/subsidiaries", json={"subsidiaries": [{"id": "SUB-FR"}]})
    assert error_of(bad)["additional_info"] == {
        "subsidiaries": {"0": {"name": ["Missing data for required field."]}}
    }
    httpx.post(f"{ramp.url}/_sandbox/reset").raise_for_status()
    assert httpx.get(f"{ramp.url}/_sandbox/state").json()["subsidiaries_enabled"] is False  # reset: default
    with RampSandbox(subsidiaries=True) as old_ramp, client(old_ramp) as api:
        api.post("/accounting/connection", json={"remote_provider_name": "NetSuite"}).raise_for_status()
        assert api.post("/accounting/subsidiaries", json=body).status_code == 201


# -- pagination ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "status"), [("1", 422), ("101", 422), ("ten", 400)])
def test_page_size_outside_2_to_100_is_422(connected: httpx.Client, size: str, status: int) -> None:
    answer = connected.get("/accounting/accounts", params={"page_size": size})
    assert answer.status_code == status  # not an integer at all: the spec's type, a 400
    assert "page_size" in error_of(answer)["additional_info"]


def test_pagination_yields_every_item_once_and_next_keeps_the_filters(connected: httpx.Client) -> None:
    connected.post(
        "/accounting/accounts", json={"gl_accounts": [gl(str(i)) for i in range(45)]}
    ).raise_for_status()
    deleted = connected.get("/accounting/accounts", params={"remote_id": "7"}).json()["data"][0]["ramp_id"]
    connected.delete(f"/accounting/accounts/{deleted}").raise_for_status()
    first = connected.get("/accounting/accounts", params={"page_size": 10, "is_active": "true"}).json()
    assert_matches("PaginatedResponseApiAccountingGLAccountResourceSchema", first)
    assert first["page"]["next"].startswith("http://")
    assert "is_active=true" in first["page"]["next"] and "page_size=10" in first["page"]["next"]
    seen = all_pages(connected, "/accounting/accounts", page_size=10, is_active="true")
    assert [a["id"] for a in seen] == [str(i) for i in range(45) if i != 7]
    assert len(all_pages(connected, "/accounting/accounts")) == 45  # default page size 20


# -- transactions --------------------------------------------------------------------------------


def test_generated_transactions_match_the_spec_and_ramps_mix(ramp: RampSandbox, api: httpx.Client) -> None:
    add_transactions(ramp, {"generate": 200, "seed": 7})
    listed = all_pages(api, "/transactions", page_size=100, state="ALL")
    assert len(listed) == 200
    for transaction in listed:
        assert_matches("Transaction", transaction)
    one = api.get(f"/transactions/{listed[0]['id']}")
    assert_matches("SingleTransaction", one.json())
    statuses = Counter(t["sync_status"] for t in listed)
    assert 0.6 <= statuses["SYNC_READY"] / 200 <= 0.8
    assert statuses["SYNCED"] and statuses["NOT_SYNC_READY"]
    assert {t["original_transaction_amount"]["currency_code"] for t in listed} >= {"USD", "EUR", "JPY"}
    assert any(len(t["line_items"]) > 1 for t in listed)
    types = {s["type"] for t in listed for s in t["accounting_field_selections"]}
    assert {"GL_ACCOUNT", "MERCHANT", "SUBSIDIARY"} <= types
    for split in (t for t in listed if len(t["line_items"]) > 1):
        assert sum(li["amount"]["amount"] for li in split["line_items"]) == round(split["amount"] * 100)


def test_generator_is_deterministic() -> None:
    assert generate_transactions(30, seed=3) == generate_transactions(30, seed=3)
    assert generate_transactions(30, seed=3) != generate_transactions(30, seed=4)


def tx(ident: int, status: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{ident:012d}",
        "sync_status": status,
        "amount": 10.0 * ident,
        "user_transaction_time": f"2025-03-{ident:02d}T12:00:00+00:00",
        **fields,
    }


def test_transaction_filters(ramp: RampSandbox, api: httpx.Client) -> None:
    add_transactions(
        ramp,
        [
            tx(1, "SYNC_READY"),
            tx(2, "SYNC_READY"),
            tx(3, "NOT_SYNC_READY"),
            tx(4, "SYNCED"),
            tx(5, "NOT_SYNC_READY", state="DECLINED"),
            tx(6, "SYNC_READY", currency_code="EUR"),
        ],
    )

    def ids(**params: Any) -> list[int]:
        return [int(t["id"][-3:]) for t in all_pages(api, "/transactions", **params)]

    assert ids() == [1, 2, 3, 4, 6]  # declined left out
    assert ids(state="ALL") == [1, 2, 3, 4, 5, 6]
    assert ids(sync_status="SYNC_READY", sync_ready="false") == [1, 2, 6]  # sync_status wins
    assert ids(sync_ready="true", has_no_sync_commits="true") == [1, 2, 6]
    assert ids(sync_ready="false") == [3, 4]
    assert ids(from_date="2025-03-02T00:00:00Z", to_date="2025-03-03T23:59:59Z") == [2, 3]
    assert ids(min_amount="20", max_amount="40") == [2, 3, 4]
    assert ids(min_amount="60") == [6]  # 60 EUR is more than 60 USD
    assert ids(order_by_date_desc="true", page_size=2) == [6, 4, 3, 2, 1]
    both = api.get("/transactions", params={"order_by_date_desc": "true", "order_by_date_asc": "true"})
    assert both.status_code == 400
    assert api.get("/transactions", params={"sync_status": "READY"}).status_code == 400
    assert api.get("/transactions/no-such-id").status_code == 404


def test_a_query_value_the_spec_allows_is_not_refused_after_the_spec_check(
    ramp: RampSandbox, api: httpx.Client
) -> None:
    add_transactions(ramp, [tx(1, "SYNC_READY"), tx(2, "SYNC_READY")])
    # RFC 3339 §5.6, the spec's `format: date-time`, lets "T" and "Z" be lower case.
    later = api.get("/transactions", params={"from_date": "2025-03-02t00:00:00z"})
    assert later.status_code == 200, later.text
    assert [t["id"][-1] for t in later.json()["data"]] == ["2"]
    for parameter in SPEC["paths"][f"{API}/transactions"]["get"]["parameters"]:
        if parameter["name"] in ("state", "sync_status"):
            for value in parameter["schema"]["enum"]:
                answer = api.get("/transactions", params={parameter["name"]: value})
                assert answer.status_code == 200, (parameter["name"], value, answer.text)
    assert api.get("/transactions", params={"sync_ready": "TRUE"}).status_code == 200


# -- syncs ---------------------------------------------------------------------------------------


def ok(ident: int) -> dict[str, str]:
    return {"id": tx(ident, "")["id"], "reference_id": f"ERP-{ident}"}


def test_successful_sync_marks_transactions_synced_and_a_retry_replays(
    ramp: RampSandbox, api: httpx.Client
) -> None:
    add_transactions(ramp, [tx(1, "SYNC_READY"), tx(2, "SYNC_READY")])
    body = {"idempotency_key": "batch-1", "sync_type": "TRANSACTION_SYNC", "successful_syncs": [ok(1)]}
    first = api.post("/accounting/syncs", json=body)
    assert first.status_code == 201
    assert_matches("ApiAccountingSyncResource", first.json())
    retry = api.post("/accounting/syncs", json=body)
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert api.get(f"/transactions/{ok(1)['id']}").json()["sync_status"] == "SYNCED"
    assert len(httpx.get(f"{ramp.url}/_sandbox/state").json()["syncs"]) == 1
    reused = api.post("/accounting/syncs", json={**body, "successful_syncs": [ok(2)]})
    assert reused.status_code == 400
    assert "idempotency_key" in error_of(reused)["additional_info"]
    assert api.get(f"/transactions/{ok(2)['id']}").json()["sync_status"] == "SYNC_READY"


def test_sync_with_an_unknown_or_unready_id_rejects_the_whole_call(
    ramp: RampSandbox, api: httpx.Client
) -> None:
    add_transactions(ramp, [tx(1, "SYNC_READY"), tx(2, "NOT_SYNC_READY")])
    unknown = {"idempotency_key": "k1", "sync_type": "TRANSACTION_SYNC", "successful_syncs": [ok(1), ok(9)]}
    answer = api.post("/accounting/syncs", json=unknown)
    assert answer.status_code == 400
    assert ok(9)["id"] in error_of(answer)["message"]
    unready = api.post(
        "/accounting/syncs", json={**unknown, "idempotency_key": "k2", "successful_syncs": [ok(2)]}
    )
    assert unready.status_code == 400
    assert api.get(f"/transactions/{ok(1)['id']}").json()["sync_status"] == "SYNC_READY"
    assert httpx.get(f"{ramp.url}/_sandbox/state").json()["syncs"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"sync_type": "TRANSACTION_SYNC", "successful_syncs": [ok(1)]},
        {"idempotency_key": "k", "sync_type": "CARD_SYNC", "successful_syncs": [ok(1)]},
        {"idempotency_key": "k", "sync_type": "TRANSACTION_SYNC", "successful_syncs": []},
        {"idempotency_key": "k", "sync_type": "TRANSACTION_SYNC", "failed_syncs": [{"id": ok(1)["id"]}]},
        {"idempotency_key": "k", "sync_type": "TRANSACTION_SYNC", "successful_syncs": [ok(1)] * 5001},
    ],
    ids=["no-key", "bad-type", "empty-list", "failure-without-message", "too-many"],
)
def test_malformed_sync_is_rejected(ramp: RampSandbox, api: httpx.Client, body: dict[str, Any]) -> None:
    add_transactions(ramp, [tx(1, "SYNC_READY")])
    assert api.post("/accounting/syncs", json=body).status_code == 400
    assert api.get(f"/transactions/{ok(1)['id']}").json()["sync_status"] == "SYNC_READY"


def test_failed_sync_keeps_the_transaction_ready_and_records_the_message(
    ramp: RampSandbox, api: httpx.Client
) -> None:
    add_transactions(ramp, [tx(1, "SYNC_READY")])
    failure = {"id": ok(1)["id"], "error": {"message": "Period closed in ERP"}}
    body = {"idempotency_key": "f1", "sync_type": "TRANSACTION_SYNC", "failed_syncs": [failure]}
    assert api.post("/accounting/syncs", json=body).status_code == 201
    assert api.get(f"/transactions/{ok(1)['id']}").json()["sync_status"] == "SYNC_READY"
    state = httpx.get(f"{ramp.url}/_sandbox/state").json()
    assert state["sync_errors"] == {ok(1)["id"]: "Period closed in ERP"}
    assert all_pages(api, "/transactions", sync_ready="true", has_no_sync_commits="true") == []


# -- entities, errors, state -----------------------------------------------------------------------


def test_three_entities_are_seeded_each_with_its_own_currency(api: httpx.Client) -> None:
    page = api.get("/entities").json()
    assert_matches("PaginatedResponseApiEntityResourceSchema", page)
    assert sorted(e["currency"] for e in page["data"]) == ["EUR", "GBP", "USD"]
    primary = api.get("/entities", params={"is_primary": "true"}).json()["data"]
    assert [e["currency"] for e in primary] == ["USD"]
    assert_matches("ApiEntityResource", api.get(f"/entities/{primary[0]['id']}").json())


def test_unknown_paths_and_methods_answer_error_v2_with_a_trace_id(api: httpx.Client) -> None:
    missing = api.get("/accounting/nothing-here")
    wrong_method = api.put("/accounting/connection")
    assert (missing.status_code, wrong_method.status_code) == (404, 405)
    for answer in (missing, wrong_method):
        error_of(answer)
        assert answer.headers["x-trace-id"]


def test_state_counts_requests_by_route_and_status(ramp: RampSandbox, api: httpx.Client) -> None:
    api.get("/accounting/accounts")
    api.get("/entities")
    counts = httpx.get(f"{ramp.url}/_sandbox/state").json()["requests"]
    assert counts["by_route"]["GET /developer/v1/accounting/accounts"] == 1
    assert counts["by_status"]["400"] == 1 and counts["by_status"]["200"] >= 2


# -- rate limit and faults -------------------------------------------------------------------------


def test_rate_limit_answers_429_after_the_limit_without_retry_after() -> None:
    with RampSandbox(rate_limit=4, rate_window_s=30.0) as sandbox, client(sandbox) as api:  # the token counts
        assert [api.get("/entities").status_code for _ in range(3)] == [200, 200, 200]
        blocked = api.get("/entities")
        assert blocked.status_code == 429
        assert "retry-after" not in blocked.headers
        assert "Rate limit" in error_of(blocked)["message"]
        assert api.get("/entities").status_code == 429
        state = httpx.get(f"{sandbox.url}/_sandbox/state").json()  # the test API is not limited
        assert state["requests"]["rate_limited"] == 2


def test_requests_while_blocked_extend_the_window() -> None:
    limiter = RollingWindowLimiter(limit=2, window_s=10.0)
    assert [limiter.allow(now=t) for t in (0.0, 1.0, 2.0)] == [True, True, False]
    assert limiter.allow(now=10.5) is False  # the refused request at 2.0 still counts
    assert limiter.allow(now=11.0) is False  # and so do the refused ones at 10.5 and 11.0
    assert limiter.allow(now=30.0) is True


def test_a_request_made_while_blocked_keeps_the_block_a_full_window_after_it() -> None:
    limiter = RollingWindowLimiter(limit=2, window_s=10.0)
    assert [limiter.allow(now=t) for t in (0.0, 1.0, 2.0)] == [True, True, False]
    # By 11.5 both admitted requests have left the window, but the one refused at 2.0 arrived while
    # blocked, so Ramp's block runs to 12.0 (ramp-api.md §12); this one, refused too, moves it to 21.5.
    assert limiter.allow(now=11.5) is False
    assert limiter.allow(now=21.4) is False
    assert limiter.allow(now=31.5) is True


def set_faults(sandbox: RampSandbox, **settings: Any) -> None:
    httpx.post(f"{sandbox.url}/_sandbox/faults", json=settings).raise_for_status()


def test_injected_500_before_apply_writes_nothing(ramp: RampSandbox, api: httpx.Client) -> None:
    set_faults(ramp, error_rate=1.0, kinds=["500"], after_apply_rate=0.0)
    answer = api.post("/accounting/connection", json={"remote_provider_name": "NetSuite"})
    assert answer.status_code == 500
    error_of(answer)
    assert httpx.get(f"{ramp.url}/_sandbox/state").json()["connections"] == []


def test_injected_fault_after_apply_loses_the_answer_but_keeps_the_write(
    ramp: RampSandbox, api: httpx.Client
) -> None:
    set_faults(ramp, error_rate=1.0, kinds=["reset"], after_apply_rate=1.0)
    with pytest.raises(httpx.TransportError):
        api.post("/accounting/connection", json={"remote_provider_name": "NetSuite"})
    state = httpx.get(f"{ramp.url}/_sandbox/state").json()
    assert [c["remote_provider_name"] for c in state["connections"]] == ["NetSuite"]
    assert state["requests"]["faults_injected"] == {"reset-after-apply": 1}


def test_injected_timeout_holds_then_closes_without_an_answer(ramp: RampSandbox, api: httpx.Client) -> None:
    set_faults(ramp, error_rate=1.0, kinds=["timeout"], timeout_hold_s=0.3, after_apply_rate=0.0)
    with pytest.raises(httpx.ReadTimeout):
        api.get("/entities", timeout=0.1)
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/entities", timeout=2)


def test_injected_429_and_a_mixed_rate(ramp: RampSandbox, api: httpx.Client) -> None:
    set_faults(ramp, error_rate=1.0, kinds=["429"])
    assert api.get("/entities").status_code == 429
    set_faults(ramp, error_rate=0.3, kinds=["429", "500"], seed=1)
    statuses = Counter(api.get("/entities").status_code for _ in range(40))
    assert statuses[200] and (statuses[429] + statuses[500])
    set_faults(ramp)  # defaults: no faults
    assert api.get("/entities").status_code == 200


def test_latency_is_served_concurrently(ramp: RampSandbox) -> None:
    set_faults(ramp, latency_ms=500)
    answer = token(ramp.url)
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    clients = [httpx.Client(base_url=f"{ramp.url}{API}", headers=headers) for _ in range(20)]
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def call(api: httpx.Client) -> None:
        barrier.wait()
        statuses.append(api.get("/entities").status_code)

    threads = [threading.Thread(target=call, args=(api,)) for api in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for api in clients:
        api.close()
    assert statuses == [200] * 20
    assert httpx.get(f"{ramp.url}/_sandbox/state").json()["requests"]["max_in_flight"] == 20


def test_faults_settings_are_validated(ramp: RampSandbox) -> None:
    assert httpx.post(f"{ramp.url}/_sandbox/faults", json={"kinds": ["flood"]}).status_code == 400
    assert httpx.post(f"{ramp.url}/_sandbox/faults", json={"error_rate": 2}).status_code == 400
    assert httpx.post(f"{ramp.url}/_sandbox/faults", json={"slow_s": -1}).status_code == 400
    assert httpx.post(f"{ramp.url}/_sandbox/options", json={"read_lag_ms": "2s"}).status_code == 400
    assert httpx.post(f"{ramp.url}/_sandbox/options", json={"lag": 1}).status_code == 400


def test_a_slow_write_is_held_then_applied_and_answered_once(
    ramp: RampSandbox, connected: httpx.Client
) -> None:
    set_faults(ramp, error_rate=1.0, kinds=["slow"], slow_s=0.5)
    listed = connected.get("/accounting/accounts")  # reads are never slow
    created = connected.post("/accounting/accounts", json={"gl_accounts": [gl("6000")]})
    assert (listed.status_code, created.status_code) == (200, 201)
    set_faults(ramp)
    state = httpx.get(f"{ramp.url}/_sandbox/state").json()
    assert state["requests"]["faults_injected"] == {"slow": 1}
    assert [a["id"] for a in state["categories"][state["active_connection_id"]]["gl_accounts"]] == ["6000"]


def test_with_a_read_lag_gets_see_writes_only_after_it(ramp: RampSandbox, connected: httpx.Client) -> None:
    set_option(ramp, read_lag_ms=600)
    created = connected.post("/accounting/accounts", json={"gl_accounts": [gl("6000")]})
    ramp_id = created.json()["uploaded"][0]
    assert connected.get("/accounting/accounts").json()["data"] == []  # the replica is behind
    assert connected.get(f"/accounting/accounts/{ramp_id}").status_code == 404
    again = connected.post("/accounting/accounts", json={"gl_accounts": [gl("6000")]})
    assert again.status_code == 400  # writes see the primary: the id exists
    seen = wait_until(lambda: connected.get("/accounting/accounts").json()["data"])
    assert [a["id"] for a in seen] == ["6000"]
    connected.patch(f"/accounting/accounts/{ramp_id}", json={"name": "Travel"}).raise_for_status()
    assert connected.get(f"/accounting/accounts/{ramp_id}").json()["name"] == "Account 6000"
    assert wait_until(lambda: connected.get(f"/accounting/accounts/{ramp_id}").json()["name"] == "Travel")
    set_option(ramp, read_lag_ms=0)
    connected.delete(f"/accounting/accounts/{ramp_id}").raise_for_status()
    assert connected.get(f"/accounting/accounts/{ramp_id}").json()["is_active"] is False  # no lag now


def test_a_write_without_its_body_is_refused(connected: httpx.Client) -> None:
    for method, path in (("POST", "/accounting/accounts"), ("PATCH", f"/accounting/vendors/{uuid.uuid4()}")):
        answer = connected.request(method, path)
        assert answer.status_code == 400, answer.text
        assert error_of(answer)["additional_info"] == {"_schema": ["A JSON request body is required."]}


REQUIRED = ["Missing data for required field."]
KINDS_OF_OBJECT = "BILL, BILL_PAYMENT, PURCHASE_ORDER, REIMBURSEMENT, TRANSACTION"
FIELD = {"id": "D", "name": "D", "input_type": "SINGLE_CHOICE"}
SYNC = {"idempotency_key": "k", "sync_type": "TRANSACTION_SYNC"}


@pytest.mark.parametrize(
    ("path", "params", "body", "problems"),
    [
        ("/accounting/accounts", {"is_active": "maybe"}, None, {"is_active": ["Not a valid boolean."]}),
        ("/accounting/accounts", {"is_synced": "1", "colour": "red"}, None, {"colour": ["Unknown parameter."]}),  # noqa: E501
        ("/transactions", {"from_date": "last week"}, None, {"from_date": ["Not a valid datetime."]}),
        ("/transactions", {"entity_id": "E1"}, None, {"entity_id": ["Not a valid UUID."]}),
        ("/accounting/connection", {}, {"remote_provider_name": 7},
         {"remote_provider_name": ["Not a valid string."]}),
        ("/accounting/connection", {}, {"name": "X"},
         {"name": ["Unknown field."], "remote_provider_name": REQUIRED}),
        ("/accounting/fields", {}, {**FIELD, "is_required_for": ["CARD"]},
         {"is_required_for": {"0": [f"Must be one of: {KINDS_OF_OBJECT}."]}}),
        ("/accounting/syncs", {}, {**SYNC, "successful_syncs": [{"id": "T1", "reference_id": "JE-1"}]},
         {"successful_syncs": {"0": {"id": ["Not a valid UUID."]}}}),
    ],
)  # fmt: skip
def test_bodies_and_query_strings_are_checked_against_the_spec_naming_the_field(
    api: httpx.Client, path: str, params: dict[str, str], body: Any, problems: dict[str, Any]
) -> None:
    answer = api.post(path, json=body, params=params) if body is not None else api.get(path, params=params)
    assert answer.status_code == 400, answer.text
    error = error_of(answer)
    assert error["additional_info"] == problems
    assert answer.json()["error"] == problems  # the legacy mirror
    assert next(iter(problems)) in error["message"]


# -- command line ----------------------------------------------------------------------------------


def test_command_line_serves_the_sandbox_until_stopped() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "ramp",
            "--port",
            "0",
            "--seed-transactions",
            "25",
            "--subsidiaries",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[3]
        state = httpx.get(f"{url}/_sandbox/state").json()
        assert state["transactions"]["count"] == 25
        assert state["subsidiaries_enabled"] is True
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_a_stopped_sandbox_stops_answering_kept_alive_connections() -> None:
    sandbox = RampSandbox().start()
    with client(sandbox) as api:
        assert api.get("/entities").status_code == 200
        sandbox.stop()
        with pytest.raises(httpx.TransportError):
            api.get("/entities")
