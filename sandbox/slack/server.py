"""The HTTP face of the stand-in: Web API methods, file downloads and uploads, response_urls, control API.

Routes (all on one port; `base` is `http://host:port/`):
  POST {base}<method>            Slack Web API (JSON or form body, Bearer token); apps.connections.open
                                 takes the app-level token and opens Socket Mode (socket_mode.py)
  GET  {base}files/<id>/<name>   file download; without the bot token an HTML sign-in page, status 200
  POST {base}upload/<id>         the upload step of files_upload_v2 (no auth, raw bytes)
  POST {base}response/<id>       a response_url
  GET|POST {base}_sandbox/...    control API used by the CLI
  GET {base}, {base}console/..., {base}_console/...   the browser console (console_api.py)
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from . import console_api, files, interact, socket_mode, webapi

if TYPE_CHECKING:
    from .standin import SlackStandIn

log = logging.getLogger(__name__)

SIGN_IN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Slack</title></head>"
    b"<body><h1>Sign in to your workspace</h1><form action='/signin'></form></body></html>"
)


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        parsed = json.loads(raw or b"{}")
        return parsed if isinstance(parsed, dict) else {}
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def _read(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers)

    def _bearer(self) -> str | None:
        auth = self.headers.get("Authorization") or ""
        return auth[7:].strip() if auth.lower().startswith("bearer ") else None

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._route("GET", b"")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self._route("POST", self._read())

    def _route(self, verb: str, raw: bytes) -> None:
        standin = self.server.standin
        parts = urlsplit(self.path)
        path = parts.path.lstrip("/")
        if path.startswith("api/"):
            path = path[4:]
        if path.startswith("files/"):
            self._download(path)
        elif path.startswith("upload/") and verb == "POST":
            ok = files.receive_upload(standin.workspace, path.split("/", 1)[1], raw)
            self._send(
                200 if ok else 404, b"OK - " + str(len(raw)).encode() if ok else b"not_found", "text/plain"
            )
        elif path.startswith("response/") and verb == "POST":
            standin.workspace.response_url_gate.pass_through()
            hold, before = standin.workspace.response_url_hold_s, standin.workspace.response_url_hold_before
            if hold and before:
                time.sleep(hold)
            status, text = interact.receive_response_url(standin.workspace, path.split("/", 1)[1], raw)
            if hold and not before:
                time.sleep(hold)
            self._send(status, text.encode(), "text/html")
        elif path.startswith("_sandbox/"):
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            body = json.loads(raw) if raw else {}
            status, payload = standin._control(verb, path[len("_sandbox/") :], {**query, **body})
            if isinstance(payload, str):
                self._send(status, payload.encode(), "text/html; charset=utf-8")
            else:
                self._send_json(status, payload)
        elif console_api.is_console_path(path):
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            status, body, content_type, headers = console_api.handle(standin, verb, path, query, raw)
            self._send(status, body, content_type, headers)
        else:
            args = {k: v[0] for k, v in parse_qs(parts.query).items()}
            try:
                args.update(parse_body(raw, self.headers.get("Content-Type") or ""))
            except ValueError:
                self._send_json(200, {"ok": False, "error": "invalid_json"})
                return
            if path == socket_mode.OPEN_METHOD:  # the one method that takes the app-level token
                status, payload, headers = standin.socket_mode.open_connection(args, self._bearer())
            else:
                status, payload, headers = webapi.dispatch(standin.workspace, path, args, self._bearer())
            self._send_json(status, payload, headers)

    def _download(self, path: str) -> None:
        ws = self.server.standin.workspace
        file_id = path.split("/")[1] if path.count("/") >= 1 else ""
        stored = ws.files.get(file_id)
        if self._bearer() != ws.bot_token:
            # Slack answers an unauthenticated file request with its sign-in page, status 200.
            self._send(200, SIGN_IN_PAGE, "text/html; charset=utf-8")
        elif stored is None or not stored.uploaded:
            self._send(404, b"file not found", "text/plain")
        else:
            self._send(200, stored.content, stored.mimetype)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], standin: SlackStandIn) -> None:
        super().__init__(address, _Handler)
        self.standin = standin

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away before its answer (a browser tab closed or reloaded during the
        console's long poll, a bot killed mid-request) is one line in the log, not a traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            host, port = client_address[:2]
            log.info("client %s:%s went away before its answer (%s)", host, port, type(error).__name__)
            return
        super().handle_error(request, client_address)


def serve(host: str, port: int, standin: SlackStandIn) -> tuple[_Server, threading.Thread]:
    server = _Server((host, port), standin)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="slack-standin", daemon=True)
    thread.start()
    return server, thread
