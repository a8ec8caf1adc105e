"""How failures reach people: Ramp's message and trace id, or an apology with an error id.

Lazy listeners run after the ack, where Bolt's `@app.error` handler does not see their exceptions,
so each lazy listener is wrapped once with `replies_on_error`.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Callable
from typing import Any

from bot.ramp import RampError
from bot.render import render_message

log = logging.getLogger(__name__)


def error_message(error: BaseException) -> tuple[dict[str, Any], str]:
    """The message to show for `error`, and the Ramp trace id if there is one."""
    if isinstance(error, RampError):
        message = render_message(
            "error.json.j2",
            message=error.user_text(),
            next_step=_next_step(error),
            reference=f"Ramp trace id: {error.trace_id}" if error.trace_id else "",
        )
        return message, error.trace_id or ""
    error_id = uuid.uuid4().hex[:8]
    log.error("unexpected error %s", error_id, exc_info=error)
    message = render_message(
        "error.json.j2",
        message="Sorry, something went wrong on my side and nothing more was done.",
        next_step="Try again in a minute. If it keeps happening, give this error id to whoever runs the bot.",
        reference=f"Error id: {error_id}",
    )
    return message, ""


def _next_step(error: RampError) -> str:
    status = error.status
    if status in (401, 403):
        return "Check the Ramp app's client credentials and scopes (`python -m bot doctor` tells which)."
    if status == 429 or status == 0 or status >= 500:
        return "Ramp is busy or unreachable right now; nothing was lost. Try again in a few minutes."
    return ""


def replies_on_error(write: str | None = None) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Wrap a lazy listener: a failure is told to the user (and audited, for a write)."""

    def decorate(function: Callable[..., None]) -> Callable[..., None]:
        wanted = inspect.signature(function).parameters

        # Bolt injects arguments by the wrapper's own parameter names (it unwraps `__wrapped__`),
        # so the wrapper names every one it may pass on, and hands the function those it declares.
        def wrapper(
            respond: Any,
            body: Any,
            services: Any,
            client: Any,
            context: Any,
            logger: Any,
            action: Any,
            command: Any,
            view: Any,
            say: Any,
            event: Any,
        ) -> None:
            available = dict(
                respond=respond,
                body=body,
                services=services,
                client=client,
                context=context,
                logger=logger,
                action=action,
                command=command,
                view=view,
                say=say,
                event=event,
            )
            try:
                function(**{name: available[name] for name in wanted})
            except Exception as error:
                _report(error, function.__name__, write, respond, services, body or {})

        wrapper.__name__ = function.__name__
        wrapper.__qualname__ = function.__qualname__
        wrapper.__doc__ = function.__doc__
        return wrapper

    return decorate


def _report(error: Exception, where: str, write: str | None, respond: Any, services: Any, body: dict) -> None:
    message, trace_id = error_message(error)
    if isinstance(error, RampError):
        log.warning("Ramp error in %s: %s", where, error)
    try:
        if respond is not None:  # a CheckedRespond: the response_url, else the Web API (handlers/replies.py)
            respond(**message, replace_original=False)
    except Exception:  # telling the user failed too; the audit row below still says what happened
        log.exception("could not tell the user about a failure in %s", where)
    if write and services is not None:
        services.audit.record(
            user_id=_user_id(body),
            channel_id=_channel_id(body),
            command=write,
            arguments=str(body.get("text", ""))[:200],
            outcome="failed",
            detail=message["text"],
            trace_id=trace_id,
        )


def _user_id(body: dict[str, Any]) -> str:
    return str(body.get("user_id") or (body.get("user") or {}).get("id", ""))


def _channel_id(body: dict[str, Any]) -> str:
    return str(body.get("channel_id") or (body.get("channel") or {}).get("id", ""))
