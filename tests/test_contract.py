"""Contract: every request body the client sends and every answer the sandbox gives, validated against
Ramp's OpenAPI spec call by call, over real HTTP (the rules and their exceptions: tests/contract.py).

One workload calls every public method of `RampClient` (and provokes a few of Ramp's errors) through
a client whose transport validates each call; the tests below read what it recorded. Other tests
show that the validator does fail on bodies that break the spec, so a green contract means something.
"""

from __future__ import annotations

import ast
import functools
import inspect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import httpx
import pytest

import bot.ramp.client
import bot.ramp.session
from bot.ramp import InvalidInput, NotFound, RampClient
from bot.ramp.auth import DEFAULT_SCOPES
from bot.syncable_kinds import KINDS as SYNCABLE_KINDS
from sandbox.ramp import RampSandbox
from tests.contract import API, SUBSIDIARIES, Contract, Endpoint, same_endpoints

UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
TOKEN_ANSWER = {"access_token": "ramp_tok_x", "token_type": "Bearer", "expires_in": 9, "scope": "x"}


class CallRecorder:
    """Stands in front of a `RampClient` and notes which of its methods the workload called."""

    def __init__(self, client: RampClient) -> None:
        self._client = client
        self.called: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._client, name)
        if callable(value):
            self.called.add(name)
        return value


def run_every_client_method(ramp: RampClient, sandbox_url: str) -> None:
    httpx.post(f"{sandbox_url}/_sandbox/transactions", json={"generate": 30, "seed": 5}).raise_for_status()
    assert ramp.list_connections() == []
    first = ramp.create_connection("NetSuite")
    assert ramp.active_connection() == first

    cash, travel = ramp.create_gl_accounts(
        [
            {"id": "1000", "name": "Cash", "classification": "ASSET", "code": "1000"},
            {"id": "6000", "name": "Travel", "classification": "EXPENSE"},
        ]
    )
    ramp.get_gl_account(travel.ramp_id)
    ramp.update_gl_account(travel.ramp_id, name="Travel & meals", code="6000")
    ramp.delete_gl_account(cash.ramp_id)
    assert [a.id for a in ramp.iter_gl_accounts(is_active=True)] == ["6000"]
    ramp.update_gl_account(cash.ramp_id, reactivate=True)
    with pytest.raises(InvalidInput):  # all-or-nothing: an existing id fails the batch (400)
        ramp.create_gl_accounts([{"id": "6000", "name": "Travel", "classification": "EXPENSE"}])
    with pytest.raises(NotFound):  # 404: not in the spec's list for this call, but in Ramp's error guide
        ramp.get_gl_account(UNKNOWN_UUID)

    (vendor,) = ramp.create_vendors([{"id": "V1", "name": "Delta"}])
    ramp.get_vendor(vendor.ramp_id)
    ramp.update_vendor(vendor.ramp_id, name="Delta Air Lines")
    assert [v.id for v in ramp.iter_vendors(remote_id="V1", is_synced=True)] == ["V1"]
    ramp.delete_vendor(vendor.ramp_id)

    department = ramp.create_field(
        "dept", "Department", "SINGLE_CHOICE", is_splittable=True, is_required_for=["TRANSACTION"]
    )
    ramp.get_field(department.ramp_id)
    ramp.update_field(department.ramp_id, display_name="Department (ERP)", is_splittable=False)
    list(ramp.iter_fields(is_active=True))
    (option,) = ramp.create_field_options(
        department.ramp_id, [{"id": "ENG", "value": "Engineering", "code": "E"}]
    )
    ramp.get_field_option(option.ramp_id)
    ramp.update_field_option(option.ramp_id, value="Eng", visibility="HIDDEN")
    list(ramp.iter_field_options(department.ramp_id, is_active=True))
    ramp.delete_field_option(option.ramp_id)
    ramp.delete_field(department.ramp_id)

    # The 2023 subsidiaries endpoints, which today's Ramp (and the sandbox by default) lacks.
    httpx.post(f"{sandbox_url}/_sandbox/options", json={"subsidiaries": True}).raise_for_status()
    ramp.create_subsidiaries([{"id": "S1", "name": "Acme UK Ltd"}])
    assert [s.id for s in ramp.iter_subsidiaries()] == ["S1"]

    ready = list(ramp.iter_transactions(sync_status="SYNC_READY", from_date=datetime(2000, 1, 1, tzinfo=UTC)))
    ramp.get_transaction(ready[0].id)
    ramp.post_syncs(
        "sync-1",
        successful=[{"id": ready[0].id, "reference_id": "JE-1"}],
        failed=[{"id": ready[1].id, "error": {"message": "closed period"}}],
    )
    entity = next(ramp.iter_entities(is_primary=True))
    ramp.get_entity(entity.id)

    # Every other syncable kind: its ready list (first page and every page), one item, a sync.
    for kind_name in ("reimbursements", "bills", "transfers", "cashbacks"):
        body = {"kind": kind_name, "generate": 12, "seed": 3}
        ids = httpx.post(f"{sandbox_url}/_sandbox/objects", json=body).json()["ids"]
        httpx.post(f"{sandbox_url}/_sandbox/ready", json={"kind": kind_name, "ids": ids}).raise_for_status()
    for row in (k for k in SYNCABLE_KINDS if k.key != "transactions"):
        query = dict(row.ready_queries[0])
        page, _ = ramp.first_objects(row, **query)
        every = list(ramp.iter_objects(row, **query))
        if every:
            assert ramp.get_object(row, every[0].id).id == every[0].id
        assert len(page) <= len(every)
    bills = next(k for k in SYNCABLE_KINDS if k.key == "bills")
    bill = next(ramp.iter_objects(bills, sync_ready="true"))
    ramp.post_syncs("sync-bill", successful=[{"id": bill.id, "reference_id": "B-1"}], sync_type="BILL_SYNC")

    hook = ramp.create_webhook("https://example.com/ramp/webhooks", ["transactions.ready_to_sync"])
    assert hook.secret and hook.status == "pending_verification"
    assert [h.id for h in ramp.list_webhooks()] == [hook.id]
    ramp.get_webhook(hook.id)
    assert ramp.verify_webhook(hook.id, "ramp_challenge_wrong") is False
    ramp.delete_webhook(hook.id)

    ramp.disconnect()
    ramp.create_connection("Xero")
    ramp.disconnect()
    ramp.reactivate_connection(first.id)
    ramp.revoke_token()
    ramp.list_connections()  # a new token after the revoke
    httpx.post(f"{sandbox_url}/_sandbox/expire-tokens").raise_for_status()
    ramp.list_connections()  # a 401 (its error body is checked too), a new token, the call again


