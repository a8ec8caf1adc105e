"""OAuth2 client credentials for Ramp: the token request, and a thread-safe cache of the token.

Ramp's token call (shared/reference/ramp-api.md §1): `POST /developer/v1/token` with HTTP Basic
`client_id:client_secret` and a **form-encoded** body `grant_type=client_credentials&scope=...`
(the spec's `application/json` is wrong). The answer has `access_token`, `expires_in` and no
refresh token, so "refreshing" means asking again. Tokens live 10 days per the guides; the cache
renews one 60 s (or 10 % of its lifetime, if shorter) before it expires.

The cache does not do HTTP itself: `RampClient` gives it a `fetch` callable that sends the token
request through the client's rate limiter and retries. The secret lives only in `ClientCredentials`
and never appears in a repr.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

TOKEN_PATH = "/developer/v1/token"
REVOKE_PATH = "/developer/v1/token/revoke"


@dataclass(frozen=True)
class Feature:
    """Something the bot does and the Ramp scopes its calls need (client.py names each call's scope)."""

    name: str
    scopes: tuple[str, ...]


# Ramp refuses the whole token request with `invalid_scope` when one scope is not on the app
# (shared/reference/ramp-api.md §1), so the bot asks only for what a feature it has uses: no
# `entities:read`, which nothing but an old `doctor` check read. `doctor` asks scope by scope.
FEATURES: tuple[Feature, ...] = (
    Feature("/ramp status", ("accounting:read", "transactions:read")),
    Feature("/ramp connect and disconnect", ("accounting:read", "accounting:write")),
    Feature("/ramp categories", ("accounting:read",)),
    Feature("category uploads", ("accounting:read", "accounting:write")),
    Feature("/ramp transactions and exports", ("transactions:read",)),
    Feature("marking transactions synced", ("transactions:read", "accounting:write")),
    Feature("daily summaries", ("accounting:read", "transactions:read")),
)


def scopes_for(features: tuple[Feature, ...]) -> tuple[str, ...]:
    """Every scope the features need, each once, in the order they first appear."""
    return tuple(dict.fromkeys(scope for feature in features for scope in feature.scopes))


def features_needing(scope: str, features: tuple[Feature, ...] | None = None) -> list[str]:
    features = FEATURES + OPTIONAL_FEATURES if features is None else features
    return [feature.name for feature in features if scope in feature.scopes]


DEFAULT_SCOPES: tuple[str, ...] = scopes_for(FEATURES)

# The other syncable objects each need their own read scope (bot/syncable_kinds.py), and an app
# created without one must still get a token for everything else: these are asked for only when the
# app has them (the session finds out once, scope by scope, when Ramp refuses the whole request).
OPTIONAL_FEATURES: tuple[Feature, ...] = (
    Feature("reimbursements", ("reimbursements:read",)),
    Feature("bills and bill payments", ("bills:read",)),
    Feature("transfers", ("transfers:read",)),
    Feature("cashbacks", ("cashbacks:read",)),
    Feature("entities in lists, status and summaries", ("entities:read",)),
)
OPTIONAL_SCOPES: tuple[str, ...] = scopes_for(OPTIONAL_FEATURES)
EARLY_RENEWAL_S = 60.0
DEFAULT_LIFETIME_S = 3600  # used only if Ramp leaves `expires_in` out


@dataclass(frozen=True)
class ClientCredentials:
    """The app's id, secret and scopes; builds the token and revoke requests."""

    client_id: str
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...] = DEFAULT_SCOPES

    def with_scopes(self, scopes: tuple[str, ...]) -> ClientCredentials:
        return ClientCredentials(self.client_id, self.client_secret, scopes)

    def basic_auth(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.client_id, self.client_secret)

    def token_form(self) -> dict[str, str]:
        return {"grant_type": "client_credentials", "scope": " ".join(self.scopes)}

    @staticmethod
    def revoke_form(token: str) -> dict[str, str]:
        return {"token": token, "token_type_hint": "access_token"}


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    expires_in: int
    scope: str = ""

    @classmethod
    def from_ramp(cls, payload: Mapping[str, Any]) -> AccessToken:
        """Parse Ramp's token answer; `token_type` is "Bearer" or "bearer" depending on the doc."""
        value = payload.get("access_token")
        if not isinstance(value, str) or not value:
            raise ValueError("Ramp's token answer has no access_token")
        token_type = str(payload.get("token_type") or "bearer")
        if token_type.lower() != "bearer":
            raise ValueError(f"Ramp issued a {token_type!r} token; the bot needs a bearer token")
        try:
            lifetime = max(int(str(payload.get("expires_in"))), 0)
        except ValueError:
            lifetime = 0
        return cls(value, lifetime or DEFAULT_LIFETIME_S, str(payload.get("scope") or ""))


def renewal_margin(lifetime_s: float) -> float:
    """Renew this long before expiry: 60 s, or 10 % of the lifetime if that is shorter."""
    return min(EARLY_RENEWAL_S, lifetime_s / 10)


class TokenCache:
    """Holds the current token; fetches a new one when none is valid, one thread at a time."""

    def __init__(self, fetch: Callable[[], AccessToken], *, clock: Callable[[], float] = time.monotonic):
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def __repr__(self) -> str:
        return f"TokenCache(cached={self._token is not None})"

    def get(self) -> str:
        """A valid token, fetching one if needed (other threads wait for that single fetch)."""
        with self._lock:
            if self._token is not None and self._clock() < self._renew_at:
                return self._token
            started = self._clock()
            token = self._fetch()
            self._token = token.value
            self._renew_at = started + token.expires_in - renewal_margin(token.expires_in)
            return self._token

    def invalidate(self, stale: str) -> None:
        """Drop `stale` after Ramp answered 401 to it, unless another thread already replaced it."""
        with self._lock:
            if self._token == stale:
                self._token = None

    def current(self) -> str | None:
        """The cached token without fetching (None when there is none)."""
        with self._lock:
            return self._token

    def clear(self) -> None:
        with self._lock:
            self._token = None
