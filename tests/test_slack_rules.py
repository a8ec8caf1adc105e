"""The Slack stand-in enforces Slack's scope rules and Block Kit limits on every path.

Each test calls the stand-in directly (its Web API with slack_sdk's WebClient, a response_url with a
plain POST, or a stand-in "bot" that answers one fixed ack) with a token or payload Slack would
refuse, and checks the refusal Slack gives. The bot itself meets these rules in the end-to-end
suites (test_slack_app, test_home, test_uploads, ...), which run against the same stand-in.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack import SlackStandIn
from sandbox.slack.scopes import MANIFEST, manifest_bot_scopes
from tests.driver import ADMIN, BOT_TOKEN, CHANNEL

MANIFEST_SCOPES = manifest_bot_scopes()


@pytest.fixture()
def client(slack: SlackStandIn) -> WebClient:
    slack.add_usergroup("S0FIN", "finance-admins", [ADMIN])
    return WebClient(token=BOT_TOKEN, base_url=slack.url)


def api_error(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as refused:
        call()
    return dict(refused.value.response.data)


# -- scopes --------------------------------------------------------------------------------------


def test_the_bot_token_holds_exactly_the_manifests_bot_scopes(client: WebClient) -> None:
    granted = client.auth_test().headers["x-oauth-scopes"].split(",")
    assert sorted(granted) == sorted(yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])


def _calls(slack: SlackStandIn) -> dict[str, tuple[str, Any]]:
    """method -> (scope it needs, a call that would otherwise succeed)."""
    file_id = slack.add_file("a.csv", b"a,b\n")
    c = WebClient(token=BOT_TOKEN, base_url=slack.url)
    posted = c.chat_postMessage(channel=CHANNEL, text="x")["ts"]
    return {
        "chat.postMessage": ("chat:write", lambda: c.chat_postMessage(channel=CHANNEL, text="x")),
        "chat.postEphemeral": (
            "chat:write",
            lambda: c.chat_postEphemeral(channel=CHANNEL, user=ADMIN, text="x"),
        ),
        "chat.update": ("chat:write", lambda: c.chat_update(channel=CHANNEL, ts=posted, text="y")),
        "chat.delete": ("chat:write", lambda: c.chat_delete(channel=CHANNEL, ts=posted)),
        "files.info": ("files:read", lambda: c.files_info(file=file_id)),
        "files.getUploadURLExternal": (
            "files:write",
            lambda: c.files_getUploadURLExternal(filename="b.csv", length=3),
        ),
        "files.completeUploadExternal": (
            "files:write",
            lambda: c.files_completeUploadExternal(files=[{"id": file_id}]),
        ),
        "users.info": ("users:read", lambda: c.users_info(user=ADMIN)),
        "usergroups.list": ("usergroups:read", lambda: c.usergroups_list()),
        "usergroups.users.list": ("usergroups:read", lambda: c.usergroups_users_list(usergroup="S0FIN")),
        "conversations.info": ("channels:read", lambda: c.conversations_info(channel=CHANNEL)),
        "conversations.members": ("channels:read", lambda: c.conversations_members(channel=CHANNEL)),
        "conversations.open": ("im:write", lambda: c.conversations_open(users=ADMIN)),
    }


METHODS_WITH_SCOPES = [
    "chat.postMessage",
    "chat.postEphemeral",
    "chat.update",
    "chat.delete",
    "files.info",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
    "users.info",
    "usergroups.list",
    "usergroups.users.list",
    "conversations.info",
    "conversations.members",
    "conversations.open",
]


@pytest.mark.parametrize("method", METHODS_WITH_SCOPES)
def test_a_method_without_its_scope_answers_missing_scope(slack: SlackStandIn, method: str) -> None:
    slack.add_usergroup("S0FIN", "finance-admins", [ADMIN])
    scope, call = _calls(slack)[method]
    others = [s for s in MANIFEST_SCOPES if s != scope]
    slack.set_scopes(others)
    refused = api_error(call)
    assert refused == {"ok": False, "error": "missing_scope", "needed": scope, "provided": ",".join(others)}
    slack.set_scopes([*others, scope])
    assert call()["ok"]


def test_conversation_methods_need_the_scope_of_the_conversation_type(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.add_channel("G0PRIV", name="private-finance", is_private=True)
    dm = client.conversations_open(users=ADMIN)["channel"]["id"]
    slack.set_scopes([s for s in MANIFEST_SCOPES if s != "groups:read"])
    assert api_error(lambda: client.conversations_info(channel="G0PRIV"))["needed"] == "groups:read"
    assert client.conversations_info(channel=CHANNEL)["ok"]
    slack.set_scopes(MANIFEST_SCOPES)
    assert api_error(lambda: client.conversations_info(channel=dm))["needed"] == "im:read"
    slack.add_user("U0THIRD", name="third")
    assert api_error(lambda: client.conversations_open(users=f"{ADMIN},U0THIRD"))["needed"] == "mpim:write"


def test_methods_that_need_no_scope_stay_open(slack: SlackStandIn, client: WebClient) -> None:
    slack.set_scopes([])
    assert client.auth_test()["ok"]
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}
    assert client.views_publish(user_id=ADMIN, view=home)["ok"]
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": home["blocks"]}
    assert client.views_open(trigger_id=slack.workspace.issue_trigger(ADMIN), view=modal)["ok"]


def test_a_scope_missing_from_the_manifest_fails_the_call(tmp_path: Path) -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    manifest["oauth_config"]["scopes"]["bot"].remove("chat:write")
    path = tmp_path / "manifest.yml"
    path.write_text(yaml.safe_dump(manifest))
    with SlackStandIn(port=0, bot_token=BOT_TOKEN, manifest=path) as standin:
        c = WebClient(token=BOT_TOKEN, base_url=standin.url)
        refused = api_error(lambda: c.chat_postMessage(channel="C0LOCAL", text="x"))
    assert (refused["error"], refused["needed"]) == ("missing_scope", "chat:write")
    assert "chat:write" not in refused["provided"].split(",")


# -- Block Kit limits ------------------------------------------------------------------------------


def text(t: str, kind: str = "plain_text") -> dict[str, str]:
    return {"type": kind, "text": t}


def button(label: str = "Go", action_id: str = "go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": text(label), "action_id": action_id, "value": "v", **extra}


def options(n: int, label: str = "o") -> list[dict[str, Any]]:
    return [{"text": text(label), "value": f"v{i}"} for i in range(n)]


def select(n: int = 1, label: str = "o", **extra: Any) -> dict[str, Any]:
    return {
        "type": "actions",
        "elements": [{"type": "static_select", "action_id": "s", "options": options(n, label), **extra}],
    }


def confirm(confirm_text: str = "Yes", deny_text: str = "No") -> dict[str, Any]:
    return {
        "title": text("Sure?"),
        "text": text("Really?"),
        "confirm": text(confirm_text),
        "deny": text(deny_text),
    }


SECTION = {"type": "section", "text": text("row", "mrkdwn")}

# limit name -> (blocks over the limit, the json-pointer Slack names, blocks right at the limit)
BLOCK_LIMITS: dict[str, tuple[list[dict[str, Any]], str, list[dict[str, Any]]]] = {
    "50 blocks a message": ([SECTION] * 51, "/blocks", [SECTION] * 50),
    "section text 3,000": (
        [{"type": "section", "text": text("x" * 3001, "mrkdwn")}],
        "/blocks/0/text/text",
        [{"type": "section", "text": text("x" * 3000, "mrkdwn")}],
    ),
    "header 150": (
        [{"type": "header", "text": text("x" * 151)}],
        "/blocks/0/text/text",
        [{"type": "header", "text": text("x" * 150)}],
    ),
    "button text 75": (
        [{"type": "actions", "elements": [button("x" * 76)]}],
        "/blocks/0/elements/0/text/text",
        [{"type": "actions", "elements": [button("x" * 75)]}],
    ),
    "option text 75": (
        [select(2, "x" * 76)],
        "/blocks/0/elements/0/options/0/text/text",
        [select(2, "x" * 75)],
    ),
    "100 options": (
        [select(101)],
        "/blocks/0/elements/0/options",
        [select(100)],
    ),
    "context elements 10": (
        [{"type": "context", "elements": [text("c", "mrkdwn")] * 11}],
        "/blocks/0/elements",
        [{"type": "context", "elements": [text("c", "mrkdwn")] * 10}],
    ),
    "confirm text 30": (
        [{"type": "actions", "elements": [button(confirm=confirm(confirm_text="x" * 31))]}],
        "/blocks/0/elements/0/confirm/confirm/text",
        [{"type": "actions", "elements": [button(confirm=confirm(confirm_text="x" * 30))]}],
    ),
    "deny text 30": (
        [{"type": "actions", "elements": [button(confirm=confirm(deny_text="x" * 31))]}],
        "/blocks/0/elements/0/confirm/deny/text",
        [{"type": "actions", "elements": [button(confirm=confirm(deny_text="x" * 30))]}],
    ),
    "placeholder 150": (
        [select(placeholder=text("x" * 151))],
        "/blocks/0/elements/0/placeholder/text",
        [select(placeholder=text("x" * 150))],
    ),
    "action_id 255": (
        [{"type": "actions", "elements": [button(action_id="a" * 256)]}],
        "/blocks/0/elements/0/action_id",
        [{"type": "actions", "elements": [button(action_id="a" * 255)]}],
    ),
    "block_id 255": (
        [{**SECTION, "block_id": "b" * 256}],
        "/blocks/0/block_id",
        [{**SECTION, "block_id": "b" * 255}],
    ),
    "unique block_id": (
        [{**SECTION, "block_id": "same"}, {**SECTION, "block_id": "same"}],
        "/blocks/1/block_id",
        [{**SECTION, "block_id": "one"}, {**SECTION, "block_id": "two"}],
    ),
    "unique action_id": (
        [{"type": "actions", "elements": [button(action_id="same"), button(action_id="same")]}],
        "/blocks/0/elements",
        [{"type": "actions", "elements": [button(action_id="one"), button(action_id="two")]}],
    ),
}


@pytest.mark.parametrize("limit", BLOCK_LIMITS)
def test_chat_post_message_over_a_block_kit_limit_is_invalid_blocks(client: WebClient, limit: str) -> None:
    over, pointer, at_limit = BLOCK_LIMITS[limit]
    refused = api_error(lambda: client.chat_postMessage(channel=CHANNEL, text="t", blocks=over))
    assert refused["error"] == "invalid_blocks"
    assert any(f"json-pointer:{pointer}]" in m for m in refused["response_metadata"]["messages"])
    assert client.chat_postMessage(channel=CHANNEL, text="t", blocks=at_limit)["ok"]


def modal(**extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": text("Title"), "blocks": [SECTION], **extra}


VIEW_LIMITS: dict[str, tuple[dict[str, Any], str, dict[str, Any]]] = {
    "100 blocks a modal": (modal(blocks=[SECTION] * 101), "/blocks", modal(blocks=[SECTION] * 100)),
    "modal title 24": (modal(title=text("x" * 25)), "/view/title/text", modal(title=text("x" * 24))),
    "private_metadata 3,000": (
        modal(private_metadata="m" * 3001),
        "/view/private_metadata",
        modal(private_metadata="m" * 3000),
    ),
    "blocks inside a modal": (
        modal(blocks=[{"type": "header", "text": text("x" * 151)}]),
        "/blocks/0/text/text",
        modal(blocks=[{"type": "header", "text": text("x" * 150)}]),
    ),
}


VIEW_CASES = [
    (method, limit)
    for method in ("views.open", "views.push", "views.update", "views.publish")
    for limit in VIEW_LIMITS
    if not (method == "views.publish" and limit == "modal title 24")  # a Home tab has no title
]


@pytest.mark.parametrize(("method", "limit"), VIEW_CASES)
def test_views_over_a_limit_are_refused_on_every_views_method(
    slack: SlackStandIn, client: WebClient, method: str, limit: str
) -> None:
    """Slack answers a bad view with `invalid_arguments` and the `[ERROR]` lines (docs: views.open,
    views.push, views.update, views.publish error tables)."""
    over, pointer, at_limit = VIEW_LIMITS[limit]
    opened = client.views_open(trigger_id=slack.workspace.issue_trigger(ADMIN), view=modal())["view"]["id"]

    def send(view: dict[str, Any]) -> Any:
        if method == "views.publish":
            home = {k: v for k, v in view.items() if k != "title"}
            return client.views_publish(user_id=ADMIN, view={**home, "type": "home"})
        if method == "views.update":
            return client.views_update(view_id=opened, view=view)
        trigger = slack.workspace.issue_trigger(ADMIN)
        return client.api_call(method, json={"trigger_id": trigger, "view": view})

    refused = api_error(lambda: send(over))
    assert refused["error"] == "invalid_arguments"
    assert any(f"json-pointer:{pointer}]" in m for m in refused["response_metadata"]["messages"])
    assert send(at_limit)["ok"]


def test_a_home_tab_takes_100_blocks_not_101(client: WebClient) -> None:
    home = {"type": "home", "blocks": [SECTION] * 100}
    assert client.views_publish(user_id=ADMIN, view=home)["ok"]
    refused = api_error(lambda: client.views_publish(user_id=ADMIN, view={**home, "blocks": [SECTION] * 101}))
    assert refused["error"] == "invalid_arguments"


# -- response_url and acks -------------------------------------------------------------------------


class _AckingBot:
    """A stand-in "bot" that answers every request with one fixed ack and keeps what it got."""

    def __init__(self) -> None:
        self.ack: dict[str, Any] = {}
        self.received: list[dict[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                outer.received.append({k: v[0] for k, v in urllib.parse.parse_qs(raw).items()})
                body = json.dumps(outer.ack).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def acking_bot(slack: SlackStandIn) -> Iterator[_AckingBot]:
    bot = _AckingBot()
    slack.bot_url = bot.url
    yield bot
    bot.close()


TOO_MANY = [SECTION] * 51


def post_json(url: str, body: dict[str, Any]) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_a_response_url_post_over_a_block_limit_is_refused(
    slack: SlackStandIn, acking_bot: _AckingBot
) -> None:
    slack.slash_command("/ramp", "status", channel=CHANNEL)
    response_url = acking_bot.received[-1]["response_url"]
    before = len(slack.messages(CHANNEL))
    assert post_json(response_url, {"text": "t", "blocks": TOO_MANY}) == (400, "invalid_blocks")
    long_header = [{"type": "header", "text": text("x" * 151)}]
    assert post_json(response_url, {"text": "t", "blocks": long_header}) == (400, "invalid_blocks")
    assert len(slack.messages(CHANNEL)) == before
    assert post_json(response_url, {"text": "t", "blocks": [SECTION] * 50}) == (200, "ok")
    assert slack.messages(CHANNEL)[-1].source == "response_url"


def test_a_command_ack_over_a_block_limit_is_not_shown(slack: SlackStandIn, acking_bot: _AckingBot) -> None:
    acking_bot.ack = {"text": "t", "blocks": TOO_MANY}
    response = slack.slash_command("/ramp", "status", channel=CHANNEL)
    assert response.error == "invalid_blocks"
    assert any("json-pointer:/blocks]" in m for m in response.error_messages)
    assert not [m for m in slack.messages(CHANNEL) if m.source == "ack"]
    acking_bot.ack = {"text": "t", "blocks": [SECTION] * 50}
    assert slack.slash_command("/ramp", "status", channel=CHANNEL).error is None
    assert [m for m in slack.messages(CHANNEL) if m.source == "ack"]


def test_a_view_submission_ack_with_a_bad_view_leaves_the_modal(
    slack: SlackStandIn, client: WebClient, acking_bot: _AckingBot
) -> None:
    opened = client.views_open(trigger_id=slack.workspace.issue_trigger(ADMIN), view=modal())["view"]
    for action in ("update", "push"):
        acking_bot.ack = {"response_action": action, "view": modal(title=text("x" * 25))}
        response = slack.submit_view(opened["id"])
        assert response.error == "invalid_arguments"
        assert any("json-pointer:/view/title/text]" in m for m in response.error_messages)
        assert list(slack.views) == [opened["id"]]
        assert slack.views[opened["id"]]["title"]["text"] == "Title"
    acking_bot.ack = {"response_action": "update", "view": modal(title=text("x" * 24))}
    assert slack.submit_view(opened["id"]).error is None
    assert slack.views[opened["id"]]["title"]["text"] == "x" * 24


# -- rate limits -----------------------------------------------------------------------------------
# https://api.slack.com/apis/rate-limits: per method per workspace, Tier 2 20+, Tier 3 50+, Tier 4
# 100+ a minute; chat.postMessage about 1 a second per channel with short bursts. Past the limit:
# HTTP 429, `Retry-After`, `ratelimited` (sandbox/slack/ratelimits.py has the tiers and their sources).


def ratelimited(call: Any) -> int:
    """The Retry-After of a call that must be refused for its rate."""
    with pytest.raises(SlackApiError) as refused:
        call()
    assert (refused.value.response.status_code, refused.value.response["error"]) == (429, "ratelimited")
    return int(refused.value.response.headers["retry-after"])


def _tiered(slack: SlackStandIn, c: WebClient) -> dict[str, tuple[int, Any]]:
    """method -> (calls a minute it allows, one call of it)."""
    file_id = slack.add_file("a.csv", b"a,b\n")
    posted = c.chat_postMessage(channel=CHANNEL, text="x")["ts"]
    home = {"type": "home", "blocks": [SECTION]}
    return {
        "chat.update": (50, lambda: c.chat_update(channel=CHANNEL, ts=posted, text="y")),
        "chat.postEphemeral": (100, lambda: c.chat_postEphemeral(channel=CHANNEL, user=ADMIN, text="x")),
        "views.publish": (100, lambda: c.views_publish(user_id=ADMIN, view=home)),
        "files.info": (100, lambda: c.files_info(file=file_id)),
        "users.info": (100, lambda: c.users_info(user=ADMIN)),
        "conversations.info": (50, lambda: c.conversations_info(channel=CHANNEL)),
        "usergroups.users.list": (20, lambda: c.usergroups_users_list(usergroup="S0FIN")),
    }


@pytest.mark.parametrize(
    "method",
    [
        "chat.update",
        "chat.postEphemeral",
        "views.publish",
        "files.info",
        "users.info",
        "conversations.info",
        "usergroups.users.list",
    ],
)
def test_a_tiered_method_answers_429_past_its_calls_a_minute_until_the_minute_has_passed(
    slack: SlackStandIn, client: WebClient, method: str
) -> None:
    allowed, call = _tiered(slack, client)[method]
    for _ in range(allowed):  # a burst may spend the whole minute at once
        assert call()["ok"]
    wait = ratelimited(call)
    assert 1 <= wait <= 60
    ratelimited(call)  # still refused: the minute is not over
    slack.advance_clock(wait)
    assert call()["ok"]  # the refused calls were not counted


def test_chat_post_message_allows_a_short_burst_then_one_a_second_per_channel(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.add_channel("C0OTHER", name="other")
    for n in range(5):
        assert client.chat_postMessage(channel=CHANNEL, text=f"burst {n}")["ok"]
    assert ratelimited(lambda: client.chat_postMessage(channel=CHANNEL, text="sixth")) == 1
    assert client.chat_postMessage(channel="C0OTHER", text="another channel")["ok"]
    slack.advance_clock(1)
    assert client.chat_postMessage(channel=CHANNEL, text="a second later")["ok"]
    ratelimited(lambda: client.chat_postMessage(channel=CHANNEL, text="too soon"))
    assert [m.text for m in slack.messages(CHANNEL)] == [*(f"burst {n}" for n in range(5)), "a second later"]


def test_chat_post_message_has_a_workspace_wide_limit_too(slack: SlackStandIn, client: WebClient) -> None:
    for n in range(60):
        slack.add_channel(f"C0MANY{n:02d}", name=f"many-{n}")
    sent = 0
    for n in range(60):
        for _ in range(5):
            client.chat_postMessage(channel=f"C0MANY{n:02d}", text="x")
            sent += 1
    assert sent == 300
    slack.add_channel("C0QUIET", name="quiet")
    assert ratelimited(lambda: client.chat_postMessage(channel="C0QUIET", text="x")) >= 1
