"""`python -m bot doctor`: check the configuration and both connections; say what is wrong and the fix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml  # type: ignore[import-untyped]
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.ramp import DEFAULT_SCOPES, RampClient, RampError
from bot.store import Store

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def manifest_scopes() -> set[str]:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return set(manifest["oauth_config"]["scopes"]["bot"])


def check_slack(settings: Settings, client_factory: Callable[..., WebClient] = WebClient) -> list[Check]:
    checks = []
    if not settings.slack_bot_token:
        return [
            Check(
                "Slack bot token",
                False,
                "SLACK_BOT_TOKEN is not set. Copy the Bot User OAuth Token "
                "(xoxb-…) from the app's OAuth & Permissions page.",
            )
        ]
    client = client_factory(token=settings.slack_bot_token.reveal(), base_url=settings.slack_api_url)
    try:
        response = client.auth_test()
    except SlackApiError as error:
        return [
            Check(
                "Slack bot token",
                False,
                f"Slack refused the token ({error.response.get('error')}). "
                "Reinstall the app and copy the new token.",
            )
        ]
    checks.append(
        Check("Slack bot token", True, f"bot {response.get('user')} in team {response.get('team')}")
    )
    granted = set(filter(None, (response.headers.get("x-oauth-scopes") or "").split(",")))
    missing = manifest_scopes() - {scope.strip() for scope in granted}
    checks.append(
        Check(
            "Slack scopes",
            not missing,
            "all granted"
            if not missing
            else f"missing {', '.join(sorted(missing))}: add them from manifest.yml and reinstall the app",
        )
    )
    checks.append(
        Check(
            "Slack signing secret",
            bool(settings.slack_signing_secret) or settings.mode == "socket",
            "set"
            if settings.slack_signing_secret
            else "SLACK_SIGNING_SECRET is not set: copy it from the app's Basic Information page",
        )
    )
    if settings.slack_app_token:
        checks.append(
            Check(
                "Slack app token",
                settings.slack_app_token.reveal().startswith("xapp-"),
                "Socket Mode"
                if settings.slack_app_token.reveal().startswith("xapp-")
                else "SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write",
            )
        )
    return checks


def check_ramp(settings: Settings) -> list[Check]:
    if not settings.ramp_client_id or not settings.ramp_client_secret:
        return [
            Check(
                "Ramp credentials",
                False,
                "RAMP_CLIENT_ID and RAMP_CLIENT_SECRET are not set: create an "
                "app in Ramp (Settings > Developer API) with the scopes " + ", ".join(DEFAULT_SCOPES),
            )
        ]
    with RampClient(
        settings.ramp_api_url, settings.ramp_client_id, settings.ramp_client_secret.reveal(), max_retries=1
    ) as ramp:
        try:
            active = ramp.active_connection()
            list(ramp.iter_entities())
        except RampError as error:
            return [
                Check(
                    "Ramp API",
                    False,
                    f"{error.user_text()} Check the credentials and that the app has the "
                    "scopes " + ", ".join(DEFAULT_SCOPES) + f" at {settings.ramp_api_url}.",
                )
            ]
    where = f"connected to {active.remote_provider_name}" if active else "no active accounting connection yet"
    return [Check("Ramp API", True, f"token and scopes accepted at {settings.ramp_api_url}; {where}")]


def check_database(settings: Settings) -> list[Check]:
    try:
        store = Store(settings.db_path)
        tables = len(store.table_counts())
        store.close()
    except Exception as error:
        return [
            Check(
                "Database",
                False,
                f"cannot open {settings.db_path}: {error}. Set RAMP_BOT_DB to a writable path.",
            )
        ]
    return [Check("Database", True, f"{settings.db_path} ({tables} tables, migrations applied)")]


def check_admins(settings: Settings) -> list[Check]:
    if settings.admins:
        return [Check("Admins", True, ", ".join(settings.admins))]
    return [
        Check(
            "Admins",
            False,
            "RAMP_BOT_ADMINS is empty: nobody can write. Set it to Slack user IDs "
            "and/or a user group handle, e.g. RAMP_BOT_ADMINS=U012ABCDEF,finance-admins",
        )
    ]


def run_doctor(settings: Settings) -> int:
    checks = check_database(settings) + check_admins(settings) + check_slack(settings) + check_ramp(settings)
    for check in checks:
        print(f"{'ok ' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    failed = [c for c in checks if not c.ok]
    print("\nAll good." if not failed else f"\n{len(failed)} problem(s) to fix.")
    return 0 if not failed else 1
