"""Ramp's API contract as a test helper: every request our client sends and every answer it gets,
checked call by call against shared/ramp-api/openapi-all-objects.json (openapi.json plus the
list and get endpoints of reimbursements, bills, transfers, cashbacks and statements).

    contract = Contract()
    with RampClient(sandbox.url, "id", "secret", transport=contract.transport()) as ramp:
        ramp.list_connections()
    assert contract.violations == []

`ValidatingTransport` wraps httpx's own transport (the client's injectable seam), so nothing in
the client is patched. openapi-core validates OpenAPI 3.0 as written (`nullable`, formats such as
uuid and date-time, enums, query and path parameters, bodies by path template, method and status).
Where the spec is wrong or silent, the rule comes from shared/reference/ramp-api.md:

- token and revoke take a form body, not the JSON the spec declares (§1): the form's fields are
  checked against the spec's own TokenRequestBody / TokenRevokeRequestBody, plus `scope` for the
  client-credentials grant and HTTP Basic auth;
- subsidiaries are absent from the spec: held to the seed guide's body and the 2023 shapes (§4);
- the spec gives no error schema: every 4xx/5xx must carry the error guide's `error_v2` body (§2),
  with a status the guide lists;
- every answer carries `x-trace-id` (§2); every other call carries a bearer token;
- a 204 is checked for being empty, whatever body the spec declares for it (webhook DELETE).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from jsonschema import Draft202012Validator, FormatChecker
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from sandbox.ramp.validation import SPEC_PATH, load_spec  # the spec the sandbox validates against

API = "/developer/v1"
TOKEN = f"{API}/token"
REVOKE = f"{API}/token/revoke"
SUBSIDIARIES = f"{API}/accounting/subsidiaries"
# The spec's only server is production; requests are matched on path, whatever host served them.
SPEC_HOST = "https://api.ramp.com"
# Statuses Ramp's error guide lists (400 and 422 both mean "input rejected").
ERROR_STATUSES = frozenset({400, 401, 403, 404, 422, 429, 500})

Endpoint = tuple[str, str]  # (method, path template)

# The error guide's body: {"error_v2": {error_code, message, additional_info, notes}, "error": ...};
# the token endpoint adds OAuth's {"error": "invalid_client", "error_description": ...}.
ERROR_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["error_v2"],
    "properties": {
        "error_v2": {
            "type": "object",
            "required": ["error_code", "message"],
            "properties": {
                "error_code": {"type": "string", "pattern": "^DEVELOPER_[0-9]+$"},
                "message": {"type": "string", "minLength": 1},
                "additional_info": {"type": "object"},
                "notes": {"type": "string"},
            },
        },
        "error": {"type": ["object", "string"]},
    },
}

# Subsidiaries: the seed guide's upload body and the May 2023 answers (reference §4).
_SUBSIDIARY = {
    "type": "object",
    "required": ["id", "ramp_id", "name", "is_active"],
    "properties": {
        "id": {"type": "string"},
        "ramp_id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "is_active": {"type": "boolean"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}
SUBSIDIARY_SCHEMAS: dict[str, tuple[dict[str, Any] | None, dict[int, dict[str, Any]]]] = {
    "POST": (
        {
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
        },
        {
            201: {
                "type": "object",
                "required": ["uploaded"],
                "properties": {"uploaded": {"type": "array", "items": {"type": "string", "format": "uuid"}}},
            }
        },
    ),
    "GET": (
        None,
        {
            200: {
                "type": "object",
                "required": ["data", "page"],
                "properties": {
                    "data": {"type": "array", "items": _SUBSIDIARY},
                    "page": {
                        "type": "object",
                        "required": ["next"],
                        "properties": {"next": {"type": ["string", "null"]}},
                    },
                },
            }
        },
    ),
}
SUBSIDIARY_QUERY = frozenset({"is_active", "is_synced", "start", "page_size", "remote_id"})


class Contract:
    """Checks calls against the spec; collects `violations` and the endpoints `covered`."""

    def __init__(self, spec_path: Path = SPEC_PATH) -> None:
        self.spec: dict[str, Any] = load_spec(spec_path)
        self.openapi = OpenAPI.from_dict(_without_security(self.spec))
        templates = [*self.spec["paths"], SUBSIDIARIES]
        self._routes = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", t) + "$"), t) for t in templates]
        self.violations: list[str] = []
        self.covered: set[Endpoint] = set()
        self.calls = 0
        self._lock = threading.Lock()

    def transport(self, inner: httpx.BaseTransport | None = None) -> ValidatingTransport:
        return ValidatingTransport(self, inner)

    def template(self, path: str) -> str | None:
        return next((template for pattern, template in self._routes if pattern.match(path)), None)

    def check(self, request: httpx.Request, response: httpx.Response) -> list[str]:
        """Validate one call; returns (and records) what is wrong with it."""
        template = self.template(request.url.path)
        where = f"{request.method} {request.url.path} -> {response.status_code}"
        if template is None:
            problems = ["no such path in the spec"]
        else:
            problems = self._request_problems(request, template) + self._response_problems(
                request, response, template
            )
        with self._lock:
            self.calls += 1
            if template is not None:
                self.covered.add((request.method, template))
            self.violations.extend(f"{where}: {problem}" for problem in problems)
        return problems

    # -- requests ------------------------------------------------------------------------------

    def _request_problems(self, request: httpx.Request, template: str) -> list[str]:
        if template in (TOKEN, REVOKE):
            return self._token_request_problems(request, template)
        problems = []
        if not request.headers.get("authorization", "").startswith("Bearer "):
            problems.append("request: no bearer token")
        if template == SUBSIDIARIES:
            schema, _ = SUBSIDIARY_SCHEMAS.get(request.method, (None, {}))
            undeclared = set(parse_qs(request.url.query.decode())) - SUBSIDIARY_QUERY
            problems += [f"request: query parameter {name!r} is not declared" for name in sorted(undeclared)]
            if schema is not None:
                problems += _schema_problems(schema, _json(request.content), "request body")
            elif request.content:
                problems.append("request: a body where none is expected")
            return problems
        operation = self.spec["paths"][template].get(request.method.lower())
        if operation is None:
            return [*problems, f"request: {request.method} is not an operation of {template}"]
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        undeclared = set(parse_qs(request.url.query.decode())) - declared
        problems += [f"request: query parameter {name!r} is not declared" for name in sorted(undeclared)]
        errors = list(self.openapi.iter_request_errors(_Request(request)))
        problems += [f"request: {_explain(e)}" for e in errors]
        return problems

    def _token_request_problems(self, request: httpx.Request, template: str) -> list[str]:
        problems = []
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            problems.append("request: the token endpoints take a form body (reference §1)")
        if not _is_basic_auth(request.headers.get("authorization", "")):
            problems.append("request: no HTTP Basic client_id:client_secret")
        fields = parse_qs(request.content.decode(), keep_blank_values=True)
        if any(len(values) != 1 for values in fields.values()):
            problems.append("request: a form field is repeated")
        form = {name: values[0] for name, values in fields.items()}
        ref = self.spec["paths"][template]["post"]["requestBody"]["content"]["application/json"]["schema"]
        schema = self.spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
        problems += [f"request form: {m}" for m in _messages(OAS30Validator(schema).iter_errors(form))]
        if form.get("grant_type") == "client_credentials" and not form.get("scope"):
            problems.append("request form: scope is required for grant_type=client_credentials")
        return problems

    # -- responses -----------------------------------------------------------------------------

    def _response_problems(
        self, request: httpx.Request, response: httpx.Response, template: str
    ) -> list[str]:
        problems = [] if response.headers.get("x-trace-id") else ["response: no x-trace-id header"]
        status = response.status_code
        if status >= 400:
            if status not in ERROR_STATUSES:
                problems.append(f"response: {status} is not a status Ramp's error guide lists")
            return problems + _schema_problems(ERROR_BODY, _json(response.content), "error body")
        if template == SUBSIDIARIES:
            _, answers = SUBSIDIARY_SCHEMAS.get(request.method, (None, {}))
            if status not in answers:
                return [*problems, f"response: status {status} is not documented"]
            return problems + _schema_problems(answers[status], _json(response.content), "response body")
        operation = self.spec["paths"][template].get(request.method.lower(), {})
        if status == 204 and "204" in operation.get("responses", {}):
            # DELETE /webhooks/{id} declares a JSON EmptyObject for its 204, but a 204 has no body
            # (RFC 9110 §15.3.5): an empty answer is the only one it can give.
            return problems + (["response: a 204 with a body"] if response.content else [])
        errors = list(self.openapi.iter_response_errors(_Request(request), _Response(response)))
        return problems + [f"response: {_explain(e)}" for e in errors]


class ValidatingTransport(httpx.BaseTransport):
    """httpx's transport with the contract in between: reads each answer, checks the call."""

    def __init__(self, contract: Contract, inner: httpx.BaseTransport | None = None) -> None:
        self.contract = contract
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()  # the client reads it again from memory
        self.contract.check(request, response)
        return response

    def close(self) -> None:
        self.inner.close()


