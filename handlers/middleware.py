"""Global middleware: services into Bolt's context, retried event deliveries dropped, one error handler."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltResponse

from handlers.errors import error_message
from handlers.permissions import AdminDirectory
from handlers.replies import CheckedRespond

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    admins = AdminDirectory(services.settings.admins)
    if not admins.configured:  # the refusal tells users to ask whoever runs the bot; this says what to set
        log.warning("RAMP_BOT_ADMINS is empty: every write is refused until it names admins")

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

    @app.middleware
    def drop_redelivered_events(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse:
        # Slack redelivers an event it thinks failed (X-Slack-Retry-Num); Bolt does not dedupe.
        event_id = body.get("event_id")
        if (
            body.get("type") == "event_callback"
            and event_id
            and not services.claims.first_event(str(event_id))
        ):
            log.info("dropped a redelivered event %s", event_id)
            return BoltResponse(status=200, body="")
        return next()

    @app.error
    def tell_the_user(error: Exception, body: dict[str, Any], context: Any) -> None:
        message = error_message(error)
        respond = context.get("respond") if context else None
        if respond is not None:
            try:
                respond(**message)
            except Exception:  # the apology itself failed; the log has the error id
                log.exception("could not tell the user about an error")
