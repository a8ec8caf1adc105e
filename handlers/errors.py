"""How failures reach people: one message for every `UserError` (what happened, what to do, Ramp's
trace id), and for anything else an apology with an error id that the log repeats with the traceback.

Work after the ack runs outside Bolt (handlers/after_ack.py), where `@app.error` does not see it;
`report_failure` is its error handler, and auditing a failed write happens here, once.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.errors import UserError
from bot.render import render_message

if TYPE_CHECKING:
    from handlers.turn import Turn

log = logging.getLogger(__name__)

# Slack's answers that mean the bot may not post where it was asked: chat.postMessage's and
# chat.postEphemeral's `not_in_channel`, `channel_not_found`, `is_archived`; files.completeUpload-
# External's `invalid_channel`, `no_permission`, `posting_to_channel_denied` (docs.slack.dev/
# reference/methods/<method>, "Errors"). The person can fix it by inviting the bot.
CANNOT_POST_HERE = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "invalid_channel",
        "no_permission",
        "posting_to_channel_denied",
    }
)


def error_message(error: BaseException, *, lead: str = "") -> dict[str, Any]:
    """The message for `error`; `lead` says what could not be done (`I could not use *books.csv*`)."""
    if isinstance(error, UserError):
        what = f"{lead}: {error.what_happened}" if lead else error.what_happened
        return failure_message(what, error.what_to_do, error.trace_id)
    code = str(error.response.get("error") or "") if isinstance(error, SlackApiError) else ""
    if code in CANNOT_POST_HERE:
        log.warning("Slack refused a post in the channel: %s", code)
        return failure_message(
            f"I cannot post in this channel (`{code}`).",
            "Invite me with `/invite @Ramp Accounting` and try again.",
        )
    error_id = uuid.uuid4().hex[:8]
    log.error("unexpected error %s", error_id, exc_info=error)
    return render_message(
        "error.json.j2",
        message="Sorry, something went wrong on my side and nothing more was done.",
        next_step="Try again in a minute. If it keeps happening, give this error id to whoever runs the bot.",
        reference=f"Error id: {error_id}",
    )


def failure_message(what: str, what_to_do: str = "", trace_id: str | None = None) -> dict[str, Any]:
    """A short failure the handler itself found (`Which ERP? …`), in the same shape as an error's."""
    reference = f"Ramp trace id: {trace_id}" if trace_id else ""
    return render_message("error.json.j2", message=what, next_step=what_to_do, reference=reference)


def report_failure(turn: Turn, error: Exception, audited_as: str | None) -> None:
    """Tell the person (through the checked respond, which falls back to the Web API) and audit a write."""
    message = error_message(error)
    if isinstance(error, UserError) and error.trace_id:  # Ramp said it: the log keeps the details
        log.warning("Ramp error: %s", error)
    try:
        turn.respond(**message, replace_original=False)
    except Exception:  # telling the user failed too; the audit row below still says what happened
        log.exception("could not tell the user about a failure")
    if audited_as:
        turn.services.audit.record(
            user_id=turn.user_id,
            channel_id=turn.channel_id,
            command=audited_as,
            arguments=" ".join(turn.args)[:200],
            outcome="failed",
            detail=message["text"],
            trace_id=getattr(error, "trace_id", None) or "",
        )
