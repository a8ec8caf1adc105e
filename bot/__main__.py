"""The command line: `python -m bot run | serve | socket | doctor`.

`run` chooses by the environment: Socket Mode with `SLACK_APP_TOKEN`, HTTP mode with a bot token and
signing secret, and otherwise the local mode, which starts the Ramp and Slack stand-ins beside the
bot so the whole product runs on a laptop without credentials.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from dataclasses import replace

from bot.config import ConfigError, Secret, Settings

log = logging.getLogger("bot")

LOCAL_SIGNING_SECRET = "local-signing-secret"
LOCAL_BOT_TOKEN = "xoxb-local"
LOCAL_ADMIN = "U0LOCALADMIN"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Ramp accounting bot for Slack")
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start in the mode the environment asks for (local without Slack tokens)")
    serve = sub.add_parser("serve", help="HTTP mode: POST /slack/events, GET /healthz")
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--host", default="0.0.0.0")
    sub.add_parser("socket", help="Socket Mode (needs SLACK_APP_TOKEN)")
    sub.add_parser("doctor", help="check the configuration and both connections")
    summary = sub.add_parser("summary", help="send daily summaries that are due (for cron), or one --now")
    summary.add_argument("--channel", help="only this channel (C123…)")
    summary.add_argument("--now", action="store_true", help="send the channel's summary now, due or not")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    try:
        return run_command(args, settings)
    except sqlite3.DatabaseError as error:  # the file is damaged, or not SQLite at all (issue 12, item 10)
        from bot.doctor import database_advice

        print(database_advice(settings.db_path, error), file=sys.stderr)
        return 2


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "doctor":
        from bot.doctor import run_doctor

        return run_doctor(settings)
    if args.command == "summary":
        return send_summaries(settings, args.channel, now=args.now)
    if args.command == "serve":
        return serve_http(settings, args.host, args.port or settings.port)
    if args.command == "socket":
        return serve_socket(settings)
    if settings.mode == "socket":
        return serve_socket(settings)
    if settings.mode == "http":
        return serve_http(settings, "0.0.0.0", settings.port)
    return run_local(settings)


def serve_http(settings: Settings, host: str, port: int) -> int:
    from bot.app import build_app, build_services, serve_http

    if not settings.slack_signing_secret:
        print("SLACK_SIGNING_SECRET is not set: HTTP mode cannot verify Slack's requests.", file=sys.stderr)
        return 2
    services = build_services(settings)
    serve_http(build_app(settings, services), services, host, port)
    return 0


def serve_socket(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_app, build_scheduler, build_services

    if not (settings.slack_app_token and settings.slack_bot_token):
        print("Socket Mode needs SLACK_APP_TOKEN (xapp-…) and SLACK_BOT_TOKEN (xoxb-…).", file=sys.stderr)
        return 2
    services = build_services(settings)
    app = build_app(settings, services)
    build_scheduler(services, app.client).start()
    SocketModeHandler(app, settings.slack_app_token.reveal()).start()
    return 0


def send_summaries(settings: Settings, channel: str | None, now: bool) -> int:
    """`summary --channel C123 --now` sends one; without `--now`, those due and not yet sent (cron)."""
    from bot.app import build_scheduler, build_services, slack_client
    from bot.scheduler import Outcome

    if not settings.slack_bot_token:
        print("SLACK_BOT_TOKEN is not set: there is no Slack to send the summary to.", file=sys.stderr)
        return 2
    if now and not channel:
        print("--now needs --channel: which channel gets the summary?", file=sys.stderr)
        return 2
    services = build_services(settings)
    try:
        scheduler = build_scheduler(services, slack_client(settings))
        results = [scheduler.send_now(channel)] if now and channel else scheduler.tick(channel_id=channel)
    finally:
        services.close()
    for posted in results:
        print(f"summary {posted.outcome.value}" + (f": {posted.error}" if posted.error else ""))
    if not results:
        print("no summary was due")
    return 0 if all(p.outcome is Outcome.SENT for p in results) else 1


def run_local(settings: Settings) -> int:
    """The bot, a seeded Ramp sandbox and the Slack stand-in, all on loopback."""
    import threading
    from dataclasses import asdict

    import httpx

    from bot.app import build_app, build_services, serve_http
    from bot.commands import COMMANDS
    from sandbox.ramp import RampSandbox
    from sandbox.slack import SlackStandIn

    ramp = RampSandbox(port=8081).start()
    httpx.post(f"{ramp.url}/_sandbox/transactions", json={"generate": 300, "seed": 7}).raise_for_status()
    bot_url = f"http://127.0.0.1:{settings.port}/slack/events"
    slack = SlackStandIn(
        port=8082,
        bot_url=bot_url,
        signing_secret=LOCAL_SIGNING_SECRET,
        bot_token=LOCAL_BOT_TOKEN,
        commands=[asdict(spec) for spec in COMMANDS],  # what the browser console suggests
    ).start()
    local = replace(
        settings,
        slack_bot_token=Secret(LOCAL_BOT_TOKEN),
        slack_signing_secret=Secret(LOCAL_SIGNING_SECRET),
        slack_api_url=slack.url,
        ramp_api_url=ramp.url,
        ramp_client_id=settings.ramp_client_id or "local",
        ramp_client_secret=settings.ramp_client_secret or Secret("local"),
        admins=settings.admins or (LOCAL_ADMIN,),
    )
    services = build_services(local)
    app = build_app(local, services)
    print(
        "\nLocal mode (no Slack tokens set): the bot, a Ramp sandbox seeded with Acme Corp's card\n"
        "transactions, and a Slack stand-in. Open the local Slack channel in a browser:\n\n"
        f"    {slack.url}\n",
        flush=True,
    )
    server = threading.Thread(
        target=serve_http, args=(app, services, "127.0.0.1", settings.port), daemon=True
    )
    server.start()
    try:
        server.join()
    except KeyboardInterrupt:
        pass
    finally:
        slack.stop()
        ramp.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
