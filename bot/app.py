"""Wiring: settings + store + Ramp client + services + handlers -> a Bolt `App`, and its WSGI face.

This is the only module of `bot/` that knows `handlers/` (DESIGN.md section 3).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.config import Settings
from bot.ramp import FileWindowHistory, RampClient
from bot.render import compile_templates
from bot.scheduler import SummaryScheduler
from bot.services.audit import AuditLog
from bot.services.claims import Claims
from bot.services.connection import ConnectionService
from bot.services.status import StatusService
from bot.services.summaries import SummaryService
from bot.services.syncs import SyncService
from bot.services.transactions import TransactionService
from bot.services.uploads import UploadService
from bot.store import Store
from handlers.front_door import MAX_BODY_BYTES, FrontDoor

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a listener may call, put into Bolt's context by a middleware."""

    settings: Settings
    store: Store
    ramp: RampClient
    audit: AuditLog
    claims: Claims
    connection: ConnectionService
    transactions: TransactionService
    syncs: SyncService
    uploads: UploadService
    status: StatusService
    summaries: SummaryService
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)  # this process, among restarts

    def __deepcopy__(self, memo: dict[int, Any]) -> Services:
        # Bolt deep-copies the context for lazy listeners; services are shared, not copied.
        return self

    def close(self) -> None:
        self.ramp.close()
        self.store.close()


def build_services(settings: Settings) -> Services:
    store = Store(settings.db_path)
    ramp = RampClient(
        settings.ramp_api_url,
        settings.ramp_client_id,
        settings.ramp_client_secret.reveal(),
        rate_limit=settings.ramp_rate_limit,
        rate_window_s=settings.ramp_rate_window_s,
        # Ramp may still count a killed predecessor's requests: the limiter's memory, next to the DB.
        history=FileWindowHistory(settings.db_path.with_name(settings.db_path.name + ".ramp-window")),
    )
    audit = AuditLog(store)
    transactions = TransactionService(ramp, store)
    status = StatusService(transactions, store)
    connection = ConnectionService(ramp, store)
    services = Services(
        settings=settings,
        store=store,
        ramp=ramp,
        audit=audit,
        claims=Claims(store),
        connection=connection,
        transactions=transactions,
        syncs=SyncService(ramp, store, audit),
        uploads=UploadService(ramp, store, audit),
        status=status,
        summaries=SummaryService(transactions, status, connection, ramp, store),
    )
    return services


def slack_client(settings: Settings) -> WebClient:
    """The bot's Web API client; its token only ever goes to `SLACK_API_URL`'s host."""
    return WebClient(
        token=settings.slack_bot_token.reveal(),
        base_url=settings.slack_api_url,
        timeout=15,
        # On a 429 the rate-limit handler sleeps Retry-After in the calling thread (slack_sdk
        # http_retry/builtin_handlers.py): fine for a listener's one reply; progress bars use a copy
        # without it (handlers/progress.py), so a long upload never waits on Slack.
        retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=2)],
    )


def build_app(settings: Settings, services: Services, client: WebClient | None = None) -> App:
    """A fresh Bolt app (one per test), with every listener registered."""
    from handlers import register  # app.py is the one place bot/ wires handlers/

    app = App(
        client=client or slack_client(settings),
        signing_secret=settings.slack_signing_secret.reveal(),
        token_verification_enabled=False,
        logger=logging.getLogger("bolt"),
        # Acks run in the request's own thread and the response goes back as soon as the ack
        # listener returns; Bolt's default hands each ack to a pool and polls for it every 10 ms.
        # Lazy listeners (the work after the ack) run on this pool, never in front of an ack.
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="work"),
    )
    register(app, services)
    compile_templates()
    if services.uploads.interrupted():  # a killed run left uploads unfinished: finish and report them
        from handlers.uploads import resume_uploads

        threading.Thread(
            target=resume_uploads, args=(app.client, services), name="resume-uploads", daemon=True
        ).start()
    if services.store.pending_chunks():  # sync results a killed run sent without seeing the answer
        from handlers.transactions import resume_posts

        threading.Thread(
            target=resume_posts, args=(app.client, services), name="resume-posts", daemon=True
        ).start()
    return app


def build_scheduler(
    services: Services, client: WebClient, clock: Callable[[], datetime] | None = None
) -> SummaryScheduler:
    """The daily summary scheduler, posting through the Slack side of handlers/summary.py."""
    from handlers.summary import SlackSummaryChannel

    return SummaryScheduler(services.summaries, SlackSummaryChannel(client), clock=clock)


def serve_http(app: App, services: Services, host: str, port: int, threads: int = 16) -> None:
    """HTTP mode under waitress: a production WSGI server with a thread pool, suited to Bolt's sync App."""
    import waitress

    log.info("serving Slack requests at http://%s:%s/slack/events", host, port)
    build_scheduler(services, app.client).start()  # the process that serves Slack sends the summaries
    waitress.serve(
        FrontDoor(app, services),
        host=host,
        port=port,
        threads=threads,
        ident="ramp-bot",
        # waitress refuses a larger body itself, before buffering it (the front door checks again)
        max_request_body_size=MAX_BODY_BYTES,
    )
