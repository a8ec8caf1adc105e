"""`python -m bot doctor` checks against the stand-ins: what is right, and what is wrong with its fix.

Also the Ramp scopes the bot asks for: a Ramp app holds only the scopes it was
created with, and Ramp refuses a token request for any other with 400 `invalid_scope`
(shared/reference/ramp-api.md §1), so the bot must ask for no scope it does not use.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import Secret
from bot.doctor import check_admins, check_database, check_ramp, check_slack, manifest_scopes, run_doctor
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot, bot_settings, start_bot
from tests.driver import ADMIN, CHANNEL, FILES, connect, preview_of, upload

THE_BOTS_SCOPES = ("accounting:read", "accounting:write", "transactions:read")


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


# -- Ramp scopes -----------------------------------------------------------------------------------


def register_app(ramp: RampSandbox, client_id: str, scopes: tuple[str, ...]) -> None:
    """An app created in Ramp's developer settings with only these scopes."""
    with ramp.state.lock:
        ramp.state.tokens.register_app(client_id, "test-client-secret", scopes)


def test_the_sandbox_refuses_a_scope_the_app_was_not_given_with_invalid_scope(ramp: RampSandbox):
    register_app(ramp, "app-without-entities", THE_BOTS_SCOPES)
    asked = {"grant_type": "client_credentials", "scope": "accounting:read entities:read"}
    answer = httpx.post(
        f"{ramp.url}/developer/v1/token", auth=("app-without-entities", "test-client-secret"), data=asked
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"
    assert "entities:read" in answer.json()["error_description"]
    assert "accounting:read" not in answer.json()["error_description"]  # only what is not on the app


def test_the_sandbox_gives_a_registered_app_a_token_for_its_own_scopes(ramp: RampSandbox):
    register_app(ramp, "app-own-scopes", THE_BOTS_SCOPES)
    asked = {"grant_type": "client_credentials", "scope": "transactions:read"}
    answer = httpx.post(
        f"{ramp.url}/developer/v1/token", auth=("app-own-scopes", "test-client-secret"), data=asked
    )
    assert answer.status_code == 200 and answer.json()["scope"] == "transactions:read"
    wrong = httpx.post(f"{ramp.url}/developer/v1/token", auth=("app-own-scopes", "not-it"), data=asked)
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


@pytest.fixture
def bot_without_entities(tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn) -> Iterator[RunningBot]:
    register_app(ramp, "app-no-entities", THE_BOTS_SCOPES)
    yield from start_bot(bot_settings(tmp_path, ramp, slack, ramp_client_id="app-no-entities"), slack)


def conversation(slack: SlackStandIn) -> str:
    return "\n".join(m.text + json.dumps(m.blocks) for m in slack.messages(CHANNEL))


def test_an_app_without_entities_read_connects_lists_and_uploads(
    bot_without_entities: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    content = (FILES / "qbo_chart_of_accounts.csv").read_bytes()
    assert "14 created" in upload(slack, preview_of(slack, content, "qbo_chart_of_accounts.csv"))
    slack.slash_command("/ramp", "categories accounts", user=ADMIN, channel=CHANNEL)
    slack.wait_for(lambda: "14 GL accounts" in conversation(slack), timeout=10)
    assert "entities:read" not in conversation(slack)


def test_doctor_names_each_missing_scope_with_the_features_that_need_it(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
):
    register_app(ramp, "app-read-only", ("accounting:read", "transactions:read"))
    checks = {
        c.name: c for c in check_ramp(bot_settings(tmp_path, ramp, slack, ramp_client_id="app-read-only"))
    }
    assert checks["Ramp API"].ok  # the credentials are right: the scope is what is missing
    scopes = checks["Ramp scopes"]
    assert not scopes.ok
    assert "accounting:write — needed by: /ramp connect and disconnect, category uploads" in scopes.detail
    assert "add it to the Ramp app" in scopes.detail
    assert "accounting:read" not in scopes.detail and "entities:read" not in scopes.detail


def test_doctor_passes_an_app_created_without_entities_read(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
):
    register_app(ramp, "app-doctor-no-entities", THE_BOTS_SCOPES)
    checks = check_ramp(bot_settings(tmp_path, ramp, slack, ramp_client_id="app-doctor-no-entities"))
    assert all(check.ok for check in checks), checks


def test_doctor_names_the_object_kinds_an_app_without_their_scopes_cannot_list(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
):
    register_app(ramp, "app-cards-only", THE_BOTS_SCOPES)
    checks = {
        c.name: c for c in check_ramp(bot_settings(tmp_path, ramp, slack, ramp_client_id="app-cards-only"))
    }
    objects = checks["Ramp object scopes"]
    assert objects.ok  # a kind turned off is not a broken bot
    assert "bills and bill payments not enabled: add bills:read to the Ramp app" in objects.detail
    assert "reimbursements not enabled: add reimbursements:read" in objects.detail
    assert all(c.ok for c in checks.values())
