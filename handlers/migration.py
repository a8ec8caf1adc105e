"""A switch to another connection in Slack: Migrate and Switch and start empty (offered when
`/ramp connect <other name>` finds a connection active), the ready-to-sync check before it, the
progress message whose thread gets the backup files, and finishing a killed run's migration.

The migration service decides, journals and audits; these functions only show it.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.render import mrkdwn, render_message
from bot.services.categories import CategoryFile
from bot.services.connection import described
from bot.services.migration import MODES, Began, Busy, Migration
from handlers.connection import RESTORE_NOTE, active_elsewhere_text
from handlers.errors import failure_message
from handlers.turn import Turn

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

RESUMED = "The bot restarted during this migration. It re-read Ramp and went on from the step it was at."


def choice(turn: Turn) -> dict[str, str]:
    """The button's value: `{"to": "Xero", "mode": "carry", "from": <the active connection's id then>}`."""
    value = json.loads(str(turn.action.get("value") or "{}"))
    return {key: str(value.get(key) or "") for key in ("to", "mode", "from")}


def choose(turn: Turn) -> None:
    """Migrate or Switch and start empty, confirmed: first what is still ready to sync; with nothing
    ready, the migration starts at once."""
    chosen = choice(turn)
    ready = turn.services.migration.ready_check()
    if not ready.count:
        start(turn, chosen)
        return
    active = turn.services.connection.active()
    message = render_message(
        "migration_ready.json.j2",
        ready=ready,
        mode=MODES[chosen["mode"]],
        old=(active.remote_provider_name if active else None) or "the current connection",
        new=chosen["to"],
        value=json.dumps(chosen),
    )
    turn.respond(replace_original=True, **message)


def go(turn: Turn) -> None:
    """Go on without syncing first, confirmed."""
    start(turn, choice(turn))


def list_ready(turn: Turn) -> None:
    """What is still ready to sync, in the channel: `/ramp ready`'s message, a List button per kind."""
    overview = turn.services.ready.overview()
    turn.client.chat_postMessage(
        channel=turn.channel_id, **render_message("ready.json.j2", overview=overview)
    )


def start(turn: Turn, chosen: dict[str, str]) -> None:
    """Post the progress message (its thread gets the backup), journal the migration, run it."""
    new = chosen["to"]
    try:
        posted = turn.client.chat_postMessage(
            channel=turn.channel_id, text=f"Preparing the switch to {mrkdwn(new)}…"
        )
    except SlackApiError as error:
        next_step = "Invite me with `/invite @Ramp` and try again. Nothing was changed."
        turn.respond(
            **failure_message(f"I could not post in this channel ({error.response['error']}).", next_step)
        )
        return
    ts = str(posted["ts"])
    key = f"{turn.channel_id}:{turn.message_ts}"
    began = turn.services.migration.begin(
        key, chosen["mode"], new, turn.user_id, turn.channel_id, ts, expected_from=chosen["from"]
    )
    if not isinstance(began, Began):
        turn.client.chat_update(channel=turn.channel_id, ts=ts, **not_begun(began))
        return
    turn.respond(delete_original=True)
    reporter = SlackReporter(turn.client, turn.channel_id, ts)
    reporter.finish(turn.services.migration.run(began.migration.id, reporter))


def not_begun(outcome: Any) -> dict[str, Any]:
    if isinstance(outcome, Busy):
        running = outcome.running
        what = (
            f"A migration from *{mrkdwn(running.from_name)}* to *{mrkdwn(running.to_name)}* is running"
            if running
            else "That choice was made already"
        )
        return failure_message(
            f"{what}, so nothing more was started.", "Its progress is shown in its message."
        )
    return failure_message(active_elsewhere_text(outcome.active), "Run `/ramp connect <ERP name>` again.")


class SlackReporter:
    """A migration's progress, updated in place in its channel message; the backup in its thread."""

    def __init__(self, client: WebClient, channel: str, ts: str) -> None:
        self._client, self._channel, self._ts = client, channel, ts

    def progress(self, migration: Migration) -> None:
        self._show(migration, "")

    def backed_up(self, files: tuple[CategoryFile, ...]) -> None:
        held = described(files) or "nothing: the connection held no categories"
        comment = f"Backup taken before switching: {held}."
        if not files:
            self._client.chat_postMessage(channel=self._channel, thread_ts=self._ts, text=comment)
            return
        self._client.files_upload_v2(
            channel=self._channel,
            thread_ts=self._ts,
            file_uploads=[{"content": f.content, "filename": f.filename, "title": f.filename} for f in files],
            initial_comment=f"{comment} {RESTORE_NOTE}",
        )

    def finish(self, migration: Migration, note: str = "") -> None:
        self._show(migration, note)

    def _show(self, migration: Migration, note: str) -> None:
        message = render_message("migration.json.j2", migration=migration, note=note)
        try:
            self._client.chat_update(channel=self._channel, ts=self._ts, **message)
        except SlackApiError as error:  # the message was deleted: say it anew, the migration goes on
            log.warning("could not update migration %s (%s)", migration.id, error.response["error"])
            self._client.chat_postMessage(channel=self._channel, **message)


def resume_migrations(client: WebClient, services: Services) -> None:
    """At start-up, in a background thread (bot/app.py): finish the migrations a killed run left
    running, each reported in its own message."""
    for migration in services.migration.interrupted():
        try:
            reporter = SlackReporter(client, migration.channel_id, migration.message_ts)
            finished = services.migration.resume(migration, reporter)
            if finished is not None:
                reporter.finish(finished, RESUMED)
        except Exception:  # one migration's failure must not stop the others
            log.exception("could not resume migration %s", migration.id)
