"""Migrating from one connection to another through Slack against the Ramp sandbox (issue 15 §3):
Migrate carries every category over and checks it count by count, Switch and start empty backs up
and starts empty, what is still ready to sync is shown first, and a double press migrates once.
Killing the bot mid-migration: tests/reliability/test_migration_crash.py."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from bot.store import Store
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CHANNEL,
    USER,
    action_ids,
    active_connections,
    books,
    connect,
    load_mix,
    message_with,
    preview_of,
    ramp_state,
    routed,
    text_of,
    texts,
    upload,
    wait_for_text,
)

CONNECTIONS = "POST /developer/v1/accounting/connection"
DISCONNECT = "DELETE /developer/v1/accounting/connection"
DONE = "connected Ramp to *Xero*, replacing NetSuite"


def hold_a_chart(bot: RunningBot) -> None:
    """What NetSuite holds: accounts with codes and classifications, vendors with codes, a required,
    splittable custom field with a display name, and its options with codes."""
    bot.ramp.create_gl_accounts(
        [
            {"id": "6000", "name": "Travel", "classification": "EXPENSE", "code": "6000-T"},
            {"id": "1000", "name": "Checking", "classification": "ASSET"},
            {"id": "4000", "name": "Sales", "classification": "REVENUE", "code": "4000"},
        ]
    )
    vendors = bot.ramp.create_vendors([{"id": "V1", "name": "Delta Air Lines"}, {"id": "V2", "name": "Uber"}])
    bot.ramp.update_vendor(next(v.ramp_id for v in vendors if v.id == "V1"), code="DAL")
    department = bot.ramp.create_field(
        id="DEPT",
        name="Department",
        input_type="SINGLE_CHOICE",
        is_splittable=True,
        display_name="Dept",
        is_required_for=["TRANSACTION", "BILL"],
    )
    bot.ramp.create_field_options(
        department.ramp_id,
        [{"id": "D100", "value": "Engineering", "code": "ENG"}, {"id": "D200", "value": "Sales"}],
    )
    bot.ramp.create_field(id="BILLABLE", name="Billable", input_type="BOOLEAN")


def chart(ramp: RampSandbox) -> dict[str, list[tuple]]:
    """The active connection's active categories, as comparable tuples."""
    held = books(ramp)
    fields = {f["ramp_id"]: f["id"] for f in held["fields"]}
    return {
        "gl_accounts": sorted(
            (a["id"], a["name"], a.get("code"), a["classification"])
            for a in held["gl_accounts"]
            if a["is_active"]
        ),
        "vendors": sorted((v["id"], v["name"], v.get("code")) for v in held["vendors"] if v["is_active"]),
        "fields": sorted(
            (
                f["id"],
                f["name"],
                f["display_name"],
                f["input_type"],
                f["is_splittable"],
                sorted(f["is_required_for"]),
            )
            for f in held["fields"]
            if f["is_active"]
        ),
        "field_options": sorted(
            (fields[o["field_id"]], o["id"], o["value"], o.get("code"))
            for o in held["field_options"]
            if o["is_active"]
        ),
    }


def backups_received(slack: SlackStandIn) -> dict[str, tuple[str, bytes]]:
    """The backup files the bot posted in a thread, by kind ("custom-fields"): (name, content)."""
    return {
        f.name.split("-2")[0]: (f.name, slack.file_content(f.id))
        for m in slack.messages(CHANNEL)
        if m.files and m.thread_ts
        for f in m.files
    }


def backup_files(slack: SlackStandIn) -> list[str]:
    return sorted(f.name for m in slack.messages(CHANNEL) if m.files and m.thread_ts for f in m.files)