def same_endpoints(endpoints: set[Endpoint]) -> set[Endpoint]:
    """Path parameters renamed `{}`, so templates from the spec and from the client compare."""
    return {(method, re.sub(r"\{[^}]*\}", "{}", path)) for method, path in endpoints}


# -- helpers ---------------------------------------------------------------------------------------


def _without_security(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec minus `security`: openapi-core cannot check oauth2 (it warns on every call and
    passes), so `Contract` checks the bearer and Basic headers itself."""

    def strip(node: Any) -> Any:  # an operation (a dict), or a path's shared `parameters` (a list)
        return {k: v for k, v in node.items() if k != "security"} if isinstance(node, dict) else node

    paths = {path: {key: strip(node) for key, node in ops.items()} for path, ops in spec["paths"].items()}
    return {**{k: v for k, v in spec.items() if k != "security"}, "paths": paths}


class _Request:
    """An httpx request as openapi-core reads one."""

    host_url = SPEC_HOST

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(request.url.query.decode())),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )

    @property
    def path(self) -> str:
        return self._request.url.path

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self._request.content or None

    @property
    def content_type(self) -> str:
        return self._request.headers.get("content-type", "").lower()


class _Response:
    """An httpx response as openapi-core reads one."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def data(self) -> bytes:
        return self._response.content

    @property
    def status_code(self) -> int:
        return self._response.status_code

    @property
    def content_type(self) -> str:
        return self._response.headers.get("content-type", "").lower()

    @property
    def headers(self) -> Headers:
        return Headers(dict(self._response.headers))


def _json(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:
        return _NOT_JSON


_NOT_JSON = object()


def _schema_problems(schema: dict[str, Any], instance: Any, what: str) -> list[str]:
    if instance is _NOT_JSON:
        return [f"{what}: not JSON"]
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    return [f"{what}: {message}" for message in _messages(validator.iter_errors(instance))]


def _messages(errors: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]


def _explain(error: BaseException) -> str:
    """openapi-core's error and its causes, down to the schema errors, in one line."""
    # str() names the parameter or status, then may repeat the whole body: keep the head only.
    parts = [str(error).split(": Value ")[0][:120] or type(error).__name__]
    cause = error.__cause__
    while cause is not None:
        schema_errors = getattr(cause, "schema_errors", None)
        parts += _messages(schema_errors) if schema_errors else [str(cause) or type(cause).__name__]
        cause = cause.__cause__
    return "; ".join(parts)


def _is_basic_auth(header: str) -> bool:
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        return ":" in base64.b64decode(credentials, validate=True).decode()
    except ValueError:
        return False
