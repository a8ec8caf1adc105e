"""Ramp's webhooks: subscriptions (`/developer/v1/webhooks`, in the spec) and signed deliveries.

From the spec and Ramp's webhook guide (shared/reference/ramp-api.md §8):
- `POST /webhooks` takes `endpoint_url`, `event_types` (the spec's enum), `additional_headers`
  (at most 5; names <= 100, values 1..1000 characters); it answers 201 with the `secret`, which no
  other call returns; the status starts `pending_verification` and Ramp sends a challenge to the
  endpoint, handed back through `POST /webhooks/{id}/verify` (200 `{success}`); `GET /webhooks` is
  a bare array; to change a URL, delete and re-create (DELETE answers 204).
- Webhook calls accept any token, but it must hold each subscribed event's resource scope.
- A delivery is `{"id", "type", "created_at", "business_id", "object": {"id"}}`, signed with
  `X-Ramp-Webhook-Signature`: hex HMAC-SHA256 of the raw body keyed with the subscription's secret.
  The event id is the same on every retry. 2xx within 10 s is success; 3xx/4xx other than 429 is
  final; 429, 5xx or a timeout is retried up to 10 times with exponential backoff and jitter.
- Ramp warns that events arrive out of order and may repeat. Here both are off by default so tests
  are deterministic; `POST /_sandbox/options {"webhooks": {"duplicate_rate": .., "reorder": ..}}`
  turns them on (seeded).

assumption: the challenge delivery's shape is undocumented; it is the usual envelope with type
`webhooks.verification` and `"challenge"` at the top level, `object.id` being the subscription id.
assumption: events go only to `active` (verified) subscriptions; a wrong challenge answers
`{"success": false}` and leaves the subscription pending.
assumption: retry waits are scaled down (`retry_base_s`, default 0.05 s, doubling, up to 25 % jitter)
so tests need not wait Ramp's first 0-60 s; the 10 s answer timeout is `timeout_s`.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import random
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sandbox.ramp.errors import ApiError, invalid

SIGNATURE_HEADER = "X-Ramp-Webhook-Signature"
BUSINESS_ID = "b12a3456-7890-4234-9678-901234567890"
EVENT_TYPES = (
    "bills.approved", "bills.created", "bills.paid", "bills.rejected", "purchase_orders.created",
    "purchase_orders.updated", "reimbursements.ready_for_review", "reimbursements.ready_to_sync",
    "tests.test_event", "transactions.authorized", "transactions.cleared", "transactions.ready_for_review",
    "transactions.ready_to_sync", "webhooks.verification",
)  # fmt: skip
# The resource scope a token needs to subscribe to an event (reference §1, §8); none for the rest.
EVENT_SCOPES = {
    "bills": "bills:read",
    "purchase_orders": "purchase_orders:read",
    "reimbursements": "reimbursements:read",
    "transactions": "transactions:read",
}
MAX_HEADERS = 5


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class WebhookOptions:
    duplicate_rate: float = 0.0  # share of events delivered twice (same event id)
    reorder: bool = False  # deliver due events in a shuffled order
    seed: int | None = None
    max_retries: int = 10
    retry_base_s: float = 0.05
    timeout_s: float = 10.0

    @classmethod
    def from_json(cls, body: Any) -> WebhookOptions:
        if not isinstance(body, dict) or set(body) - set(cls.__dataclass_fields__):
            raise invalid(f"webhooks options are {', '.join(cls.__dataclass_fields__)}.")
        options = cls(**body)
        if not 0 <= options.duplicate_rate <= 1 or options.retry_base_s < 0 or options.timeout_s <= 0:
            raise invalid("duplicate_rate is 0..1, retry_base_s >= 0, timeout_s > 0.")
        return options


@dataclass(order=True)
class _Delivery:
    due: float
    seq: int
    subscription_id: str = field(compare=False)
    event: dict[str, Any] = field(compare=False)
    attempt: int = field(default=1, compare=False)
    generation: int = field(default=0, compare=False)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Ramp's guide: a 3xx answer is a final failure, never followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookHub:
    """Subscriptions and a delivery worker thread. API calls hold the sandbox lock; the worker
    only takes the hub's own lock, so a slow endpoint never blocks the API."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: list[_Delivery] = []
        self._seq = itertools.count()
        self._worker: threading.Thread | None = None
        self.options = WebhookOptions()
        self._rng = random.Random()
        self.generation = 0
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.attempts: list[dict[str, Any]] = []

    def reset(self) -> None:
        with self._cond:
            self.generation += 1
            self.subscriptions = {}
            self.attempts = []
            self._queue.clear()

    def configure(self, options: WebhookOptions) -> None:
        with self._cond:
            self.options = options
            self._rng = random.Random(options.seed)

    # -- the API -------------------------------------------------------------------------------

    def subscribe(self, body: Any, scopes: frozenset[str]) -> dict[str, Any]:
        # Types, the event enum and header values of 1..1000 characters are the spec's (validation.py);
        # what it says only in words, or not at all, is checked here.
        url, events, headers = body["endpoint_url"], body["event_types"], body.get("additional_headers", {})
        problems: dict[str, list[str]] = {}
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:  # format: url
            problems["endpoint_url"] = ["Not a valid URL."]
        if not events:  # assumption: a subscription to no event is refused; the spec has no minItems
            problems["event_types"] = ["At least one event type."]
        # The description says "Max 5 headers, header names max 100 chars" (its maxLength: 5 sits on
        # an object, where JSON Schema ignores it).
        if len(headers) > MAX_HEADERS or any(len(k) > 100 for k in headers):
            problems["additional_headers"] = ["At most 5 headers; names <= 100, values 1..1000 characters."]
        if problems:
            raise ApiError(400, f"Invalid webhook subscription ({next(iter(problems))}).", problems)
        events = list(events or [])
        missing = sorted(
            {EVENT_SCOPES[e.split(".")[0]] for e in events if e.split(".")[0] in EVENT_SCOPES} - scopes
        )
        if missing:
            raise ApiError(
                403,
                f"This token lacks the scope(s) {' '.join(missing)} for these events.",
                {"scope": missing},
            )
        now = _now()
        subscription: dict[str, Any] = {
            "id": str(uuid.uuid4()), "endpoint_url": url, "event_types": list(events),
            "status": "pending_verification", "business_id": BUSINESS_ID,
            "created_at": now, "updated_at": now,
            "_secret": "ramp_sec_" + secrets.token_urlsafe(24), "_headers": dict(headers),
            "_challenge": "ramp_challenge_" + secrets.token_hex(16),
        }  # fmt: skip
        with self._cond:
            self.subscriptions[subscription["id"]] = subscription
        event = self._event("webhooks.verification", subscription["id"])
        self._enqueue(subscription["id"], {**event, "challenge": subscription["_challenge"]})
        return {
            **self._public(subscription),
            "secret": subscription["_secret"],
            "additional_headers": dict(headers),
        }

    def list_all(self) -> list[dict[str, Any]]:
        with self._cond:
            return [self._public(s) for s in self.subscriptions.values()]

    def get(self, webhook_id: str) -> dict[str, Any]:
        return self._public(self._find(webhook_id))

    def delete(self, webhook_id: str) -> None:
        subscription = self._find(webhook_id)
        with self._cond:
            self.subscriptions.pop(subscription["id"], None)

    def verify(self, webhook_id: str, body: Any) -> dict[str, Any]:
        subscription = self._find(webhook_id)
        if not hmac.compare_digest(body["challenge"], subscription["_challenge"]):
            return {"success": False}
        subscription.update(status="active", updated_at=_now())
        return {"success": True}

    def _find(self, webhook_id: str) -> dict[str, Any]:
        found = self.subscriptions.get(webhook_id)
        if found is None:
            raise ApiError(
                404, f"Webhook subscription {webhook_id!r} was not found.", {"webhook_id": ["Not found."]}
            )
        return found

    @staticmethod
    def _public(subscription: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in subscription.items() if not k.startswith("_")}

    # -- events --------------------------------------------------------------------------------

    def emit(self, event_type: str, object_id: str) -> int:
        """Queues the event for each active subscription to it; returns how many were queued."""
        with self._cond:
            targets = [
                s["id"]
                for s in self.subscriptions.values()
                if s["status"] == "active" and event_type in s["event_types"]
            ]
            for subscription_id in targets:
                event = self._event(event_type, object_id)
                self._enqueue(subscription_id, event)
                if self.options.duplicate_rate and self._rng.random() < self.options.duplicate_rate:
                    self._enqueue(subscription_id, event)  # Ramp's guide: the same event may come twice
        return len(targets)

    @staticmethod
    def _event(event_type: str, object_id: str) -> dict[str, Any]:
        return {"id": str(uuid.uuid4()), "type": event_type, "created_at": _now(), "business_id": BUSINESS_ID,
                "object": {"id": object_id}}  # fmt: skip

    def _enqueue(
        self, subscription_id: str, event: dict[str, Any], attempt: int = 1, due: float = 0.0
    ) -> None:
        with self._cond:
            delivery = _Delivery(
                due or time.monotonic(), next(self._seq), subscription_id, event, attempt, self.generation
            )
            heapq.heappush(self._queue, delivery)
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="ramp-webhooks", daemon=True)
                self._worker.start()
            self._cond.notify()

    def _next(self) -> _Delivery:
        with self._cond:
            while True:
                now = time.monotonic()
                if self._queue and self._queue[0].due <= now:
                    due = [d for d in self._queue if d.due <= now]
                    chosen = self._rng.choice(due) if self.options.reorder else self._queue[0]
                    self._queue.remove(chosen)
                    heapq.heapify(self._queue)
                    return chosen
                self._cond.wait(timeout=(self._queue[0].due - now) if self._queue else None)

    def _work(self) -> None:
        while True:
            delivery = self._next()
            with self._cond:
                subscription = self.subscriptions.get(delivery.subscription_id)
                options = self.options
                if subscription is None or delivery.generation != self.generation:
                    continue
            status, retry = self._send(subscription, delivery.event, options.timeout_s)
            with self._cond:
                if delivery.generation != self.generation:
                    continue
                self.attempts.append({"event_id": delivery.event["id"], "type": delivery.event["type"],
                                      "webhook_id": subscription["id"], "attempt": delivery.attempt,
                                      "status": status, "at": _now()})  # fmt: skip
                if retry and delivery.attempt <= options.max_retries:
                    wait = options.retry_base_s * 2 ** (delivery.attempt - 1) * (1 + self._rng.random() / 4)
                    self._enqueue(
                        delivery.subscription_id,
                        delivery.event,
                        delivery.attempt + 1,
                        time.monotonic() + wait,
                    )

    @staticmethod
    def _send(subscription: dict[str, Any], event: dict[str, Any], timeout_s: float) -> tuple[str, bool]:
        """POSTs one event; returns (status or "timeout"/"error", whether Ramp would retry)."""
        raw = json.dumps(event).encode()
        headers = {**subscription["_headers"], "Content-Type": "application/json",
                   SIGNATURE_HEADER: sign(subscription["_secret"], raw)}  # fmt: skip
        request = urllib.request.Request(
            subscription["endpoint_url"], data=raw, headers=headers, method="POST"
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())
        try:
            with opener.open(request, timeout=timeout_s) as answer:
                return str(answer.status), False
        except urllib.error.HTTPError as error:
            return str(error.code), error.code == 429 or error.code >= 500
        except TimeoutError:
            return "timeout", True
        except (urllib.error.URLError, OSError) as error:
            timed_out = isinstance(getattr(error, "reason", None), TimeoutError)
            return ("timeout" if timed_out else "error"), True

    def snapshot(self) -> dict[str, Any]:
        with self._cond:
            return {
                "subscriptions": [self._public(s) for s in self.subscriptions.values()],
                "attempts": list(self.attempts),
                "pending": len(self._queue),
                "options": asdict(self.options),
            }
