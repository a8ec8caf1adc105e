"""The browser console's side of the stand-in: its static page and the small JSON API it calls.

The page (sandbox/slack/console/) is a Slack channel in a browser. Everything it does goes through
the stand-in's Slack client, so the bot gets the same signed requests Slack would send:

  GET  /  and  /console/<asset>       the page (index.html, console.js, blockkit.js, console.css)
  GET  /_console/state                users, channels, the bot, the `/ramp` subcommands to suggest
  GET  /_console/transcript?channel=&user=&since=REV&version=V&wait=S
        long poll: answers at once if the workspace changed since `version` (else after up to S s)
        with the messages changed since REV that `user` may see, the order of every visible
        message, the user's open modal and the user's Home tab (as last published)
  POST /_console/command  {"text": "/ramp status", "user", "channel"}
  POST /_console/home     {"user"}   the user opens the app's Home tab: the bot gets app_home_opened
  POST /_console/action   {"channel", "ts" | "view_id", "block_id", "action_id", "value"?, "option"?}
        (a `view_id` presses the element in that modal or Home tab, never a message's)
  POST /_console/submit   {"view_id", "values": {block_id: {action_id: value}}, "user"}
  POST /_console/close    {"view_id", "user"}
  POST /_console/upload   {"name", "content_b64", "comment"?, "user", "channel"}
  GET  /_console/files/<id>/<name>   a file in the channel, as a download
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .state import BotResponse, Message, Workspace

if TYPE_CHECKING:
    from .standin import SlackStandIn

ASSETS = Path(__file__).parent / "console"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
MAX_WAIT_S = 25.0  # under the browser's and proxies' idle timeouts
POLL_S = 0.05

Reply = tuple[int, bytes, str, dict[str, str]]
LOCAL_CHANNEL = "C0LOCAL"  # standin.LOCAL_CHANNEL (not imported: standin imports this module's server)


def _json(status: int, payload: Any) -> Reply:
    headers = {"Cache-Control": "no-store"}
    return status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers


def is_console_path(path: str) -> bool:
    return path in ("", "console", "console/") or path.startswith(("console/", "_console/"))


def handle(s: SlackStandIn, verb: str, path: str, query: dict[str, str], raw: bytes) -> Reply:
    """Route one request of the page; `path` has no leading slash."""
    if not path.startswith("_console/"):
        return _asset(path.removeprefix("console").strip("/") or "index.html")
    name = path[len("_console/") :]
    try:
        if verb == "GET" and name == "state":
            return _json(200, state(s))
        if verb == "GET" and name == "transcript":
            return _json(200, transcript(s, query))
        if verb == "GET" and name.startswith("files/"):
            return _download(s.workspace, name.split("/")[1])
        if verb != "POST":
            return _json(404, {"ok": False, "error": "unknown_console_call"})
        body = json.loads(raw or b"{}")
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        return _json(200, _post(s, name, body))
    except (LookupError, ValueError) as exc:
        return _json(400, {"ok": False, "error": str(exc)})
    except OSError as exc:
        return _json(502, {"ok": False, "error": f"could not reach the bot at {s.bot_url}: {exc}"})


def _asset(name: str) -> Reply:
    target = ASSETS / Path(name).name  # flat folder: no way out of it
    if not target.is_file() or target.suffix not in CONTENT_TYPES:
        return 404, b"not found", "text/plain", {}
    return 200, target.read_bytes(), CONTENT_TYPES[target.suffix], {"Cache-Control": "no-cache"}


def _download(ws: Workspace, file_id: str) -> Reply:
    with ws.lock:
        stored = ws.files.get(file_id)
        if stored is None or not stored.uploaded or not stored.channels:
            return 404, b"file not found", "text/plain", {}
        safe = "".join(c if c.isalnum() or c in "._- " else "_" for c in stored.name)
        return 200, stored.content, stored.mimetype, {"Content-Disposition": f'attachment; filename="{safe}"'}


# reading


def state(s: SlackStandIn) -> dict[str, Any]:
    ws = s.workspace
    with ws.lock:
        return {
            "ok": True,
            "team_id": ws.team_id,
            "bot_user_id": ws.bot_user_id,
            "default_user": s._last_user,
            "default_channel": LOCAL_CHANNEL if LOCAL_CHANNEL in ws.channels else next(iter(ws.channels), ""),
            "users": [
                {"id": u.id, "name": u.name, "real_name": u.real_name or u.name}
                for u in ws.users.values()
                if not u.is_bot
            ],
            "channels": [
                {"id": c.id, "name": c.name, "im_user": c.im_user}
                for c in ws.channels.values()
                if not c.is_archived
            ],
            "commands": list(s.commands),
        }


def _version(ws: Workspace) -> str:
    return f"{ws.last_activity:.6f}"


def transcript(s: SlackStandIn, query: dict[str, str]) -> dict[str, Any]:
    """What one user sees of one channel: changes since `since`, once the workspace moved on from
    `version` (a long poll, so an idle page costs one request every MAX_WAIT_S)."""
    ws = s.workspace
    channel = query.get("channel") or LOCAL_CHANNEL
    user = query.get("user") or s._last_user
    since = int(query.get("since") or 0)
    wait = min(float(query.get("wait") or 0), MAX_WAIT_S)
    deadline = time.monotonic() + wait
    while query.get("version") == _version(ws) and time.monotonic() < deadline:
        time.sleep(POLL_S)
    with ws.lock:
        visible = [m for m in ws.messages if m.channel == channel and m.ephemeral_to in (None, user)]
        stack = ws.view_stacks.get(user) or []
        top = ws.views.get(stack[-1]) if stack else None
        return {
            "ok": True,
            "version": _version(ws),
            "rev": max([since, *(m.rev for m in visible)]),
            "keys": [m.ts for m in visible],
            "messages": [message_json(ws, m) for m in visible if m.rev > since],
            "view": top,
            "view_depth": len(stack),
            "home": ws.home_views.get(user),
            "channels": sum(1 for c in ws.channels.values() if not c.is_archived),
        }


def message_json(ws: Workspace, m: Message) -> dict[str, Any]:
    person = ws.users.get(m.user)
    author = (person.real_name or person.name) if person else m.user
    return {
        "ts": m.ts,
        "rev": m.rev,
        "user": m.user,
        "author": "Ramp bot" if m.user == ws.bot_user_id else author,
        "is_bot": m.user == ws.bot_user_id,
        "thread_ts": m.thread_ts,
        "ephemeral": m.is_ephemeral,
        "edited": m.edited,
        "text": m.text,
        "blocks": m.blocks,
        "files": [
            {
                "id": f.id,
                "name": f.name,
                "title": f.title or f.name,
                "size": len(f.content),
                "filetype": f.filetype,
                "mimetype": f.mimetype,
                "url": f"/_console/files/{f.id}/{f.name}",
            }
            for f in m.files
        ],
    }


# acting


def _post(s: SlackStandIn, name: str, body: dict[str, Any]) -> dict[str, Any]:
    user = str(body.get("user") or s._last_user)
    channel = str(body.get("channel") or LOCAL_CHANNEL)
    s._last_user = user
    if name == "command":
        command, _, text = str(body.get("text", "")).strip().partition(" ")
        if not command.startswith("/"):
            raise ValueError("Type a slash command, like /ramp status (plain messages do not reach the bot).")
        return _answer(s.slash_command(command, text.strip(), user=user, channel=channel))
    if name == "home":
        return _answer(s.open_home(user))
    if name == "action":
        return _answer(_action(s, body, user))
    if name == "submit":
        values = body.get("values") or {}
        response = s.submit_view(str(body["view_id"]), values, user=user)
        return _answer(response)
    if name == "close":
        s.workspace.close_view(str(body["view_id"]))
        return {"ok": True}
    if name == "upload":
        content = base64.b64decode(str(body.get("content_b64") or ""))
        file_id = s.add_file(str(body["name"]), content, user=user)
        return _answer(s.share_file(file_id, channel, user, str(body.get("comment") or "")))
    raise LookupError(f"unknown console call {name!r}")


def _action(s: SlackStandIn, body: dict[str, Any], user: str) -> BotResponse:
    """A click, menu pick or checkbox change on an element of a message, a modal or the Home tab."""
    message = None
    if body.get("ts"):
        message = s.workspace.find_message(str(body.get("channel") or LOCAL_CHANNEL), str(body["ts"]))
        if message is None:
            raise LookupError("That message is gone.")
    option = body.get("option")
    return s.click(
        str(body["action_id"]),
        message=message,
        user=user,
        value=body.get("value"),
        selected_option=option,
        block_id=body.get("block_id") or None,
        view_id=str(body["view_id"]) if body.get("view_id") else None,
    )


def _answer(response: BotResponse) -> dict[str, Any]:
    """The bot's HTTP answer; a view_submission's `errors` are passed on for the modal to show."""
    ack = None
    if response.body.strip().startswith("{"):
        try:
            ack = json.loads(response.body)
        except ValueError:
            ack = None
    errors = ack.get("errors") if isinstance(ack, dict) and ack.get("response_action") == "errors" else None
    return {
        "ok": response.status == 200,
        "status": response.status,
        "errors": errors or {},
        "error": None if response.status == 200 else f"the bot answered HTTP {response.status}",
    }
