"""The routes of Ramp's API that the sandbox serves, and the `/_sandbox/` test API.

Each route names the scope its token needs (Ramp: GETs on accounting need accounting:read, writes
accounting:write, transactions transactions:read, entities entities:read). Handlers run with the
state lock held and return `(status, body)`; failures are raised as `ApiError`. A handler sees a
request whose body and query already fit the spec (`check_request`, validation.py), so it checks
only the rules the spec cannot say.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from sandbox.ramp import connections
from sandbox.ramp.auth import ANY_SCOPE, OAuthError
from sandbox.ramp.categories import is_uuid, public
from sandbox.ramp.errors import ApiError, invalid
from sandbox.ramp.faults import FaultConfig
from sandbox.ramp.objects import KINDS as OBJECT_KINDS
from sandbox.ramp.pagination import Query
from sandbox.ramp.state import SandboxState, utc_now
from sandbox.ramp.validation import OPERATIONS, first_problem, validate
from sandbox.ramp.webhooks import WebhookOptions

PREFIX = "/developer/v1"
Response = tuple[int, Any]
_UNPARSED = object()


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    query: Query
    headers: dict[str, str]
    raw_body: bytes
    _parsed: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._parsed = _UNPARSED

    def json(self) -> Any:
        """The parsed body (None when empty), parsed once; handlers may change what they get."""
        if self._parsed is _UNPARSED:
            if not self.raw_body.strip():
                self._parsed = None
            else:
                try:
                    self._parsed = json.loads(self.raw_body)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise invalid("The request body is not valid JSON.") from exc
        return self._parsed

    def form(self) -> dict[str, str]:
        if "application/json" in self.headers.get("content-type", ""):
            raise OAuthError(
                400,
                "invalid_request",
                "Send the token request as application/x-www-form-urlencoded, not JSON.",
            )
        return dict(parse_qsl(self.raw_body.decode("utf-8", "replace")))

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")


Handler = Callable[[SandboxState, Request], Response]


@dataclass
class Route:
    method: str
    template: str
    scope: str | None
    handler: Handler
    pattern: re.Pattern[str]


ROUTES: list[Route] = []


def route(method: str, template: str, scope: str | None) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        regex = re.sub(
            r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
        )
        ROUTES.append(Route(method, template, scope, handler, re.compile(f"^{regex}$")))
        return handler

    return register


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for this request; raises 405 when only the method is wrong."""
    path_matches = False
    for candidate in ROUTES:
        found = candidate.pattern.match(path)
        if found:
            if candidate.method == method:
                return candidate, found.groupdict()
            path_matches = True
    if path_matches:
        raise ApiError(405, f"{method} is not allowed on {path}.")
    return None


# -- OAuth -------------------------------------------------------------------------------------


@route("POST", f"{PREFIX}/token", None)
def issue_token(state: SandboxState, request: Request) -> Response:
    return 200, state.tokens.issue(request.authorization, request.form())


@route("POST", f"{PREFIX}/token/revoke", None)
def revoke_token(state: SandboxState, request: Request) -> Response:
    state.tokens.revoke(request.authorization, request.form())
    return 200, None


# -- connection --------------------------------------------------------------------------------


@route("GET", f"{PREFIX}/accounting/all-connections", "accounting:read")
def all_connections(state: SandboxState, request: Request) -> Response:
    return 200, {"connections": [dict(c) for c in state.connections]}


@route("GET", f"{PREFIX}/accounting/connection", "accounting:read")
def current_connection(state: SandboxState, request: Request) -> Response:
    active = state.active_connection()
    if active is None:
        raise ApiError(404, "There is no active accounting connection.")
    return 200, dict(active)


@route("POST", f"{PREFIX}/accounting/connection", "accounting:write")
def create_connection(state: SandboxState, request: Request) -> Response:
    return 201, state.create_connection(request.json())


@route("POST", f"{PREFIX}/accounting/connection/{{connection_id}}/reactivate", "accounting:write")
def reactivate_connection(state: SandboxState, request: Request) -> Response:
    return 200, state.reactivate_connection(request.params["connection_id"])


