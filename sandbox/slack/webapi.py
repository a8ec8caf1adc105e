"""The Slack Web API as the bot sees it: every method is POST {base_url}<method>, Bearer token.

`dispatch` records the call, checks the token, its scope (scopes.py), the method's rate limit
(ratelimits.py) and any injected fault, and runs the method registered by chat.py, views.py,
files.py or directory.py; an `ApiError` becomes `{"ok": false, "error": ...}`.
"""

from __future__ import annotations

import time
from typing import Any

from . import chat, directory, files, scopes, views
from .registry import METHODS, ApiError
from .state import Call, Workspace

REGISTERED = (chat, directory, files, views)  # importing them registers their methods


def dispatch(
    ws: Workspace, name: str, args: dict[str, Any], token: str | None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Record the call, check the token and any injected fault, run the method: (status, body, headers)."""
    token = token or args.pop("token", None)
    with ws.lock:
        ws.calls.append(Call(method=name, args=args, token=token, time=time.time()))
        ws.touch()
    headers: dict[str, str] = {}
    try:
        if name not in METHODS:
            raise ApiError("unknown_method")
        if not token:
            raise ApiError("not_authed")
        if token != ws.bot_token:
            raise ApiError("invalid_auth")
        with ws.lock:
            needed = scopes.missing_scope(ws, name, args)
        if needed:
            # docs.slack.dev/reference/methods (each page's errors): missing_scope names the scope
            # the method needs and the token's scopes.
            raise ApiError("missing_scope", needed=needed, provided=ws.scopes)
        with ws.lock:
            wait = ws.rate_limits.retry_after(name, args, ws.now())
        if wait:
            headers["Retry-After"] = str(wait)
            raise ApiError("ratelimited", status=429)
        with ws.lock:
            faults = ws.faults.get(name)
            fault = faults.pop(0) if faults else None
        if fault:
            error, status, retry_after = fault
            if status == 429:
                headers["Retry-After"] = str(retry_after)
            raise ApiError(error, status=status)
        if name == "auth.test":
            headers["x-oauth-scopes"] = ws.scopes
        with ws.lock:
            return 200, {"ok": True, **METHODS[name](ws, args)}, headers
    except ApiError as exc:
        return exc.status, {"ok": False, "error": exc.error, **exc.extra}, headers
