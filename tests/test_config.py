"""Settings from the environment and .env: names of DESIGN.md section 4, clear errors, no secret shown."""

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings


def test_defaults_mean_local_mode_against_ramp_production():
    settings = Settings.from_mapping({})
    assert settings.mode == "local"
    assert settings.ramp_api_url == "https://api.ramp.com"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.admins == ()


def test_mode_follows_the_tokens_given():
    http = Settings.from_mapping({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    socket = Settings.from_mapping({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert (http.mode, socket.mode) == ("http", "socket")


@pytest.mark.parametrize(
    ("name", "value"),
    [("RAMP_API_URL", "api.ramp.com"), ("SLACK_API_URL", "ftp://x"), ("PORT", "eighty"), ("PORT", "70000")],
)
def test_a_malformed_value_stops_startup_naming_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_mapping({name: value})


def test_secrets_never_show_in_repr_or_errors():
    settings = Settings.from_mapping(
        {
            "SLACK_BOT_TOKEN": "xoxb-very-secret",
            "RAMP_CLIENT_SECRET": "ramp-very-secret",
            "SLACK_SIGNING_SECRET": "sig",
        }
    )
    shown = repr(settings) + str(settings)
    assert "very-secret" not in shown
    assert settings.ramp_client_secret.reveal() == "ramp-very-secret"


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path):
    env = tmp_path / ".env"
    env.write_text('# comment\nexport RAMP_BOT_ADMINS="U1, @finance-admins"\nPORT=4000\n', encoding="utf-8")
    settings = Settings.from_env({"PORT": "5000"}, env_file=env)
    assert settings.admins == ("U1", "finance-admins")
    assert settings.port == 5000


def test_a_broken_env_file_line_is_named(tmp_path: Path):
    env = tmp_path / ".env"
    env.write_text("PORT=1\nthis is not a setting\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2"):
        Settings.from_env({}, env_file=env)
