"""The command line: `python -m bot run | serve | socket | doctor | summary | webhooks`.

`run` chooses by the environment: Socket Mode with `SLACK_APP_TOKEN`, HTTP mode with a bot token and
signing secret, and otherwise the local mode, which starts the Ramp and Slack stand-ins beside the
bot so the whole product runs on a laptop without credentials; the bot then talks to the stand-in in
Socket Mode, the mode the app ships in.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.config import ConfigError, Secret, Settings

if TYPE_CHECKING:  # imported when run_local starts them: other commands never load the stand-ins
    from sandbox.ramp import RampSandbox
    from sandbox.slack import SlackStandIn

log = logging.getLogger("bot")

LOCAL_SIGNING_SECRET = "local-signing-secret"
LOCAL_BOT_TOKEN = "xoxb-local"
LOCAL_APP_TOKEN = "xapp-local"
LOCAL_ADMIN = "U0LOCALADMIN"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Ramp accounting bot for Slack")
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run", help="start in the mode the environment asks for (local without Slack tokens)"
    )
    run.add_argument("--ramp-port", type=int, default=8081, help="local mode: the Ramp sandbox's port")
    run.add_argument("--slack-port", type=int, default=8082, help="local mode: the Slack stand-in's port")
    run.add_argument(
        "--subsidiaries",
        action="store_true",
        help="local mode: the Ramp sandbox serves the 2023 subsidiaries endpoints (default: 404, as today)",
    )
    serve = sub.add_parser("serve", help="HTTP mode: POST /slack/events, GET /healthz")
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--host", default="0.0.0.0")
    sub.add_parser("socket", help="Socket Mode (needs SLACK_APP_TOKEN)")
    sub.add_parser("doctor", help="check the configuration and both connections")
    summary = sub.add_parser("summary", help="send daily summaries that are due (for cron), or one --now")
    summary.add_argument("--channel", help="only this channel (C123…)")
    summary.add_argument("--now", action="store_true", help="send the channel's summary now, due or not")
    webhooks = sub.add_parser("webhooks", help="Ramp's webhooks to POST /ramp/webhooks (HTTP mode)")
    hooks = webhooks.add_subparsers(dest="action", required=True)
    subscribe = hooks.add_parser("subscribe", help="subscribe the bot's URL to Ramp's ready events")
    subscribe.add_argument("--url", required=True, help="e.g. https://bot.example.com/ramp/webhooks")
    hooks.add_parser("list", help="Ramp's webhook subscriptions")
    delete = hooks.add_parser("delete", help="delete one subscription")
    delete.add_argument("webhook_id")
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
    except sqlite3.DatabaseError as error:  # the file is damaged, or not SQLite at all
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
    if args.command == "webhooks":
        return manage_webhooks(
            settings,
            args.action,
            url=getattr(args, "url", None),
            webhook_id=getattr(args, "webhook_id", None),
        )
    if args.command == "socket":
        return serve_socket(settings)
    if settings.mode == "socket":
        return serve_socket(settings)
    if settings.mode == "http":
        return serve_http(settings, "0.0.0.0", settings.port)
    return run_local(settings, args.ramp_port, args.slack_port, subsidiaries=args.subsidiaries)


def serve_http(settings: Settings, host: str, port: int) -> int:
    from bot.app import build_app, build_services, serve_http

    if not settings.slack_signing_secret:
        print("SLACK_SIGNING_SECRET is not set: HTTP mode cannot verify Slack's requests.", file=sys.stderr)
        return 2
    services = build_services(settings)
    serve_http(build_app(settings, services), services, host, port)
    return 0


def serve_socket(settings: Settings) -> int:
    from bot.app import build_app, build_services, serve_socket

    if not (settings.slack_app_token and settings.slack_bot_token):
        print("Socket Mode needs SLACK_APP_TOKEN (xapp-…) and SLACK_BOT_TOKEN (xoxb-…).", file=sys.stderr)
        return 2
    services = build_services(settings)
    serve_socket(build_app(settings, services), services, settings.slack_app_token.reveal())
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


def manage_webhooks(
    settings: Settings,
    action: str,
    *,
    url: str | None = None,
    webhook_id: str | None = None,
    verify_timeout_s: float = 30.0,
) -> int:
    """`webhooks subscribe --url U | list | delete ID`. The secret Ramp returns on subscribing is kept
    in the database, sealed (bot/sealed.py: the bot checks every delivery with it), and never printed
    or logged."""
    from bot.app import build_services
    from bot.ramp import RampError
    from bot.syncable_kinds import KINDS

    services = build_services(settings)
    try:
        setup = services.webhooks
        if action == "subscribe" and url:
            created, kinds = setup.subscribe(url)
            events = ", ".join(created.event_types)
            print(f"Subscribed {created.endpoint_url} (webhook {created.id}) to {events}.")
            left_out = [k for k in KINDS if k.events and k not in kinds]
            for row in left_out:
                print(f"Not subscribed: {row.plural} events; the Ramp app has no `{row.scope}` scope.")
            print(
                "The secret Ramp returned is stored in the bot's database, sealed with a key from "
                "RAMP_CLIENT_SECRET; it is not shown."
            )
            status = setup.wait_until_verified(created.id, timeout_s=verify_timeout_s)
            if status == "active":
                print("Ramp verified the endpoint: the subscription is active.")
                return 0
            print(
                f"The subscription is {status}: Ramp's verification challenge did not come back. Is the bot"
                f" serving POST /ramp/webhooks at {url} (`python -m bot serve`)? Delete it, subscribe again."
            )
            return 1
        if action == "list":
            found = setup.list()
            for hook, ours in found:
                mark = "" if ours else "  (not made by this bot: no secret here)"
                events = ",".join(hook.event_types)
                print(f"{hook.id}  {hook.status:<20}  {hook.endpoint_url}  {events}{mark}")
            if not found:
                print("No webhook subscriptions: `python -m bot webhooks subscribe --url https://…/ramp/webhooks`.")
            return 0
        if action == "delete" and webhook_id:
            setup.delete(webhook_id)
            print(f"Deleted webhook {webhook_id}.")
            return 0
        print("Use `webhooks subscribe --url URL`, `webhooks list` or `webhooks delete ID`.", file=sys.stderr)
        return 2
    except RampError as error:
        print(error.user_text(), file=sys.stderr)
        return 1
    finally:
        services.close()


def run_local(
    settings: Settings, ramp_port: int = 8081, slack_port: int = 8082, *, subsidiaries: bool = False
) -> int:
    """The bot, a seeded Ramp sandbox and the Slack stand-in, all on loopback, in Socket Mode: the mode
    the app ships in (manifest.yml), so the local run exercises what a workspace will."""
    from bot.app import build_app, build_services, serve_socket

    ramp, slack = start_stand_ins(settings.port, ramp_port, slack_port, subsidiaries=subsidiaries)
    local = local_settings(settings, ramp_url=ramp.url, slack_url=slack.url)
    services = build_services(local)
    app = build_app(local, services)
    print(
        "\nLocal mode (no Slack tokens set): the bot, a Ramp sandbox seeded with Acme Corp's card\n"
        "transactions, and a Slack stand-in. The bot runs in Socket Mode, as in a workspace: it opens\n"
        f"a WebSocket to the stand-in (apps.connections.open at {slack.url}).\n"
        "Open the local Slack channel in a browser:\n\n"
        f"    {slack.url}\n",
        flush=True,
    )
    try:
        serve_socket(app, services, LOCAL_APP_TOKEN)
    except KeyboardInterrupt:
        pass
    finally:
        slack.stop()
        ramp.stop()
    return 0


def start_stand_ins(
    bot_port: int,
    ramp_port: int = 8081,
    slack_port: int = 8082,
    delivery: str = "socket",
    *,
    subsidiaries: bool = False,
) -> tuple[RampSandbox, SlackStandIn]:
    """The Ramp sandbox, seeded with 300 transactions, and the Slack stand-in, which delivers to the
    bot in Socket Mode (app token `LOCAL_APP_TOKEN`), or with `delivery="http"` signs its requests to
    the bot on `bot_port` with the local secret."""
    import httpx

    from handlers.commands import COMMANDS
    from sandbox.ramp import RampSandbox
    from sandbox.slack import SlackStandIn

    ramp = RampSandbox(port=ramp_port, subsidiaries=subsidiaries).start()
    httpx.post(f"{ramp.url}/_sandbox/transactions", json={"generate": 300, "seed": 7}).raise_for_status()
    bot_url = f"http://127.0.0.1:{bot_port}/slack/events"
    slack = SlackStandIn(
        port=slack_port,
        bot_url=bot_url,
        signing_secret=LOCAL_SIGNING_SECRET,
        bot_token=LOCAL_BOT_TOKEN,
        commands=[spec.describe() for spec in COMMANDS],  # what the browser console suggests
        delivery=delivery,
        app_token=LOCAL_APP_TOKEN,
    ).start()
    return ramp, slack


def local_settings(settings: Settings, *, ramp_url: str, slack_url: str) -> Settings:
    """`settings` pointed at the stand-ins, with their token and secret, and a local admin if none."""
    return replace(
        settings,
        slack_bot_token=Secret(LOCAL_BOT_TOKEN),
        slack_signing_secret=Secret(LOCAL_SIGNING_SECRET),
        slack_app_token=Secret(LOCAL_APP_TOKEN),
        slack_api_url=slack_url,
        ramp_api_url=ramp_url,
        ramp_client_id=settings.ramp_client_id or "local",
        ramp_client_secret=settings.ramp_client_secret or Secret("local"),
        admins=settings.admins or (LOCAL_ADMIN,),
    )


if __name__ == "__main__":
    sys.exit(main())
