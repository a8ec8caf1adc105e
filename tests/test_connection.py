"""The connection's lifecycle through Slack against the Ramp sandbox: reactivation brings back the
categories a connection held (issue 15 §1), and a connection set up in Ramp, direct, is explained
(§2). Nothing of ours is mocked."""

from __future__ import annotations

import json

import httpx
import pytest

from bot.ramp.errors import DirectConnectionRefused, NotFound
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CAFE,
    CHANNEL,
    FILES,
    RAMEN,
    USER,
    action_ids,
    active_connections,
    connect,
    listing_message,
    load_mix,
    message_with,
    preview_of,
    ramp_state,
    results_csv,
    routed,
    sandbox_connection,
    synced_ids,
    text_of,
    texts,
    upload,
    wait_for_text,
    write_requests,
)

CHART = (FILES / "qbo_chart_of_accounts.csv").read_bytes()


def hold_categories(bot: RunningBot, accounts: int = 3, vendors: int = 2) -> None:
    """The active connection's categories, as an upload would leave them."""
    bot.ramp.create_gl_accounts(
        [{"id": f"6{n:03}", "name": f"Account {n}", "classification": "EXPENSE"} for n in range(accounts)]
    )
    bot.ramp.create_vendors([{"id": f"V{n}", "name": f"Vendor {n}"} for n in range(vendors)])


def disconnect_through_slack(slack: SlackStandIn, name: str) -> None:
    slack.slash_command("/ramp", "disconnect", user=ADMIN, channel=CHANNEL)
    slack.click("connection_disconnect", message=message_with(slack, "connection_disconnect"), user=ADMIN)
    wait_for_text(slack, f"disconnected Ramp from *{name}*")


def button_values(slack: SlackStandIn, action_id: str) -> list[str]:
    message = message_with(slack, action_id)
    return [
        str(element["value"])
        for block in message.blocks
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("action_id") == action_id
    ]


# -- §1 reactivation ------------------------------------------------------------------------------------


