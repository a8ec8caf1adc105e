"""Global middleware: services into Bolt's context, retried event deliveries dropped, one error handler."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltResponse

from handlers.errors import error_message
from handlers.permissions import AdminDirectory
from handlers.replies import CheckedRespond

if TYPE_CHECKING:
    from bot.app import Services
    from bot.store import Store

log = logging.getLogger(__name__)


class RedeliveredEvents:
    """Event ids already taken, claimed in SQLite before the ack. The claim gives up on a locked
    database within a quarter second (Slack retries after 3 s) and then relies on this process's
    memory, which still catches Slack's redeliveries to this process."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        with self._lock:
            if event_id in self._recent:
                return False
            self._recent[event_id] = None
            if len(self._recent) > 10_000:
                self._recent.popitem(last=False)
        try:
            return self._store.claim_once(f"event:{event_id}", quick=True)
        except sqlite3.OperationalError as error:
            log.warning("database busy (%s): event %s de-duplicated in memory only", error, event_id)
            return True


def register(app: App, services: Services) -> None:
    admins = AdminDirectory(services.settings.admins)

    @app.middleware
    def provide_services(
        context: Any, body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        context["services"] = services
        context["admins"] = admins
        context["respond"] = CheckedRespond(
            body=body, client=context.client, response_url=context.response_url
        )
        return next()

    redeliveries = RedeliveredEvents(services.store)

    @app.middleware
    def drop_redelivered_events(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse:
        # Slack redelivers an event it thinks failed (X-Slack-Retry-Num); Bolt does not dedupe.
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id and not redeliveries.first_time(str(event_id)):
            log.info("dropped a redelivered event %s", event_id)
            return BoltResponse(status=200, body="")
        return next()

    @app.error
    def tell_the_user(error: Exception, body: dict[str, Any], context: Any) -> None:
        message, _ = error_message(error)
        respond = context.get("respond") if context else None
        if respond is not None:
            try:
                respond(**message)
            except Exception:  # the apology itself failed; the log has the error id
                log.exception("could not tell the user about an error")
