"""The one request path to Ramp: token, rate limit, retries, errors, pagination, logging.

`RampSession` owns the `httpx.Client` (pooled for ~32 threads) and composes the small pieces of
this package: the token cache (`auth`), the shared rate limiter (`ratelimit`), the retry policy
(`retry`) and the error tree (`errors`). Every call goes through `request`, which takes a rate
limit slot per attempt (token requests included), adds the bearer token, gets a new token and
tries once more on a 401, retries as the call's `retry=` kind allows (after a 429 the shared limiter
does the waiting, for every thread), and turns any failure into a `RampError`. Lists go through
`paginate`. `RampClient` (client.py) names the endpoints.

DEBUG logs show method, path, status, duration and trace id; never headers, bodies or credentials.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx

from bot.ramp.auth import (
    DEFAULT_SCOPES,
    OPTIONAL_SCOPES,
    REVOKE_PATH,
    TOKEN_PATH,
    AccessToken,
    ClientCredentials,
    TokenCache,
)
from bot.ramp.errors import (
    DirectConnectionRefused,
    Forbidden,
    RampError,
    Unauthorized,
    error_from_response,
    unavailable_from_exception,
)
from bot.ramp.ratelimit import SlidingWindowLimiter, WindowHistory
from bot.ramp.retry import Retry, backoff_delay, may_retry_exception, may_retry_status, retry_after_s

logger = logging.getLogger(__name__)

API = "/developer/v1"
POOL_SIZE = 32
PAGE_SIZE = 100  # Ramp's documented maximum (2..100)
READ_TIMEOUT_S = 30.0
# Ramp may work up to 60 s on a large batch and its own client waits 75 s; a write given up sooner
# is a success turned into an ambiguous failure (shared/reference/ramp-api.md section 12).
WRITE_TIMEOUT_S = 75.0


class RampSession:
    """Authenticated, rate-limited, retrying requests to one Ramp host; thread-safe."""

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
        self.base_url = base_url.rstrip("/")
        self.limiter = SlidingWindowLimiter(
            rate_limit, rate_window_s, clock=clock, sleep=sleep, history=history
        )
        # Reads keep `timeout`; anything else waits `write_timeout` for its answer (connecting and
        # sending stay short: a request that never left is safe to retry anyway).
        self._write_timeout = httpx.Timeout(timeout, read=write_timeout)
        self._credentials = ClientCredentials(client_id, client_secret, tuple(scopes))
        self._all_optional = tuple(s for s in optional_scopes if s not in scopes)
        self._optional: tuple[str, ...] | None = None  # those the app holds, once known
        self._tokens = TokenCache(self._fetch_token, clock=clock)
        self._max_retries = max_retries
        self._backoff_base_s = backoff_base_s
        self._sleep = sleep
        self._rng = random.Random()
        self._direct_watchers: list[Callable[[DirectConnectionRefused], None]] = []
        self._thread = threading.local()  # `sent_at`: when this thread's last request went out
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE),
            headers={"Accept": "application/json", "User-Agent": "ramp-accounting-bot"},
        )

    def __repr__(self) -> str:
        return f"RampSession({self.base_url!r}, client_id={self._credentials.client_id!r})"

    def close(self) -> None:
        self._http.close()

    def last_sent_at(self) -> float:
        """`time.monotonic()` when this thread's last request left, past the rate limiter's wait."""
        return float(getattr(self._thread, "sent_at", 0.0))

    def watch_direct_refusals(self, watcher: Callable[[DirectConnectionRefused], None]) -> None:
        """Call `watcher` with every write Ramp refuses because the connection is direct, before the
        error reaches its caller: whichever service wrote, the refusal is learnt once, here."""
        self._direct_watchers.append(watcher)

    # --- token ---------------------------------------------------------------------------------

    def _fetch_token(self) -> AccessToken:
        """A token with the required scopes and every optional one the app holds.

        Ramp refuses a token request whole when one scope is not on the app, so the first refusal
        asks for each optional scope on its own (once), and the answer is kept."""
        if self._optional is None:
            try:
                return self._token_for(self._credentials.scopes + self._all_optional)
            except Forbidden:
                if not self._all_optional:
                    raise
                self._optional = tuple(s for s in self._all_optional if self._app_has(s))
        return self._token_for(self._credentials.scopes + self._optional)

    def _app_has(self, scope: str) -> bool:
        try:
            self._token_for(self._credentials.scopes + (scope,))
        except Forbidden:
            return False
        return True

    @property
    def missing_scopes(self) -> tuple[str, ...]:
        """The optional scopes the app was found not to hold (none before the first token)."""
        if self._optional is None:
            return ()
        return tuple(s for s in self._all_optional if s not in self._optional)

    def _token_for(self, scopes: tuple[str, ...]) -> AccessToken:
        """POST /token, form body + Basic auth. Retry "always": a second token harms nothing."""
        creds = self._credentials.with_scopes(scopes)
        try:
            response = self.request(
                "POST", TOKEN_PATH, retry="always", data=creds.token_form(), auth=creds.basic_auth()
            )
        except RampError as exc:
            if exc.status not in (400, 401, 403):
                raise
            fields: dict[str, Any] = {
                "status": exc.status,
                "error_code": exc.error_code,
                "trace_id": exc.trace_id,
            }
            if exc.error_code == "invalid_scope":
                raise Forbidden(exc.message, required_scope=" ".join(creds.scopes), **fields) from None
            raise Unauthorized(exc.message, **fields) from None
        try:
            return AccessToken.from_ramp(self._json(response))
        except ValueError as exc:
            raise RampError(str(exc), status=response.status_code) from None

    def revoke_token(self) -> None:
        """POST /token/revoke for the cached token, if any. Retry "always": revoking is idempotent."""
        token = self._tokens.current()
        if token is None:
            return
        creds = self._credentials
        self.request(
            "POST", REVOKE_PATH, retry="always", data=creds.revoke_form(token), auth=creds.basic_auth()
        )
        self._tokens.invalidate(token)

    # --- the one request path ------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        retry: Retry,
        scope: str | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
    ) -> httpx.Response:
        """Send until a 2xx answer, or raise `RampError`. `auth` set means "not bearer" (token calls)."""
        attempt = 0
        refreshed = False
        while True:
            token = self._tokens.get() if auth is None else None
            try:
                response = self._attempt(method, url, token, params, json, data, auth)
            except httpx.TransportError as exc:
                if attempt < self._max_retries and may_retry_exception(exc, retry):
                    self._pause(attempt, None)
                    attempt += 1
                    continue
                raise unavailable_from_exception(exc, method=method, path=httpx.URL(url).path) from exc
            if response.status_code == 401 and token is not None and not refreshed:
                # Expired or revoked early: one new token, one more try; a second 401 surfaces.
                self._tokens.invalidate(token)
                refreshed = True
                continue
            if response.is_success:
                return response
            if attempt < self._max_retries and may_retry_status(response.status_code, retry):
                if response.status_code != 429:  # a 429 closed the shared limiter: the next slot waits
                    self._pause(attempt, retry_after_s(response))
                attempt += 1
                continue
            error = error_from_response(response, required_scope=scope)
            if isinstance(error, DirectConnectionRefused):
                for watcher in self._direct_watchers:
                    watcher(error)
            raise error

    def _attempt(
        self,
        method: str,
        url: str,
        token: str | None,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Mapping[str, str] | None,
        auth: httpx.Auth | None,
    ) -> httpx.Response:
        """One try in one rate-limit slot, whose ticket learns the status and any Retry-After."""
        headers = {"Authorization": f"Bearer {token}"} if token else None
        with self.limiter.slot() as ticket:
            self._thread.sent_at = time.monotonic()
            response = self._send_once(method, url, params, json, data, headers, auth)
            ticket.record(response.status_code, retry_after_s(response))
        return response

    def _send_once(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Mapping[str, str] | None,
        headers: dict[str, str] | None,
        auth: httpx.Auth | None,
    ) -> httpx.Response:
        started = time.perf_counter()
        path = httpx.URL(url).path
        try:
            response = self._http.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                headers=headers,
                auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
                timeout=httpx.USE_CLIENT_DEFAULT if method == "GET" else self._write_timeout,
            )
        except httpx.TransportError as exc:
            elapsed_ms = (time.perf_counter() - started) * 1000
            logger.debug("ramp %s %s failed after %.0f ms: %s", method, path, elapsed_ms, type(exc).__name__)
            raise
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.debug(
            "ramp %s %s -> %d in %.0f ms (trace %s)",
            method,
            path,
            response.status_code,
            elapsed_ms,
            response.headers.get("x-trace-id", "-"),
        )
        return response

    def _pause(self, attempt: int, retry_after: float | None) -> None:
        delay = backoff_delay(attempt, self._backoff_base_s, self._rng)
        if retry_after is not None:
            delay = retry_after
        self._sleep(delay)

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        """The body as a dict, numbers with a fraction as Decimal (money never becomes a float)."""
        if response.status_code == 204 or not response.content:
            return {}
        try:
            body = response.json(parse_float=Decimal)
        except ValueError:
            raise RampError(
                "Ramp sent an answer the bot cannot read",
                status=response.status_code,
                trace_id=response.headers.get("x-trace-id"),
            ) from None
        return body if isinstance(body, dict) else {"data": body}

    def call(
        self,
        method: str,
        path: str,
        *,
        retry: Retry,
        scope: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> dict[str, Any]:
        query = _query(params) if params else None
        return self._json(self.request(method, API + path, retry=retry, scope=scope, params=query, json=body))

    def paginate(
        self, path: str, params: Mapping[str, Any] | None, *, scope: str
    ) -> Iterator[dict[str, Any]]:
        """Yield every item of a keyset-paginated list: `page_size=100`, then follow `page.next`."""
        url = API + path
        query: dict[str, str] | None = {**_query(params or {}), "page_size": str(PAGE_SIZE)}
        while True:
            body = self._json(self.request("GET", url, retry="always", scope=scope, params=query))
            yield from (item for item in body.get("data") or () if isinstance(item, dict))
            next_url = (body.get("page") or {}).get("next")
            if not next_url:
                return
            url, query = self._next_target(str(next_url), url), None

    def _next_target(self, next_url: str, current: str) -> str:
        """`page.next` is a complete URL carrying the filters; keep it on our host, never another."""
        target = httpx.URL(next_url)
        if target.is_relative_url:
            return httpx.URL(current).path + next_url if next_url.startswith("?") else next_url
        base = self._http.base_url
        if (target.scheme, target.host, target.port) == (base.scheme, base.host, base.port):
            return next_url
        # Another host name for the same server (127.0.0.1 vs localhost, a proxy): path and query only,
        # so the bearer token goes nowhere but base_url.
        return target.raw_path.decode("ascii")


def _query(params: Mapping[str, Any]) -> dict[str, str]:
    """Query values as Ramp reads them: booleans "true"/"false", dates ISO 8601, None left out."""
    query: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[key] = "true" if value else "false"
        elif isinstance(value, datetime | date):
            query[key] = value.isoformat()
        else:
            query[key] = str(value)
    return query