def test_switching_back_with_reactivate_restores_the_old_connection_and_reports_what_ramp_holds(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    netsuite = active_connections(ramp)[0]["id"]
    hold_categories(bot, accounts=3, vendors=2)
    disconnect_through_slack(slack, "NetSuite")
    connect(slack, "QuickBooks Online")
    bot.ramp.create_gl_accounts([{"id": "1000", "name": "Checking", "classification": "ASSET"}])

    slack.slash_command("/ramp", "connect NetSuite --reactivate", user=ADMIN, channel=CHANNEL)
    offer = message_with(slack, "connection_switch_back")
    assert "connection_replace" not in action_ids(offer)  # --reactivate never makes a new connection
    assert "connection_keep" in action_ids(offer)
    quickbooks = active_connections(ramp)[0]["id"]
    assert [json.loads(v) for v in button_values(slack, "connection_switch_back")] == [
        {"to": netsuite, "from": quickbooks}  # the connection it switches from, as offered: see the guard
    ]
    confirm = json.dumps(offer.blocks)
    assert "disconnect *QuickBooks Online*" in confirm and "CSV files in a thread" in confirm

    slack.click("connection_switch_back", message=offer, user=ADMIN)
    shown = wait_for_text(slack, "reactivated Ramp to *NetSuite*, replacing QuickBooks Online")
    assert "*GL accounts*\n3" in shown and "*Vendors*\n2" in shown  # read back, not a fixed sentence
    assert "Its categories are back" not in shown
    assert [c["id"] for c in active_connections(ramp)] == [netsuite]
    assert len(ramp_state(ramp)["connections"]) == 2  # nothing was created
    backups = [f.name for m in slack.messages(CHANNEL) if m.files and m.thread_ts for f in m.files]
    assert any(name.startswith("gl-accounts") for name in backups)  # QuickBooks' backup, in the thread

    slack.slash_command("/ramp", "connect NetSuite --reactivate", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, "already connected to *NetSuite*. Nothing to do")
    slack.slash_command("/ramp", "status", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, "*GL accounts*\n3")
    entries = [(e.command, e.outcome) for e in bot.services.audit.recent(20)]
    assert ("connect", "ok") in entries and ("disconnect", "ok") in entries


def test_reactivate_with_nothing_to_reactivate_says_so_and_changes_nothing(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "Xero")
    before = write_requests(ramp)
    slack.slash_command("/ramp", "connect NetSuite --reactivate", user=ADMIN, channel=CHANNEL)
    shown = wait_for_text(slack, "no previous connection named *NetSuite*")
    assert "Xero" in shown
    assert write_requests(ramp) == before
    assert [c["remote_provider_name"] for c in ramp_state(ramp)["connections"]] == ["Xero"]


def test_connect_without_the_flag_offers_the_previous_connection_or_a_new_empty_one(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    netsuite = active_connections(ramp)[0]["id"]
    hold_categories(bot, accounts=2, vendors=1)
    bot.services.connection.disconnect(ADMIN, CHANNEL)

    slack.slash_command("/ramp", "connect NetSuite", user=ADMIN, channel=CHANNEL)
    offer = message_with(slack, "connection_reactivate")
    shown = texts(slack)
    assert "created " in shown and "last linked " in shown
    assert "A new connection starts empty" in shown
    assert button_values(slack, "connection_reactivate") == [netsuite]
    assert "starts empty" in json.dumps(offer.blocks)  # in the new one's confirm dialog too

    slack.click("connection_reactivate", message=offer, user=ADMIN)
    shown = wait_for_text(slack, "reactivated Ramp to *NetSuite*")
    assert "*GL accounts*\n2" in shown
    assert [c["id"] for c in active_connections(ramp)] == [netsuite]


def test_starting_a_new_connection_though_an_old_one_exists_starts_empty(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    hold_categories(bot)
    bot.services.connection.disconnect(ADMIN, CHANNEL)
    slack.slash_command("/ramp", "connect NetSuite", user=ADMIN, channel=CHANNEL)
    slack.click("connection_new", message=message_with(slack, "connection_new"), user=ADMIN)
    wait_for_text(slack, "connected Ramp to *NetSuite*")
    assert len(ramp_state(ramp)["connections"]) == 2
    assert list(bot.ramp.iter_gl_accounts()) == []


def test_several_previous_connections_of_one_name_are_listed_to_pick_from(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    ids = []
    for accounts in (1, 4):
        slack.slash_command("/ramp", "connect NetSuite", user=ADMIN, channel=CHANNEL)
        if ids:
            slack.click("connection_new", message=message_with(slack, "connection_new"), user=ADMIN)
        slack.wait_for(lambda: active_connections(ramp))
        ids.append(active_connections(ramp)[0]["id"])
        hold_categories(bot, accounts=accounts, vendors=1)
        bot.services.connection.disconnect(ADMIN, CHANNEL)

    slack.slash_command("/ramp", "connect NetSuite --reactivate", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, "There are 2 previous *NetSuite* connections")
    offer = message_with(slack, "connection_reactivate")
    assert "connection_new" not in action_ids(offer)  # --reactivate: no new one offered
    assert sorted(button_values(slack, "connection_reactivate")) == sorted(ids)
    slack.click("connection_reactivate", message=offer, user=ADMIN, value=ids[0])
    shown = wait_for_text(slack, "reactivated Ramp to *NetSuite*")
    assert "*GL accounts*\n1" in shown
    assert [c["id"] for c in active_connections(ramp)] == [ids[0]]


# -- §2 a connection set up in Ramp: direct ---------------------------------------------------------------


def test_the_sandbox_makes_connections_of_each_kind_and_shows_the_kind_only_in_its_state(ramp: RampSandbox):
    api = sandbox_connection(ramp, "Acme ERP", "api")
    direct = sandbox_connection(ramp, "NetSuite", "direct")
    connections = {c["id"]: c for c in ramp_state(ramp)["connections"]}
    assert connections[api["id"]]["kind"] == "api" and not connections[api["id"]]["is_active"]
    assert connections[direct["id"]]["kind"] == "direct" and connections[direct["id"]]["is_active"]
    httpx.post(f"{ramp.url}/_sandbox/connections/{direct['id']}/deactivate").raise_for_status()
    assert all(not c["is_active"] for c in ramp_state(ramp)["connections"])


def test_under_a_direct_connection_writes_are_refused_and_explained(bot: RunningBot, ramp: RampSandbox):
    connect_id = bot.ramp.create_connection("Acme ERP").id
    direct = sandbox_connection(ramp, "NetSuite", "direct")
    httpx.post(f"{ramp.url}/_sandbox/connections/{direct['id']}/deactivate").raise_for_status()
    bot.ramp.reactivate_connection(connect_id)
    sandbox_connection(ramp, "NetSuite", "direct")  # ...and a direct one over it
    assert [c["remote_provider_name"] for c in active_connections(ramp)] == ["NetSuite"]
    with pytest.raises(DirectConnectionRefused) as refused:
        bot.ramp.create_gl_accounts([{"id": "6000", "name": "Travel", "classification": "EXPENSE"}])
    assert "read-only" in refused.value.user_text() and "Accounting settings" in refused.value.user_text()
    unknown = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(NotFound):  # display name and visibility stay writable: past the refusal
        bot.ramp.update_field_option(unknown, display_name="Sales team")
    with pytest.raises(DirectConnectionRefused):
        bot.ramp.update_field_option(unknown, value="Sales")
    with pytest.raises(DirectConnectionRefused):
        bot.ramp.disconnect()
    assert connect_id not in [c["id"] for c in active_connections(ramp)]
    with pytest.raises(DirectConnectionRefused):
        bot.ramp.post_syncs("key-1", successful=[{"id": unknown, "reference_id": "r1"}])  # a well-formed id


def test_status_and_disconnect_say_a_connection_was_set_up_in_ramp(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    direct = sandbox_connection(ramp, "NetSuite", "direct")
    slack.slash_command("/ramp", "status", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, "Set up in Ramp (not by me)")
    slack.slash_command("/ramp", "disconnect", user=ADMIN, channel=CHANNEL)
    confirm = message_with(slack, "connection_disconnect")
    assert "was set up in Ramp, not by me" in json.dumps(confirm.blocks)
    slack.click("connection_disconnect", message=confirm, user=ADMIN)
    shown = wait_for_text(slack, "direct integration")
    assert "Accounting settings" in shown and "syncs by itself" in shown
    assert [c["id"] for c in active_connections(ramp)] == [direct["id"]]


def test_a_non_admin_cannot_switch_back_and_a_double_click_switches_once(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    netsuite = active_connections(ramp)[0]["id"]
    bot.services.connection.disconnect(ADMIN, CHANNEL)
    connect(slack, "Xero")
    slack.slash_command("/ramp", "connect NetSuite --reactivate", user=ADMIN, channel=CHANNEL)
    offer = message_with(slack, "connection_switch_back")
    slack.click("connection_switch_back", message=offer, user=USER)
    wait_for_text(slack, "Only admins can switch back to a previous connection")
    assert [c["remote_provider_name"] for c in active_connections(ramp)] == ["Xero"]

    for _ in range(2):
        slack.click("connection_switch_back", message=offer, user=ADMIN)
    wait_for_text(slack, "reactivated Ramp to *NetSuite*")
    slack.wait_quiet()
    assert [c["id"] for c in active_connections(ramp)] == [netsuite]
    assert routed(ramp, "POST /developer/v1/accounting/connection/{connection_id}/reactivate") == 1


def test_a_write_ramp_refuses_as_direct_is_remembered_and_writes_are_no_longer_offered_for_it(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    direct = sandbox_connection(ramp, "NetSuite", "direct")
    load_mix(ramp)
    slack.slash_command("/ramp", "status", user=ADMIN, channel=CHANNEL)
    shown = wait_for_text(slack, "Set up in Ramp (not by me)")
    assert "Universal CSV" in shown  # not refused yet: it may be Universal CSV, so writes stay offered
    first = preview_of(slack, CHART, "qbo_chart_of_accounts.csv")
    assert "upload_start" in action_ids(first)

    report = upload(slack, first)  # Ramp refuses it: the connection is direct
    assert "direct integration" in report
    assert list(bot.store.direct_connections()) == [direct["id"]]

    slack.slash_command("/ramp", "status", user=ADMIN, channel=CHANNEL)
    shown = wait_for_text(slack, "A direct integration (Ramp's own ERP integration)")
    assert "I no longer offer uploads" in shown and "Accounting settings" in shown
    again = preview_of(slack, CHART, "qbo_chart_of_accounts.csv")  # said before anyone presses Upload
    assert "upload_start" not in action_ids(again) and "I cannot upload this file" in text_of(again)
    results = preview_of(slack, results_csv(f"{RAMEN},success,JE-1,"))
    assert "sync_results_post" not in action_ids(results)
    assert "I cannot post these results" in text_of(results)
    slack.slash_command("/ramp", "transactions", user=ADMIN, channel=CHANNEL)
    listing = listing_message(slack)
    assert "transaction_row" not in json.dumps(listing.blocks)  # no Mark synced / Report failure menus
    assert "I no longer offer" in text_of(listing)
    slack.slash_command("/ramp", "disconnect", user=ADMIN, channel=CHANNEL)
    refused = wait_for_text(slack, "I cannot disconnect *NetSuite*")
    assert "Accounting settings" in refused
    slack.slash_command("/ramp", "connect Xero", user=ADMIN, channel=CHANNEL)
    offer = wait_for_text(slack, "so I cannot switch from it")
    assert "Migrate:" not in offer
    assert "connection_disconnect" not in texts(slack) and "connection_migrate" not in texts(slack)
    slack.open_home(ADMIN)
    slack.wait_for(lambda: ADMIN in slack.home_views)
    assert "I no longer offer uploads" in text_of(slack.home_views[ADMIN])
    assert routed(ramp, "POST /developer/v1/accounting/syncs") == 0  # nothing was tried again
    assert [c["id"] for c in active_connections(ramp)] == [direct["id"]]


def test_a_universal_csv_connection_set_up_in_ramp_takes_uploads_and_sync_results_through_the_bot(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    sandbox_connection(ramp, "Acme ERP", "universal_csv")
    load_mix(ramp)
    slack.slash_command("/ramp", "status", user=ADMIN, channel=CHANNEL)
    shown = wait_for_text(slack, "Set up in Ramp (not by me)")
    assert "If it is a Universal CSV (or API) connection, uploads and sync results work here" in shown
    report = upload(slack, preview_of(slack, CHART, "qbo_chart_of_accounts.csv"))
    assert "14 created" in report
    results = preview_of(slack, results_csv(f"{CAFE},success,JE-7,"))
    slack.click("sync_results_post", message=results, user=ADMIN)
    slack.wait_for(lambda: CAFE in synced_ids(ramp))
    assert bot.store.direct_connections() == {}


def test_switch_back_offered_from_one_connection_does_nothing_once_another_is_active(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    bot.services.connection.disconnect(ADMIN, CHANNEL)
    connect(slack, "Xero")
    slack.slash_command("/ramp", "connect NetSuite --reactivate", user=ADMIN, channel=CHANNEL)
    offer = message_with(slack, "connection_switch_back")
    bot.services.connection.disconnect(ADMIN, CHANNEL)  # the state changes before the click
    bot.services.connection.create("QuickBooks Online", ADMIN, CHANNEL)
    before = write_requests(ramp)

    slack.click("connection_switch_back", message=offer, user=ADMIN)
    wait_for_text(slack, "Ramp is connected to *QuickBooks Online* now, so nothing was switched")
    assert [c["remote_provider_name"] for c in active_connections(ramp)] == ["QuickBooks Online"]
    assert write_requests(ramp) == before
    assert not [m for m in slack.messages(CHANNEL) if m.files and m.thread_ts]  # no backup was taken