def test_migrate_carries_every_category_over_and_reports_count_by_count(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    netsuite = active_connections(ramp)[0]["id"]
    hold_a_chart(bot)
    before = chart(ramp)

    slack.slash_command("/ramp", "connect Xero", user=ADMIN, channel=CHANNEL)
    offer = message_with(slack, "connection_migrate")
    assert action_ids(offer) == ["connection_migrate", "connection_replace", "connection_keep"]
    shown = json.dumps(offer.blocks)
    assert "keep their codings" not in shown  # the old Replace text was wrong
    assert "lost on switching" in shown
    dialogs = [
        e["confirm"]["text"]["text"]
        for b in offer.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if "confirm" in e
    ]
    assert "upload the backup into it" in dialogs[0] and "compare count by count" in dialogs[0]
    assert "starts empty" in dialogs[1] and "files in a thread" in dialogs[1]

    slack.click("connection_migrate", message=offer, user=ADMIN)
    shown = wait_for_text(slack, DONE)
    assert [c["remote_provider_name"] for c in active_connections(ramp)] == ["Xero"]
    assert netsuite not in [c["id"] for c in active_connections(ramp)]
    assert chart(ramp) == before  # same ids, names, codes, classifications, field settings, options
    assert "*GL accounts*: 3 → 3 :white_check_mark:" in shown
    assert "*Vendors*: 2 → 2 :white_check_mark:" in shown
    assert "*Custom fields*: 2 → 2 :white_check_mark:" in shown
    assert "*Custom field options*: 2 → 2 :white_check_mark:" in shown
    files = backup_files(slack)
    assert [name.split("-2")[0] for name in files] == [
        "custom-field-options",
        "custom-fields",
        "gl-accounts",
        "vendors",
    ]
    assert "re-upload" in shown or "usual preview" in shown  # the backup can be restored by sharing it
    assert ("migrate", "ok") in [(e.command, e.outcome) for e in bot.services.audit.recent(10)]
    assert len(ramp_state(ramp)["connections"]) == 2

    slack.slash_command("/ramp", "status", user=ADMIN, channel=CHANNEL)
    wait_for_text(slack, "Connected to *Xero*")


def test_switch_and_start_empty_backs_up_first_and_the_new_connection_is_empty(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    hold_a_chart(bot)
    slack.slash_command("/ramp", "connect Xero", user=ADMIN, channel=CHANNEL)
    slack.click("connection_replace", message=message_with(slack, "connection_replace"), user=ADMIN)
    shown = wait_for_text(slack, DONE)
    assert [c["remote_provider_name"] for c in active_connections(ramp)] == ["Xero"]
    assert chart(ramp) == {"gl_accounts": [], "vendors": [], "fields": [], "field_options": []}
    assert "*GL accounts*: 3 → 0" in shown and ":warning: not the same" not in shown
    assert len(backup_files(slack)) == 4
    assert "Upload the backed-up categories" not in shown  # no upload step in this mode


def test_with_transactions_ready_to_sync_it_shows_them_and_asks_before_going_on(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    load_mix(ramp)  # four transactions ready to sync: USD, USD, EUR, JPY
    connect(slack, "NetSuite")
    hold_a_chart(bot)
    slack.slash_command("/ramp", "connect Xero", user=ADMIN, channel=CHANNEL)
    slack.click("connection_migrate", message=message_with(slack, "connection_migrate"), user=ADMIN)
    ask = message_with(slack, "migration_go")
    shown = texts(slack)
    assert "4 items are still ready to sync under *NetSuite*:\n• 4 card transactions: " in shown
    assert "EUR" in shown and "JPY" in shown and "USD" in shown
    assert [c["remote_provider_name"] for c in active_connections(ramp)] == ["NetSuite"]  # nothing yet

    slack.click("migration_list_ready", message=ask, user=ADMIN)
    message_with(slack, "ready_list")  # `/ramp ready`'s message, a List button per kind

    slack.click("migration_go", message=ask, user=ADMIN)
    wait_for_text(slack, DONE)
    assert len(chart(ramp)["gl_accounts"]) == 3


def test_migrate_pressed_twice_at_once_migrates_once_and_a_non_admin_cannot(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    hold_a_chart(bot)
    slack.slash_command("/ramp", "connect Xero", user=ADMIN, channel=CHANNEL)
    offer = message_with(slack, "connection_migrate")
    slack.click("connection_migrate", message=offer, user=USER)
    wait_for_text(slack, "Only admins can migrate to another connection")
    assert [c["remote_provider_name"] for c in active_connections(ramp)] == ["NetSuite"]

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda _: slack.click("connection_migrate", message=offer, user=ADMIN), range(2)))
    wait_for_text(slack, DONE)
    slack.wait_quiet()
    assert routed(ramp, CONNECTIONS) == 2  # NetSuite, then Xero once
    assert routed(ramp, DISCONNECT) == 1
    assert routed(ramp, "POST /developer/v1/accounting/accounts") == 2  # NetSuite's, then the one copy
    assert len(backup_files(slack)) == 4  # one backup
    assert texts(slack).count(DONE) == 1


def test_a_migrate_button_on_a_stale_offer_switches_nothing(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    slack.slash_command("/ramp", "connect Xero", user=ADMIN, channel=CHANNEL)
    offer = message_with(slack, "connection_migrate")
    bot.services.connection.disconnect(ADMIN, CHANNEL)  # meanwhile, someone switched to Sage Intacct
    bot.ramp.create_connection("Sage Intacct")
    slack.click("connection_migrate", message=offer, user=ADMIN)
    wait_for_text(slack, "Ramp is connected to *Sage Intacct* now, so nothing was switched")
    assert [c["remote_provider_name"] for c in active_connections(ramp)] == ["Sage Intacct"]
    assert routed(ramp, DISCONNECT) == 1


def test_old_finished_migrations_are_pruned_with_their_journal_and_a_running_one_is_kept(tmp_path):
    store = Store(tmp_path / "bot.sqlite3")
    for key, created in (("old", "2025-01-01T00:00:00+00:00"), ("running", "2025-01-02T00:00:00+00:00")):
        row = {"id": key, "mode": "carry", "from_id": "c0", "from_name": "NetSuite", "to_name": "Xero"}
        assert store.open_migration({**row, "to_id": "", "user_id": ADMIN, "channel_id": CHANNEL})
        store.add_migration_step(key, "backup")
        store.keep_migration_items(key, {"vendors": [{"id": "V1", "name": "Delta", "code": None}]})
        store.update_migration(key, created=created)
        if key == "old":
            store.end_migration(key, "done", {})
            store.update_migration(key, finished=created)
    assert not store.open_migration({**row, "id": "third"})  # one runs at a time
    assert store.prune(datetime(2025, 6, 1, tzinfo=UTC))["migrations"] == 1
    assert [r["id"] for r in store.db.query("SELECT id FROM migrations")] == ["running"]
    assert {r["migration_id"] for r in store.db.query("SELECT migration_id FROM migration_steps")} == {
        "running"
    }
    assert store.migration_items("running") == {"vendors": [{"id": "V1", "name": "Delta", "code": None}]}
    assert store.migration_items("old") == {}
    store.close()


def test_the_backup_files_of_a_disconnect_shared_back_restore_the_chart_into_a_new_connection(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    hold_a_chart(bot)
    before = chart(ramp)
    slack.slash_command("/ramp", "disconnect", user=ADMIN, channel=CHANNEL)
    slack.click("connection_disconnect", message=message_with(slack, "connection_disconnect"), user=ADMIN)
    shown = wait_for_text(slack, "disconnected Ramp from *NetSuite*")
    assert "custom fields file before its options" in shown  # the thread says how to restore
    backups = backups_received(slack)
    connect(slack, "Xero")  # a new connection: it starts empty
    assert chart(ramp)["gl_accounts"] == []

    for stem in ("custom-fields", "custom-field-options", "gl-accounts", "vendors"):  # as the thread says
        name, content = backups[stem]
        preview = preview_of(slack, content, name)
        assert "upload_start" in action_ids(preview), text_of(preview)
        report = upload(slack, preview)
        assert ":white_check_mark:" in report and "*0* failed" in report, report
    assert [c["remote_provider_name"] for c in active_connections(ramp)] == ["Xero"]
    assert chart(ramp) == before  # same ids, names, codes, classifications, field settings, options

    name, content = backups["custom-fields"]  # shared again: nothing left to do
    assert "upload_start" not in action_ids(preview_of(slack, content, name))


def test_options_shared_before_their_fields_file_create_the_field_by_its_id_and_the_file_patches_it(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    hold_a_chart(bot)
    slack.slash_command("/ramp", "connect Xero", user=ADMIN, channel=CHANNEL)
    slack.click("connection_replace", message=message_with(slack, "connection_replace"), user=ADMIN)
    wait_for_text(slack, DONE)  # Switch and start empty: the backup is in the thread
    backups = backups_received(slack)

    name, content = backups["custom-field-options"]
    upload(slack, preview_of(slack, content, name), fields=True)  # the field modal: its defaults
    assert [(f["id"], f["name"]) for f in books(ramp)["fields"]] == [("DEPT", "Department")]
    name, content = backups["custom-fields"]
    preview = preview_of(slack, content, name)
    shown = text_of(preview)
    assert "Ramp keeps these settings" in shown and "required transaction,bill" in shown
    upload(slack, preview)
    fields = {f[0]: f for f in chart(ramp)["fields"]}
    assert fields["DEPT"] == ("DEPT", "Department", "Dept", "SINGLE_CHOICE", True, [])  # PATCHed
    assert fields["BILLABLE"] == ("BILLABLE", "Billable", None, "BOOLEAN", False, [])  # created
    assert len(chart(ramp)["field_options"]) == 2
