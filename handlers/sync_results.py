"""Sync results files in Slack: `/ramp sync`, a results file shared with the bot (a threaded preview
with Post and Cancel; nothing is sent yet), **Post** (admins), and at start-up the posts a killed
run left unanswered."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import UserError
from bot.render import render_message
from bot.services.sync_results import MAX_ERROR, MAX_REFERENCE, TYPE_WORDS, parse_results_file
from handlers.downloads import SharedFile
from handlers.errors import error_message
from handlers.turn import Turn

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)


def explain_sync(turn: Turn) -> dict[str, Any]:
    return render_message(
        "sync_help.json.j2", max_reference=MAX_REFERENCE, max_error=MAX_ERROR, type_words=TYPE_WORDS
    )


def preview(file: SharedFile, client: WebClient, services: Services) -> None:
    where: dict[str, Any] = {"channel": file.channel, "thread_ts": file.thread_ts}
    try:
        results = parse_results_file(file.content, file.name)
    except UserError as error:
        client.chat_postMessage(**where, **error_message(error, lead=f"I could not read *{file.name}*"))
        return
    shown = services.syncs.preview(results, source=f"file:{file.file_id}:{file.name}", user_id=file.user)
    client.chat_postMessage(**where, **render_message("sync_preview.json.j2", preview=shown))


def post(turn: Turn) -> None:
    outcome = turn.services.syncs.post_preview(
        str(turn.action.get("value") or ""),
        user_id=turn.user_id,
        channel_id=turn.channel_id,
        report_to=turn.message_ts,
        on_journalled=lambda: turn.respond(replace_original=True, text="Posting the results to Ramp…"),
    )
    if outcome is None:
        turn.respond(replace_original=True, text="I no longer have that preview. Share the file again.")
        return
    message = render_message(
        "sync_posted.json.j2",
        outcome=outcome,
        rows=outcome.rows,
        title="Sync results posted",
        user_id=turn.user_id,
    )
    turn.respond(replace_original=True, **message)


def cancel(turn: Turn) -> None:
    turn.respond(replace_original=True, text="Cancelled. Nothing was posted to Ramp.")


def resume_posts(client: WebClient, services: Services) -> None:
    """At start-up: finish the posts a killed run left unanswered, and update each message that was
    left saying "Posting…" with how its post ended."""
    try:
        resumed = services.syncs.resume()
    except Exception:  # a background thread: log; the next post resends what is still pending
        log.exception("could not resend pending sync chunks")
        return
    for post in resumed:
        message = render_message(
            "sync_posted.json.j2",
            outcome=post.outcome,
            rows={},
            title="Sync results posted (finished after a restart)",
            user_id=post.user_id,
        )
        try:
            client.chat_update(channel=post.channel_id, ts=post.message_ts, **message)
        except SlackApiError as error:
            log.warning("could not report a resumed post in %s: %s", post.channel_id, error.response["error"])