@route("DELETE", f"{PREFIX}/accounting/connection", "accounting:write")
def delete_connection(state: SandboxState, request: Request) -> Response:
    state.delete_connection()
    return 204, None


# -- categories --------------------------------------------------------------------------------

CATEGORY_PATHS = {
    "gl_accounts": ("accounts", "gl_account_id"),
    "vendors": ("vendors", "vendor_id"),
    "fields": ("fields", "field_id"),
    "field_options": ("field-options", "field_option_id"),
    "subsidiaries": ("subsidiaries", "subsidiary_id"),
}


SUBSIDIARIES_PATH = f"{PREFIX}/accounting/subsidiaries"


def served(state: SandboxState, found: Route) -> bool:
    """Whether this sandbox serves the route: today's Ramp has no subsidiaries endpoint (it answers
    404, reference §4); `--subsidiaries` brings back the May 2023 one for teams on old accounts."""
    return state.subsidiaries_enabled or not found.template.startswith(SUBSIDIARIES_PATH)


def check_request(found: Route, request: Request) -> None:
    """The request's body and query against the spec (sandbox/ramp/validation.py): a 400 naming
    each field that is wrong, before the handler sees the request."""
    operation = OPERATIONS.get((found.method, found.template))
    if operation is None:  # the token endpoints: their form is auth.py's
        return
    body = request.json() if operation.body is not None else None
    problems = validate((found.method, found.template), request.query.pairs, body)
    if problems:
        raise ApiError(400, f"Invalid request: {first_problem(problems)}", problems)


def _register_category_routes(kind: str, segment: str, id_name: str) -> None:
    base = f"{PREFIX}/accounting/{segment}"
    one = f"{base}/{{{id_name}}}"

    def list_items(state: SandboxState, request: Request) -> Response:
        books = state.active_books()
        field_id = (
            state.field_for_options(books, request.query.get("field_id")) if kind == "field_options" else None
        )
        return 200, books.list_page(kind, request.query, field_id)

    def create_items(state: SandboxState, request: Request) -> Response:
        books = state.active_books()
        body = request.json()
        connections.refuse_category_write(state, kind, "POST", body)
        if kind == "fields":
            return 201, books.create_field(body, utc_now())
        field_id = None
        if kind == "field_options":
            field_id = state.field_for_options(
                books, body.get("field_id") if isinstance(body, dict) else None
            )
        return 201, books.upload(kind, body, utc_now(), field_id)

    def get_item(state: SandboxState, request: Request) -> Response:
        return 200, public(state.active_books().find(kind, request.params[id_name]))

    def patch_item(state: SandboxState, request: Request) -> Response:
        books = state.active_books()
        body = request.json()
        connections.refuse_category_write(state, kind, "PATCH", body)
        return 200, books.patch(kind, request.params[id_name], body, utc_now())

    def delete_item(state: SandboxState, request: Request) -> Response:
        books = state.active_books()
        connections.refuse_category_write(state, kind, "DELETE", None)
        books.delete(kind, request.params[id_name], utc_now())
        return 204, None

    route("GET", base, "accounting:read")(list_items)
    route("POST", base, "accounting:write")(create_items)
    route("GET", one, "accounting:read")(get_item)
    route("PATCH", one, "accounting:write")(patch_item)
    route("DELETE", one, "accounting:write")(delete_item)


for _kind, (_segment, _id_name) in CATEGORY_PATHS.items():
    _register_category_routes(_kind, _segment, _id_name)


# -- transactions, syncs, entities -------------------------------------------------------------


@route("GET", f"{PREFIX}/transactions", "transactions:read")
def list_transactions(state: SandboxState, request: Request) -> Response:
    return 200, state.transactions.list_page(request.query)


@route("GET", f"{PREFIX}/transactions/{{transaction_id}}", "transactions:read")
def get_transaction(state: SandboxState, request: Request) -> Response:
    return 200, state.transactions.get(request.params["transaction_id"])


