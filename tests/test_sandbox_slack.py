"""The Slack stand-in, driven the way the bot drives Slack: slack_sdk's real WebClient for the Web API,
and a throwaway stdlib HTTP receiver standing in for the bot to check what the stand-in sends."""

from __future__ import annotations

import json
import logging
import re
import socket
import struct
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from sandbox.slack import SlackStandIn
from sandbox.slack import cli as slack_cli

SECRET = "test-signing-secret"
TOKEN = "xoxb-test"


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    def payload(self) -> dict[str, Any]:
        return dict(json.loads(self.form()["payload"]))


Reply = tuple[int, str, bytes]  # status, content type, body


class FakeBot:
    """Records every signed request and answers with `self.reply(received)` (default: empty 200)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.reply: Callable[[Received], Reply] = lambda r: (200, "text/plain", b"")
        bot = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received = Received(body, {k.lower(): v for k, v in self.headers.items()})
                bot.received.append(received)
                status, content_type, out = bot.reply(received)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"

    def verified(self, received: Received) -> bool:
        return SignatureVerifier(SECRET).is_valid_request(received.body, received.headers)


def json_reply(payload: dict[str, Any]) -> Reply:
    return 200, "application/json", json.dumps(payload).encode()


def post_json(url: str, payload: dict[str, Any]) -> int:
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return int(response.status)


@pytest.fixture()
def bot() -> Iterator[FakeBot]:
    fake = FakeBot()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture()
def slack(bot: FakeBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackStandIn]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    with SlackStandIn(bot_url=bot.url, signing_secret=SECRET, bot_token=TOKEN) as s:
        s.add_user("U123", name="dana", real_name="Dana Scully", tz="America/New_York")
        s.add_usergroup("S0FIN", handle="finance-admins", users=["U123"])
        s.add_channel("C0FIN", name="finance")
        s.add_channel("C0OUT", name="elsewhere", members_include_bot=False)
        s.add_channel("C0OLD", name="old", is_archived=True)
        yield s


@pytest.fixture()
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.url)


BUTTONS = [
    {"type": "section", "block_id": "head", "text": {"type": "mrkdwn", "text": "Replace the connection?"}},
    {
        "type": "actions",
        "block_id": "choice",
        "elements": [
            {
                "type": "button",
                "action_id": "replace",
                "text": {"type": "plain_text", "text": "Replace"},
                "value": "r",
            },
            {
                "type": "button",
                "action_id": "keep",
                "text": {"type": "plain_text", "text": "Keep"},
                "value": "k",
            },
            {
                "type": "overflow",
                "action_id": "more",
                "options": [
                    {"text": {"type": "plain_text", "text": "Export"}, "value": "export"},
                    {"text": {"type": "plain_text", "text": "Hide"}, "value": "hide"},
                ],
            },
        ],
    },
]

MODAL = {
    "type": "modal",
    "callback_id": "mark_synced",
    "title": {"type": "plain_text", "text": "Mark synced"},
    "submit": {"type": "plain_text", "text": "Save"},
    "private_metadata": "txn-1",
    "blocks": [
        {
            "type": "input",
            "block_id": "ref",
            "label": {"type": "plain_text", "text": "ERP reference"},
            "element": {"type": "plain_text_input", "action_id": "ref_input"},
        },
        {
            "type": "input",
            "block_id": "memo",
            "optional": True,
            "label": {"type": "plain_text", "text": "Memo"},
            "element": {"type": "plain_text_input", "action_id": "memo_input"},
        },
    ],
}


def test_messages_are_posted_updated_deleted_and_ephemeral(slack: SlackStandIn, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C0FIN", text="hello", blocks=BUTTONS)
    second = client.chat_postMessage(channel="C0FIN", text="reply", thread_ts=first["ts"])
    assert float(second["ts"]) > float(first["ts"])
    client.chat_update(channel="C0FIN", ts=first["ts"], text="edited", blocks=[])
    client.chat_postEphemeral(channel="C0FIN", user="U123", text="only you")
    client.chat_delete(channel="C0FIN", ts=second["ts"])

    messages = slack.messages("C0FIN")
    assert [(m.text, m.edited, m.ephemeral_to) for m in messages] == [
        ("edited", True, None),
        ("only you", False, "U123"),
    ]
    with pytest.raises(SlackApiError) as missing:
        client.chat_update(channel="C0FIN", ts="1.000001", text="x")
    assert missing.value.response["error"] == "message_not_found"
    assert [c.method for c in slack.calls()][:2] == ["chat.postMessage", "chat.postMessage"]
    assert slack.calls("chat.update")[0].args["ts"] == first["ts"]
    assert slack.calls("chat.update")[0].token == TOKEN


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_channel_registry_decides_where_the_bot_may_post(client: WebClient) -> None:
    for channel, error in [("C0OUT", "not_in_channel"), ("C0OLD", "is_archived")]:
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel=channel, text="hi")
        assert refused.value.response["error"] == error
    dm = client.conversations_open(users="U123")["channel"]["id"]
    assert dm.startswith("D")
    assert client.chat_postMessage(channel=dm, text="psst")["ok"]
    with pytest.raises(SlackApiError) as empty:
        client.chat_postMessage(channel="C0FIN", text="")
    assert empty.value.response["error"] == "no_text"


def test_oversized_blocks_are_invalid_blocks(client: WebClient) -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "row"}}
    with pytest.raises(SlackApiError) as too_many:
        client.chat_postMessage(channel="C0FIN", text="list", blocks=[section] * 51)
    assert too_many.value.response["error"] == "invalid_blocks"
    long_section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackApiError) as too_long:
        client.chat_postMessage(channel="C0FIN", text="long", blocks=[long_section])
    assert "json-pointer:/blocks/0/text/text" in too_long.value.response["response_metadata"]["messages"][0]
    assert client.chat_postMessage(channel="C0FIN", text="ok", blocks=[section] * 50)["ok"]


def test_tokens_are_checked_and_unknown_methods_refused(slack: SlackStandIn, client: WebClient) -> None:
    auth = client.auth_test()
    assert (auth["user_id"], auth["team_id"]) == ("U0BOT", "T0LOCAL")
    assert "chat:write" in auth.headers["x-oauth-scopes"]
    for token, error in [("xoxb-wrong", "invalid_auth"), (None, "not_authed")]:
        with pytest.raises(SlackApiError) as refused:
            WebClient(token=token, base_url=slack.url).chat_postMessage(channel="C0FIN", text="x")
        assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("chat.teleport")
    assert unknown.value.response["error"] == "unknown_method"


def test_fail_next_injects_a_rate_limit_once(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", retry_after=2)
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C0FIN", text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["retry-after"] == "2"
    assert client.chat_postMessage(channel="C0FIN", text="x")["ok"]


def test_people_groups_and_channels_are_looked_up(client: WebClient) -> None:
    user = client.users_info(user="U123")["user"]
    assert (user["real_name"], user["tz"], user["is_admin"]) == ("Dana Scully", "America/New_York", False)
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert client.usergroups_users_list(usergroup="S0FIN")["users"] == ["U123"]
    assert client.usergroups_list()["usergroups"][0]["handle"] == "finance-admins"
    info = client.conversations_info(channel="C0FIN")["channel"]
    assert (info["name"], info["is_member"], info["is_archived"]) == ("finance", True, False)
    assert "U0BOT" in client.conversations_members(channel="C0FIN")["members"]
    with pytest.raises(SlackApiError) as missing:
        client.users_info(user="U404")
    assert missing.value.response["error"] == "user_not_found"


def test_files_upload_v2_lands_in_the_thread_and_downloads_only_with_the_token(
    slack: SlackStandIn, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel="C0FIN", text="backup follows")
    upload = client.files_upload_v2(
        channel="C0FIN",
        filename="categories.csv",
        content="code,name\n6000,Travel\n",
        title="Backup",
        initial_comment="All categories",
        thread_ts=parent["ts"],
    )
    file_id = upload["file"]["id"]
    posted = slack.messages("C0FIN")[-1]
    assert (posted.text, posted.thread_ts, posted.files[0].id) == ("All categories", parent["ts"], file_id)
    assert posted.files[0].content == b"code,name\n6000,Travel\n"

    info = client.files_info(file=file_id)["file"]
    assert (info["name"], info["title"], info["size"]) == ("categories.csv", "Backup", 22)
    url = info["url_private_download"]
    assert url.startswith(slack.url)
    with urllib.request.urlopen(
        urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    ) as ok:
        assert ok.read() == b"code,name\n6000,Travel\n"
    with urllib.request.urlopen(
        urllib.request.Request(url, headers={"Authorization": "Bearer xoxb-no"})
    ) as html:
        assert html.status == 200
        assert html.headers["Content-Type"].startswith("text/html")


def test_slash_command_is_a_signed_form_and_a_text_ack_shows_as_ephemeral(
    slack: SlackStandIn, bot: FakeBot
) -> None:
    bot.reply = lambda r: (200, "text/plain", b"Working on it")
    response = slack.slash_command("/ramp", "status", user="U123", channel="C0FIN")
    assert (response.status, response.body) == (200, "Working on it")

    received = bot.received[-1]
    assert bot.verified(received)
    assert received.headers["content-type"] == "application/x-www-form-urlencoded"
    form = received.form()
    assert {k: form[k] for k in ("command", "text", "user_id", "channel_id", "team_id")} == {
        "command": "/ramp",
        "text": "status",
        "user_id": "U123",
        "channel_id": "C0FIN",
        "team_id": "T0LOCAL",
    }
    assert form["response_url"].startswith(slack.url) and form["trigger_id"]
    ack = slack.messages("C0FIN")[-1]
    assert (ack.text, ack.ephemeral_to) == ("Working on it", "U123")


def test_forged_or_stale_signatures_do_not_verify(slack: SlackStandIn) -> None:
    body = b"command=%2Framp&text=status"
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, slack.sign(body))
    assert not verifier.is_valid_request(body, slack.sign(body, timestamp=1_000_000))
    assert not verifier.is_valid_request(body + b"x", slack.sign(body))


def test_trigger_ids_open_modals_once_and_views_update_checks_the_hash(
    slack: SlackStandIn, bot: FakeBot, client: WebClient
) -> None:
    slack.slash_command("/ramp", "sync", user="U123", channel="C0FIN")
    trigger = bot.received[-1].form()["trigger_id"]
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert view["id"] in slack.views and view["private_metadata"] == "txn-1"
    with pytest.raises(SlackApiError) as reused:
        client.views_open(trigger_id=trigger, view=MODAL)
    assert reused.value.response["error"] == "invalid_trigger_id"
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=view["id"], hash="old", view=MODAL)
    assert stale.value.response["error"] == "hash_conflict"
    updated = client.views_update(
        view_id=view["id"], hash=view["hash"], view={**MODAL, "private_metadata": "2"}
    )
    assert slack.views[view["id"]]["private_metadata"] == "2" and updated["view"]["hash"] != view["hash"]


def test_submit_view_sends_state_and_honours_response_action(
    slack: SlackStandIn, bot: FakeBot, client: WebClient
) -> None:
    slack.slash_command("/ramp", "sync", user="U123", channel="C0FIN")
    view_id = client.views_open(trigger_id=bot.received[-1].form()["trigger_id"], view=MODAL)["view"]["id"]

    bot.reply = lambda r: json_reply({"response_action": "errors", "errors": {"ref": "Required"}})
    response = slack.submit_view(view_id, {"memo": {"memo_input": "hi"}}, user="U123")
    assert response.json()["errors"] == {"ref": "Required"} and view_id in slack.views
    payload = bot.received[-1].payload()
    assert bot.verified(bot.received[-1])
    assert payload["type"] == "view_submission" and payload["view"]["callback_id"] == "mark_synced"
    assert payload["view"]["state"]["values"] == {
        "ref": {"ref_input": {"type": "plain_text_input", "value": None}},
        "memo": {"memo_input": {"type": "plain_text_input", "value": "hi"}},
    }

    bot.reply = lambda r: (200, "text/plain", b"")
    slack.submit_view(values={"ref": {"ref_input": "INV-7"}}, user="U123")
    assert bot.received[-1].payload()["view"]["state"]["values"]["ref"]["ref_input"]["value"] == "INV-7"
    assert slack.views == {}


def test_click_sends_block_actions_and_response_url_replaces_the_message(
    slack: SlackStandIn, bot: FakeBot, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel="C0FIN", text="choose", blocks=BUTTONS)
    slack.click("keep", user="U123")
    payload = bot.received[-1].payload()
    assert bot.verified(bot.received[-1])
    assert payload["type"] == "block_actions"
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C0FIN",
        "is_ephemeral": False,
    }
    assert payload["message"]["ts"] == posted["ts"] and payload["channel"]["id"] == "C0FIN"
    assert (payload["actions"][0]["action_id"], payload["actions"][0]["value"]) == ("keep", "k")
    assert payload["trigger_id"] and "values" in payload["state"]

    slack.click(4, user="U123")  # [1] Replace [2] Keep [3] ⋯ Export [4] ⋯ Hide
    action = bot.received[-1].payload()["actions"][0]
    assert (action["type"], action["selected_option"]["value"]) == ("overflow", "hide")

    response_url = payload["response_url"]
    assert post_json(response_url, {"text": "Kept.", "replace_original": True}) == 200
    assert post_json(response_url, {"text": "Noted", "response_type": "in_channel"}) == 200
    texts = [(m.text, m.ephemeral_to) for m in slack.messages("C0FIN")]
    assert texts == [("Kept.", None), ("Noted", None)]
    assert slack.messages("C0FIN")[0].blocks == []


def test_file_share_event_is_delivered_and_redelivered_with_the_same_event_id(
    slack: SlackStandIn, bot: FakeBot
) -> None:
    file_id = slack.add_file(name="accounts.csv", content=b"code,name\n", mimetype="text/csv", filetype="csv")
    first = slack.share_file(file_id, channel="C0FIN", user="U123", text="new accounts")
    again = slack.share_file(file_id, channel="C0FIN", user="U123", retry_num=1)

    original, retry = (json.loads(r.body) for r in bot.received[-2:])
    assert all(bot.verified(r) for r in bot.received[-2:])
    assert (
        original["type"] == "event_callback" and original["event_id"] == retry["event_id"] == first.event_id
    )
    assert again.event_id == first.event_id and isinstance(original["event_time"], int)
    assert "x-slack-retry-num" not in bot.received[-2].headers
    assert bot.received[-1].headers["x-slack-retry-num"] == "1"
    event = original["event"]
    assert (event["type"], event["subtype"], event["user"], event["channel"]) == (
        "message",
        "file_share",
        "U123",
        "C0FIN",
    )
    assert event["files"][0]["id"] == file_id and event["files"][0]["url_private_download"].startswith(
        slack.url
    )


def test_wait_for_sees_replies_the_bot_makes_after_its_ack(slack: SlackStandIn, bot: FakeBot) -> None:
    def ack_then_reply(received: Received) -> Reply:
        url = received.form()["response_url"]
        threading.Timer(0.1, post_json, args=(url, {"text": "Status: all good"})).start()
        return 200, "text/plain", b""

    bot.reply = ack_then_reply
    slack.slash_command("/ramp", "status", user="U123", channel="C0FIN")
    call = slack.wait_for("response_url")
    assert call.args["text"] == "Status: all good"
    slack.wait_quiet(idle=0.2, timeout=5)
    assert slack.messages("C0FIN")[-1].ephemeral_to == "U123"
    with pytest.raises(TimeoutError):
        slack.wait_for(lambda: False, timeout=0.1)


def test_cli_say_prints_numbered_buttons_and_click_presses_one(
    slack: SlackStandIn, bot: FakeBot, capsys: pytest.CaptureFixture[str]
) -> None:
    def bot_reply(received: Received) -> Reply:
        if "payload" in received.form():
            action = received.payload()["actions"][0]
            post_json(received.payload()["response_url"], {"text": f"You chose {action['value']}"})
            return 200, "text/plain", b""
        return json_reply({"text": "Connected already", "blocks": BUTTONS})

    bot.reply = bot_reply
    assert slack_cli.main(["say", "/ramp connect NetSuite", "--url", slack.url]) == 0
    said = capsys.readouterr().out
    assert "Replace the connection?" in said and "ephemeral" in said
    assert "[1] Replace  [2] Keep  [3] ⋯ Export  [4] ⋯ Hide" in said
    assert bot.received[-1].form()["user_id"] == "U0LOCALADMIN"

    assert slack_cli.main(["click", "2", "--url", slack.url]) == 0
    assert "You chose k" in capsys.readouterr().out


def test_views_push_stacks_modals_and_publish_sets_the_home_tab(
    slack: SlackStandIn, bot: FakeBot, client: WebClient
) -> None:
    slack.slash_command("/ramp", "sync", user="U123", channel="C0FIN")
    root = client.views_open(trigger_id=bot.received[-1].form()["trigger_id"], view=MODAL)["view"]
    slack.click("ref_input", user="U123", value="draft")  # typing with dispatch_action sends block_actions
    action_payload = bot.received[-1].payload()
    assert action_payload["container"] == {"type": "view", "view_id": root["id"]}
    pushed = client.views_push(trigger_id=action_payload["trigger_id"], view=MODAL)["view"]
    assert (pushed["previous_view_id"], pushed["root_view_id"]) == (root["id"], root["id"])
    assert set(slack.views) == {root["id"], pushed["id"]}

    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}
    client.views_publish(user_id="U123", view=home)
    assert slack.home_views["U123"]["blocks"][0]["text"]["text"] == "Hi"


def test_a_console_click_on_the_home_tab_presses_the_home_button_not_a_message_with_the_same_id(
    slack: SlackStandIn, bot: FakeBot, client: WebClient
) -> None:
    assert post_json(f"{slack.url}_console/home", {"user": "U123"}) == 200
    assert json.loads(bot.received[-1].body)["event"]["type"] == "app_home_opened"
    home = client.views_publish(user_id="U123", view={"type": "home", "blocks": BUTTONS})["view"]
    client.chat_postMessage(channel="C0FIN", text="choose", blocks=BUTTONS)  # newer than the Home tab

    click = {"user": "U123", "view_id": home["id"], "block_id": "choice", "action_id": "keep"}
    assert post_json(f"{slack.url}_console/action", click) == 200
    payload = bot.received[-1].payload()
    assert payload["container"] == {"type": "view", "view_id": home["id"]}
    assert payload["view"]["id"] == home["id"] and "message" not in payload and "response_url" not in payload
    with pytest.raises(LookupError, match="not open for"):
        slack.click("keep", user="U0LOCALADMIN", view_id=home["id"])  # someone else's Home tab


def test_response_url_deletes_the_original_and_is_good_for_five_replies(
    slack: SlackStandIn, bot: FakeBot, client: WebClient
) -> None:
    client.chat_postMessage(channel="C0FIN", text="choose", blocks=BUTTONS)
    slack.click("replace", user="U123")
    response_url = bot.received[-1].payload()["response_url"]
    for n in range(4):
        assert post_json(response_url, {"text": f"progress {n}"}) == 200
    assert post_json(response_url, {"delete_original": True}) == 200
    assert [m.text for m in slack.messages("C0FIN")] == [f"progress {n}" for n in range(4)]
    with pytest.raises(urllib.error.HTTPError) as spent:
        post_json(response_url, {"text": "sixth"})
    assert spent.value.code == 404


# -- the browser console's server side -----------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def test_every_emoji_shortcode_the_templates_use_is_drawn_by_the_console() -> None:
    script = (ROOT / "sandbox" / "slack" / "console" / "blockkit.js").read_text(encoding="utf-8")
    table = script[script.index("const EMOJI = {") : script.index("};", script.index("const EMOJI = {"))]
    drawn = set(re.findall(r"([a-z0-9_+-]+): \"", table))
    used = {
        code
        for template in (ROOT / "templates").glob("*.j2")
        for code in re.findall(r":([a-z0-9_+-]+):", template.read_text(encoding="utf-8"))
    }
    assert "no_bell" in used
    assert sorted(used - drawn) == []


def test_a_browser_that_goes_away_during_a_long_poll_is_one_log_line_not_a_traceback(
    slack: SlackStandIn,
    client: WebClient,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.INFO, logger="sandbox.slack.server")
    version = json.loads(urllib.request.urlopen(f"{slack.url}_console/transcript?channel=C0FIN").read())[
        "version"
    ]
    browser = socket.create_connection(("127.0.0.1", slack.port))
    request = f"GET /_console/transcript?channel=C0FIN&version={version}&wait=20 HTTP/1.1\r\nHost: x\r\n\r\n"
    browser.sendall(request.encode())
    # The tab closes: the connection is reset, then the workspace changes and the answer finds no one.
    browser.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    browser.close()
    client.chat_postMessage(channel="C0FIN", text="something new")

    gone = slack.wait_for(lambda: [r for r in caplog.records if "went away" in r.getMessage()], timeout=10)
    assert len(gone) == 1 and gone[0].exc_info is None
    assert "Traceback" not in capfd.readouterr().err


def test_the_transcript_shows_names_and_links_as_slack_shows_them() -> None:
    """Slack's formatting reference: <#C…> is shown as the channel's name, <@U…> as the user's,
    <!here> as @here, <url|text> as its text; &lt; &gt; &amp; as the characters they escape."""
    from sandbox.slack.state import Channel, User, Workspace
    from sandbox.slack.transcript import readable

    ws = Workspace("T1", "UBOT", "xoxb-test")
    ws.users["U0ANA"] = User(id="U0ANA", name="ana")
    ws.channels["C0FIN"] = Channel(id="C0FIN", name="finance")
    text = "<@U0ANA> in <#C0FIN> and <#C0X|ops>: <!here>, <https://x.test/f|the file>, &lt;!channel&gt; &amp;"
    shown = "@ana in #finance and #ops: @here, the file (https://x.test/f), <!channel> &"
    assert readable(ws, text) == shown
