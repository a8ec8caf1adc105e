"""The sandbox's whole state and its rules, behind one lock.

Connections follow Ramp's accounting guide: one active connection at a time; each connection owns
its categories; disconnecting hides them and reactivating the same connection restores them.
Category calls without an active connection are refused with a 400 that says what to do.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sandbox.ramp import connections
from sandbox.ramp.auth import TokenStore
from sandbox.ramp.categories import Books, is_uuid, public
from sandbox.ramp.errors import ApiError, invalid
from sandbox.ramp.faults import FaultInjector
from sandbox.ramp.generate import entities, generate_transactions
from sandbox.ramp.objects import BY_SYNC_TYPE, ObjectBook
from sandbox.ramp.objects import KINDS as OBJECT_KINDS
from sandbox.ramp.pagination import Query
from sandbox.ramp.ratelimit import RollingWindowLimiter
from sandbox.ramp.replica import Replica
from sandbox.ramp.transactions import TransactionBook, normalize
from sandbox.ramp.webhooks import WebhookHub, WebhookOptions

NO_CONNECTION = (
    "No active accounting connection. Register one with POST /developer/v1/accounting/connection "
    "(or reactivate a previous one) before working with accounting categories."
)


def utc_now() -> str:
    return datetime.now(UTC).isoformat()


def _describe(connection: dict[str, Any]) -> str:
    return f"{connection['remote_provider_name']}, id {connection['id']}"


class SandboxState:
    """Everything the sandbox knows. Hold `lock` around every read or write."""

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        rate_limit: int = 200,
        rate_window_s: float = 10.0,
        subsidiaries: bool = False,
        seed_transactions: int = 0,
        seed: int = 0,
    ) -> None:
        self.lock = threading.RLock()
        self.tokens = TokenStore(client_id, client_secret)
        self.limiter = RollingWindowLimiter(rate_limit, rate_window_s)
        self.subsidiaries_default = subsidiaries  # what a reset comes back to
        self.seed_transactions = seed_transactions
        self.seed = seed
        self.in_flight = 0  # API requests being served now; not reset, as some may be in flight
        self.webhooks = WebhookHub()  # its delivery thread outlives resets
        self.reset()

    def reset(self) -> None:
        """Back to a fresh sandbox. Issued tokens stay valid, so a running client keeps working."""
        with self.lock:
            self.connections: list[dict[str, Any]] = []
            self.books: dict[str, Books] = {}
            self.connection_kinds: dict[str, str] = {}  # id -> kind (sandbox/ramp/connections.py)
            self.transactions = TransactionBook()
            self.objects = ObjectBook(self.transactions.syncs, self.transactions.idempotency)
            self.webhooks.reset()
            self.webhooks.configure(WebhookOptions())  # options too: each test starts from the defaults
            self.entities = entities()
            self.requests_by_route: Counter[str] = Counter()
            self.requests_by_status: Counter[str] = Counter()
            self.rate_limited = 0
            self.max_in_flight = 0
            self.faults = FaultInjector()
            self.limiter.reset()
            self.subsidiaries_enabled = self.subsidiaries_default
            self.replica = Replica()  # no read lag until `read_lag_ms` is set
            if self.seed_transactions:
                self.transactions.add(generate_transactions(self.seed_transactions, self.seed))

    # -- connections ---------------------------------------------------------------------------

    def active_connection(self) -> dict[str, Any] | None:
        return next((c for c in self.connections if c["is_active"]), None)

    def active_books(self) -> Books:
        connection = self.active_connection()
        if connection is None:
            raise ApiError(400, NO_CONNECTION, {"connection": ["No active accounting connection."]})
        return self.books[connection["id"]]

    def create_connection(self, body: Any) -> dict[str, Any]:
        name = body["remote_provider_name"]  # the body's shape is the spec's (validation.py)
        if not name.strip():  # assumption: a blank name is refused; the spec says only `string`
            raise invalid(
                "remote_provider_name may not be blank.", remote_provider_name=["Field may not be blank."]
            )
        reactivate = body.get("reactivate", False)
        active = self.active_connection()
        if active is not None:
            raise invalid(
                f"An accounting connection is already active ({_describe(active)}). Only one connection can "
                "be active: disconnect it first with DELETE /developer/v1/accounting/connection.",
                remote_provider_name=["An accounting connection is already active."],
            )
        if reactivate:  # deprecated flag: brings back the latest connection with this name
            previous = [c for c in self.connections if c["remote_provider_name"] == name]
            if previous:
                return self._link(previous[-1])
        return self.new_connection(name, utc_now())

    def new_connection(self, name: str, now: str, active: bool = True) -> dict[str, Any]:
        connection_id = str(uuid.uuid4())
        connection: dict[str, Any] = {
            "id": connection_id,
            "created_at": now,
            "is_active": active,
            "last_linked_at": now if active else None,
            "remote_provider_name": name,
            "status": "linked" if active else "unlinked",
        }
        self.connections.append(connection)
        self.books[connection_id] = Books()
        return dict(connection)

    def reactivate_connection(self, connection_id: str) -> dict[str, Any]:
        if not is_uuid(connection_id):
            raise invalid("connection_id must be a uuid.", connection_id=["Not a valid UUID."])
        connection = next((c for c in self.connections if c["id"] == connection_id), None)
        if connection is None:
            raise ApiError(404, f"Accounting connection {connection_id!r} was not found.")
        active = self.active_connection()
        if active is not None and active is not connection:
            raise invalid(
                f"Another accounting connection is active ({_describe(active)}); "
                "disconnect it before reactivating this one.",
                connection_id=["Another connection is active."],
            )
        return self._link(connection)

    def _link(self, connection: dict[str, Any]) -> dict[str, Any]:
        connection.update(is_active=True, status="linked", last_linked_at=utc_now())
        return dict(connection)

    def delete_connection(self) -> None:
        active = self.active_connection()
        if active is None:
            raise ApiError(404, "There is no active accounting connection to disconnect.")
        connections.refuse_disconnect(self)
        active.update(is_active=False, status="unlinked")

    # -- custom field options need their field -------------------------------------------------

    def field_for_options(self, books: Books, field_id: Any) -> str:
        if field_id is None:
            raise invalid(
                "field_id (the custom field's ramp_id) is required.",
                field_id=["Missing data for required field."],
            )
        if not is_uuid(field_id):
            raise invalid(
                f"field_id must be the custom field's ramp_id (a uuid), not its ERP id ({field_id!r}). "
                "Find it with GET /developer/v1/accounting/fields?remote_id=<ERP id>.",
                field_id=["Not a valid UUID."],
            )
        if field_id not in books.collections["fields"].by_ramp_id:
            raise invalid(
                f"No custom field with ramp_id {field_id} in the active connection; create the field first.",
                field_id=["Custom field not found."],
            )
        return str(field_id)

    # -- entities ------------------------------------------------------------------------------

    def entity_page(self, query: Query) -> dict[str, Any]:
        currency, name, primary = query.get("currency"), query.get("entity_name"), query.boolean("is_primary")
        items = self.entities
        start = query.start()
        if start is not None:
            ids = [e["id"] for e in items]
            if start not in ids:
                raise invalid(
                    "start must be the id of the last item of the previous page.", start=["Unknown id."]
                )
            items = items[ids.index(start) + 1 :]
        return query.page(
            e
            for e in items
            if (currency is None or e["currency"] == currency)
            and (name is None or e["entity_name"] == name)
            and (primary is None or e["is_primary"] == primary)
        )

    def entity(self, entity_id: str) -> dict[str, Any]:
        found = next((e for e in self.entities if e["id"] == entity_id), None)
        if found is None:
            raise ApiError(404, f"Entity {entity_id!r} was not found.")
        return found

    # -- syncs: transactions, or the object kind of the sync_type ------------------------------

    def post_sync(self, body: Any, now: str) -> dict[str, Any]:
        if isinstance(body, dict) and body.get("sync_type") in BY_SYNC_TYPE:
            return self.objects.post_sync(body, now)
        return self.transactions.post_sync(body, now)

    # -- the test API --------------------------------------------------------------------------

    def add_objects(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise invalid('Send {"kind": K, "generate": N, "seed": S} or {"kind": K, "objects": [...]}.')
        return self.objects.add(str(body.get("kind")), body)

    def mark_ready(self, body: Any) -> dict[str, Any]:
        """Marks objects ready to sync, as a Ramp user would, and fires the matching webhook events."""
        kinds = ["transactions", *(name for name, kind in OBJECT_KINDS.items() if kind.sync_type)]
        if (
            not isinstance(body, dict)
            or body.get("kind") not in kinds
            or not isinstance(body.get("ids"), list)
        ):
            raise invalid(f'Send {{"kind": K, "ids": [...]}} with K one of {", ".join(kinds)}.')
        ids = [str(i) for i in body["ids"]]
        if body["kind"] == "transactions":
            missing = [i for i in ids if i not in self.transactions.by_id]
            if missing:
                raise invalid(f"Unknown transaction id(s): {', '.join(missing[:10])}.", ids=missing)
            for ident in ids:
                self.transactions.by_id[ident].update(sync_status="SYNC_READY", synced_at=None)
            events = [("transactions.ready_to_sync", i) for i in ids]
        else:
            events = self.objects.mark_ready(body["kind"], ids, utc_now())
        sent = sum(self.webhooks.emit(event, ident) for event, ident in events)
        return {"ready": len(ids), "events": [e for e, _ in events], "deliveries_queued": sent}

    def add_transactions(self, body: Any) -> dict[str, Any]:
        if isinstance(body, dict) and "generate" in body:
            count, seed = body.get("generate"), body.get("seed", 0)
            if not isinstance(count, int) or not isinstance(seed, int) or count < 0:
                raise invalid("generate and seed must be integers.")
            created = generate_transactions(count, seed)
        elif isinstance(body, list):
            now = utc_now()
            created = [normalize(item, now) for item in body]
        else:
            raise invalid('Send a list of transactions or {"generate": N, "seed": S}.')
        ids = self.transactions.add(created)
        return {"created": len(ids), "ids": ids}

    def snapshot(self, summary: bool = False) -> dict[str, Any]:
        """Everything, for tests; `summary` gives category counts instead of rows (large uploads)."""
        transactions = self.transactions
        categories: dict[str, Any] = {
            cid: {kind: len(c.items) for kind, c in books.collections.items()}
            if summary
            else books.snapshot()
            for cid, books in self.books.items()
        }
        return {
            "connections": connections.with_kinds(self),
            "active_connection_id": (self.active_connection() or {}).get("id"),
            "categories": categories,
            "syncs": list(transactions.syncs),  # every kind's; each names its sync_type
            "sync_errors": {**transactions.sync_errors, **self.objects.sync_errors},
            "objects": self.objects.summary(),
            "webhooks": self.webhooks.snapshot(),
            "transactions": {
                "count": len(transactions.items),
                "by_sync_status": dict(Counter(t["sync_status"] for t in transactions.items)),
            },
            "requests": {
                "by_route": dict(self.requests_by_route),
                "by_status": dict(self.requests_by_status),
                "rate_limited": self.rate_limited,
                "faults_injected": dict(self.faults.injected),
                "total": sum(self.requests_by_route.values()),
                "max_in_flight": self.max_in_flight,
                "in_flight": self.in_flight,  # e.g. sent by a client that was killed meanwhile
            },
            "faults": self.faults.config.to_json(),
            "tokens_active": len(self.tokens.tokens),
            "subsidiaries_enabled": self.subsidiaries_enabled,
            "read_lag_ms": self.replica.lag_s * 1000,
        }


__all__ = ["SandboxState", "public", "utc_now"]