@route("POST", f"{PREFIX}/accounting/syncs", "accounting:write")
def post_syncs(state: SandboxState, request: Request) -> Response:
    connections.refuse_sync(state)
    return 201, state.post_sync(request.json(), utc_now())


@route("GET", f"{PREFIX}/entities", "entities:read")
def list_entities(state: SandboxState, request: Request) -> Response:
    return 200, state.entity_page(request.query)


@route("GET", f"{PREFIX}/entities/{{entity_id}}", "entities:read")
def get_entity(state: SandboxState, request: Request) -> Response:
    entity_id = request.params["entity_id"]
    if not is_uuid(entity_id):
        raise invalid("entity_id must be a uuid.", entity_id=["Not a valid UUID."])
    return 200, state.entity(entity_id)


# -- reimbursements, bills, transfers, cashbacks, statements: one list and one get per kind ------


def _register_object_routes(kind: str, path: str, id_param: str, scope: str) -> None:
    def list_objects(state: SandboxState, request: Request) -> Response:
        return 200, state.objects.list_page(kind, request.query)

    def get_object(state: SandboxState, request: Request) -> Response:
        return 200, state.objects.get(kind, request.params[id_param])

    route("GET", f"{PREFIX}{path}", scope)(list_objects)
    route("GET", f"{PREFIX}{path}/{{{id_param}}}", scope)(get_object)


for _object in OBJECT_KINDS.values():
    if _object.path is not None:
        _register_object_routes(_object.name, _object.path, _object.id_param, _object.scope)


# -- webhooks: any valid token (the spec's `security: [{oauth2: []}]`) -------------------------


def _webhook_id(request: Request) -> str:
    webhook_id = request.params["webhook_id"]
    if not is_uuid(webhook_id):
        raise invalid("webhook_id must be a uuid.", webhook_id=["Not a valid UUID."])
    return webhook_id


@route("GET", f"{PREFIX}/webhooks", ANY_SCOPE)
def list_webhooks(state: SandboxState, request: Request) -> Response:
    return 200, state.webhooks.list_all()


@route("POST", f"{PREFIX}/webhooks", ANY_SCOPE)
def create_webhook(state: SandboxState, request: Request) -> Response:
    token = state.tokens.check(request.authorization, ANY_SCOPE)
    return 201, state.webhooks.subscribe(request.json(), token.scopes)


@route("GET", f"{PREFIX}/webhooks/{{webhook_id}}", ANY_SCOPE)
def get_webhook(state: SandboxState, request: Request) -> Response:
    return 200, state.webhooks.get(_webhook_id(request))


@route("DELETE", f"{PREFIX}/webhooks/{{webhook_id}}", ANY_SCOPE)
def delete_webhook(state: SandboxState, request: Request) -> Response:
    state.webhooks.delete(_webhook_id(request))
    return 204, None


@route("POST", f"{PREFIX}/webhooks/{{webhook_id}}/verify", ANY_SCOPE)
def verify_webhook(state: SandboxState, request: Request) -> Response:
    return 200, state.webhooks.verify(_webhook_id(request), request.json())


# -- the test API: no auth, no rate limit, no faults -------------------------------------------

SANDBOX_ROUTES: dict[tuple[str, str], Handler] = {}


