"""Wiring: settings + store + Ramp client + services + handlers -> a Bolt `App`, and its two faces:
HTTP mode's WSGI app under waitress (`serve_http`), Socket Mode's WebSocket client (`serve_socket`).

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
from bot.scheduler import NoticeScheduler, SummaryScheduler
from bot.sealed import Sealer
from bot.services.audit import AuditLog
from bot.services.categories import CategoryService
from bot.services.claims import Claims
from bot.services.connection import ConnectionService
from bot.services.field_settings import FieldSettingsService
from bot.services.migration import MigrationService
from bot.services.notices import NoticeService
from bot.services.ready import ReadyService
from bot.services.status import StatusService
from bot.services.summaries import SummaryService
from bot.services.sync_objects import SyncObjectService
from bot.services.syncs import SyncService
from bot.services.transactions import TransactionService
from bot.services.uploads import UploadService
from bot.services.webhooks import WebhookSetup
from bot.store import Store
from handlers.front_door import MAX_BODY_BYTES, FrontDoor
from handlers.socket_door import PING_INTERVAL_S, SocketDoor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """Everything a handler may call, put into Bolt's context by a middleware. The store and the
    Ramp client stay inside the services; handlers reach Ramp and SQLite only through them."""

    settings: Settings
    audit: AuditLog
    claims: Claims
    connection: ConnectionService
    migration: MigrationService
    field_settings: FieldSettingsService
    categories: CategoryService
    transactions: TransactionService
    objects: SyncObjectService  # the other syncable kinds: reimbursements, bills …
    ready: ReadyService
    notices: NoticeService  # ready notices: subscriptions, webhook deliveries, refreshes
    webhooks: WebhookSetup  # Ramp's webhook subscriptions (`python -m bot webhooks`)
    syncs: SyncService
    uploads: UploadService
    status: StatusService
    summaries: SummaryService
    run_id: str  # this process, among restarts
    _store: Store = field(repr=False)
    _ramp: RampClient = field(repr=False)

    def __deepcopy__(self, memo: dict[int, Any]) -> Services:
        return self  # shared by every request, never copied

    def prune(self, now: datetime | None = None) -> None:
        """Drop what the retention policy no longer keeps (bot/store: at start-up, then daily)."""
        self._store.prune(now)

    def database_tables(self) -> int:
        """How many tables the database holds (the health check opens it)."""
        return len(self._store.table_counts())

    def close(self) -> None:
        self.notices.close()  # the notice scheduler's thread ends
        self._ramp.close()
        self._store.close()


def build_services(settings: Settings) -> Services:
    store = Store(settings.db_path)
    store.prune()  # old rows go at start-up, then once a day (bot/scheduler.py)
    ramp = RampClient(
        settings.ramp_api_url,
        settings.ramp_client_id,
        settings.ramp_client_secret.reveal(),
        rate_limit=settings.ramp_rate_limit,
        rate_window_s=settings.ramp_rate_window_s,
        # Ramp may still count a killed predecessor's requests: the limiter's memory, next to the DB.
        history=FileWindowHistory(settings.db_path.with_name(settings.db_path.name + ".ramp-window")),
    )
    run_id = uuid.uuid4().hex
    sealer = Sealer(settings.ramp_client_secret.reveal())  # webhook secrets, sealed in the database
    audit = AuditLog(store)
    categories = CategoryService(ramp)
    transactions = TransactionService(ramp, store)
    connection = ConnectionService(ramp, store, audit)
    ramp.watch_direct_refusals(connection.kinds.learn)  # whichever service wrote, the refusal is learnt
    objects = SyncObjectService(ramp, store)
    ready = ReadyService(transactions, objects)
    summaries = SummaryService(transactions, store, ready, objects.entity_names)
    return Services(
        settings=settings,
        audit=audit,
        claims=Claims(store, run_id),
        connection=connection,
        migration=MigrationService(ramp, store, audit, connection, ready, run_id),
        field_settings=FieldSettingsService(ramp, audit),
        categories=categories,
        transactions=transactions,
        objects=objects,
        ready=ready,
        notices=NoticeService(
            ramp,
            store,
            ready.items,
            sealer,
            webhooks_possible=settings.mode == "http",
            poll_s=settings.poll_interval_s,
            fallback_poll_s=settings.fallback_poll_interval_s,
        ),
        webhooks=WebhookSetup(ramp, store, sealer),
        syncs=SyncService(ramp, store, audit),
        uploads=UploadService(ramp, store, audit, run_id),
        status=StatusService(transactions, connection, categories, summaries.schedules, store, ready),
        summaries=summaries,
        run_id=run_id,
        _store=store,
        _ramp=ramp,
    )


def slack_client(settings: Settings) -> WebClient:
    """The bot's Web API client; its token only ever goes to `SLACK_API_URL`'s host."""
    return WebClient(
        token=settings.slack_bot_token.reveal(),
        base_url=settings.slack_api_url,
        timeout=15,
        # On a 429 the rate-limit handler sleeps Retry-After in the calling thread (slack_sdk
        # http_retry/builtin_handlers.py): fine for a listener's one reply; progress bars use a copy
        # without it (handlers/progress.py), so a long upload never waits on Slack. chat.postMessage
        # allows about 1 a second per channel (https://api.slack.com/apis/rate-limits): files
        # shared at once each wait their turn, so a 429 is waited out up to 30 times (about a
        # minute for one call) before the reply is given up; with 2, a flood of previews lost some
        # (tests/test_slack_rate_limits.py).
        retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=30)],
    )


def build_app(settings: Settings, services: Services, client: WebClient | None = None) -> App:
    """A fresh Bolt app (one per test), with every listener registered."""
    from handlers import register  # app.py is the one place bot/ wires handlers/

    work = ThreadPoolExecutor(max_workers=32, thread_name_prefix="work")
    app = App(
        client=client or slack_client(settings),
        signing_secret=settings.slack_signing_secret.reveal(),
        token_verification_enabled=False,
        logger=logging.getLogger("bolt"),
        # Acks run in the request's own thread and the response goes back as soon as the ack
        # listener returns; Bolt's default hands each ack to a pool and polls for it every 10 ms.
        # The work after the ack runs on `work`, never in front of an ack (handlers/after_ack.py).
        process_before_response=True,
        listener_executor=work,
    )
    register(app, services, work)
    compile_templates()
    # Ready notices: after a burst of Ramp webhooks, and by polling (both modes; bot/scheduler.py).
    from handlers.notices import SlackNoticeChannel

    NoticeScheduler(services.notices, SlackNoticeChannel(app.client), services.notices.poll_every_s).start()
    # What a killed run left unfinished: uploads to finish and report, sync results it sent
    # without seeing Ramp's answer, migrations between connections.
    from handlers.migration import resume_migrations
    from handlers.sync_results import resume_posts
    from handlers.uploads import resume_uploads

    for name, resume in (
        ("resume-uploads", resume_uploads),
        ("resume-posts", resume_posts),
        ("resume-migrations", resume_migrations),
    ):
        threading.Thread(target=resume, args=(app.client, services), name=name, daemon=True).start()
    return app


def build_scheduler(
    services: Services, client: WebClient, clock: Callable[[], datetime] | None = None
) -> SummaryScheduler:
    """The daily summary scheduler, posting through the Slack side of handlers/summary.py."""
    from handlers.summary import SlackSummaryChannel

    return SummaryScheduler(
        services.summaries, SlackSummaryChannel(client), clock=clock, prune=services.prune
    )


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


def socket_door(
    app: App, services: Services, app_token: str, ping_interval: float = PING_INTERVAL_S
) -> SocketDoor:
    """Socket Mode's client for `app`, not yet connected. It asks `apps.connections.open` for its
    WebSocket URL through the app's own WebClient, so the app-level token, like the bot token, goes
    only to `SLACK_API_URL`'s host."""
    return SocketDoor(app, services, app_token, ping_interval=ping_interval)


def serve_socket(app: App, services: Services, app_token: str) -> None:
    """Socket Mode: connect to Slack over a WebSocket and handle what comes; blocks. There is no HTTP
    front door (handlers/socket_door.py says what guards this one)."""
    log.info("Socket Mode: apps.connections.open at %s", services.settings.slack_api_url)
    build_scheduler(services, app.client).start()  # the process that serves Slack sends the summaries
    socket_door(app, services, app_token).start()
