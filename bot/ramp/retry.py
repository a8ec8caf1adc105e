"""When the client may send a request again, and how long it waits first.

Every call declares one of three kinds, so a reader sees at the call site why a retry is safe:

- `"always"`: reads (GET) and the token request. Nothing changes on Ramp's side.
- `"safe"`: writes that cannot apply twice: `POST /accounting/syncs` (carries an idempotency key),
  `POST /accounting/fields` (Ramp returns the existing field for a known `id`), PATCH and DELETE.
- `"refused-only"`: writes that could double-apply: batch creates (GL accounts, vendors, field
  options, subsidiaries) and connection create/reactivate. Retried only when Ramp certainly did
  not act: a 429 (the request was refused, not applied) or a connection that never opened. After
  an ambiguous failure (timeout, reset, 5xx after the body was sent) the caller re-reads Ramp's
  state instead, because a second all-or-nothing batch would fail on "id already exists".

Backoff is exponential with full jitter (a random wait in [0, base·2^attempt], capped), which
spreads threads apart after a shared failure; a `Retry-After` in seconds wins when present. A 429
is not waited out here but by the shared limiter, which stops every thread for the rest of Ramp's
block and then backs off 1 s, 2 s, 4 s (ratelimit.py; shared/reference/ramp-api.md section 12).
"""

from __future__ import annotations

import random
from typing import Literal

import httpx

Retry = Literal["always", "safe", "refused-only"]

MAX_DELAY_S = 30.0
MAX_RETRY_AFTER_S = 120.0

# The request never left: no connection, or none free in the pool in time.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The request may or may not have reached Ramp.
_AMBIGUOUS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError)


def may_retry_status(status: int, retry: Retry) -> bool:
    """429 always (refused, not applied); 5xx unless the call is refused-only."""
    if status == 429:
        return True
    return status >= 500 and retry != "refused-only"


def may_retry_exception(exc: httpx.TransportError, retry: Retry) -> bool:
    if isinstance(exc, _NOT_SENT):
        return True
    return isinstance(exc, _AMBIGUOUS) and retry != "refused-only"


def backoff_delay(attempt: int, base_s: float, rng: random.Random, cap_s: float = MAX_DELAY_S) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)] for the attempt-th retry (from 0)."""
    return rng.uniform(0.0, min(cap_s, base_s * 2**attempt))


def retry_after_s(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds (Ramp documents none, but proxies send it); HTTP dates are ignored."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return min(seconds, MAX_RETRY_AFTER_S)
