"""`RampClient`: the one way the bot talks to Ramp's Developer API, one method per endpoint.

Each method names its path, its scope and its retry kind (see `retry.py`: "always" for reads,
"safe" for writes that cannot apply twice, "refused-only" for batch creates), and returns our own
types from `models.py`. The request path itself (token, rate limit, retries, errors, pages) is
`RampSession` in session.py. Paths and bodies follow shared/ramp-api/openapi.json; limits and
traps are in shared/reference/ramp-api.md.

    with RampClient("https://demo-api.ramp.com", client_id, secret.reveal()) as ramp:
        for account in ramp.iter_gl_accounts(is_active=True):
            print(account.id, account.name)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from bot.ramp.auth import DEFAULT_SCOPES, OPTIONAL_SCOPES
from bot.ramp.errors import DirectConnectionRefused
from bot.ramp.models import (
    Connection,
    CustomField,
    Entity,
    FieldOption,
    GLAccount,
    Subsidiary,
    Transaction,
    Vendor,
)
from bot.ramp.objects import SyncObject
from bot.ramp.ratelimit import SlidingWindowLimiter, WindowHistory
from bot.ramp.session import PAGE_SIZE, READ_TIMEOUT_S, WRITE_TIMEOUT_S, RampSession

MAX_BATCH = 500  # GL accounts, vendors, field options, subsidiaries per POST (spec maxItems)
MAX_SYNC_ITEMS = 5000  # successful + failed per POST /accounting/syncs (Ramp's accounting guide)

if TYPE_CHECKING:
    from bot.syncable_kinds import SyncableKind

ACCOUNTING_READ = "accounting:read"
ACCOUNTING_WRITE = "accounting:write"
TRANSACTIONS_READ = "transactions:read"
ENTITIES_READ = "entities:read"

Item = Mapping[str, Any]


class RampClient:
    """A thread-safe client for Ramp's accounting endpoints; use one per process.

    `client_secret` is a plain string (the caller unwraps `bot.config.Secret`); it is kept only
    for the token request and never shown in a repr, a log line or an error. `sleep` and `clock`
    are injectable so tests need not wait. `timeout` is for reads, `write_timeout` for everything
    else; `history` lets a restarted process respect its predecessor's window (ratelimit.py).
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        scopes: tuple[str, ...] = DEFAULT_SCOPES,
        optional_scopes: tuple[str, ...] = OPTIONAL_SCOPES,
        rate_limit: int = 200,
        rate_window_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        timeout: float = READ_TIMEOUT_S,
        write_timeout: float = WRITE_TIMEOUT_S,
        max_retries: int = 6,
        backoff_base_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        history: WindowHistory | None = None,
    ) -> None:
        self._session = RampSession(
            base_url,
            client_id,
            client_secret,
            scopes=scopes,
            optional_scopes=optional_scopes,
            rate_limit=rate_limit,
            rate_window_s=rate_window_s,
            transport=transport,
            timeout=timeout,
            write_timeout=write_timeout,
            max_retries=max_retries,
            backoff_base_s=backoff_base_s,
            sleep=sleep,
            clock=clock,
            history=history,
        )

    def __repr__(self) -> str:
        return f"RampClient({self.base_url!r})"

    def __enter__(self) -> RampClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        return self._session.base_url

    @property
    def limiter(self) -> SlidingWindowLimiter:
        """The rate limiter every request (token requests too) passes through."""
        return self._session.limiter

    @property
    def missing_scopes(self) -> tuple[str, ...]:
        """Optional scopes (the other syncable objects') the Ramp app was found not to hold."""
        return self._session.missing_scopes

    def last_sent_at(self) -> float:
        """`time.monotonic()` when this thread's last request left (after any wait for a rate-limit
        slot): where a write stands among others, for reading them back (services/upload_run.py)."""
        return self._session.last_sent_at()

    def watch_direct_refusals(self, watcher: Callable[[DirectConnectionRefused], None]) -> None:
        """`watcher` hears every write refused because the active connection is direct (session.py)."""
        self._session.watch_direct_refusals(watcher)

    def close(self) -> None:
        self._session.close()

    def revoke_token(self) -> None:
        """POST /token/revoke for the cached token, if there is one."""
        self._session.revoke_token()

    # --- accounting connection -----------------------------------------------------------------

    def list_connections(self) -> list[Connection]:
        """GET /accounting/all-connections (not paginated). Retry: always."""
        body = self._session.call("GET", "/accounting/all-connections", retry="always", scope=ACCOUNTING_READ)
        return [Connection.from_ramp(item) for item in body.get("connections") or ()]

    def active_connection(self) -> Connection | None:
        return next((c for c in self.list_connections() if c.is_active), None)

    def create_connection(self, remote_provider_name: str) -> Connection:
        """POST /accounting/connection → 201. Retry: refused-only (a replay could hit the one just made)."""
        body = {"remote_provider_name": remote_provider_name}
        payload = self._session.call(
            "POST", "/accounting/connection", retry="refused-only", scope=ACCOUNTING_WRITE, body=body
        )
        return Connection.from_ramp(payload)

    def reactivate_connection(self, connection_id: str) -> Connection:
        """POST /accounting/connection/{id}/reactivate. Retry: refused-only."""
        path = f"/accounting/connection/{_id(connection_id)}/reactivate"
        return Connection.from_ramp(
            self._session.call("POST", path, retry="refused-only", scope=ACCOUNTING_WRITE)
        )

    def disconnect(self) -> None:
        """DELETE /accounting/connection → 204. Retry: safe (a replay finds none: NotFound)."""
        self._session.call("DELETE", "/accounting/connection", retry="safe", scope=ACCOUNTING_WRITE)

    # --- categories: GL accounts, vendors, fields, options, subsidiaries -----------------------
    # Lists and GETs retry always; PATCH and DELETE are idempotent ("safe"); batch POSTs are
    # all-or-nothing and fail on an existing id, so they are "refused-only".

    def iter_gl_accounts(self, **filters: Any) -> Iterator[GLAccount]:
        """Filters: remote_id, is_active, is_synced."""
        for item in self._session.paginate("/accounting/accounts", filters, scope=ACCOUNTING_READ):
            yield GLAccount.from_ramp(item)

    def get_gl_account(self, ramp_id: str) -> GLAccount:
        path = f"/accounting/accounts/{_id(ramp_id)}"
        return GLAccount.from_ramp(self._session.call("GET", path, retry="always", scope=ACCOUNTING_READ))

    def create_gl_accounts(self, items: Sequence[Item]) -> list[GLAccount]:
        """POST ≤500 `{id, name, classification, code?}`. Retry: refused-only."""
        if not _batch(items, "GL accounts"):
            return []
        body = {"gl_accounts": [dict(item) for item in items]}
        payload = self._session.call(
            "POST", "/accounting/accounts", retry="refused-only", scope=ACCOUNTING_WRITE, body=body
        )
        return [GLAccount.from_ramp(item) for item in payload.get("gl_accounts") or ()]

    def update_gl_account(self, ramp_id: str, **fields: Any) -> GLAccount:
        """PATCH name, code ("" clears), reactivate=True. Retry: safe."""
        path = f"/accounting/accounts/{_id(ramp_id)}"
        return GLAccount.from_ramp(
            self._session.call("PATCH", path, retry="safe", scope=ACCOUNTING_WRITE, body=fields)
        )

    def delete_gl_account(self, ramp_id: str) -> None:
        """DELETE (soft). Retry: safe."""
        self._session.call(
            "DELETE", f"/accounting/accounts/{_id(ramp_id)}", retry="safe", scope=ACCOUNTING_WRITE
        )

    def iter_vendors(self, **filters: Any) -> Iterator[Vendor]:
        """Filters: remote_id, is_active, is_synced."""
        for item in self._session.paginate("/accounting/vendors", filters, scope=ACCOUNTING_READ):
            yield Vendor.from_ramp(item)

    def get_vendor(self, ramp_id: str) -> Vendor:
        path = f"/accounting/vendors/{_id(ramp_id)}"
        return Vendor.from_ramp(self._session.call("GET", path, retry="always", scope=ACCOUNTING_READ))

    def create_vendors(self, items: Sequence[Item]) -> list[Vendor]:
        """POST ≤500 vendors, only `id` and `name` (Ramp takes no `code` on upload). Refused-only."""
        if not _batch(items, "vendors"):
            return []
        body = {"vendors": [{"id": item["id"], "name": item["name"]} for item in items]}
        payload = self._session.call(
            "POST", "/accounting/vendors", retry="refused-only", scope=ACCOUNTING_WRITE, body=body
        )
        return [Vendor.from_ramp(item) for item in payload.get("vendors") or ()]

    def update_vendor(self, ramp_id: str, **fields: Any) -> Vendor:
        """PATCH name, code ("" clears), reactivate=True. Retry: safe."""
        path = f"/accounting/vendors/{_id(ramp_id)}"
        return Vendor.from_ramp(
            self._session.call("PATCH", path, retry="safe", scope=ACCOUNTING_WRITE, body=fields)
        )

    def delete_vendor(self, ramp_id: str) -> None:
        """DELETE. Retry: safe."""
        self._session.call(
            "DELETE", f"/accounting/vendors/{_id(ramp_id)}", retry="safe", scope=ACCOUNTING_WRITE
        )

    def iter_fields(self, **filters: Any) -> Iterator[CustomField]:
        """Filters: remote_id, is_active."""
        for item in self._session.paginate("/accounting/fields", filters, scope=ACCOUNTING_READ):
            yield CustomField.from_ramp(item)

    def get_field(self, ramp_id: str) -> CustomField:
        path = f"/accounting/fields/{_id(ramp_id)}"
        return CustomField.from_ramp(self._session.call("GET", path, retry="always", scope=ACCOUNTING_READ))

    def create_field(
        self,
        id: str,
        name: str,
        input_type: str,
        is_splittable: bool = False,
        display_name: str | None = None,
        is_required_for: Sequence[str] | None = None,
    ) -> CustomField:
        """POST one field. Retry: safe (Ramp returns the existing field for a known `id`)."""
        body: dict[str, Any] = {
            "id": id,
            "name": name,
            "input_type": input_type,
            "is_splittable": is_splittable,
        }
        if display_name is not None:
            body["display_name"] = display_name
        if is_required_for is not None:
            body["is_required_for"] = list(is_required_for)
        payload = self._session.call(
            "POST", "/accounting/fields", retry="safe", scope=ACCOUNTING_WRITE, body=body
        )
        return CustomField.from_ramp(payload)

    def update_field(self, ramp_id: str, **fields: Any) -> CustomField:
        """PATCH name, display_name, is_splittable. Retry: safe."""
        path = f"/accounting/fields/{_id(ramp_id)}"
        return CustomField.from_ramp(
            self._session.call("PATCH", path, retry="safe", scope=ACCOUNTING_WRITE, body=fields)
        )

    def delete_field(self, ramp_id: str) -> None:
        """DELETE. Retry: safe."""
        self._session.call(
            "DELETE", f"/accounting/fields/{_id(ramp_id)}", retry="safe", scope=ACCOUNTING_WRITE
        )

    def iter_field_options(self, field_ramp_id: str, **filters: Any) -> Iterator[FieldOption]:
        """Options of one field (by the field's ramp_id). Filters: remote_id, code, is_active."""
        params = {**filters, "field_id": field_ramp_id}
        for item in self._session.paginate("/accounting/field-options", params, scope=ACCOUNTING_READ):
            yield FieldOption.from_ramp(item)

    def get_field_option(self, ramp_id: str) -> FieldOption:
        path = f"/accounting/field-options/{_id(ramp_id)}"
        return FieldOption.from_ramp(self._session.call("GET", path, retry="always", scope=ACCOUNTING_READ))

    def create_field_options(self, field_ramp_id: str, options: Sequence[Item]) -> list[FieldOption]:
        """POST ≤500 `{id, value, code?}` to the field with this ramp_id. Retry: refused-only."""
        if not _batch(options, "field options"):
            return []
        body = {"field_id": field_ramp_id, "options": [dict(option) for option in options]}
        payload = self._session.call(
            "POST", "/accounting/field-options", retry="refused-only", scope=ACCOUNTING_WRITE, body=body
        )
        return [FieldOption.from_ramp(item) for item in payload.get("options") or ()]

    def update_field_option(self, ramp_id: str, **fields: Any) -> FieldOption:
        """PATCH value, code, reactivate=True, display_name, visibility. Retry: safe."""
        path = f"/accounting/field-options/{_id(ramp_id)}"
        return FieldOption.from_ramp(
            self._session.call("PATCH", path, retry="safe", scope=ACCOUNTING_WRITE, body=fields)
        )

    def delete_field_option(self, ramp_id: str) -> None:
        """DELETE. Retry: safe."""
        self._session.call(
            "DELETE", f"/accounting/field-options/{_id(ramp_id)}", retry="safe", scope=ACCOUNTING_WRITE
        )

    def create_subsidiaries(self, items: Sequence[Item]) -> list[str]:
        """POST ≤500 `{id, name}` (2023 API; today's Ramp answers 404/405 → NotFound). Refused-only.

        Returns the `uploaded` Ramp ids."""
        if not _batch(items, "subsidiaries"):
            return []
        body = {"subsidiaries": [{"id": item["id"], "name": item["name"]} for item in items]}
        payload = self._session.call(
            "POST", "/accounting/subsidiaries", retry="refused-only", scope=ACCOUNTING_WRITE, body=body
        )
        return [str(ramp_id) for ramp_id in payload.get("uploaded") or ()]

    def iter_subsidiaries(self, **filters: Any) -> Iterator[Subsidiary]:
        """GET /accounting/subsidiaries (2023 API; NotFound where Ramp no longer has it)."""
        for item in self._session.paginate("/accounting/subsidiaries", filters, scope=ACCOUNTING_READ):
            yield Subsidiary.from_ramp(item)

    # --- syncs, transactions, entities ---------------------------------------------------------

    def post_syncs(
        self,
        idempotency_key: str,
        successful: Sequence[Item] = (),
        failed: Sequence[Item] = (),
        sync_type: str = "TRANSACTION_SYNC",
    ) -> str:
        """POST /accounting/syncs; returns the sync_id. Retry: safe (Ramp dedupes on idempotency_key).

        `successful`: `{id, reference_id}`; `failed`: `{id, error: {message}}`. An empty list is
        left out (the spec's minItems is 1); at most 5,000 items in total."""
        total = len(successful) + len(failed)
        if total == 0:
            raise ValueError("post_syncs needs at least one successful or failed item")
        if total > MAX_SYNC_ITEMS:
            raise ValueError(f"post_syncs takes at most {MAX_SYNC_ITEMS} items per call, got {total}")
        body: dict[str, Any] = {"idempotency_key": idempotency_key, "sync_type": sync_type}
        if successful:
            body["successful_syncs"] = [dict(item) for item in successful]
        if failed:
            body["failed_syncs"] = [dict(item) for item in failed]
        payload = self._session.call(
            "POST", "/accounting/syncs", retry="safe", scope=ACCOUNTING_WRITE, body=body
        )
        return str(payload.get("sync_id") or "")

    def iter_transactions(self, **params: Any) -> Iterator[Transaction]:
        """GET /transactions, e.g. `sync_status="SYNC_READY"`, `from_date=datetime`; booleans as "true"."""
        for item in self._session.paginate("/transactions", params, scope=TRANSACTIONS_READ):
            yield Transaction.from_ramp(item)

    def get_transaction(self, transaction_id: str) -> Transaction:
        path = f"/transactions/{_id(transaction_id)}"
        return Transaction.from_ramp(self._session.call("GET", path, retry="always", scope=TRANSACTIONS_READ))

    def iter_objects(self, kind: SyncableKind, **params: Any) -> Iterator[SyncObject]:
        """GET the kind's list (`/reimbursements`, `/bills` …) with its own filters, each item read
        into a SyncObject by the kind's parser. Scope: the kind's read scope."""
        for item in self._session.paginate(kind.path, params, scope=kind.scope):
            yield kind.parse(item)

    def first_objects(self, kind: SyncableKind, **params: Any) -> tuple[list[SyncObject], bool]:
        """One page of the kind's list (100 items, Ramp's largest) and whether more pages follow."""
        query = {**params, "page_size": PAGE_SIZE}
        body = self._session.call("GET", kind.path, retry="always", scope=kind.scope, params=query)
        items = [kind.parse(item) for item in body.get("data") or () if isinstance(item, Mapping)]
        return items, bool((body.get("page") or {}).get("next"))

    def get_object(self, kind: SyncableKind, object_id: str) -> SyncObject:
        path = f"{kind.path}/{_id(object_id)}"
        return kind.parse(self._session.call("GET", path, retry="always", scope=kind.scope))

    def iter_entities(self, **filters: Any) -> Iterator[Entity]:
        """Filters: currency, entity_name, is_primary."""
        for item in self._session.paginate("/entities", filters, scope=ENTITIES_READ):
            yield Entity.from_ramp(item)

    def get_entity(self, entity_id: str) -> Entity:
        return Entity.from_ramp(
            self._session.call("GET", f"/entities/{_id(entity_id)}", retry="always", scope=ENTITIES_READ)
        )

    # --- webhooks (reference §8; the scopes: `event_scopes` below) -----------------------------

    def list_webhooks(self) -> list[Webhook]:
        """GET /webhooks (a bare array). Retry: always."""
        body = self._session.call("GET", "/webhooks", retry="always", scope=ANY_TOKEN)
        return [Webhook.from_ramp(item) for item in body.get("data") or () if isinstance(item, Mapping)]

    def get_webhook(self, webhook_id: str) -> Webhook:
        path = f"/webhooks/{_id(webhook_id)}"
        return Webhook.from_ramp(self._session.call("GET", path, retry="always", scope=ANY_TOKEN))

    def create_webhook(self, endpoint_url: str, event_types: Sequence[str]) -> Webhook:
        """POST /webhooks → 201 with the `secret`. Retry: refused-only (a replay makes a second one)."""
        body = {"endpoint_url": endpoint_url, "event_types": list(event_types)}
        payload = self._session.call(
            "POST", "/webhooks", retry="refused-only", scope=event_scopes(event_types), body=body
        )
        return Webhook.from_ramp(payload)

    def delete_webhook(self, webhook_id: str) -> None:
        """DELETE /webhooks/{id} → 204. Retry: safe."""
        self._session.call("DELETE", f"/webhooks/{_id(webhook_id)}", retry="safe", scope=ANY_TOKEN)

    def verify_webhook(self, webhook_id: str, challenge: str) -> bool:
        """POST /webhooks/{id}/verify with the challenge Ramp sent to the endpoint. Retry: safe."""
        path = f"/webhooks/{_id(webhook_id)}/verify"
        payload = self._session.call(
            "POST", path, retry="safe", scope=ANY_TOKEN, body={"challenge": challenge}
        )
        return bool(payload.get("success"))