@dataclass
class Recorded:
    contract: Contract
    called: set[str]


# The workload calls every operation, entities included, which no feature of the bot asks for.
WORKLOAD_SCOPES = (*DEFAULT_SCOPES, "entities:read")


@pytest.fixture(scope="module")
def recorded() -> Iterator[Recorded]:
    """The workload, run once through a validating client against a sandbox of its own."""
    contract = Contract()
    with (
        RampSandbox(port=0) as sandbox,
        RampClient(
            sandbox.url,
            "id",
            "secret",
            transport=contract.transport(),
            scopes=(*DEFAULT_SCOPES, "entities:read"),
        ) as client,
    ):
        recorder = CallRecorder(client)
        run_every_client_method(cast(RampClient, recorder), sandbox.url)
    yield Recorded(contract, recorder.called)


def test_every_request_and_answer_of_the_workload_follows_the_spec(recorded: Recorded):
    assert recorded.contract.calls >= 40
    assert recorded.contract.violations == []


# the client's methods that send nothing to Ramp
NOT_REQUESTS = {"close", "last_sent_at", "watch_direct_refusals"}


def test_the_workload_calls_every_public_method_of_the_client(recorded: Recorded):
    public = {
        name
        for name, _ in inspect.getmembers(RampClient, inspect.isfunction)
        if not name.startswith("_") and name not in NOT_REQUESTS
    }
    assert public - recorded.called == set()


# -- the endpoints the client implements, read from its source ------------------------------------


def client_endpoints() -> set[Endpoint]:
    """(method, path template) of every endpoint `RampClient` calls, read from its source.

    The client names each endpoint at a call of `session.call(METHOD, path)`, `session.paginate(path)`
    (a GET) or, for the token calls, `self.request(METHOD, TOKEN_PATH)`; the path is a literal, an
    f-string (its `{...}` becomes a path parameter) or a name bound to one of those."""
    found: set[Endpoint] = set()
    for module in (bot.ramp.client, bot.ramp.session):
        for function in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(function, ast.FunctionDef):
                found |= endpoints_in(function, vars(module))
    # `iter_objects`, `first_objects` and `get_object` take their path from the kinds' table
    # (`kind.path`, bot/syncable_kinds.py), which the source names only as a variable: `{}/{}`.
    found = {(method, path) for method, path in found if not path.startswith("{}")}
    found |= {("GET", row.path) for row in SYNCABLE_KINDS} | {
        ("GET", row.path + "/{}") for row in SYNCABLE_KINDS
    }
    return {(method, path if path.startswith(API) else API + path) for method, path in found}


