"""The preview's selects: another kind or format re-reads the file and updates the preview in place;
a choice the file does not fit leaves it as it was. Also Ramp answering that subsidiaries do not
exist, through the sandbox's own switch."""

from __future__ import annotations

from typing import Any

import httpx

from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot
from tests.driver import (
    ADMIN,
    CHANNEL,
    USER,
    action_ids,
    books,
    button_value,
    connect,
    now,
    preview_of,
    text_of,
    texts,
    upload,
    wait_for_text,
)

# Ids and names that hint at no kind: the header fits several, so it is read as the first, GL accounts.
PLAIN = b"id,name\nA-1,Acme Supplies\nA-2,Globex\n"


def context_line(message: Any) -> str:
    return next(b["elements"][0]["text"] for b in message.blocks if b.get("type") == "context")


def choose(slack: SlackStandIn, preview: Any, action_id: str, value: str, user: str = USER) -> None:
    before = button_value(now(slack, preview), "upload_cancel")
    slack.click(action_id, message=now(slack, preview), user=user, value=value)
    slack.wait_for(lambda: button_value(now(slack, preview), "upload_cancel") != before)


def test_changing_the_kind_re_reads_the_file_and_only_the_new_preview_uploads(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    preview = preview_of(slack, PLAIN, "list.csv")
    first_id = button_value(preview, "upload_start")
    assert "Kind:* GL accounts" in context_line(preview)

    choose(slack, preview, "upload_kind", "vendors")

    shown = now(slack, preview)
    assert "Ramp vendors (id, name)" in context_line(shown) and "Kind:* vendors" in context_line(shown)
    assert "*2* new" in " ".join(b["text"]["text"] for b in shown.blocks if b.get("type") == "section")
    # The replaced preview can no longer be uploaded, whoever presses what.
    gone = bot.services.uploads.start(first_id, user_id=ADMIN, channel_id=CHANNEL, deactivate_missing=False)
    assert gone is None
    upload(slack, shown)
    held = {(v["id"], v["name"]) for v in books(ramp)["vendors"]}
    assert held == {("A-1", "Acme Supplies"), ("A-2", "Globex")}
    assert books(ramp)["gl_accounts"] == []


def test_changing_the_format_reads_the_file_as_that_format(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    httpx.post(f"{ramp.url}/_sandbox/options", json={"subsidiaries": True}).raise_for_status()  # 2023 API
    connect(slack, "NetSuite")
    preview = preview_of(slack, PLAIN, "entities.csv")
    choose(slack, preview, "upload_format", "Ramp subsidiaries (id, name)")
    shown = now(slack, preview)
    assert "Kind:* subsidiaries" in context_line(shown)
    upload(slack, shown)
    assert {(s["id"], s["name"]) for s in books(ramp)["subsidiaries"]} == {
        ("A-1", "Acme Supplies"),
        ("A-2", "Globex"),
    }


def test_a_format_the_file_does_not_fit_is_refused_and_the_preview_stays(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    preview = preview_of(slack, PLAIN, "list.csv")
    upload_id = button_value(preview, "upload_start")
    slack.click("upload_format", message=preview, user=USER, value="Xero chart of accounts")
    wait_for_text(slack, "cannot be read that way")
    assert "*Code" in texts(slack)  # says which columns that format needs
    assert button_value(now(slack, preview), "upload_start") == upload_id
    upload(slack, now(slack, preview))
    assert len(books(ramp)["gl_accounts"]) == 2


def test_a_preview_with_row_errors_can_be_re_read_as_another_kind(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    # As GL accounts "Travel" is no classification Ramp knows; as vendors the column is ignored.
    content = b"id,name,classification\n6000,Travel,Travel\n"
    preview = preview_of(slack, content, "mixed.csv")
    assert action_ids(preview) == ["upload_rows_csv"]  # no Upload: the file has errors
    choose_kind = slack.click("upload_kind", message=preview, user=USER, value="vendors")
    assert choose_kind.status == 200
    slack.wait_for(lambda: "upload_start" in action_ids(now(slack, preview)))
    assert "Kind:* vendors" in context_line(now(slack, preview))


def test_subsidiaries_are_refused_by_the_sandbox_like_current_ramp(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    preview = preview_of(slack, PLAIN, "entities.csv")
    slack.click("upload_kind", message=preview, user=USER, value="subsidiaries")
    slack.wait_for(lambda: action_ids(now(slack, preview)) == ["upload_as_field"])
    shown = " ".join(b["text"]["text"] for b in now(slack, preview).blocks if b.get("type") == "section")
    assert "Ramp no longer has an API for subsidiaries" in shown
    assert "custom field named *Subsidiary*" in shown


def test_an_unsure_encoding_is_offered_and_the_one_picked_rereads_the_file_in_place(
    bot: RunningBot, slack: SlackStandIn, ramp: RampSandbox
):
    connect(slack, "NetSuite")
    # One Hungarian name in Windows-1250: its ő reads as õ in Windows-1252, so the guess is unsure.
    content = "id;name\nV-1;Győri Nyomda Kft.\n".encode("cp1250")
    preview = preview_of(slack, content, "vendors.csv")
    assert "choose another encoding" in text_of(preview)
    upload_id = button_value(preview, "upload_start")
    assert "Gyõri Nyomda Kft." in text_of(preview)  # read as Windows-1252: wrong, and visible
    slack.click("upload_encoding", message=preview, user=USER, value="cp1250")
    slack.wait_for(lambda: "Győri Nyomda Kft." in text_of(now(slack, preview)))
    assert button_value(now(slack, preview), "upload_start") != upload_id  # a new preview, same message
    upload(slack, now(slack, preview))
    assert [v["name"] for v in books(ramp)["vendors"]] == ["Győri Nyomda Kft."]