def _id(value: str) -> str:
    """A path segment: Ramp ids are uuids, but quote anyway so no id can change the path."""
    if not value:
        raise ValueError("an empty id cannot address a Ramp object")
    return quote(str(value), safe="")


def _batch(items: Sequence[Item], what: str) -> bool:
    """False for an empty batch (nothing to send); ValueError past Ramp's 500-item limit."""
    if len(items) > MAX_BATCH:
        raise ValueError(f"Ramp takes at most {MAX_BATCH} {what} per call, got {len(items)}")
    return bool(items)


# --- webhooks -------------------------------------------------------------------------------------
# Ramp's webhook calls take any valid token (the spec's `security: [{oauth2: []}]`), but subscribing
# to an event needs the read scope of its resource: `bills.paid` needs `bills:read` (reference §8).

ANY_TOKEN = ""  # no particular scope: any token of the app will do


def event_scopes(event_types: Sequence[str]) -> str:
    """The scopes a subscription to these events needs: `bills.paid` -> `bills:read`."""
    return " ".join(sorted({f"{event.split('.', 1)[0]}:read" for event in event_types}))


@dataclass(frozen=True)
class Webhook:
    """A webhook subscription. `secret` is set only in the answer to its creation (Ramp shows it once);
    it is left out of the repr, so no log line can carry it."""

    id: str
    endpoint_url: str
    event_types: tuple[str, ...]
    status: str  # active, inactive, pending_verification
    created_at: str | None = None
    secret: str = field(default="", repr=False)

    @classmethod
    def from_ramp(cls, payload: Mapping[str, Any]) -> Webhook:
        return cls(
            id=str(payload["id"]),
            endpoint_url=str(payload.get("endpoint_url") or ""),
            event_types=tuple(str(e) for e in payload.get("event_types") or ()),
            status=str(payload.get("status") or "").lower(),
            created_at=payload.get("created_at"),
            secret=str(payload.get("secret") or ""),
        )
