"""`python -m bot doctor` checks against the stand-ins: what is right, and what is wrong with its fix."""

from pathlib import Path

from bot.config import Secret
from bot.doctor import check_admins, check_database, check_ramp, check_slack, manifest_scopes, run_doctor
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import bot_settings


def test_all_good_with_the_stand_ins(tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn, capsys):
    settings = bot_settings(tmp_path, ramp, slack)
    assert run_doctor(settings) == 0
    assert "All good." in capsys.readouterr().out


def test_missing_slack_scopes_are_named_with_the_fix(tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn):
    slack.set_scopes(sorted(manifest_scopes() - {"files:read", "usergroups:read"}))
    checks = {c.name: c for c in check_slack(bot_settings(tmp_path, ramp, slack))}
    assert not checks["Slack scopes"].ok
    assert "files:read, usergroups:read" in checks["Slack scopes"].detail
    assert "reinstall" in checks["Slack scopes"].detail


def test_a_refused_slack_token_says_to_reinstall(tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn):
    settings = bot_settings(tmp_path, ramp, slack, slack_bot_token=Secret("xoxb-wrong"))
    (check,) = check_slack(settings)
    assert not check.ok and "invalid_auth" in check.detail


def test_wrong_ramp_credentials_are_reported_without_the_secret(tmp_path: Path, slack: SlackStandIn):
    with RampSandbox(port=0, client_id="right", client_secret="right-secret") as strict:
        settings = bot_settings(tmp_path, strict, slack, ramp_client_secret=Secret("wrong-secret-value"))
        (check,) = check_ramp(settings)
    assert not check.ok and "scopes" in check.detail
    assert "wrong-secret-value" not in check.detail


def test_no_admins_and_an_unwritable_database_are_explained(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
):
    settings = bot_settings(
        tmp_path, ramp, slack, admins=(), db_path=tmp_path / "missing" / "dir" / "db.sqlite3"
    )
    assert "RAMP_BOT_ADMINS" in check_admins(settings)[0].detail
    assert "RAMP_BOT_DB" in check_database(settings)[0].detail
