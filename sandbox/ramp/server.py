"""The HTTP face of the Ramp sandbox: a standard-library threaded server, JSON in and out.

One thread per connection (daemon threads), so requests held by injected latency overlap. Every
answer carries an `x-trace-id` header like Ramp's. The order of work for an API request is:
count it, apply the rate limit, decide an injected fault, sleep the injected latency, check the
token (lock held), check the body and query against the spec (validation.py, no lock), then apply
the request with the state lock held (or fail before/after applying it, or answer it late, as the
fault says). GETs read the replica (replica.py), which lags when `read_lag_ms` is set.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox.ramp.api import Request, Response, Route, check_request, match, sandbox_handler, served
from sandbox.ramp.errors import ApiError, error_body
from sandbox.ramp.faults import Fault
from sandbox.ramp.pagination import Query
from sandbox.ramp.state import SandboxState


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: SandboxState) -> None:
        super().__init__(address, RampHandler)
        self.state = state
        self._open: set[Any] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        """Ends kept-alive connections too, so a stopped sandbox really stops answering."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):  # the client went away; nothing to report
            return
        super().handle_error(request, client_address)


class RampHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = (
        True  # headers and body go out in two writes; Nagle would delay the second 40 ms
    )
    server: SandboxHTTPServer
    quiet = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        if not self.quiet:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    # -- one request ---------------------------------------------------------------------------

    def _request(self, params: dict[str, str] | None = None) -> Request:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        query = Query(f"http://{host}", url.path, parse_qsl(url.query, keep_blank_values=True))
        headers = {key.lower(): value for key, value in self.headers.items()}
        return Request(self.command, url.path, params or {}, query, headers, body)

    def _dispatch(self) -> None:
        state = self.server.state
        request = self._request()
        if request.path.startswith("/_sandbox/"):
            handler = sandbox_handler(request.method, request.path)
            with state.lock:
                if handler is None:
                    result = _failure(ApiError(404, f"No test endpoint {request.method} {request.path}."))
                else:
                    result = _run(lambda: handler(state, request))
            self._send(*result)
            return
        with state.lock:
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            self._dispatch_api(state, request)
        finally:
            with state.lock:
                state.in_flight -= 1

    def _dispatch_api(self, state: SandboxState, request: Request) -> None:
        early: Response | None = None
        try:
            found = match(request.method, request.path)
        except ApiError as error:
            found, early = None, _failure(error)
        if early is None and (found is None or not served(state, found[0])):
            found, early = None, _failure(ApiError(404, f"Not found: {request.method} {request.path}."))
        template = found[0].template if found else "unmatched"
        with state.lock:
            state.requests_by_route[f"{request.method} {template}"] += 1
            allowed = state.limiter.allow()
            fault = state.faults.decide(write=request.method != "GET") if allowed else None
            latency_s = state.faults.config.latency_ms / 1000
            hold_s = state.faults.config.timeout_hold_s
            slow_s = state.faults.config.slow_s
        if latency_s:
            time.sleep(latency_s)
        if not allowed or (fault and fault.kind == "429"):
            if not allowed:  # injected 429s are counted with the other injected faults
                with state.lock:
                    state.rate_limited += 1
            message = "Rate limit exceeded: at most {} requests per {:g} s. Back off and retry."
            early = _failure(ApiError(429, message.format(state.limiter.limit, state.limiter.window_s)))
        elif fault and fault.kind != "slow" and not fault.after_apply:
            self._fail(fault, hold_s)
            return
        if early is None and found is not None:
            route, request.params = found
            result = _apply(state, route, request, slow_s if fault and fault.kind == "slow" else 0.0)
            if fault is not None and fault.kind != "slow":  # the request was applied, but its answer is lost
                self._fail(fault, hold_s)
                return
        else:
            assert early is not None
            result = early
        self._send(*result)

    # -- answers -------------------------------------------------------------------------------

    def _send(self, status: int, body: Any) -> None:
        payload = b"" if body is None or status == 204 else json.dumps(body, separators=(",", ":")).encode()
        with self.server.state.lock:
            self.server.state.requests_by_status[str(status)] += 1
        self.send_response(status)
        self.send_header("x-trace-id", secrets.token_hex(16))
        if payload:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    def _fail(self, fault: Fault, hold_s: float) -> None:
        if fault.kind == "500":
            self._send(500, error_body(500, "Internal server error (injected by the sandbox)."))
            return
        with self.server.state.lock:
            self.server.state.requests_by_status[fault.kind] += 1
        self.close_connection = True
        if fault.kind == "timeout":  # hold the connection, then close it without an answer
            time.sleep(hold_s)
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        else:  # "reset": SO_LINGER 0 makes close() send a TCP RST instead of a FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


def _apply(state: SandboxState, route: Route, request: Request, slow_s: float) -> Response:
    """Check the token (lock held), the request against the spec (no lock: it is stateless), wait
    `slow_s` (a slow fault: Ramp working on a large batch), then run the handler with the lock held.
    GETs read the replica (replica.py); a write is recorded for it."""

    def authorize() -> Response:
        if route.scope is not None:
            state.tokens.check(request.authorization, route.scope)
        return 200, None

    with state.lock:
        result = _run(authorize)
    if result[0] == 200:
        result = _run(lambda: _checked(route, request))
    if result[0] != 200:
        return result
    if slow_s:
        time.sleep(slow_s)
    with state.lock:
        if request.method == "GET":  # every GET is served by a read replica
            return _run(lambda: route.handler(state.replica.view(state), request))
        result = _run(lambda: route.handler(state, request))
        state.replica.record(state)
        return result


def _checked(route: Route, request: Request) -> Response:
    check_request(route, request)
    return 200, None


def _run(call: Any) -> Response:
    try:
        result: Response = call()
        return result
    except ApiError as error:
        return _failure(error)
    except Exception as exc:  # a sandbox bug: answer like Ramp's 500, keep serving
        return 500, error_body(500, f"Sandbox error: {type(exc).__name__}: {exc}")


def _failure(error: ApiError) -> Response:
    return error.status, error.body()


def serve_in_thread(server: SandboxHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="ramp-sandbox", daemon=True)
    thread.start()
    return thread
