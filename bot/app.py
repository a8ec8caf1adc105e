"""Wiring: settings + store + Ramp client + services + handlers -> a Bolt `App`, and its WSGI face.

This is the only module of `bot/` that knows `handlers/` (DESIGN.md section 3).
"""

from __future__ import annotations

import inspect
import json
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.config import Settings
from bot.ramp import RampClient
from bot.scheduler import SummaryScheduler
from bot.services.audit import AuditLog
from bot.services.connection import ConnectionService
from bot.services.status import StatusService
from bot.services.summaries import SummaryService
from bot.services.syncs import SyncService
from bot.services.transactions import TransactionService
from bot.services.uploads import UploadService
from bot.slack_request import SlackRequest
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a listener may call, put into Bolt's context by a middleware."""

    settings: Settings
    store: Store
    ramp: RampClient
    audit: AuditLog
    connection: ConnectionService
    transactions: TransactionService
    syncs: SyncService
    uploads: UploadService
    status: StatusService
    summaries: SummaryService

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
        connection=connection,
        transactions=transactions,
        syncs=SyncService(ramp, store, audit),
        uploads=UploadService(ramp, store, audit),
        status=status,
        summaries=SummaryService(transactions, status, connection, ramp, store),
    )
    if store.pending_chunks():  # sync results a previous run sent without seeing the answer
        threading.Thread(target=services.syncs.resume, name="resend-syncs", daemon=True).start()
    return services


def slack_client(settings: Settings) -> WebClient:
    """The bot's Web API client; its token only ever goes to `SLACK_API_URL`'s host."""
    return WebClient(
        token=settings.slack_bot_token.reveal(),
        base_url=settings.slack_api_url,
        timeout=15,
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
        listener_executor=AckFirstExecutor(),
    )
    register(app, services)
    if services.uploads.interrupted():  # a killed run left uploads unfinished: finish and report them
        from handlers.uploads import resume_uploads

        threading.Thread(
            target=resume_uploads, args=(app.client, services), name="resume-uploads", daemon=True
        ).start()
    return app


def build_scheduler(
    services: Services, client: WebClient, clock: Callable[[], datetime] | None = None
) -> SummaryScheduler:
    """The daily summary scheduler, posting through the Slack side of handlers/summary.py."""
    from handlers.summary import SlackSummaryChannel

    return SummaryScheduler(services.summaries, SlackSummaryChannel(client), clock=clock)


class AckFirstExecutor(Executor):
    """Bolt runs ack listeners and lazy listeners on one executor (5 threads by default). Lazy work
    waits on Ramp (latency, the rate limiter), so under a burst it fills the pool and new acks queue
    behind it, past Slack's 3 s. Here lazy work gets a pool of its own and acks are never queued
    behind it. Bolt hands lazy work over wrapped with `functools.wraps` (slack_bolt 1.30,
    lazy_listener/internals.py), and our lazy listeners carry `after_ack` (handlers/errors.py).
    """

    def __init__(self, ack_threads: int = 16, work_threads: int = 32) -> None:
        self._acks = ThreadPoolExecutor(max_workers=ack_threads, thread_name_prefix="ack")
        self._work = ThreadPoolExecutor(max_workers=work_threads, thread_name_prefix="work")

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        pool = self._work if getattr(inspect.unwrap(fn), "after_ack", False) else self._acks
        return pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._acks.shutdown(wait=wait, cancel_futures=cancel_futures)
        self._work.shutdown(wait=wait, cancel_futures=cancel_futures)


class BotRequestHandler(SlackRequestHandler):
    """Bolt's WSGI handler with our request type (the Bolt 1.30 `payload` fix) and `/healthz`."""

    def __init__(self, app: App, services: Services, path: str = "/slack/events") -> None:
        super().__init__(app, path)
        self.services = services

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        return self.app.dispatch(
            SlackRequest(body=request.get_body(), query=request.query_string, headers=request.get_headers())
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            return self._health(start_response)
        return super().__call__(environ, start_response)  # type: ignore[arg-type]

    def _health(self, start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            tables = len(self.services.store.table_counts())
            body = {"ok": True, "mode": self.services.settings.mode, "db_tables": tables}
            status = "200 OK"
        except Exception as error:  # the health check reports, it does not raise
            body = {"ok": False, "error": type(error).__name__}
            status = "503 Service Unavailable"
        payload = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]


def serve_http(app: App, services: Services, host: str, port: int, threads: int = 16) -> None:
    """HTTP mode under waitress: a production WSGI server with a thread pool, suited to Bolt's sync App."""
    import waitress

    log.info("serving Slack requests at http://%s:%s/slack/events", host, port)
    build_scheduler(services, app.client).start()  # the process that serves Slack sends the summaries
    waitress.serve(BotRequestHandler(app, services), host=host, port=port, threads=threads, ident="ramp-bot")
