"""The Slack app end to end: signed requests from the Slack stand-in to the bot over HTTP, the bot's
Web API calls landing in the stand-in, and Ramp played by the sandbox. Nothing of ours is mocked."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from slack_bolt.request import BoltRequest

from handlers.slack_request import SlackRequest
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot, bot_settings, start_bot
from tests.driver import (
    ADMIN,
    CHANNEL,
    USER,
    active_connections,
    connect,
    message_with,
    ramp_state,
    wait_for_text,
)

# Signatures (forged, replayed, missing) are tested in tests/reliability/test_attack.py, for every kind
# of request, with what else must not happen.


@pytest.mark.http
def test_healthz_answers_ok(bot: RunningBot):
    assert httpx.get(f"{bot.url}/healthz").json()["ok"] is True


# -- help and the Bolt 1.30 `payload` bug --------------------------------------------------------------


def test_help_lists_every_command_with_an_example(bot: RunningBot, slack: SlackStandIn):
    response = slack.slash_command("/ramp", "", user=USER, channel=CHANNEL)
    assert response.status == 200
    shown = json.dumps(response.json())
    for name in ("status", "connect", "disconnect", "audit"):
        assert f"/ramp {name}" in shown


def test_a_typo_gets_the_nearest_command(bot: RunningBot, slack: SlackStandIn):
    shown = json.dumps(slack.slash_command("/ramp", "stauts", user=USER).json())
    assert "Did you mean `/ramp status`?" in shown


def test_the_word_payload_in_a_command_still_reaches_the_listener(bot: RunningBot, slack: SlackStandIn):
    # Bolt 1.30 parses any form body containing "payload" as an empty interactive payload.
    response = slack.slash_command("/ramp", "help payload", user=USER, channel=CHANNEL)
    assert response.status == 200
    assert "I don't know" not in response.body and "/ramp connect" in response.body


def test_a_command_in_a_channel_named_payload_ops_is_answered(bot: RunningBot, slack: SlackStandIn):
    slack.add_channel("C0PAY", name="payload-ops")
    response = slack.slash_command("/ramp", "help", user=USER, channel="C0PAY")
    assert response.status == 200 and "/ramp status" in response.body


def test_bolts_own_request_loses_such_a_body_and_ours_keeps_it():
    body = "token=x&command=%2Framp&text=help+payload&user_id=U1&channel_id=C1&channel_name=payload-ops"
    headers = {"content-type": ["application/x-www-form-urlencoded"]}
    assert BoltRequest(body=body, headers=headers).body == {}  # the bug, still in Bolt
    fixed = SlackRequest(body=body, headers=headers)
    assert fixed.body["text"] == "help payload"
    assert fixed.to_copyable().body["command"] == "/ramp"  # lazy listeners get a copy


# -- status and connect -----------------------------------------------------------------------------


def test_status_without_a_connection_says_how_to_connect(bot: RunningBot, slack: SlackStandIn):
    slack.slash_command("/ramp", "status", user=USER)
    assert "/ramp connect" in wait_for_text(slack, "No active accounting connection")


def test_admin_connects_and_status_shows_the_provider_and_counts(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    assert [c["remote_provider_name"] for c in active_connections(ramp)] == ["NetSuite"]
    slack.slash_command("/ramp", "status", user=USER)
    shown = wait_for_text(slack, "Connected to *NetSuite*")
    assert "GL accounts" in shown and "Vendors" in shown


def test_a_non_admin_write_is_refused_naming_the_admins_and_audited(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    response = slack.slash_command("/ramp", 'connect "Sage Intacct"', user=USER)
    said = response.json()
    assert said["blocks"][0]["block_id"] == "refusal" and f"<@{ADMIN}>" in response.body
    assert said["text"].startswith('Only admins can run `/ramp connect "Sage Intacct"`')  # as typed
    assert active_connections(ramp) == []
    entries = bot.services.audit.recent(5)
    assert [(e.user_id, e.command, e.arguments, e.outcome) for e in entries] == [
        (USER, "connect", "Sage Intacct", "refused")
    ]  # audited once, by the door


def test_with_no_admins_configured_writes_are_refused_and_the_user_told_whom_to_ask(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
):
    for _ in start_bot(bot_settings(tmp_path, ramp, slack, admins=()), slack):
        response = slack.slash_command("/ramp", "connect NetSuite", user=ADMIN)
        blocks = json.loads(response.body)["blocks"]
        assert blocks[0]["block_id"] == "refusal"
        assert "whoever runs the bot" in response.body
        assert "RAMP_BOT_ADMINS" not in response.body  # the setting is for the admin's eyes: doctor, the log


def test_admins_may_be_a_user_group_handle(tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn):
    slack.add_usergroup("S0FIN", handle="finance-admins", users=[USER])
    for _ in start_bot(bot_settings(tmp_path, ramp, slack, admins=("finance-admins",)), slack):
        slack.slash_command("/ramp", "connect Xero", user=USER)
        wait_for_text(slack, "connected Ramp to *Xero*")


def test_connect_while_one_is_active_offers_replace_or_keep(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    slack.slash_command("/ramp", "connect Xero", user=ADMIN)
    wait_for_text(slack, "already connected to *NetSuite*")
    slack.click("connection_keep", user=ADMIN)
    wait_for_text(slack, "Kept as it is")
    assert [c["remote_provider_name"] for c in active_connections(ramp)] == ["NetSuite"]


def test_replace_disconnects_the_old_one_and_connects_the_new(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    # A double click on Replace: tests/reliability/test_duplicates.py.
    connect(slack, "NetSuite")
    slack.slash_command("/ramp", "connect Xero", user=ADMIN)
    slack.click("connection_replace", message=message_with(slack, "connection_replace"), user=ADMIN)
    wait_for_text(slack, "replacing NetSuite")
    slack.wait_quiet()
    assert [c["remote_provider_name"] for c in active_connections(ramp)] == ["Xero"]
    providers = [c["remote_provider_name"] for c in ramp_state(ramp)["connections"]]
    assert sorted(providers) == ["NetSuite", "Xero"]


def test_disconnect_backs_up_every_category_in_the_thread_then_disconnects(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    bot.ramp.create_gl_accounts(
        [
            {"id": "6000", "name": "Travel", "classification": "EXPENSE"},
            {"id": "6100", "name": "=cmd", "classification": "EXPENSE"},
        ]
    )
    bot.ramp.create_vendors([{"id": "V1", "name": "Delta Air Lines"}])
    slack.slash_command("/ramp", "disconnect", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, "Back up and disconnect")
    slack.click("connection_disconnect", user=ADMIN)
    wait_for_text(slack, "disconnected Ramp from *NetSuite*")
    assert active_connections(ramp) == []
    uploads = [m for m in slack.messages(CHANNEL) if m.files]
    assert uploads and all(m.thread_ts for m in uploads)
    files = {f.name: f for m in uploads for f in m.files}
    accounts = next(f for name, f in files.items() if name.startswith("gl-accounts"))
    content = slack.file_content(accounts.id).decode("utf-8-sig")
    assert "6000,Travel" in content and "'=cmd" in content
    assert any(name.startswith("vendors") for name in files)


def test_reactivate_restores_the_previous_connection_with_its_categories(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    bot.ramp.create_gl_accounts([{"id": "6000", "name": "Travel", "classification": "EXPENSE"}])
    bot.services.connection.disconnect(ADMIN, CHANNEL)
    assert active_connections(ramp) == []
    slack.slash_command("/ramp", "connect NetSuite --reactivate", user=ADMIN)
    wait_for_text(slack, "reactivated Ramp to *NetSuite*")
    assert [a.id for a in bot.ramp.iter_gl_accounts()] == ["6000"]


def test_reactivate_with_no_previous_connection_of_that_name_says_so(bot: RunningBot, slack: SlackStandIn):
    slack.slash_command("/ramp", "connect Sage --reactivate", user=ADMIN)
    wait_for_text(slack, "no previous connection named *Sage*")


# -- errors reach people --------------------------------------------------------------------------------


def test_a_ramp_5xx_is_shown_with_a_next_step(bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox):
    httpx.post(f"{ramp.url}/_sandbox/faults", json={"error_rate": 1.0, "kinds": ["500"]}).raise_for_status()
    try:
        slack.slash_command("/ramp", "status", user=USER)
        wait_for_text(slack, "Try again in a few minutes", timeout=30)
    finally:
        httpx.post(f"{ramp.url}/_sandbox/faults", json={"error_rate": 0}).raise_for_status()


def test_a_ramp_4xx_shows_ramps_message_and_trace_id(tmp_path: Path, slack: SlackStandIn):
    with RampSandbox(port=0, client_id="right-id", client_secret="right-secret") as strict:
        for _ in start_bot(bot_settings(tmp_path, strict, slack), slack):
            slack.slash_command("/ramp", "status", user=USER)
            shown = wait_for_text(slack, "client id and secret")
            assert shown.count("Ramp trace id") == 1  # the advice and the trace id, each once


def test_audit_lists_the_last_write_actions(bot: RunningBot, slack: SlackStandIn):
    connect(slack, "NetSuite")
    slack.slash_command("/ramp", "connect Xero", user=USER)  # refused
    slack.slash_command("/ramp", "audit 5", user=ADMIN)
    shown = wait_for_text(slack, "Audit log")
    assert "refused" in shown and "connected NetSuite" in shown


# A retried event delivery: tests/reliability/test_duplicates.py (a redelivered file share previews
# and uploads once, read back from Ramp).
