"""Ramp's webhooks, as the bot takes them: a delivery's signature and envelope (reference/ramp-api.md
§8), and `WebhookSetup`, behind `python -m bot webhooks subscribe | list | delete`.

A delivery is genuine when its `X-Ramp-Webhook-Signature` (or `X-Ramp-Signature`, as later,
unverified documents name it) is the hex HMAC-SHA256 of the raw body keyed with the secret of one of
our subscriptions, compared in constant time. The secret comes only in Ramp's answer to the
subscription's creation: it is kept in SQLite sealed (bot/sealed.py) and never printed or logged.
What an event means for notices is bot/services/notices.py's business.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from bot.ramp import RampClient
from bot.ramp.client import Webhook
from bot.sealed import Sealer
from bot.store import Store
from bot.syncable_kinds import KINDS, SyncableKind

# Ramp's guide names X-Ramp-Webhook-Signature; later third-party docs X-Ramp-Signature (reference §8).
SIGNATURE_HEADERS = ("x-ramp-webhook-signature", "x-ramp-signature")
VERIFICATION = "webhooks.verification"
CREATING_GRACE = timedelta(minutes=2)  # a subscription being made: deliveries may beat its secret here


class Verdict(Enum):
    OK = 200
    UNSIGNED = 401  # no secret of ours signed this body
    NOT_YET = 503  # a subscription is being made and its secret is not stored yet: Ramp retries 5xx


@dataclass(frozen=True)
class Delivery:
    verdict: Verdict
    webhook_id: str = ""  # the subscription whose secret signed it


def signed_with(secret: str, body: bytes, signature: str) -> bool:
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode("latin-1", "replace"))


@dataclass(frozen=True)
class WebhookEvent:
    """A delivery's envelope: `{id, type, created_at, business_id, object: {id}}` (reference §8)."""

    id: str
    type: str
    object_id: str
    challenge: str = ""

    @property
    def kinds(self) -> tuple[SyncableKind, ...]:
        return tuple(k for k in KINDS if self.type in k.events)


class BadEvent(ValueError):
    pass


def parse_event(body: bytes) -> WebhookEvent:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BadEvent("the body is not JSON") from error
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("id"), str)
        or not isinstance(data.get("type"), str)
    ):
        raise BadEvent("the body has no event id and type")
    found = data.get("object")
    target: dict[str, Any] = found if isinstance(found, dict) else {}
    # assumption: Ramp does not document the challenge delivery; its challenge is read from the top
    # level or from `object`, and the subscription is the one whose secret signed the delivery.
    challenge = data.get("challenge") or target.get("challenge") or ""
    return WebhookEvent(data["id"], data["type"], str(target.get("id") or ""), str(challenge))


class WebhookSetup:
    """`python -m bot webhooks subscribe | list | delete`: Ramp's webhook subscriptions, and the
    secret of each one this bot made, kept in SQLite sealed and never shown."""

    def __init__(self, ramp: RampClient, store: Store, sealer: Sealer) -> None:
        self._ramp = ramp
        self._store = store
        self._sealer = sealer

    def subscribe(self, endpoint_url: str) -> tuple[Webhook, tuple[SyncableKind, ...]]:
        """A subscription to the ready events of every kind the Ramp app has the scope for."""
        self._ramp.list_webhooks()  # any token: afterwards the client knows which scopes the app holds
        kinds = tuple(k for k in KINDS if k.events and k.scope not in self._ramp.missing_scopes)
        events = list(dict.fromkeys(e for k in kinds for e in k.events))
        local_id = uuid.uuid4().hex
        self._store.begin_webhook(local_id, endpoint_url)
        try:
            created = self._ramp.create_webhook(endpoint_url, events)
        except BaseException:
            self._store.abandon_webhook(local_id)
            raise
        self._store.finish_webhook(
            local_id, created.id, list(created.event_types), self._sealer.seal(created.secret), created.status
        )
        return created, kinds

    def wait_until_verified(
        self, webhook_id: str, timeout_s: float = 30.0, sleep: Callable[[float], None] = time.sleep
    ) -> str:
        """Ramp's status of the subscription once it is no longer pending, or when `timeout_s` ran out."""
        deadline = time.monotonic() + timeout_s
        while True:
            status = self._ramp.get_webhook(webhook_id).status
            if status != "pending_verification" or time.monotonic() >= deadline:
                self._store.set_webhook_status(webhook_id, status)
                return status
            sleep(0.5)

    def list(self) -> list[tuple[Webhook, bool]]:
        """Ramp's subscriptions, each with whether this bot holds its secret."""
        ours = {row["webhook_id"] for row in self._store.webhook_rows()}
        return [(w, w.id in ours) for w in self._ramp.list_webhooks()]

    def delete(self, webhook_id: str) -> None:
        self._ramp.delete_webhook(webhook_id)
        self._store.delete_webhook_row(webhook_id)
