"""The Ramp client's errors: one base type, one subclass per thing a caller reacts to differently.

    RampError                 any failed call; .status .error_code .message .additional_info .trace_id
     ├── Unauthorized         401: token missing, expired or revoked; token endpoint refusing our credentials
     ├── Forbidden            403: the app lacks a scope (.required_scope names it when known)
     ├── NotFound             404, and 405 for an endpoint Ramp no longer has (subsidiaries)
     ├── InvalidInput         400 and 422: Ramp rejected the body or the query
     │    ├── Conflict        409: the object already exists or is in the wrong state
     │    └── DirectConnectionRefused  a write refused because the active connection is direct
     ├── RateLimited          429 after the client's retries (retryable)
     └── RampUnavailable      5xx, timeouts, connection errors after retries (retryable; status 0 = no answer)

Ramp's error body (its error guide; the spec has no schema) is
`{"error_v2": {"error_code", "message", "additional_info": {field: [msgs]}, "notes"}, "error": {...}}`;
the token endpoint answers OAuth style, `{"error": "invalid_client", "error_description": ...}`.
Bodies may also be empty or HTML from a proxy, so every field is optional here. `x-trace-id` is
on every Ramp response; it is what Ramp support asks for. Nothing here ever holds a credential.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from bot.errors import UserError

_MAX_FIELD_ERRORS = 3
_SCOPE = re.compile(r"[a-z_]+:[a-z_]+")  # Ramp's scope names: accounting:write


class RampError(UserError):
    """A Ramp call failed. `str()` is for the log; `user_text()` is one line for a journal or a report;
    `what_happened`, `what_to_do` and `trace_id` are the three parts a message shows."""

    retryable = False
    lead = "Ramp rejected the request"
    next_step = ""

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        error_code: str | None = None,
        additional_info: Mapping[str, Any] | None = None,
        trace_id: str | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        self.message = message
        self.status = status
        self.error_code = error_code
        self.additional_info: dict[str, Any] = dict(additional_info or {})
        self.trace_id = trace_id
        self.method = method
        self.path = path
        Exception.__init__(self, self._describe())

    @property
    def what_happened(self) -> str:
        """`Ramp rejected the request: <message> — <field errors> (DEVELOPER_7001)`: no trace, no advice."""
        detail = self.message.rstrip(".")
        fields = self.field_errors()
        if fields and fields not in detail:
            detail = f"{detail} — {fields}"
        return f"{self.lead}: {detail}" + (f" ({self.error_code})" if self.error_code else "")

    @property
    def what_to_do(self) -> str:
        return self.next_step_text()

    def _describe(self) -> str:
        where = f"{self.method} {self.path} " if self.method else ""
        code = f" {self.error_code}" if self.error_code else ""
        trace = f" (trace {self.trace_id})" if self.trace_id else ""
        return f"{where}-> {self.status}{code}: {self.message}{trace}"

    def field_errors(self) -> str:
        """`name: This field is required; code: too long` from `additional_info`, at most a few."""
        parts = []
        for field, problems in list(self.additional_info.items())[:_MAX_FIELD_ERRORS]:
            text = "; ".join(str(p) for p in problems) if isinstance(problems, list) else str(problems)
            parts.append(f"{field}: {text}")
        return "; ".join(parts)

    def user_text(self) -> str:
        """`Ramp rejected the request: <message> (DEVELOPER_7001, trace 1234abcd)`, then a next step."""
        detail = self.message.rstrip(".")
        fields = self.field_errors()
        if fields and fields not in detail:
            detail = f"{detail} — {fields}"
        refs = ", ".join(x for x in (self.error_code, f"trace {self.trace_id}" if self.trace_id else "") if x)
        text = f"{self.lead}: {detail}" + (f" ({refs})" if refs else "")
        step = self.next_step_text()
        return f"{text}. {step}" if step else text

    def next_step_text(self) -> str:
        return self.next_step


class Unauthorized(RampError):
    lead = "Ramp did not accept the bot's credentials"
    next_step = "Ask whoever runs the bot to check its Ramp client id and secret (`python -m bot doctor`)."


class Forbidden(RampError):
    lead = "The bot's Ramp app lacks a permission"

    def __init__(self, message: str, *, required_scope: str | None = None, **kwargs: Any) -> None:
        self.required_scope = required_scope
        super().__init__(message, **kwargs)

    def next_step_text(self) -> str:
        if not self.required_scope:
            return "Check the scopes of the app in Ramp's developer settings."
        scope = self.required_scope
        return f"Add {scope} to the app's scopes in Ramp's developer settings, then restart the bot."


class NotFound(RampError):
    lead = "Ramp could not find it"


class InvalidInput(RampError):
    lead = "Ramp rejected the request"


class Conflict(InvalidInput):
    lead = "Ramp refused the change"


# assumption: Ramp documents that a direct connection's categories are read-only through the API and
# that syncs and DELETE /accounting/connection are refused, but not the error it answers. We take
# DEVELOPER_7013 (the sandbox's) or a message naming a direct integration as that refusal.
DIRECT_REFUSED_CODE = "DEVELOPER_7013"


class DirectConnectionRefused(InvalidInput):
    lead = "Ramp refused the write because the active connection is a direct integration"
    next_step = (
        "Under a direct connection (Ramp's own ERP integration) GL accounts, vendors and custom fields are "
        "read-only through the API (only an option's display name and visibility can change) and sync "
        "results cannot be posted: the direct integration syncs by itself. To disconnect it, use Ramp's UI "
        "under Accounting settings."
    )


def _is_direct_refusal(code: str | None, message: str) -> bool:
    text = message.casefold()
    return code == DIRECT_REFUSED_CODE or ("direct integration" in text and "connection" in text)


class RateLimited(RampError):
    retryable = True
    lead = "Ramp is rate limiting the bot"
    next_step = "Nothing was lost. Try again in a minute."


class RampUnavailable(RampError):
    retryable = True
    lead = "Ramp is not answering"
    next_step = "Nothing was lost. Try again in a few minutes."


def error_class(status: int) -> type[RampError]:
    """The subclass for an HTTP status; plain `RampError` for a status nothing else fits."""
    if status == 401:
        return Unauthorized
    if status == 403:
        return Forbidden
    if status in (404, 405, 410):
        return NotFound
    if status == 409:
        return Conflict
    if status in (400, 422):
        return InvalidInput
    if status == 429:
        return RateLimited
    if status >= 500:
        return RampUnavailable
    return RampError


def error_from_response(response: httpx.Response, *, required_scope: str | None = None) -> RampError:
    """Build the right error from a non-2xx response, whatever its body looks like."""
    status = response.status_code
    code, message, info = _parse_body(response)
    if not message:
        message = _default_message(response)
    kwargs: dict[str, Any] = {
        "status": status,
        "error_code": code,
        "additional_info": info,
        "trace_id": response.headers.get("x-trace-id"),
        "method": response.request.method if _has_request(response) else "",
        "path": response.request.url.path if _has_request(response) else "",
    }
    cls = error_class(status)
    if cls in (InvalidInput, Conflict, Forbidden) and _is_direct_refusal(code, message):
        cls = DirectConnectionRefused
    if cls is Forbidden:
        return Forbidden(message, required_scope=_scope_from(info) or required_scope, **kwargs)
    return cls(message, **kwargs)


def unavailable_from_exception(exc: httpx.TransportError, *, method: str, path: str) -> RampUnavailable:
    """A network failure (no answer at all) after retries: status 0."""
    if isinstance(exc, httpx.TimeoutException):
        message = "Ramp did not answer in time"
    else:
        message = f"could not reach Ramp ({type(exc).__name__})"
    return RampUnavailable(message, status=0, method=method, path=path)


def _parse_body(response: httpx.Response) -> tuple[str | None, str, dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return None, _short_text(response), {}
    if not isinstance(body, dict):
        return None, "", {}
    v2 = body.get("error_v2")
    legacy = body.get("error")
    if isinstance(v2, dict):
        info = v2.get("additional_info")
        if not isinstance(info, dict) or not info:
            info = legacy if isinstance(legacy, dict) else {}
        # A token error may carry both; its OAuth code ("invalid_scope") is what callers branch on.
        code = legacy if isinstance(legacy, str) else v2.get("error_code")
        return _str_or_none(code), str(v2.get("message") or ""), dict(info)
    if isinstance(legacy, str):  # OAuth style, from the token endpoint
        return legacy, str(body.get("error_description") or legacy), {}
    if isinstance(legacy, dict):
        return None, "", dict(legacy)
    return _str_or_none(body.get("error_code")), str(body.get("message") or ""), {}


def _short_text(response: httpx.Response) -> str:
    """A plain-text body, if it is short and not an HTML page from a proxy."""
    try:
        text = response.text.strip()
    except (UnicodeDecodeError, LookupError):
        return ""
    if not text or len(text) > 200 or text.startswith("<"):
        return ""
    return " ".join(text.split())


def _default_message(response: httpx.Response) -> str:
    reason = response.reason_phrase or "error"
    return f"HTTP {response.status_code} {reason}"


def _scope_from(info: Mapping[str, Any]) -> str | None:
    """A scope name Ramp put in the body. `additional_info` usually maps a field to *messages*
    ("Missing scope accounting:write; ..."), which must not be shown as if it were a scope."""
    for key in ("required_scope", "scope", "missing_scope"):
        value = info.get(key)
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, str) and _SCOPE.fullmatch(value.strip()):
            return value.strip()
    return None


def _str_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _has_request(response: httpx.Response) -> bool:
    try:
        response.request  # noqa: B018 - raises RuntimeError when the response was built by hand
    except RuntimeError:
        return False
    return True
