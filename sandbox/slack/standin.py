"""`SlackStandIn`: a local Slack for tests, benchmarks and the local run.

It is both sides of Slack for the bot: the Web API the bot calls (`s.url` is its `base_url`), and
the Slack client that sends the bot signed slash commands, file shares, button clicks and modal
submissions. It keeps the conversation, so tests and the terminal can read it back.

    with SlackStandIn(bot_url="http://127.0.0.1:3000/slack/events") as s:
        s.slash_command("/ramp", "status")          # -> BotResponse (the ack)
        s.wait_for("chat.postMessage")
        print(s.messages("C0LOCAL")[-1].text)

`delivery` says how requests reach the bot: "http" POSTs them, signed, to `bot_url`; "socket" sends
them as Socket Mode envelopes to the bot's WebSocket (it connects with `apps.connections.open` and
`app_token`, socket_mode.py). Either way a call returns the bot's ack as a `BotResponse`.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import interact, payloads, scopes, server, socket_mode, transcript
from .state import BotResponse, Call, Channel, Message, ResponseUrl, StoredFile, User, Workspace

LOCAL_TEAM = "T0LOCAL"
LOCAL_CHANNEL = "C0LOCAL"
LOCAL_ADMIN = "U0LOCALADMIN"
LOCAL_USER = "U0LOCALUSER"


class SlackStandIn:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_url: str = "http://127.0.0.1:3000/slack/events",
        signing_secret: str = "local-signing-secret",
        bot_token: str = "xoxb-local",
        team_id: str = LOCAL_TEAM,
        bot_user_id: str = "U0BOT",
        local_identities: bool = True,
        commands: list[dict[str, str]] | None = None,
        delivery: str = "http",
        app_token: str = "xapp-local",
        ack_timeout_s: float = socket_mode.ACK_TIMEOUT_S,
        redeliver: Iterable[str] = socket_mode.REDELIVERED_BY_SLACK,
        manifest: Path = scopes.MANIFEST,
    ) -> None:
        if delivery not in ("http", "socket"):
            raise ValueError(f"delivery must be 'http' or 'socket', not {delivery!r}")
        self.host, self.port = host, port
        self.delivery = delivery
        # The slash subcommands the browser console suggests (name, usage, summary); the stand-in
        # never imports the bot, so whoever starts both passes them in.
        self.commands: list[dict[str, str]] = list(commands or [])
        self.bot_url = bot_url
        self.signing_secret = signing_secret
        self.workspace = Workspace(team_id=team_id, bot_user_id=bot_user_id, bot_token=bot_token)
        # Installing the app grants the bot token exactly the manifest's bot scopes.
        self.workspace.scopes = ",".join(scopes.manifest_bot_scopes(manifest))
        self.socket_mode = socket_mode.SocketModeServer(
            self.workspace, host, payloads.APP_ID, app_token, ack_timeout_s=ack_timeout_s, redeliver=redeliver
        )
        self._server: Any = None
        self._mark = 0  # index into calls() when the last request went to the bot
        self._last_sent = time.monotonic()
        self._events: dict[str, dict[str, Any]] = {}
        self._selections: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self._numbering: list[transcript.Pressable] = []
        self._last_user = LOCAL_ADMIN
        if local_identities:
            self.add_user(LOCAL_ADMIN, name="local-admin", real_name="Local Admin")
            self.add_user(LOCAL_USER, name="local-user", real_name="Local User")
            self.add_channel(LOCAL_CHANNEL, name="finance-local")

    # lifecycle

    def start(self) -> SlackStandIn:
        self.socket_mode.start()
        self._server, _ = server.serve(self.host, self.port, self)
        self.port = self._server.server_address[1]
        self.workspace.base_url = self.url
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.socket_mode.stop()

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The Web API base_url, with a trailing slash."""
        return f"http://{self.host}:{self.port}/"

    # the workspace

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str = "",
        tz: str = "America/New_York",
        is_admin: bool = False,
    ) -> None:
        with self.workspace.lock:
            self.workspace.users[user_id] = User(user_id, name, real_name, tz, is_admin)

    def add_usergroup(self, group_id: str, handle: str, users: list[str], name: str = "") -> None:
        with self.workspace.lock:
            self.workspace.usergroups[group_id] = {
                "id": group_id,
                "handle": handle,
                "name": name or handle,
                "is_usergroup": True,
                "users": list(users),
            }

    def add_channel(
        self,
        channel_id: str,
        name: str,
        is_archived: bool = False,
        members_include_bot: bool = True,
        is_private: bool = False,
        members: list[str] | None = None,
    ) -> None:
        """A channel; `members` None means every known user is in it."""
        with self.workspace.lock:
            self.workspace.channels[channel_id] = Channel(
                channel_id, name, is_archived, members_include_bot, is_private, members
            )

    def archive_channel(self, channel_id: str) -> None:
        """The channel is archived: posting in it answers `is_archived`."""
        with self.workspace.lock:
            self.workspace.channels[channel_id].is_archived = True

    def remove_bot(self, channel_id: str) -> None:
        """Someone removes the bot: posting answers `not_in_channel` (`channel_not_found` if private)."""
        with self.workspace.lock:
            self.workspace.channels[channel_id].bot_is_member = False

    def open_dm(self, user: str = LOCAL_ADMIN) -> str:
        """The user opens the app's Messages tab to write to the bot: their DM channel with it (D…),
        which exists from then on (a DM channel exists only once one side opened it)."""
        return self.workspace.im_channel(user).id

    def open_home(self, user: str = LOCAL_ADMIN, tab: str = "home") -> BotResponse:
        """The user opens the app's Home tab: the bot gets `app_home_opened`, which names the app's DM
        channel with the user (so it exists from then on)."""
        channel = self.workspace.im_channel(user).id
        event: dict[str, Any] = {"type": "app_home_opened", "user": user, "channel": channel, "tab": tab}
        current = self.home_views.get(user)
        if current is not None:
            event["view"] = current
        return self.send_event({**event, "event_ts": self.workspace.new_ts()})

    def add_file(
        self,
        name: str,
        content: bytes,
        mimetype: str | None = None,
        filetype: str | None = None,
        user: str = LOCAL_ADMIN,
        title: str = "",
    ) -> str:
        """Register a file a user uploaded (not yet shared); returns its id."""
        ws = self.workspace
        stored = StoredFile(
            id=ws.new_id("F"),
            name=name,
            content=content,
            title=title or name,
            mimetype=mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream",
            filetype=filetype or (name.rsplit(".", 1)[-1].lower() if "." in name else "binary"),
            user=user,
        )
        with ws.lock:
            ws.files[stored.id] = stored
        return stored.id

    def set_scopes(self, scopes: str | list[str]) -> None:
        """The bot token's scopes (what auth.test reports in `x-oauth-scopes`, and what every method
        checks), in place of the manifest's."""
        self.workspace.scopes = scopes if isinstance(scopes, str) else ",".join(scopes)

    def fail_next(
        self, method: str, error: str = "ratelimited", status: int = 429, retry_after: int = 1, times: int = 1
    ) -> None:
        """The next `times` calls of `method` fail with this error (429s carry Retry-After)."""
        with self.workspace.lock:
            self.workspace.faults.setdefault(method, []).extend([(error, status, retry_after)] * times)

    # the clock, and replies that arrive late

    def advance_clock(self, seconds: float) -> float:
        """Move the stand-in's clock forward: response_urls (30 minutes), trigger_ids (3 s) and the
        rate-limit windows all age by `seconds`. Returns the clock's new reading."""
        with self.workspace.lock:
            self.workspace.clock_offset += max(0.0, seconds)
            return self.workspace.now()

    @contextmanager
    def holding_response_urls(self) -> Iterator[None]:
        """Hold every response_url post until the block ends, then answer them as the clock and the
        URLs' uses are by then: a reply that arrives after 30 minutes, or as the sixth."""
        self.workspace.response_url_gate.close()
        try:
            yield
        finally:
            self.workspace.response_url_gate.open()

    @property
    def response_urls(self) -> list[str]:
        """Every response_url issued so far, oldest first."""
        with self.workspace.lock:
            return [f"{self.url}response/{hook_id}" for hook_id in self.workspace.response_urls]

    def use_response_url(self, url: str, times: int = 1) -> None:
        """Count `times` uses of a response_url, as that many replies through it would."""
        with self.workspace.lock:
            self.workspace.response_urls[url.rstrip("/").rsplit("/", 1)[-1]].uses += times

    # what the bot did

    @property
    def rate_limited(self) -> int:
        """How many Web API calls the stand-in refused so far for their rate (HTTP 429)."""
        with self.workspace.lock:
            return self.workspace.rate_limits.refused

    def calls(self, method: str | None = None) -> list[Call]:
        with self.workspace.lock:
            return [c for c in self.workspace.calls if method is None or c.method == method]

    def messages(self, channel: str | None = None) -> list[Message]:
        """The conversation in order (updated messages in place, deleted ones gone)."""
        with self.workspace.lock:
            return [m for m in self.workspace.messages if channel is None or m.channel == channel]

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Open modals by view id."""
        with self.workspace.lock:
            return dict(self.workspace.views)

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        """Published Home tabs by user id."""
        with self.workspace.lock:
            return dict(self.workspace.home_views)

    def file_content(self, file_id: str) -> bytes:
        return self.workspace.files[file_id].content

    # sending to the bot

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        return payloads.sign(self.signing_secret, body, timestamp)

    def _post(self, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> BotResponse:
        with self.workspace.lock:
            self._mark = len(self.workspace.calls)
        try:
            if self.delivery == "socket":
                return self.socket_mode.deliver_request(body, content_type, headers)
            return payloads.post_signed(self.bot_url, body, content_type, self.signing_secret, headers)
        finally:
            self._last_sent = time.monotonic()

    def slash_command(
        self, command: str, text: str = "", user: str = LOCAL_ADMIN, channel: str = LOCAL_CHANNEL
    ) -> BotResponse:
        """Send a signed slash command; returns the bot's ack. A text ack is shown as an ephemeral."""
        ws = self.workspace
        hook = self._new_response_url(channel, user, None)
        body = payloads.command_form(ws, command, text, user, channel, hook, ws.issue_trigger(user))
        ack_ts = ws.new_ts()
        response = self._post(body, "application/x-www-form-urlencoded")
        interact.record_ack(ws, response, channel, user, ack_ts)
        return response

    def send_event(
        self,
        event: dict[str, Any],
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> BotResponse:
        """Deliver an Events API `event_callback`; the same event_id with retry_num is a redelivery."""
        if event_id is None or event_id not in self._events:
            event_id = event_id or self.workspace.new_id("Ev")
            self._events[event_id] = payloads.event_envelope(self.workspace, event, event_id)
        headers = (
            {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason} if retry_num else {}
        )
        response = self._post(json.dumps(self._events[event_id]).encode(), "application/json", headers)
        response.event_id = event_id
        return response

    def share_file(
        self,
        file_id: str,
        channel: str = LOCAL_CHANNEL,
        user: str = LOCAL_ADMIN,
        text: str = "",
        thread_ts: str | None = None,
        retry_num: int | None = None,
    ) -> BotResponse:
        """A user posts a message with this file; the bot gets `message`/`file_share`.

        With `retry_num`, the last share of this file in this channel is delivered again (same
        event_id, `X-Slack-Retry-Num`), as Slack does when the bot was slow or failed."""
        if retry_num:
            for event_id, envelope in reversed(self._events.items()):
                event = envelope["event"]
                if event.get("channel") == channel and file_id in [f["id"] for f in event.get("files", [])]:
                    return self.send_event(event, event_id=event_id, retry_num=retry_num)
        ws = self.workspace
        with ws.lock:
            stored = ws.files[file_id]
            stored.channels.append(channel)
        message = ws.add_message(
            Message(
                channel=channel,
                ts=ws.new_ts(),
                text=text,
                user=user,
                thread_ts=thread_ts,
                files=[stored],
                source="user",
            )
        )
        return self.send_event(payloads.file_share_event(ws, message), retry_num=retry_num)

    def _new_response_url(self, channel: str, user: str, message_ts: str | None) -> str:
        hook = ResponseUrl(
            id=self.workspace.new_id("R"),
            channel=channel,
            user=user,
            message_ts=message_ts,
            issued_at=self.workspace.now(),
        )
        with self.workspace.lock:
            self.workspace.response_urls[hook.id] = hook
        return f"{self.url}response/{hook.id}"

    def numbered(self, message: Message | None = None) -> list[transcript.Pressable]:
        """The numbered pressables of a message, or of the last output (`click N` counts from 1)."""
        if message is not None:
            return transcript.render(self.workspace, [message], [])[1]
        if self._numbering:
            return list(self._numbering)
        for candidate in reversed(self.messages()):
            items = transcript.render(self.workspace, [candidate], [])[1]
            if items:
                return items
        return []

    def click(
        self,
        target: str | int,
        message: Message | None = None,
        user: str = LOCAL_ADMIN,
        value: Any = None,
        selected_option: Any = None,
        block_id: str | None = None,
        view_id: str | None = None,
    ) -> BotResponse:
        """Press a button (or pick an overflow/select option) by action_id or by its 1-based number;
        `message` or `view_id` (a modal or the user's Home tab) says where, when the id is not unique."""
        option_value = None
        if isinstance(target, int):
            items = self.numbered(message)
            if not 1 <= target <= len(items):
                raise LookupError(f"no element [{target}]; there are {len(items)}")
            item = items[target - 1]
            found = interact.pressable_target(self.workspace, item, user)
            option_value = item.option_value
        else:
            found = interact.find_target(self.workspace, target, user, message, block_id, view_id)
        action = interact.build_action(
            found, value, selected_option if selected_option is not None else option_value
        )
        return self._send_action(found, action, user)

    def _send_action(self, found: interact.Target, action: dict[str, Any], user: str) -> BotResponse:
        ws = self.workspace
        trigger = ws.issue_trigger(user)
        kind = action["type"]
        if found.view is not None:
            view = found.view
            if kind != "button":
                entry = {k: v for k, v in action.items() if k not in ("action_id", "block_id", "action_ts")}
                view["state"]["values"].setdefault(action["block_id"], {})[action["action_id"]] = entry
            payload = payloads.block_actions_payload(
                ws, user=user, action=action, trigger_id=trigger, view=view
            )
        else:
            assert found.message is not None
            msg = found.message
            selections = self._selections.setdefault((msg.channel, msg.ts), {})
            if kind not in ("button", "overflow"):
                entry = {k: v for k, v in action.items() if k not in ("action_id", "block_id", "action_ts")}
                selections.setdefault(action["block_id"], {})[action["action_id"]] = entry
            payload = payloads.block_actions_payload(
                ws,
                user=user,
                action=action,
                trigger_id=trigger,
                message=msg,
                response_url=self._new_response_url(msg.channel, user, msg.ts),
                state_values=selections,
            )
        return self._post(payloads.interaction_form(payload), "application/x-www-form-urlencoded")

    def submit_view(
        self,
        view_id: str | None = None,
        values: dict[str, dict[str, Any]] | None = None,
        user: str = LOCAL_ADMIN,
    ) -> BotResponse:
        """Submit an open modal (default: the user's top one). Values may be full state dicts or plain
        values (`{"ref": {"ref_input": "123"}}`); the bot's ack is applied (errors keep it open)."""
        ws = self.workspace
        with ws.lock:
            if view_id is None:
                top = ws.user_top_view(user)
                if top is None:
                    raise LookupError(f"{user} has no open modal")
                view_id = top["id"]
            view = json.loads(json.dumps(ws.views[view_id]))
        view["state"] = {"values": {**view["state"]["values"], **interact.view_state(view, values or {})}}
        payload = payloads.view_submission_payload(
            ws, user=user, view=view, trigger_id=ws.issue_trigger(user)
        )
        response = self._post(payloads.interaction_form(payload), "application/x-www-form-urlencoded")
        interact.apply_view_ack(ws, view_id, user, response)
        return response

    # inbound side channels (called by the HTTP server)

    # waiting

    def wait_for(self, predicate: str | Callable[[], Any], timeout: float = 5.0) -> Any:
        """Poll until `predicate()` is truthy and return its value; a method name waits for a call
        to that method made since the last request sent to the bot, and returns the `Call`."""
        if isinstance(predicate, str):
            name, since = predicate, self._mark

            def check() -> Any:
                return next((c for c in self.calls()[since:] if c.method == name), None)
        else:
            check = predicate
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result:
                return result
            if time.monotonic() > deadline:
                recent = [c.method for c in self.calls()[-10:]]
                raise TimeoutError(f"waited {timeout}s for {predicate!r}; last calls: {recent}")
            time.sleep(0.01)

    def _quiet(self, idle: float, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = max(self.workspace.last_activity, self._last_sent)
            if time.monotonic() - last >= idle:
                return True
            time.sleep(0.02)
        return False

    def wait_quiet(self, idle: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until the bot has made no Web API call or response_url post for `idle` seconds."""
        if not self._quiet(idle, timeout):
            raise TimeoutError(f"the bot was still busy after {timeout}s")

    # the control API (server.py routes /_sandbox/* here; the CLI and a browser page use it)

    def _control(self, verb: str, path: str, args: dict[str, Any]) -> tuple[int, Any]:
        from .control import handle

        return handle(self, verb, path, args)


def decode_upload(args: dict[str, Any]) -> bytes:
    if "content_b64" in args:
        return base64.b64decode(args["content_b64"])
    return str(args.get("content", "")).encode()
