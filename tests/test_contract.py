"""Contract: every request body our client sends and every response the sandbox gives, validated
against Ramp's OpenAPI spec (shared/ramp-api/openapi.json), call by call, over real HTTP.

The validator sits in the client's transport, so the workload below runs through the real client.
OpenAPI 3.0 `nullable` is turned into JSON Schema's `["type", "null"]`. Two documented exceptions:
the token endpoints take a form body although the spec declares JSON (reference/ramp-api.md section
1), and subsidiaries are absent from the spec, so they are held to the seed guide's shape.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from bot.ramp import RampClient
from sandbox.ramp import RampSandbox

SPEC_PATH = Path(__file__).resolve().parents[2] / "shared" / "ramp-api" / "openapi.json"
SUBSIDIARIES_REQUEST = {
    "type": "object",
    "required": ["subsidiaries"],
    "additionalProperties": False,
    "properties": {
        "subsidiaries": {
            "type": "array",
            "minItems": 1,
            "maxItems": 500,
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "additionalProperties": False,
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            },
        }
    },
}
SUBSIDIARIES_RESPONSE = {
    "type": "object",
    "required": ["uploaded"],
    "properties": {"uploaded": {"type": "array", "items": {"type": "string"}}},
}


def _nullable(node: Any) -> Any:
    if isinstance(node, dict):
        node = {key: _nullable(value) for key, value in node.items()}
        if node.pop("nullable", False):
            if "type" in node:
                node["type"] = [node["type"], "null"]
            elif "$ref" in node or "allOf" in node or "oneOf" in node or "anyOf" in node:
                node = {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    return node


class Contract:
    def __init__(self) -> None:
        self.spec = _nullable(copy.deepcopy(json.loads(SPEC_PATH.read_text(encoding="utf-8"))))
        resource = Resource.from_contents(self.spec, default_specification=DRAFT7)
        self.registry: Registry = Registry().with_resource("spec", resource)
        self.routes = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in self.spec["paths"]
        ]
        self.covered: set[tuple[str, str]] = set()
        self.problems: list[str] = []

    def template(self, path: str) -> str | None:
        if path.startswith("/developer/v1/accounting/subsidiaries"):
            return "/developer/v1/accounting/subsidiaries"
        return next((template for pattern, template in self.routes if pattern.match(path)), None)

    def validate(self, schema: dict[str, Any], instance: Any, where: str) -> None:
        validator = jsonschema.Draft7Validator(schema, registry=self.registry)
        for error in validator.iter_errors(instance):
            self.problems.append(f"{where}: {error.message} at {list(error.absolute_path)}")

    def schema(self, node: dict[str, Any]) -> dict[str, Any]:
        # Refs inside the spec are document-relative: anchor them on the registered resource.
        text = json.dumps(node).replace('"#/components/', '"spec#/components/')
        return json.loads(text)

    def check(self, request: httpx.Request, response: httpx.Response) -> None:
        method, path = request.method.lower(), request.url.path
        template = self.template(path)
        where = f"{request.method} {path} -> {response.status_code}"
        if template is None:
            self.problems.append(f"{where}: not in the spec")
            return
        self.covered.add((request.method, template))
        body = request.content
        if template.startswith("/developer/v1/token"):
            form = parse_qs(body.decode())
            needed = {"grant_type", "scope"} if template == "/developer/v1/token" else {"token"}
            if not needed <= set(form):
                self.problems.append(f"{where}: form body lacks {needed - set(form)}")
        elif template == "/developer/v1/accounting/subsidiaries":
            if method == "post":
                self.validate(SUBSIDIARIES_REQUEST, json.loads(body), where + " request")
                if response.status_code == 201:
                    self.validate(SUBSIDIARIES_RESPONSE, response.json(), where + " response")
            return
        elif body:
            operation = self.spec["paths"][template][method]
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            self.validate(self.schema(schema), json.loads(body), where + " request")
        operation = self.spec["paths"][template][method]
        documented = operation["responses"].get(str(response.status_code))
        if documented is None:
            if response.status_code < 400:
                self.problems.append(f"{where}: status not documented")
            return
        content = documented.get("content", {}).get("application/json")
        if content and response.content:
            self.validate(self.schema(content["schema"]), response.json(), where + " response")


class ValidatingTransport(httpx.BaseTransport):
    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.contract.check(request, response)
        return response


@pytest.fixture
def contract() -> Contract:
    return Contract()


def run_every_endpoint(client: RampClient, ramp: RampSandbox) -> None:
    httpx.post(f"{ramp.url}/_sandbox/transactions", json={"generate": 30, "seed": 5}).raise_for_status()
    first = client.create_connection("NetSuite")
    client.list_connections()
    client.active_connection()
    (account,) = client.create_gl_accounts([{"id": "6000", "name": "Travel", "classification": "EXPENSE"}])
    client.get_gl_account(account.ramp_id)
    client.update_gl_account(account.ramp_id, name="Travel & meals")
    list(client.iter_gl_accounts())
    client.delete_gl_account(account.ramp_id)
    (vendor,) = client.create_vendors([{"id": "V1", "name": "Delta"}])
    client.get_vendor(vendor.ramp_id)
    client.update_vendor(vendor.ramp_id, name="Delta Air Lines")
    list(client.iter_vendors())
    client.delete_vendor(vendor.ramp_id)
    field = client.create_field("dept", "Department", "SINGLE_CHOICE", is_splittable=True)
    client.get_field(field.ramp_id)
    client.update_field(field.ramp_id, name="Departments")
    list(client.iter_fields())
    (option,) = client.create_field_options(field.ramp_id, [{"id": "ENG", "value": "Engineering"}])
    client.get_field_option(option.ramp_id)
    client.update_field_option(option.ramp_id, value="Eng")
    list(client.iter_field_options(field.ramp_id))
    client.delete_field_option(option.ramp_id)
    client.delete_field(field.ramp_id)
    client.create_subsidiaries([{"id": "S1", "name": "Acme UK Ltd"}])
    transactions = list(client.iter_transactions(sync_status="SYNC_READY"))
    client.get_transaction(transactions[0].id)
    client.post_syncs(
        "key-1",
        successful=[{"id": transactions[0].id, "reference_id": "JE-1"}],
        failed=[{"id": transactions[1].id, "error": {"message": "closed period"}}],
    )
    entities = list(client.iter_entities())
    client.get_entity(entities[0].id)
    client.disconnect()
    client.reactivate_connection(first.id)
    client.revoke_token()


def test_every_request_and_response_follows_the_spec(ramp: RampSandbox, contract: Contract):
    with RampClient(ramp.url, "id", "secret", transport=ValidatingTransport(contract)) as client:
        run_every_endpoint(client, ramp)
    assert contract.problems == []


def test_the_workload_covers_every_endpoint_the_client_has(ramp: RampSandbox, contract: Contract):
    with RampClient(ramp.url, "id", "secret", transport=ValidatingTransport(contract)) as client:
        run_every_endpoint(client, ramp)
    spec_operations = {
        (method.upper(), path)
        for path, operations in contract.spec["paths"].items()
        for method in operations
        if method in ("get", "post", "patch", "delete") and "/webhooks" not in path
    }
    # The client reads the active connection from all-connections: GET /connection is deprecated.
    assert spec_operations - contract.covered == {("GET", "/developer/v1/accounting/connection")}


def test_the_validator_catches_a_body_that_breaks_the_spec(contract: Contract):
    request = httpx.Request(
        "POST",
        "http://ramp/developer/v1/accounting/accounts",
        json={"gl_accounts": [{"id": "1", "name": "X", "classification": "NOT_A_CLASS"}]},
    )
    contract.check(request, httpx.Response(400))
    assert contract.problems and "NOT_A_CLASS" in contract.problems[0]


def test_the_validator_catches_a_response_that_breaks_the_spec(contract: Contract):
    request = httpx.Request("GET", "http://ramp/developer/v1/accounting/all-connections")
    contract.check(request, httpx.Response(200, json={"connections": [{"id": 5}]}))
    assert contract.problems
