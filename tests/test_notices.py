"""Ready notices in HTTP mode: `/ramp notify on|off`, Ramp's webhooks at `POST /ramp/webhooks`
(subscribed through `python -m bot webhooks`, verified by the challenge, signed), one notice per
burst, nothing announced twice whatever Ramp repeats or reorders, and 401 for a bad signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bot.__main__ import manage_webhooks
from bot.ramp import DEFAULT_SCOPES
from sandbox.ramp import RampSandbox
from sandbox.slack import SlackStandIn
from tests.conftest import RunningBot, bot_settings, start_http_bot
from tests.driver import (
    ADMIN,
    CHANNEL,
    USER,
    database_bytes,
    deliveries,
    deliveries_settled,
    list_buttons,
    listing_message,
    make_ready,
    notice_count,
    notices,
    pending_bills,
    pending_transfers,
    text_of,
    unready_transactions,
    wait_for_text,
    webhook_options,
)

OTHER = "C0OTHER"


@pytest.fixture
def slack(slack: SlackStandIn) -> SlackStandIn:
    slack.add_channel(OTHER, name="ap-team")
    return slack


@pytest.fixture
def bot(tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn) -> Iterator[RunningBot]:
    """The suite's bot; `python -m bot webhooks` beside it shares its Ramp rate window (a file next
    to the database) and waits it out first, so the window here is the shortest."""
    yield from start_http_bot(bot_settings(tmp_path, ramp, slack, ramp_rate_window_s=1.0), slack)


def notify(slack: SlackStandIn, text: str, channel: str = CHANNEL, user: str = ADMIN) -> None:
    slack.slash_command("/ramp", f"notify {text}", user=user, channel=channel)


def subscribe(bot: RunningBot, capsys: pytest.CaptureFixture[str]) -> str:
    """`python -m bot webhooks subscribe --url …/ramp/webhooks` against the sandbox; its output."""
    code = manage_webhooks(bot.settings, "subscribe", url=f"{bot.url}/ramp/webhooks", verify_timeout_s=15)
    out = capsys.readouterr()
    assert code == 0, out
    return out.out + out.err


def secret_of(ramp: RampSandbox) -> str:
    with ramp.state.lock:
        return str(next(iter(ramp.state.webhooks.subscriptions.values()))["_secret"])


def wait_for_notices(slack: SlackStandIn, channel: str, count: int, timeout: float = 30.0) -> list:
    return slack.wait_for(lambda: len(notices(slack, channel)) >= count and notices(slack, channel), timeout)


def test_webhooks_subscribe_completes_the_challenge_and_never_shows_the_secret(
    bot: RunningBot, ramp: RampSandbox, capsys: pytest.CaptureFixture[str]
):
    output = subscribe(bot, capsys)
    secret = secret_of(ramp)
    assert "active" in output
    assert secret not in output
    with ramp.state.lock:
        (hook,) = ramp.state.webhooks.subscriptions.values()
        assert hook["status"] == "active"
        assert set(hook["event_types"]) == {
            "transactions.ready_to_sync",
            "reimbursements.ready_to_sync",
            "bills.approved",
            "bills.paid",
        }
    assert manage_webhooks(bot.settings, "list") == 0
    listed = capsys.readouterr().out
    assert hook["id"] in listed and "active" in listed and secret not in listed
    assert manage_webhooks(bot.settings, "delete", webhook_id=hook["id"]) == 0
    with ramp.state.lock:
        assert ramp.state.webhooks.subscriptions == {}


def test_a_burst_of_ready_webhooks_gives_one_notice_and_repeats_or_reordering_give_none(
    bot: RunningBot, ramp: RampSandbox, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
):
    first = unready_transactions(ramp, 12, seed=4)
    notify(slack, "on")
    wait_for_text(slack, "Ready notices on for")
    subscribe(bot, capsys)
    # Ramp's guide: events come twice and out of order. Here every event comes twice, shuffled.
    webhook_options(ramp, duplicate_rate=1.0, reorder=True, seed=3)

    make_ready(ramp, "transactions", first)
    (notice,) = wait_for_notices(slack, CHANNEL, 1)
    assert notice_count(notice) == 12
    assert notice.text.startswith("12 new card transactions are ready to sync: ")
    assert list_buttons(notice) == ["transactions"]
    slack.wait_for(lambda: deliveries_settled(ramp), timeout=30)
    received = [a for a in deliveries(ramp)["attempts"] if a["type"] == "transactions.ready_to_sync"]
    assert len(received) == 24  # each of the 12 events twice, every one answered 2xx

    # A second burst: its notice names only its own items, and the duplicates before it gave none.
    second = pending_bills(ramp, 3)
    make_ready(ramp, "bills", second)
    notices_now = wait_for_notices(slack, CHANNEL, 2)
    assert len(notices_now) == 2
    assert notice_count(notices_now[1]) == 3
    assert notices_now[1].text.startswith("3 new bills are ready to sync")
    assert list_buttons(notices_now[1]) == ["bills"]

    slack.click("ready_list", message=notice, user=USER)  # anyone may list them
    assert listing_message(slack).channel == CHANNEL


def test_a_channel_gets_only_the_kinds_it_asked_for_and_off_stops_notices(
    bot: RunningBot, ramp: RampSandbox, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
):
    bills, transactions = pending_bills(ramp, 2), unready_transactions(ramp, 3, seed=8)
    notify(slack, "on bills")
    wait_for_text(slack, "Ready notices on for <#C0FIN>: bills.")
    notify(slack, "on", channel=OTHER)
    slack.wait_for(
        lambda: "Ready notices on for <#C0OTHER>" in "\n".join(text_of(m) for m in slack.messages(OTHER))
    )
    subscribe(bot, capsys)

    make_ready(ramp, "transactions", transactions)
    (other,) = wait_for_notices(slack, OTHER, 1)
    assert notice_count(other) == 3
    make_ready(ramp, "bills", bills[:1])
    (mine,) = wait_for_notices(slack, CHANNEL, 1)
    assert mine.text.startswith("1 new bill is ready to sync")
    wait_for_notices(slack, OTHER, 2)

    notify(slack, "off")
    wait_for_text(slack, "Ready notices off for <#C0FIN> (they were for bills)")
    make_ready(ramp, "bills", bills[1:])
    assert notice_count(wait_for_notices(slack, OTHER, 3)[2]) == 1  # the other channel still hears
    assert len(notices(slack, CHANNEL)) == 1
    entries = [(e.command, e.arguments, e.outcome) for e in bot.services.audit.recent(10)]
    assert ("notify", "on bills", "ok") in entries and ("notify", "off", "ok") in entries


def test_a_non_admin_cannot_turn_notices_on_and_the_refusal_is_audited(bot: RunningBot, slack: SlackStandIn):
    answer = slack.slash_command("/ramp", "notify on", user=USER, channel=CHANNEL)
    assert "admin" in text_of(answer.json()).lower()
    assert bot.services.notices.subscription(CHANNEL) is None
    entries = [(e.command, e.outcome) for e in bot.services.audit.recent(5)]
    assert ("notify on", "refused") in entries


def test_an_unknown_kind_is_answered_in_the_ack_and_nothing_is_stored(bot: RunningBot, slack: SlackStandIn):
    answer = slack.slash_command("/ramp", "notify on invoices", user=ADMIN, channel=CHANNEL)
    assert "There is no kind of object called `invoices`" in text_of(answer.json())
    assert bot.services.notices.subscription(CHANNEL) is None


def signed_post(
    bot: RunningBot, body: bytes, signature: str, header: str = "X-Ramp-Webhook-Signature"
) -> int:
    headers = {"Content-Type": "application/json", header: signature}
    return httpx.post(f"{bot.url}/ramp/webhooks", content=body, headers=headers).status_code


def test_while_a_subscription_is_being_made_an_unverifiable_delivery_is_503_so_ramp_retries(bot: RunningBot):
    body = json.dumps({"id": str(uuid.uuid4()), "type": "webhooks.verification", "challenge": "c"}).encode()
    bot.store.begin_webhook("local-1", f"{bot.url}/ramp/webhooks")  # `subscribe` waiting for Ramp's answer
    assert signed_post(bot, body, "0" * 64) == 503
    bot.store.abandon_webhook("local-1")  # Ramp refused it: nothing is on its way
    assert signed_post(bot, body, "0" * 64) == 401


def test_with_webhooks_polling_still_runs_as_the_fallback(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
):
    """Transfers have no webhook event, like any event Ramp lost: only the fallback poll finds them."""
    settings = bot_settings(
        tmp_path, ramp, slack, ramp_rate_window_s=1.0, poll_interval_s=0.4, fallback_poll_interval_s=0.5
    )
    with contextmanager(start_http_bot)(settings, slack) as bot:
        transfers = pending_transfers(ramp, 2)
        assert bot.services.notices.poll_every_s() == 0.4  # no webhooks yet
        subscribe(bot, capsys)
        assert bot.services.notices.poll_every_s() == 0.5
        notify(slack, "on transfers")
        assert "Ramp's webhooks tell me at once, and I look every 0.5 seconds" in wait_for_text(
            slack, "Ready notices on for <#C0FIN>: transfers."
        )
        make_ready(ramp, "transfers", transfers)
        (notice,) = wait_for_notices(slack, CHANNEL, 1)
        assert notice.text.startswith("2 new transfers are ready to sync")


def test_without_a_kinds_scope_its_events_are_left_out_and_notify_says_it_is_not_enabled(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
):
    with ramp.state.lock:  # a Ramp app created without bills:read
        ramp.state.tokens.register_app(
            "app-without-bills", "test-client-secret", (*DEFAULT_SCOPES, "reimbursements:read")
        )
    settings = bot_settings(tmp_path, ramp, slack, ramp_rate_window_s=1.0, ramp_client_id="app-without-bills")
    with contextmanager(start_http_bot)(settings, slack) as bot:
        output = subscribe(bot, capsys)
        assert "Not subscribed: bills events; the Ramp app has no `bills:read` scope." in output
        assert "Not subscribed: bill payments events" in output
        with ramp.state.lock:
            (hook,) = ramp.state.webhooks.subscriptions.values()
        assert hook["event_types"] == ["transactions.ready_to_sync", "reimbursements.ready_to_sync"]
        notify(slack, "on bills transactions")
        shown = wait_for_text(slack, "Ready notices on for <#C0FIN>: card transactions, bills.")
        assert "Bills are not enabled: the Ramp app has no `bills:read` scope." in shown


def test_two_bots_on_one_database_never_announce_an_item_twice(
    tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn
):
    """Replicas: both poll every 0.3 s; each item is claimed for the channel by exactly one of them."""
    settings = bot_settings(tmp_path, ramp, slack, ramp_rate_window_s=1.0, poll_interval_s=0.3)
    both = contextmanager(start_http_bot)
    with both(settings, slack), both(settings, slack) as second:
        transactions = unready_transactions(ramp, 31, seed=9)
        notify(slack, "on transactions")
        wait_for_text(slack, "Ready notices on for <#C0FIN>: card transactions.")
        for start in range(0, 30, 10):
            make_ready(ramp, "transactions", transactions[start : start + 10])
        slack.wait_for(lambda: announced(slack) >= 30, 30)
        make_ready(ramp, "transactions", transactions[30:])  # later polls of both bots: only the new one
        slack.wait_for(lambda: notices(slack, CHANNEL)[-1].text.startswith("1 new card transaction "), 30)
        assert announced(slack) == 31 == second.store.announced_count(CHANNEL)


def announced(slack: SlackStandIn) -> int:
    return sum(notice_count(n) for n in notices(slack, CHANNEL))


def test_a_webhook_without_a_valid_signature_is_401_and_does_nothing(
    bot: RunningBot, ramp: RampSandbox, capsys: pytest.CaptureFixture[str]
):
    subscribe(bot, capsys)
    secret = secret_of(ramp)
    event = {"id": str(uuid.uuid4()), "type": "transactions.ready_to_sync", "object": {"id": "t1"}}
    body = json.dumps(event).encode()
    good = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert signed_post(bot, body, "") == 401
    assert signed_post(bot, body, "0" * 64) == 401
    assert signed_post(bot, body + b" ", good) == 401  # the signature is of the raw body, byte for byte
    forged = hmac.new(b"another secret", body, hashlib.sha256).hexdigest()
    assert signed_post(bot, body, forged) == 401
    assert signed_post(bot, body, good, header="X-Ramp-Signature") == 200  # the later header name
    assert signed_post(bot, b"not json", hmac.new(secret.encode(), b"not json", "sha256").hexdigest()) == 400


def test_the_webhook_secret_is_kept_for_the_bot_sealed_and_shown_nowhere(
    bot: RunningBot, ramp: RampSandbox, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
):
    output = subscribe(bot, capsys)
    secret = secret_of(ramp)
    assert secret not in output
    notify(slack, "")
    shown = wait_for_text(slack, "There are no ready notices")
    assert secret not in shown
    assert secret.encode() not in database_bytes(bot.settings.db_path)  # DESIGN: no secret in the database
    assert b"sealed:v1:" in database_bytes(bot.settings.db_path)
    event = {"id": str(uuid.uuid4()), "type": "webhooks.unknown", "object": {"id": "x"}}
    body = json.dumps(event).encode()
    assert signed_post(bot, body, hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()) == 200


def test_a_secret_stored_before_sealing_still_verifies_and_is_sealed_in_place(
    bot: RunningBot, ramp: RampSandbox, capsys: pytest.CaptureFixture[str]
):
    subscribe(bot, capsys)
    secret = secret_of(ramp)
    with sqlite3.connect(bot.settings.db_path) as db:  # as stop 20's bot kept it
        db.execute("UPDATE webhook_subscriptions SET secret = ?", [secret])
    assert secret.encode() in database_bytes(bot.settings.db_path)
    event = {"id": str(uuid.uuid4()), "type": "webhooks.unknown", "object": {"id": "x"}}
    body = json.dumps(event).encode()
    assert signed_post(bot, body, hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()) == 200
    with sqlite3.connect(bot.settings.db_path) as db:
        (stored,) = db.execute("SELECT secret FROM webhook_subscriptions").fetchone()
    assert stored.startswith("sealed:v1:") and secret not in stored


def test_a_secret_sealed_under_another_client_secret_is_not_opened():
    from bot.sealed import Sealer

    sealed = Sealer("old client secret").seal("whsec")
    assert Sealer("old client secret").unseal(sealed) == "whsec"
    assert Sealer("new client secret").unseal(sealed) is None
    assert Sealer("new client secret").unseal("whsec") == "whsec"  # stored before sealing: as it is


HOSTILE = "<!channel> & <https://evil.example|click> <@U0EVIL>"


def test_the_notice_templates_render_outside_text_inert():
    from bot.money import Money
    from bot.ramp import SyncObject
    from bot.render import render_message
    from bot.services.notices import KindNews, Notice, NoticeSubscription, Subscribed
    from bot.syncable_kinds import KINDS, kind
    from tests.driver import mrkdwn_texts

    item = SyncObject(
        kind="bills", id=HOSTILE, when=None, counterparty=HOSTILE, person=HOSTILE,
        amount=Money(123456, "USD"), original_amount=Money(123456, "USD"), memo=HOSTILE,
        entity_id=None, sync_status=None,
    )  # fmt: skip
    notice = Notice(
        "n1", CHANNEL, (KindNews(kind("bills"), (item, item)), KindNews(kind("transactions"), (item,)))
    )
    sub = NoticeSubscription(CHANNEL, KINDS, ADMIN, "2026-12-03T08:00:00+00:00")
    subscribed = Subscribed(sub, ((kind("bills"), 3),), (), ((kind("cashbacks"), HOSTILE),))
    messages = [render_message("notice_ready.json.j2", notice=notice)]
    for mode in ("on", "off", "show"):
        for uses_webhooks in (True, False):
            messages.append(
                render_message(
                    "notice_settings.json.j2", mode=mode, channel_id=CHANNEL, uses_webhooks=uses_webhooks,
                    poll_s=21600.0, syntax="/ramp notify on [kinds]", example="/ramp notify on bills",
                    subscription=sub, subscribed=subscribed,
                )
            )  # fmt: skip
    assert messages[0]["text"] == "3 new items are ready to sync: 2 new bills, 1 new card transaction"
    assert "every 6.0 hours" in json.dumps(messages[1])
    for message in messages:
        for text in [message["text"], *mrkdwn_texts(message["blocks"])]:
            assert "<!channel>" not in text and "<https://evil" not in text and "<@U0EVIL>" not in text
