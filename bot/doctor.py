"""`python -m bot doctor`: check the configuration and both connections; say what is wrong and the fix.

Exit code 0 when all is well, 1 when something needs fixing, 2 when the database cannot be used
(the same code `serve` and every other subcommand exit with then).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml  # type: ignore[import-untyped]
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.config import Settings
from bot.ramp import DEFAULT_SCOPES, OPTIONAL_SCOPES, Forbidden, RampClient, RampError
from bot.ramp.auth import features_needing
from bot.store import Store

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fatal: bool = False  # the bot cannot start at all: exit 2


def manifest_scopes() -> set[str]:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return set(manifest["oauth_config"]["scopes"]["bot"])


def check_slack(settings: Settings, client_factory: Callable[..., WebClient] = WebClient) -> list[Check]:
    token, identity = check_slack_token(settings, client_factory)
    if identity is None:
        return [token]
    return [token, *check_slack_app(settings, identity)]


def check_slack_token(
    settings: Settings, client_factory: Callable[..., WebClient]
) -> tuple[Check, SlackResponse | None]:
    """The bot token's check, and Slack's `auth.test` answer when the token works."""
    if not settings.slack_bot_token:
        return Check(
            "Slack bot token",
            False,
            "SLACK_BOT_TOKEN is not set. Copy the Bot User OAuth Token "
            "(xoxb-…) from the app's OAuth & Permissions page.",
        ), None
    client = client_factory(token=settings.slack_bot_token.reveal(), base_url=settings.slack_api_url)
    try:
        response = client.auth_test()
    except SlackApiError as error:
        return Check(
            "Slack bot token",
            False,
            f"Slack refused the token ({error.response.get('error')}). "
            "Reinstall the app and copy the new token.",
        ), None
    except OSError as error:  # slack_sdk's urllib: URLError, timeouts, refused connections
        return Check(
            "Slack bot token",
            False,
            f"cannot reach Slack at {settings.slack_api_url} ({getattr(error, 'reason', error)}): "
            "check SLACK_API_URL and the network.",
        ), None
    return Check(
        "Slack bot token", True, f"bot {response.get('user')} in team {response.get('team')}"
    ), response


def check_slack_app(settings: Settings, identity: SlackResponse) -> list[Check]:
    """With a working token: the scopes Slack granted it, the signing secret, the app-level token."""
    granted = set(filter(None, (identity.headers.get("x-oauth-scopes") or "").split(",")))
    missing = manifest_scopes() - {scope.strip() for scope in granted}
    checks = [
        Check(
            "Slack scopes",
            not missing,
            "all granted"
            if not missing
            else f"missing {', '.join(sorted(missing))}: add them from manifest.yml and reinstall the app",
        ),
        Check(
            "Slack signing secret",
            bool(settings.slack_signing_secret) or settings.mode == "socket",
            "set"
            if settings.slack_signing_secret
            else "SLACK_SIGNING_SECRET is not set: copy it from the app's Basic Information page",
        ),
    ]
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
    try:
        missing = [scope for scope in DEFAULT_SCOPES if not scope_on_app(settings, scope)]
        if missing:  # the bot's own token request would be refused whole: nothing more to ask
            return [
                Check("Ramp API", True, f"credentials accepted at {settings.ramp_api_url}"),
                scopes_check(missing),
            ]
        with ramp_client(settings, DEFAULT_SCOPES) as ramp:
            active = ramp.active_connection()
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
    return [
        Check("Ramp API", True, f"token and scopes accepted at {settings.ramp_api_url}; {where}"),
        scopes_check([]),
        optional_scopes_check([s for s in OPTIONAL_SCOPES if not scope_on_app(settings, s)]),
    ]


def ramp_client(settings: Settings, scopes: tuple[str, ...]) -> RampClient:
    return RampClient(
        settings.ramp_api_url,
        settings.ramp_client_id,
        settings.ramp_client_secret.reveal(),
        scopes=scopes,
        optional_scopes=(),
        max_retries=1,
    )


def scope_on_app(settings: Settings, scope: str) -> bool:
    """Ask for a token with this one scope: Ramp refuses the whole request with `invalid_scope` when
    the app lacks it (shared/reference/ramp-api.md §1), so each scope is asked for on its own. The
    call is only there to make the client ask for the token; a 403 from it means the token was given."""
    with ramp_client(settings, (scope,)) as ramp:
        try:
            ramp.list_connections()
        except Forbidden as error:
            return error.error_code != "invalid_scope"
    return True


def scopes_check(missing: list[str]) -> Check:
    if not missing:
        return Check("Ramp scopes", True, "granted: " + ", ".join(DEFAULT_SCOPES))
    lines = [
        f"{scope} — needed by: {', '.join(features_needing(scope))}; add it to the Ramp app"
        for scope in missing
    ]
    hint = "(Ramp > Settings > Developer API, then restart the bot)"
    return Check("Ramp scopes", False, "\n      ".join([*lines, hint]))


def optional_scopes_check(missing: list[str]) -> Check:
    """The other syncable objects: a missing scope turns that kind off, never the rest."""
    if not missing:
        return Check("Ramp object scopes", True, "granted: " + ", ".join(OPTIONAL_SCOPES))
    lines = [
        f"{', '.join(features_needing(scope))} not enabled: add {scope} to the Ramp app" for scope in missing
    ]
    return Check("Ramp object scopes", True, "\n      ".join(lines))


def check_database(settings: Settings) -> list[Check]:
    try:
        store = Store(settings.db_path)
        try:
            problems, tables = store.quick_check(), len(store.table_counts())
        finally:
            store.close()
    except sqlite3.DatabaseError as error:
        return [Check("Database", False, database_advice(settings.db_path, error), fatal=True)]
    except OSError as error:
        return [
            Check(
                "Database",
                False,
                f"cannot open {settings.db_path}: {error}. Set RAMP_BOT_DB to a writable path.",
                fatal=True,
            )
        ]
    if problems:
        found = "; ".join(problem.replace("\n", " ") for problem in problems[:3])
        return [Check("Database", False, database_advice(settings.db_path, found), fatal=True)]
    return [
        Check("Database", True, f"{settings.db_path} ({tables} tables, migrations applied, integrity ok)")
    ]


def database_advice(path: Path, error: sqlite3.DatabaseError | str) -> str:
    """One line on a database the bot cannot use: which file (`RAMP_BOT_DB`), what is wrong, what to do."""
    if isinstance(error, sqlite3.OperationalError):  # cannot open or lock it: the file may be fine
        return (
            f"RAMP_BOT_DB={path} cannot be opened ({error}): check that its directory exists and is "
            "writable and that no other program holds it, or set RAMP_BOT_DB to another path."
        )
    return (
        f"RAMP_BOT_DB={path} is damaged ({error}): restore it from your backup, or move it aside "
        f"(with any {path.name}-wal and {path.name}-shm beside it) so the bot starts a new, empty one; "
        "Ramp's own data is not affected."
    )


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
    if any(c.fatal for c in failed):
        return 2
    return 0 if not failed else 1
