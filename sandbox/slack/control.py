"""The stand-in's control API under `/_sandbox/`, for the CLI (and a browser page later).

  POST /_sandbox/say     {"text": "/ramp status", "user"?, "channel"?}
  POST /_sandbox/click   {"n": 2, "user"?}            presses [2] of the last output
  POST /_sandbox/upload  {"name", "content_b64" | "content", "channel"?, "user"?, "comment"?}
  POST /_sandbox/submit  {"values": {"block_id.action_id": "value"}, "view_id"?, "user"?}
  POST /_sandbox/bot_url {"url": ...}
  POST /_sandbox/clock   {"advance_s": 1800}          moves the stand-in's clock forward
  GET  /_sandbox/messages?channel=C0LOCAL
  GET  /_sandbox/state

say/click/upload/submit wait until the bot is quiet, then answer {"ok", "ack", "output", "items"}:
`output` is the new replies as readable text with pressables numbered as in `items`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import transcript
from .standin import LOCAL_CHANNEL, decode_upload
from .state import BotResponse

if TYPE_CHECKING:
    from .standin import SlackStandIn

QUIET_S = 0.5
MAX_WAIT_S = 15.0


def _after(s: SlackStandIn, rev: int, user: str, response: BotResponse) -> tuple[int, dict[str, Any]]:
    s._quiet(QUIET_S, MAX_WAIT_S)
    result = _render_since(s, rev, user)
    notes = []
    if response.status != 200:
        notes.append(f"(the bot answered HTTP {response.status}: {response.body[:300]})")
    ack = response.json() if response.body.strip().startswith("{") else None
    if isinstance(ack, dict) and ack.get("response_action") == "errors":
        notes += [
            f"(modal error on {block_id}: {error})" for block_id, error in (ack.get("errors") or {}).items()
        ]
    result["output"] = "\n".join([*notes, result["output"]]).strip()
    return 200, {"ok": True, "ack": {"status": response.status, "body": response.body}, **result}


def _render_since(s: SlackStandIn, rev: int, user: str) -> dict[str, Any]:
    """New or changed messages this user can see since `rev`, and a modal opened for them; the
    numbering becomes what `click N` presses."""
    ws = s.workspace
    with ws.lock:
        new = [m for m in ws.messages if m.rev > rev and m.ephemeral_to in (None, user)]
        stack = [ws.views[v] for v in ws.view_stacks.get(user, []) if ws.view_revs.get(v, 0) > rev]
        text, items = transcript.render(ws, new, stack[-1:])
    s._numbering = items
    return {"output": text, "items": [i.label for i in items]}


def _values(flat: dict[str, Any]) -> dict[str, dict[str, Any]]:
    nested: dict[str, dict[str, Any]] = {}
    for key, value in flat.items():
        block_id, _, action_id = key.partition(".")
        nested.setdefault(block_id, {})[action_id or block_id] = value
    return nested


def handle(s: SlackStandIn, verb: str, path: str, args: dict[str, Any]) -> tuple[int, Any]:
    ws = s.workspace
    user = str(args.get("user") or s._last_user)
    channel = str(args.get("channel") or LOCAL_CHANNEL)
    try:
        if verb == "GET" and path == "state":
            with ws.lock:
                return 200, {
                    "ok": True,
                    "bot_url": s.bot_url,
                    "users": sorted(ws.users),
                    "channels": {c.id: c.name for c in ws.channels.values()},
                    "views": sorted(ws.views),
                    "calls": len(ws.calls),
                }
        if verb == "GET" and path == "messages":
            wanted = args.get("channel")
            return 200, {
                "ok": True,
                "messages": [
                    m.to_slack(ws.base_url, ws.team_id) | {"channel": m.channel} for m in s.messages(wanted)
                ],
            }
        if verb != "POST":
            return 404, {"ok": False, "error": "unknown_control"}
        if path == "bot_url":
            s.bot_url = str(args["url"])
            return 200, {"ok": True}
        if path == "clock":
            return 200, {"ok": True, "now": s.advance_clock(float(args.get("advance_s") or 0))}
        s._last_user = user
        rev = ws.next_rev()
        if path == "say":
            command, _, text = str(args.get("text", "")).strip().partition(" ")
            if not command.startswith("/"):
                return 400, {"ok": False, "error": "say needs a slash command, like /ramp status"}
            return _after(s, rev, user, s.slash_command(command, text.strip(), user=user, channel=channel))
        if path == "click":
            return _after(s, rev, user, s.click(int(args["n"]), user=user))
        if path == "upload":
            file_id = s.add_file(str(args["name"]), decode_upload(args), user=user)
            return _after(s, rev, user, s.share_file(file_id, channel, user, str(args.get("comment", ""))))
        if path == "submit":
            values = _values(dict(args.get("values") or {}))
            response = s.submit_view(args.get("view_id"), values, user=user)
            status, reply = _after(s, rev, user, response)
            if not s.workspace.view_stacks.get(user):
                reply["output"] = (reply["output"] + "\n(modal closed)").strip()
            return status, reply
    except (LookupError, ValueError) as exc:
        return 400, {"ok": False, "error": str(exc)}
    except OSError as exc:
        return 502, {"ok": False, "error": f"could not reach the bot at {s.bot_url}: {exc}"}
    return 404, {"ok": False, "error": "unknown_control"}