def endpoints_in(function: ast.FunctionDef, module_names: dict[str, Any]) -> set[Endpoint]:
    local = {
        target.id: node.value
        for node in ast.walk(function)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = set()
    for call in ast.walk(function):
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute) or not call.args:
            continue
        if call.func.attr in ("call", "request") and len(call.args) >= 2:
            method, path = call.args[0], path_text(call.args[1], local, module_names)
        elif call.func.attr == "paginate":
            method, path = ast.Constant("GET"), path_text(call.args[0], local, module_names)
        else:
            continue
        if isinstance(method, ast.Constant) and isinstance(method.value, str) and path:
            found.add((method.value, path))
    return found


def path_text(node: ast.expr, local: dict[str, ast.expr], module_names: dict[str, Any]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
        return "".join(str(part) for part in parts)
    if isinstance(node, ast.Name):
        if node.id in local:
            return path_text(local[node.id], {}, module_names)
        value = module_names.get(node.id)
        return value if isinstance(value, str) else None
    return None


def test_the_workload_reaches_exactly_the_endpoints_the_client_implements(recorded: Recorded):
    implemented = same_endpoints(client_endpoints())
    assert len(implemented) == 46  # reading the client's source found them all, not none
    assert same_endpoints(recorded.contract.covered) == implemented


# Operations of openapi-all-objects.json the bot does not call. The sandbox serves them all
# (tests/test_sandbox_objects.py).
NOT_YET_USED_BY_THE_BOT = {
    ("GET", f"{API}/accounting/connection"),  # deprecated: the client uses all-connections
    # Statements are read-only context (the statement a transfer pays): nothing is posted for them,
    # and a transfer's row shows its own payment id (shared/reference/ramp-api.md §11).
    ("GET", f"{API}/statements"),
    ("GET", f"{API}/statements/{{}}"),
}


def test_the_client_uses_every_operation_of_the_spec_except_those_not_yet_used_by_the_bot():
    spec = shared_contract().spec["paths"]
    operations = {(m.upper(), path) for path, ops in spec.items() for m in ops if m != "parameters"}
    unused = same_endpoints(operations) - same_endpoints(client_endpoints())
    assert unused == NOT_YET_USED_BY_THE_BOT
    assert same_endpoints(client_endpoints()) - same_endpoints(operations) == {
        ("GET", SUBSIDIARIES),
        ("POST", SUBSIDIARIES),
    }


# -- the validator fails when it should -----------------------------------------------------------


def test_a_body_the_client_sends_against_the_spec_is_caught_on_the_way_out(ramp: RampSandbox):
    contract = Contract()
    with RampClient(ramp.url, "id", "secret", transport=contract.transport()) as client:
        client.create_connection("NetSuite")
        with pytest.raises(InvalidInput):
            client.create_gl_accounts([{"id": "1", "name": "Cash", "classification": "CASH"}])
        department = client.create_field("dept", "Department", "SINGLE_CHOICE")
        with pytest.raises(InvalidInput):
            client.update_field(department.ramp_id, is_splittable="yes")
    assert len(contract.violations) == 2, contract.violations
    assert "POST /developer/v1/accounting/accounts -> 400: request" in contract.violations[0]
    assert "'CASH' is not one of" in contract.violations[0]
    assert "is_splittable: 'yes' is not of type 'boolean'" in contract.violations[1]


def test_an_answer_against_the_spec_is_caught_on_the_way_in():
    def broken_ramp(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/developer/v1/token":
            return httpx.Response(200, json=TOKEN_ANSWER, headers={"x-trace-id": "t"})
        connection = {"id": "not-a-uuid", "created_at": "2025-01-01T00:00:00Z", "is_active": "yes"}
        return httpx.Response(200, json={"connections": [connection]}, headers={"x-trace-id": "t"})

    contract = Contract()
    transport = contract.transport(httpx.MockTransport(broken_ramp))
    with RampClient("http://ramp.test", "id", "secret", transport=transport) as client:
        client.list_connections()
    (violation,) = contract.violations
    assert violation.startswith("GET /developer/v1/accounting/all-connections -> 200: response")
    for problem in (
        "'not-a-uuid' is not a 'uuid'",
        "'yes' is not of type 'boolean'",
        "'status' is a required",
    ):
        assert problem in violation


CONNECTION = {
    "id": UNKNOWN_UUID,
    "created_at": "2025-01-01T00:00:00+00:00",
    "is_active": False,
    "last_linked_at": None,  # nullable in the spec
    "remote_provider_name": None,  # nullable in the spec
    "status": "unlinked",
}


@functools.cache
def shared_contract() -> Contract:
    return Contract()


@dataclass
class Call:
    """One call made by hand: what was sent and what came back (`answer` None: an empty body)."""

    method: str
    path: str
    status: int
    answer: Any = None
    sent: dict[str, Any] = field(default_factory=dict)  # httpx.Request's json=, data=, params=
    auth: str = "Bearer ramp_tok_x"

    def problems(self) -> list[str]:
        request = httpx.Request(
            self.method, f"http://ramp.test{self.path}", headers={"authorization": self.auth}, **self.sent
        )
        body = {"json": self.answer} if self.answer is not None else {}
        return shared_contract().check(
            request, httpx.Response(self.status, headers={"x-trace-id": "t"}, **body)
        )


def test_nullable_fields_may_be_null():
    assert (
        Call("GET", "/developer/v1/accounting/all-connections", 200, {"connections": [CONNECTION]}).problems()
        == []
    )


BASIC = "Basic aWQ6c2VjcmV0"  # id:secret
NO_TRANSACTIONS = {"data": [], "page": {"next": None}}
A_SYNC = {"idempotency_key": "k", "sync_type": "TRANSACTION_SYNC"}


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        pytest.param(
            Call("GET", "/developer/v1/accounting/all-connections", 200,
                 {"connections": [{**CONNECTION, "remote_provider_name": 7}]}),
            "7 is not of type 'string'",
            id="nullable-is-not-any-type",
        ),
        pytest.param(
            Call("POST", "/developer/v1/accounting/syncs", 201, {"sync_id": UNKNOWN_UUID},
                 sent={"json": {**A_SYNC, "successful_syncs": []}}),
            "[] should be non-empty",
            id="empty-sync-list",
        ),
        pytest.param(
            Call("GET", "/developer/v1/transactions", 200, NO_TRANSACTIONS,
                 sent={"params": {"sync_status": "READY"}}),
            "Invalid query parameter: sync_status; <root>: 'READY' is not one of",
            id="query-enum",
        ),
        pytest.param(
            Call("GET", "/developer/v1/transactions", 200, NO_TRANSACTIONS,
                 sent={"params": {"synced": "true"}}),
            "query parameter 'synced' is not declared",
            id="undeclared-query-parameter",
        ),
        pytest.param(
            Call("GET", "/developer/v1/transactions", 200, NO_TRANSACTIONS, auth=""),
            "no bearer token",
            id="no-bearer-token",
        ),
        pytest.param(
            Call("POST", "/developer/v1/token", 200, TOKEN_ANSWER,
                 sent={"data": {"grant_type": "client_credentials"}}, auth=BASIC),
            "scope is required",
            id="token-without-scope",
        ),
        pytest.param(
            Call("POST", "/developer/v1/token", 200, TOKEN_ANSWER,
                 sent={"json": {"grant_type": "client_credentials", "scope": "accounting:read"}}, auth=BASIC),
            "form body",
            id="token-as-json",
        ),
        pytest.param(
            Call("POST", "/developer/v1/token", 200, TOKEN_ANSWER,
                 sent={"data": {"grant_type": "client_credentials", "scope": "accounting:read"}}),
            "no HTTP Basic",
            id="token-without-basic-auth",
        ),
        pytest.param(
            Call("POST", "/developer/v1/token", 200, {**TOKEN_ANSWER, "expires_in": "9"},
                 sent={"data": {"grant_type": "client_credentials", "scope": "accounting:read"}}, auth=BASIC),
            "'9' is not of type 'integer'",
            id="token-answer",
        ),
        pytest.param(
            Call("POST", "/developer/v1/token/revoke", 200,
                 sent={"data": {"token": "ramp_tok_x", "token_type_hint": "bearer"}}, auth=BASIC),
            "'bearer' is not one of",
            id="revoke-hint",
        ),
        pytest.param(
            Call("POST", SUBSIDIARIES, 201, {"uploaded": [UNKNOWN_UUID]},
                 sent={"json": {"subsidiaries": [{"id": "S1", "name": "Acme", "currency": "GBP"}]}}),
            "Additional properties are not allowed",
            id="subsidiary-upload",
        ),
        pytest.param(
            Call("POST", SUBSIDIARIES, 201, {"uploaded": ["S1"]},
                 sent={"json": {"subsidiaries": [{"id": "S1", "name": "Acme"}]}}),
            "'S1' is not a 'uuid'",
            id="subsidiary-answer",
        ),
        pytest.param(
            Call("GET", f"/developer/v1/accounting/accounts/{UNKNOWN_UUID}", 404, {"message": "gone"}),
            "'error_v2' is a required property",
            id="error-without-error_v2",
        ),
        pytest.param(
            Call("DELETE", "/developer/v1/accounting/connection", 200),
            "Unknown response http status: 200",
            id="undocumented-success-status",
        ),
        pytest.param(
            Call("GET", "/developer/v1/accounting/connections", 200, {}),
            "no such path in the spec",
            id="unknown-path",
        ),
    ],
)  # fmt: skip
def test_the_validator_names_what_breaks_the_spec(call: Call, expected: str):
    problems = call.problems()
    assert any(expected in problem for problem in problems), problems
