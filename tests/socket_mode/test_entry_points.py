"""Every way in, over Socket Mode: commands, button clicks, modal submissions and file shares arrive
as envelopes, and the acks carry what HTTP mode's response bodies carry."""

from __future__ import annotations

import json

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CHANNEL,
    FILES,
    RAMEN,
    USER,
    books,
    connect,
    listing_message,
    load_mix,
    preview_of,
    ramp_state,
    text_of,
    upload,
    wait_for_text,
)


def envelope_types(slack: SlackStandIn) -> list[str]:
    return [envelope["type"] for envelope in slack.socket_mode.envelopes]


def test_help_is_the_ack_of_a_slash_commands_envelope(bot: RunningBot, slack: SlackStandIn):
    response = slack.slash_command("/ramp", "help", user=USER, channel=CHANNEL)
    shown = json.dumps(response.json())
    assert all(f"/ramp {name}" in shown for name in ("status", "connect", "transactions", "audit"))
    envelope = slack.socket_mode.envelopes[-1]
    assert (envelope["type"], envelope["accepts_response_payload"]) == ("slash_commands", True)
    assert envelope["payload"]["command"] == "/ramp" and envelope["payload"]["text"] == "help"
    ephemeral = slack.messages(CHANNEL)[-1]  # the ack's payload is shown as HTTP mode's body is
    assert ephemeral.ephemeral_to == USER and "/ramp status" in text_of(ephemeral)


def test_status_is_answered_after_the_ack(bot: RunningBot, slack: SlackStandIn):
    slack.slash_command("/ramp", "status", user=USER)
    assert "/ramp connect" in wait_for_text(slack, "No active accounting connection")


def test_a_button_click_arrives_as_an_interactive_envelope(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    slack.slash_command("/ramp", "connect Xero", user=ADMIN)
    wait_for_text(slack, "already connected to *NetSuite*")
    slack.click("connection_keep", user=ADMIN)
    wait_for_text(slack, "Kept as it is")
    click = slack.socket_mode.envelopes[-1]
    assert (click["type"], click["payload"]["type"]) == ("interactive", "block_actions")
    assert [c["remote_provider_name"] for c in ramp_state(ramp)["connections"] if c["is_active"]] == [
        "NetSuite"
    ]


def test_a_modal_submission_is_kept_open_by_errors_in_the_ack_and_closed_by_an_empty_one(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)
    slack.slash_command("/ramp", "transactions", user=ADMIN, channel=CHANNEL)
    slack.click(
        "transaction_row",
        message=listing_message(slack),
        user=ADMIN,
        block_id=f"tx|{RAMEN}",
        value=f"synced|{RAMEN}",
    )
    slack.wait_for(lambda: slack.views)
    refused = slack.submit_view(values={"reference": {"value": "X" * 300}}, user=ADMIN)
    assert refused.json()["response_action"] == "errors" and "the limit is 255" in refused.body
    assert slack.views  # still open, as in HTTP mode
    submission = slack.socket_mode.envelopes[-1]
    assert submission["payload"]["type"] == "view_submission" and submission["accepts_response_payload"]

    slack.submit_view(values={"reference": {"value": "JE-1001"}}, user=ADMIN)
    wait_for_text(slack, "Marked synced: Tokyo Ramen Ichiran")
    assert not slack.views
    assert [s["successful_syncs"] for s in ramp_state(ramp)["syncs"]] == [
        [{"id": RAMEN, "reference_id": "JE-1001"}]
    ]


def test_a_shared_chart_of_accounts_is_previewed_and_uploaded(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "QuickBooks Online")
    preview = preview_of(
        slack, (FILES / "qbo_chart_of_accounts.csv").read_bytes(), "qbo_chart_of_accounts.csv"
    )
    assert preview.text.startswith("Upload preview for qbo_chart_of_accounts.csv")
    share = next(e for e in slack.socket_mode.envelopes if e["type"] == "events_api")
    assert share["payload"]["event"]["subtype"] == "file_share"
    assert (share["retry_attempt"], share["retry_reason"]) == (0, "")
    assert "finished" in upload(slack, preview)
    assert books(ramp)["gl_accounts"]
    assert set(envelope_types(slack)) == {"slash_commands", "interactive", "events_api"}
