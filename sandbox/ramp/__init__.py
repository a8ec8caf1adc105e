"""A stand-in for Ramp's Developer API (accounting, transactions, entities) for tests and local runs.

    from sandbox.ramp import RampSandbox
    with RampSandbox(rate_limit=200, rate_window_s=10.0) as sb:
        httpx.post(f"{sb.url}/developer/v1/token", auth=("id", "secret"),
                   data={"grant_type": "client_credentials", "scope": "accounting:read"})

It follows `shared/ramp-api/openapi.json` and Ramp's guides: OAuth scopes, one active connection,
500-item all-or-nothing batches, keyset pagination, the error_v2 body, the rolling rate limit and
idempotent syncs; every request body and query string is checked against the spec
(validation.py). `/_sandbox/` holds a test API (reset, seed transactions, state, faults, options).
Like today's Ramp it has no subsidiaries endpoint (404); `subsidiaries=True` (CLI `--subsidiaries`,
or `POST /_sandbox/options {"subsidiaries": true}`) serves the May 2023 one for old accounts.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from sandbox.ramp.faults import FaultConfig
from sandbox.ramp.generate import generate_transactions
from sandbox.ramp.server import SandboxHTTPServer, serve_in_thread
from sandbox.ramp.state import SandboxState

__all__ = ["RampSandbox", "generate_transactions"]


class RampSandbox:
    """The Ramp sandbox on a local port; `start()` serves it from a background thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        client_id: str | None = None,
        client_secret: str | None = None,
        rate_limit: int = 200,
        rate_window_s: float = 10.0,
        *,
        subsidiaries: bool = False,
        seed_transactions: int = 0,
        seed: int = 0,
    ) -> None:
        self.host = host
        self.port = port
        self.state = SandboxState(
            client_id=client_id,
            client_secret=client_secret,
            rate_limit=rate_limit,
            rate_window_s=rate_window_s,
            subsidiaries=subsidiaries,
            seed_transactions=seed_transactions,
            seed=seed,
        )
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("The sandbox is not started; call start() first.")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> RampSandbox:
        if self._server is None:
            self._server = SandboxHTTPServer((self.host, self.port), self.state)
            self._thread = serve_in_thread(self._server)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.close_open_connections()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # Direct helpers for tests and benchmarks; the same as the /_sandbox/ HTTP calls.

    def reset(self) -> None:
        self.state.reset()

    def set_faults(self, **settings: Any) -> None:
        with self.state.lock:
            self.state.faults.configure(FaultConfig.from_json(settings))

    def add_transactions(self, body: list[dict[str, Any]] | dict[str, Any]) -> dict[str, Any]:
        with self.state.lock:
            return self.state.add_transactions(body)

    def __enter__(self) -> RampSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