def sandbox_route(method: str, path: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        SANDBOX_ROUTES[(method, path)] = handler
        return handler

    return register


@sandbox_route("POST", "/_sandbox/reset")
def reset(state: SandboxState, request: Request) -> Response:
    state.reset()
    return 200, {"ok": True}


@sandbox_route("POST", "/_sandbox/transactions")
def add_transactions(state: SandboxState, request: Request) -> Response:
    return 201, state.add_transactions(request.json())


@sandbox_route("POST", "/_sandbox/objects")
def add_objects(state: SandboxState, request: Request) -> Response:
    """`{"kind": "bills", "generate": N, "seed": S}` or `{"kind": "bills", "objects": [...]}`."""
    return 201, state.add_objects(request.json())


@sandbox_route("POST", "/_sandbox/ready")
def mark_ready(state: SandboxState, request: Request) -> Response:
    """`{"kind": "bills", "ids": [...]}`: ready to sync, as a Ramp user would; fires the webhooks."""
    return 200, state.mark_ready(request.json())


@sandbox_route("GET", "/_sandbox/webhooks")
def webhook_deliveries(state: SandboxState, request: Request) -> Response:
    return 200, state.webhooks.snapshot()


@sandbox_route("GET", "/_sandbox/state")
def snapshot(state: SandboxState, request: Request) -> Response:
    return 200, state.snapshot(summary=request.query.boolean("summary") or False)


@sandbox_route("POST", "/_sandbox/connections")
def add_connection(state: SandboxState, request: Request) -> Response:
    """A connection as if set up in Ramp's UI, of a kind: sandbox/ramp/connections.py."""
    return 201, connections.add_connection(state, request.json(), utc_now())


def sandbox_handler(method: str, path: str) -> Handler | None:
    """The test endpoint for a request; `/_sandbox/connections/{id}/deactivate` carries an id."""
    if method == "POST" and connections.DEACTIVATE.match(path):
        return lambda state, request: (200, connections.deactivate(state, request.path))
    return SANDBOX_ROUTES.get((method, path))


@sandbox_route("POST", "/_sandbox/faults")
def set_faults(state: SandboxState, request: Request) -> Response:
    config = FaultConfig.from_json(request.json() or {})
    state.faults.configure(config)
    return 200, {"faults": config.to_json()}


@sandbox_route("GET", "/_sandbox/faults")
def get_faults(state: SandboxState, request: Request) -> Response:
    return 200, {"faults": state.faults.config.to_json(), "injected": dict(state.faults.injected)}


OPTIONS = ("subsidiaries", "read_lag_ms", "webhooks")


@sandbox_route("POST", "/_sandbox/options")
def set_options(state: SandboxState, request: Request) -> Response:
    """Options beside the faults, each kept until the next reset (which restores the defaults):
    `{"subsidiaries": true}` serves the May 2023 subsidiaries endpoints (default: 404, like Ramp today);
    `{"read_lag_ms": 2000}` makes GETs see writes only 2 s later (a read replica, replica.py);
    `{"webhooks": {"duplicate_rate": 0.2, "reorder": true, "seed": 1}}` makes deliveries repeat
    and arrive out of order, as Ramp's guide warns (both off by default)."""
    body = request.json() or {}
    if not isinstance(body, dict) or set(body) - set(OPTIONS):
        raise invalid(f"The options are {', '.join(OPTIONS)}.", **{k: ["Unknown option."] for k in body})
    with_subsidiaries = body.get("subsidiaries", state.subsidiaries_enabled)
    lag_ms = body.get("read_lag_ms", state.replica.lag_s * 1000)
    if not isinstance(with_subsidiaries, bool):
        raise invalid("subsidiaries must be true or false.", subsidiaries=["Not a valid boolean."])
    if isinstance(lag_ms, bool) or not isinstance(lag_ms, int | float) or lag_ms < 0:
        raise invalid("read_lag_ms must be a number >= 0.", read_lag_ms=["Not a valid number."])
    if "webhooks" in body:
        state.webhooks.configure(WebhookOptions.from_json(body["webhooks"]))
    state.subsidiaries_enabled = with_subsidiaries
    if "read_lag_ms" in body:
        state.replica.configure(lag_ms, state)
    return 200, {
        "subsidiaries": state.subsidiaries_enabled,
        "read_lag_ms": state.replica.lag_s * 1000,
        "webhooks": state.webhooks.snapshot()["options"],
    }


@sandbox_route("POST", "/_sandbox/expire-tokens")
def expire_tokens(state: SandboxState, request: Request) -> Response:
    return 200, {"expired": state.tokens.expire_all()}
