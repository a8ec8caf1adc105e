"""`python -m sandbox slack ...`: run the Slack stand-in, or talk to a running one as a Slack user.

python -m sandbox slack [--port 8082] --bot-url URL [--signing-secret S] [--bot-token T]
python -m sandbox slack --delivery socket [--app-token xapp-local]   the bot connects in Socket Mode
python -m sandbox slack say "/ramp status" [--user U0LOCALADMIN] [--channel C0LOCAL] [--url URL]
python -m sandbox slack click N            press [N] of the last output (confirm dialogs accepted)
python -m sandbox slack upload FILE [--channel C0LOCAL] [--comment TEXT]
python -m sandbox slack submit block_id.action_id=value ... [--view-id V...]
"""

from __future__ import annotations

import argparse
import base64
import json
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .standin import LOCAL_ADMIN, LOCAL_CHANNEL, SlackStandIn

DEFAULT_URL = "http://127.0.0.1:8082/"
CLIENT_COMMANDS = ("say", "click", "upload", "submit")


def _serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox slack", description="Run the local Slack stand-in."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--bot-url", default="http://127.0.0.1:3000/slack/events")
    parser.add_argument("--signing-secret", default="local-signing-secret")
    parser.add_argument("--bot-token", default="xoxb-local")
    parser.add_argument(
        "--delivery", choices=("http", "socket"), default="http", help="signed POSTs, or Socket Mode"
    )
    parser.add_argument("--app-token", default="xapp-local", help="the app-level token Socket Mode takes")
    args = parser.parse_args(argv)
    standin = SlackStandIn(
        host=args.host,
        port=args.port,
        bot_url=args.bot_url,
        signing_secret=args.signing_secret,
        bot_token=args.bot_token,
        delivery=args.delivery,
        app_token=args.app_token,
    ).start()
    target = (
        f"to the bot in Socket Mode (SLACK_APP_TOKEN={args.app_token})"
        if args.delivery == "socket"
        else f"to the bot at {standin.bot_url}"
    )
    print(f"Slack stand-in: Web API at {standin.url} (SLACK_API_URL), sending {target}")
    print(f'Try: python -m sandbox slack say "/ramp help" --url {standin.url}')
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_on_sigterm)  # make run / supervisors stop us with SIGTERM
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()
    return 0


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _control(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url.rstrip("/") + "/_sandbox/" + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=60) as response:
            return dict(json.loads(response.read()))
    except urllib.error.HTTPError as exc:
        return dict(json.loads(exc.read() or b"{}"))


def _client(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox slack", description="Talk to the bot as a Slack user."
    )
    parser.add_argument("--url", default=DEFAULT_URL, help="the running stand-in")
    parser.add_argument(
        "--user", default=None, help=f"Slack user id (default: the last one, else {LOCAL_ADMIN})"
    )
    sub = parser.add_subparsers(dest="action", required=True)
    say = sub.add_parser("say", help='send a slash command, e.g. "/ramp status"')
    say.add_argument("text")
    say.add_argument("--channel", default=LOCAL_CHANNEL)
    click = sub.add_parser("click", help="press [N] of the last output")
    click.add_argument("n", type=int)
    upload = sub.add_parser("upload", help="share a file in a channel")
    upload.add_argument("file", type=Path)
    upload.add_argument("--channel", default=LOCAL_CHANNEL)
    upload.add_argument("--comment", default="")
    submit = sub.add_parser("submit", help="submit the open modal: block_id.action_id=value ...")
    submit.add_argument("values", nargs="*")
    submit.add_argument("--view-id", default=None)
    for p in (say, click, upload, submit):  # accept the options after the subcommand too
        p.add_argument("--url", default=argparse.SUPPRESS)
        p.add_argument("--user", default=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    body: dict[str, Any] = {"user": args.user} if args.user else {}
    if args.action == "say":
        body |= {"text": args.text, "channel": args.channel}
    elif args.action == "click":
        body |= {"n": args.n}
    elif args.action == "upload":
        content = base64.b64encode(args.file.read_bytes()).decode()
        body |= {
            "name": args.file.name,
            "content_b64": content,
            "channel": args.channel,
            "comment": args.comment,
        }
    else:
        pairs = [v.partition("=") for v in args.values]
        body |= {"values": {k: v for k, _, v in pairs}, "view_id": args.view_id}
    try:
        reply = _control(args.url, args.action, body)
    except OSError as exc:
        print(
            f"No Slack stand-in at {args.url} ({exc}). Start it with: python -m sandbox slack",
            file=sys.stderr,
        )
        return 2
    if not reply.get("ok"):
        print(f"error: {reply.get('error')}", file=sys.stderr)
        return 1
    print(reply.get("output") or "(no reply)")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["slack"]:
        argv = argv[1:]
    return _client(argv) if _first_positional(argv) in CLIENT_COMMANDS else _serve(argv)


def _first_positional(argv: list[str]) -> str | None:
    """The subcommand, skipping `--option value` pairs placed before it."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = "=" not in arg
        else:
            return arg
    return None


if __name__ == "__main__":
    raise SystemExit(main())
