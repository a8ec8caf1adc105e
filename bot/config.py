"""Settings: read once from the environment (and a `.env` file) into a frozen object passed down.

Nothing else in the code reads `os.environ`. Secrets are wrapped in `Secret`, whose repr and str
never show the value, so a settings object can be logged or printed safely.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable, never its secret value."""


class Secret:
    """A string that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')" if self._value else "Secret('')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_RAMP_API_URL = "https://api.ramp.com"



@dataclass(frozen=True)
class Settings:
    slack_bot_token: Secret = field(default_factory=lambda: Secret(""))
    slack_signing_secret: Secret = field(default_factory=lambda: Secret(""))
    slack_app_token: Secret = field(default_factory=lambda: Secret(""))
    slack_api_url: str = DEFAULT_SLACK_API_URL
    ramp_client_id: str = ""
    ramp_client_secret: Secret = field(default_factory=lambda: Secret(""))
    ramp_api_url: str = DEFAULT_RAMP_API_URL
    db_path: Path = Path("ramp-bot.sqlite3")
    admins: tuple[str, ...] = ()
    port: int = 3000
    ramp_rate_limit: int = 200
    ramp_rate_window_s: float = 10.0
    max_file_bytes: int = 20 * 1024 * 1024
    # Ready notices: how often to poll what is ready without webhooks, and with them (a fallback:
    # Ramp may lose events in a long outage, reference/ramp-api.md §8).
    poll_interval_s: float = 30 * 60.0
    fallback_poll_interval_s: float = 6 * 3600.0

    @property
    def mode(self) -> str:
        """`socket`, `http` or `local` (no Slack credentials: run against the stand-ins)."""
        if self.slack_app_token and self.slack_bot_token:
            return "socket"
        if self.slack_bot_token and self.slack_signing_secret:
            return "http"
        return "local"

    @property
    def slack_host(self) -> str:
        return urlsplit(self.slack_api_url).hostname or ""

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        """Read settings; values from `environ` win over those of the `.env` file."""
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values.update(read_env_file(env_file))
        values.update(os.environ if environ is None else environ)
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> Settings:
        def get(name: str, default: str = "") -> str:
            return values.get(name, default).strip() or default

        return cls(
            slack_bot_token=Secret(get("SLACK_BOT_TOKEN")),
            slack_signing_secret=Secret(get("SLACK_SIGNING_SECRET")),
            slack_app_token=Secret(get("SLACK_APP_TOKEN")),
            slack_api_url=_url(
                "SLACK_API_URL", get("SLACK_API_URL", DEFAULT_SLACK_API_URL), trailing_slash=True
            ),
            ramp_client_id=get("RAMP_CLIENT_ID"),
            ramp_client_secret=Secret(get("RAMP_CLIENT_SECRET")),
            ramp_api_url=_url("RAMP_API_URL", get("RAMP_API_URL", DEFAULT_RAMP_API_URL)).rstrip("/"),
            db_path=Path(get("RAMP_BOT_DB", "ramp-bot.sqlite3")),
            admins=_admins(get("RAMP_BOT_ADMINS")),
            port=_int("PORT", get("PORT", "3000"), low=1, high=65535),
            ramp_rate_limit=_int("RAMP_RATE_LIMIT", get("RAMP_RATE_LIMIT", "200"), low=1, high=100_000),
            ramp_rate_window_s=float(
                _int("RAMP_RATE_WINDOW_S", get("RAMP_RATE_WINDOW_S", "10"), low=1, high=3600)
            ),
            max_file_bytes=_int("RAMP_BOT_MAX_FILE_MB", get("RAMP_BOT_MAX_FILE_MB", "20"), low=1, high=1024)
            * 1024
            * 1024,
            poll_interval_s=60.0
            * _int("RAMP_BOT_POLL_MINUTES", get("RAMP_BOT_POLL_MINUTES", "30"), low=1, high=1440),
            fallback_poll_interval_s=60.0
            * _int(
                "RAMP_BOT_WEBHOOK_POLL_MINUTES",
                get("RAMP_BOT_WEBHOOK_POLL_MINUTES", "360"),
                low=1,
                high=10080,
            ),
        )


def read_env_file(path: Path) -> dict[str, str]:
    """Parse `NAME=value` lines; `#` comments, blank lines, `export ` prefixes and quotes allowed."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        name, sep, value = line.partition("=")
        if not sep or not name.strip().isidentifier():
            raise ConfigError(f"{path}, line {number}: expected NAME=value")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def _url(name: str, value: str, trailing_slash: bool = False) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an http(s) URL such as https://example.com/, got {value!r}")
    if trailing_slash and not value.endswith("/"):
        value += "/"
    return value


def _int(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {number}")
    return number


def _admins(value: str) -> tuple[str, ...]:
    """User ids (U…/W…) and user group handles (with or without @), separated by commas or spaces."""
    items = [item.strip().lstrip("@") for item in value.replace(",", " ").split()]
    return tuple(item for item in items if item)
