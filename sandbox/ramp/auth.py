"""OAuth2 client credentials, as Ramp does them: Basic auth, a form body, scoped bearer tokens.

Ramp's guides: `POST /developer/v1/token` takes `grant_type=client_credentials&scope=...` as
`application/x-www-form-urlencoded` (the spec's JSON declaration is wrong) with the client id and
secret in an HTTP Basic header; tokens last 864,000 s, have no refresh token, and keep the scopes
they were issued with. A missing or unknown token is a 401, a token without the scope a 403.

An app holds only the scopes it was created with, and a token request for any other scope is refused
whole with 400 `invalid_scope` (shared/reference/ramp-api.md §1; RFC 6749 §5.2 makes it a 400).
`register_app` creates such an app. assumption: a client id that was never registered may ask for
any scope Ramp knows, so tests and local runs need no set-up; Ramp itself knows no such client.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sandbox.ramp.errors import ApiError, error_body

TOKEN_LIFETIME_S = 864_000
# A route's scope for "any valid token": the spec's webhook calls (`security: [{oauth2: []}]`).
ANY_SCOPE = ""

# Every scope a Ramp app can hold (the bot uses the first three), so a realistic request passes.
KNOWN_SCOPES = frozenset(
    {
        "accounting:read",
        "accounting:write",
        "transactions:read",
        "entities:read",
        "bills:read",
        "bills:write",
        "cashbacks:read",
        "purchase_orders:read",
        "statements:read",
        "transfers:read",
        "business:read",
        "cards:read",
        "cards:write",
        "departments:read",
        "locations:read",
        "receipts:read",
        "reimbursements:read",
        "users:read",
        "vendors:read",
        # No webhooks:read/write: Ramp's webhook calls need the resource scopes of their events
        # (reference/ramp-api.md, webhooks), which sandbox/ramp/webhooks.py checks.
    }
)


class OAuthError(ApiError):
    """A token-endpoint failure: OAuth's `{"error": "invalid_client"}` plus Ramp's error_v2."""

    def __init__(self, status: int, oauth_code: str, description: str) -> None:
        super().__init__(status, description)
        self.oauth_code = oauth_code

    def body(self) -> dict[str, Any]:
        body = error_body(self.status, self.message, {})
        body["error"] = self.oauth_code
        body["error_description"] = self.message
        return body


@dataclass(frozen=True)
class App:
    """A Ramp app as its admin created it: its secret and the scopes it was given."""

    client_secret: str
    scopes: frozenset[str]


@dataclass
class Token:
    value: str
    client_id: str
    scopes: frozenset[str]
    expires_at: float


class TokenStore:
    """Issues, checks and revokes bearer tokens. The caller holds the sandbox lock."""

    def __init__(self, client_id: str | None = None, client_secret: str | None = None) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.tokens: dict[str, Token] = {}
        self.apps: dict[str, App] = {}

    def register_app(self, client_id: str, client_secret: str, scopes: tuple[str, ...]) -> None:
        """An app with only these scopes (each must be one Ramp knows), as Ramp's developer settings
        create it; its token requests may ask for any subset of them."""
        unknown = sorted(set(scopes) - KNOWN_SCOPES)
        if unknown:
            raise ValueError(f"Ramp has no scope {' '.join(unknown)}")
        self.apps[client_id] = App(client_secret, frozenset(scopes))

    def _client(self, authorization: str | None) -> tuple[str, str]:
        if not authorization or not authorization.lower().startswith("basic "):
            raise OAuthError(401, "invalid_client", "Send the client id and secret with HTTP Basic auth.")
        try:
            raw = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise OAuthError(401, "invalid_client", "The Basic auth header is not valid base64.") from exc
        client_id, sep, secret = raw.partition(":")
        if not sep or not client_id:
            raise OAuthError(401, "invalid_client", "The Basic auth header needs client_id:client_secret.")
        app = self.apps.get(client_id)
        if app is not None and not secrets.compare_digest(secret, app.client_secret):
            raise OAuthError(401, "invalid_client", "Client authentication failed.")
        fixed = self.client_id is not None and (client_id, secret) != (self.client_id, self.client_secret)
        if app is None and fixed:
            raise OAuthError(401, "invalid_client", "Client authentication failed.")
        return client_id, secret

    def _scopes(self, client_id: str, form: dict[str, str]) -> frozenset[str]:
        scopes = frozenset(form.get("scope", "").split())
        if not scopes:
            raise OAuthError(400, "invalid_scope", "scope is required for the client_credentials grant.")
        unknown = sorted(scopes - KNOWN_SCOPES)
        if unknown:
            raise OAuthError(400, "invalid_scope", f"Unknown scope(s): {' '.join(unknown)}.")
        app = self.apps.get(client_id)
        not_granted = sorted(scopes - app.scopes) if app is not None else []
        if not_granted:
            raise OAuthError(
                400, "invalid_scope", f"Scope(s) not enabled for this app: {' '.join(not_granted)}."
            )
        return scopes

    def issue(self, authorization: str | None, form: dict[str, str]) -> dict[str, Any]:
        client_id, _ = self._client(authorization)
        grant = form.get("grant_type")
        if grant != "client_credentials":
            raise OAuthError(400, "unsupported_grant_type", "Only grant_type=client_credentials is enabled.")
        scopes = self._scopes(client_id, form)
        token = Token(
            "ramp_tok_" + secrets.token_urlsafe(30), client_id, scopes, time.time() + TOKEN_LIFETIME_S
        )
        self.tokens[token.value] = token
        return {
            "access_token": token.value,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_S,
            "scope": " ".join(sorted(scopes)),
        }

    def revoke(self, authorization: str | None, form: dict[str, str]) -> None:
        self._client(authorization)
        if not form.get("token"):
            raise OAuthError(400, "invalid_request", "token is required.")
        self.tokens.pop(form["token"], None)  # RFC 7009: revoking an unknown token succeeds

    def expire_all(self) -> int:
        count = len(self.tokens)
        self.tokens.clear()
        return count

    def check(self, authorization: str | None, scope: str) -> Token:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise ApiError(401, "Missing bearer token: send 'Authorization: Bearer <access_token>'.")
        token = self.tokens.get(authorization[7:].strip())
        if token is None or token.expires_at < time.time():
            raise ApiError(401, "The access token is invalid, expired or revoked. Request a new one.")
        if scope != ANY_SCOPE and scope not in token.scopes:
            raise ApiError(
                403,
                f"This token lacks the scope {scope!r} needed here.",
                {"scope": [f"Missing scope {scope}; the token has: {' '.join(sorted(token.scopes))}."]},
            )
        return token
