"""Ready notices: "12 new card transactions are ready to sync", posted once per burst in each
channel that asked for them (`/ramp notify on [kinds]`), never twice for the same item.

Two things say that something may be ready: a Ramp webhook (HTTP mode) and polling (the scheduler,
bot/scheduler.py `NoticeScheduler`). Neither is trusted for *what* is ready: Ramp delivers events
out of order, twice, or not at all in a long outage (reference/ramp-api.md §8), so an event only
marks its kind as worth a look, and a refresh re-reads what Ramp lists as ready now. Events of a
burst are coalesced (`Burst`): a kind is read once the events have been quiet for `QUIET_S`, or at
the latest `MAX_WAIT_S` after the first, so a burst of 500 gives one read per kind and one notice
per channel. Each new item is claimed for its channel in SQLite before the notice goes out
(bot/store/notices.py), so two processes, or a duplicate event, never announce it again.

When a channel subscribes, what is ready already is its baseline: notices speak of what becomes
ready after that. `check_delivery` says which of our subscriptions signed a webhook (the rule, the
envelope and the subscriptions themselves: bot/services/webhooks.py).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.errors import UserError
from bot.money import Money
from bot.ramp import RampClient, RampError, SyncObject
from bot.sealed import Sealer, is_sealed
from bot.services.sync_objects import NotEnabled, totals_of
from bot.services.webhooks import (
    CREATING_GRACE,
    SIGNATURE_HEADERS,
    VERIFICATION,
    Delivery,
    Verdict,
    WebhookEvent,
    signed_with,
)
from bot.store import Store
from bot.store.base import iso
from bot.store.notices import BASELINE
from bot.syncable_kinds import BY_KEY, KINDS, SyncableKind, for_word

log = logging.getLogger(__name__)

QUIET_S = 2.0  # a kind is read once its events have paused this long …
MAX_WAIT_S = 20.0  # … or this long after the first event of the burst, whichever comes first
TOUCH_EVERY = timedelta(days=1)  # how often a still-ready item's row is told it is still ready

ReadReady = Callable[[SyncableKind], list[SyncObject]]


# -- what a channel gets -----------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeSubscription:
    channel_id: str
    kinds: tuple[SyncableKind, ...]
    set_by: str
    set_at: str

    @property
    def every_kind(self) -> bool:
        return {k.key for k in self.kinds} == {k.key for k in KINDS}


@dataclass(frozen=True)
class KindNews:
    """The new items of one kind in one notice."""

    kind: SyncableKind
    items: tuple[SyncObject, ...]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def totals(self) -> tuple[Money, ...]:
        return totals_of(self.items)


@dataclass(frozen=True)
class Notice:
    id: str
    channel_id: str
    news: tuple[KindNews, ...]

    @property
    def count(self) -> int:
        return sum(n.count for n in self.news)


@dataclass(frozen=True)
class Subscribed:
    """The answer to `/ramp notify on`: the subscription, and what is ready in it now (the baseline)."""

    subscription: NoticeSubscription
    ready_now: tuple[tuple[SyncableKind, int], ...]
    not_enabled: tuple[NotEnabled, ...]
    unreadable: tuple[tuple[SyncableKind, str], ...]  # a kind Ramp failed to list, and Ramp's words


class UnknownKinds(UserError):
    def __init__(self, word: str) -> None:
        words = ", ".join(f"`{k.command}`" for k in KINDS)
        super().__init__(f"There is no kind of object called `{word}`.", f"The kinds are {words}.")


def kinds_from_words(words: Iterable[str]) -> tuple[SyncableKind, ...]:
    """`("bills", "reimbursements")` -> their rows; none -> every kind; UnknownKinds for a typo."""
    words = [w.lower() for w in words]
    if not words or words == ["all"]:
        return KINDS
    found: dict[str, SyncableKind] = {}
    for word in words:
        row = for_word(word)
        if row is None:
            raise UnknownKinds(word)
        found[row.key] = row
    return tuple(k for k in KINDS if k.key in found)


# -- a burst of events, coalesced ---------------------------------------------------------------


class Burst:
    """Kinds that events said may have news, each due once its events pause (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._first: dict[str, float] = {}
        self._last: dict[str, float] = {}
        self.wakeup = threading.Event()

    def note(self, kinds: Iterable[SyncableKind]) -> None:
        now = self._clock()
        with self._lock:
            for row in kinds:
                self._first.setdefault(row.key, now)
                self._last[row.key] = now
        self.wakeup.set()

    def take_due(self) -> tuple[SyncableKind, ...]:
        now = self._clock()
        with self._lock:
            due = [
                k for k in self._first if now - self._last[k] >= QUIET_S or now - self._first[k] >= MAX_WAIT_S
            ]
            for key in due:
                del self._first[key], self._last[key]
        return tuple(BY_KEY[k] for k in due)

    def next_due_in(self) -> float | None:
        """Seconds until a kind is due, None when nothing is waiting."""
        now = self._clock()
        with self._lock:
            waits = [min(self._last[k] + QUIET_S, self._first[k] + MAX_WAIT_S) - now for k in self._first]
        return max(0.0, min(waits)) if waits else None


# -- the service -------------------------------------------------------------------------------


class NoticeService:
    """`webhooks_possible`: HTTP mode, where Ramp can reach the bot; there, once a webhook subscription
    is set up, polling is only the fallback (`fallback_poll_s`), else it runs every `poll_s`."""

    def __init__(
        self,
        ramp: RampClient,
        store: Store,
        read_ready: ReadReady,
        sealer: Sealer,
        *,
        webhooks_possible: bool = False,
        poll_s: float = 1800.0,
        fallback_poll_s: float = 21600.0,
    ) -> None:
        self._ramp = ramp
        self._store = store
        self._read_ready = read_ready
        self._sealer = sealer
        self._opened: dict[str, str | None] = {}  # sealed text -> its secret (None: another key's)
        self._webhooks_possible = webhooks_possible
        self._poll_s = poll_s
        self._fallback_poll_s = fallback_poll_s
        self.burst = Burst()
        self.stopped = threading.Event()  # Services.close(): the notice scheduler ends

    def uses_webhooks(self) -> bool:
        return self._webhooks_possible and self.webhooks_set_up()

    def poll_every_s(self) -> float:
        return self._fallback_poll_s if self.uses_webhooks() else self._poll_s

    # subscriptions ----------------------------------------------------------------------------

    def subscription(self, channel_id: str) -> NoticeSubscription | None:
        row = self._store.notice_subscription(channel_id)
        return _subscription(row) if row else None

    def subscriptions(self) -> list[NoticeSubscription]:
        return [_subscription(row) for row in self._store.notice_subscriptions()]

    def subscribe(self, channel_id: str, kinds: tuple[SyncableKind, ...], user_id: str) -> Subscribed:
        """Notices for these kinds in the channel; what is ready now is its baseline, never announced.
        The baseline is recorded before the subscription, so no refresh meanwhile announces it."""
        ready, problems = self._read(kinds)
        for key, items in ready.items():
            self._store.claim_new_items(channel_id, key, [i.id for i in items], BASELINE)
        self._store.save_notice_subscription(channel_id, [k.key for k in kinds], user_id)
        subscription = self.subscription(channel_id)
        assert subscription is not None
        return Subscribed(
            subscription,
            tuple((row, len(ready[row.key])) for row in kinds if row.key in ready),
            tuple(p for p in problems.values() if isinstance(p, NotEnabled)),
            tuple((BY_KEY[k], _words(p)) for k, p in problems.items() if not isinstance(p, NotEnabled)),
        )

    def unsubscribe(self, channel_id: str) -> NoticeSubscription | None:
        was = self.subscription(channel_id)
        if was is not None:
            self._store.delete_notice_subscription(channel_id)
        return was

    def subscribed_kinds(self) -> tuple[SyncableKind, ...]:
        wanted = {row.key for sub in self.subscriptions() for row in sub.kinds}
        return tuple(k for k in KINDS if k.key in wanted)

    # refreshes --------------------------------------------------------------------------------

    def refresh(self, kinds: Iterable[SyncableKind]) -> list[Notice]:
        """Re-read what is ready of these kinds and claim, per subscribed channel, the items it was
        not told about yet: one notice per channel with news. Post each, then `release` a failed one."""
        subscriptions = self.subscriptions()
        wanted = {row.key for sub in subscriptions for row in sub.kinds}
        ready, problems = self._read(tuple(k for k in kinds if k.key in wanted))
        for key, problem in problems.items():  # a kind the app has no scope for is only noted
            level = logging.DEBUG if isinstance(problem, NotEnabled) else logging.WARNING
            log.log(level, "ready %s not read for notices: %s", BY_KEY[key].plural, _words(problem))
        touch_before = iso(datetime.now(UTC) - TOUCH_EVERY)
        for key, items in ready.items():
            self._store.touch_items(key, [i.id for i in items], touch_before)
        notices = []
        for sub in subscriptions:
            notice_id = uuid.uuid4().hex
            news = []
            for row in (k for k in sub.kinds if k.key in ready):
                by_id = {item.id: item for item in ready[row.key]}
                new = self._store.claim_new_items(sub.channel_id, row.key, list(by_id), notice_id)
                if new:
                    news.append(KindNews(row, tuple(by_id[i] for i in new)))
            if news:
                notices.append(Notice(notice_id, sub.channel_id, tuple(news)))
        return notices

    def release(self, notice: Notice) -> None:
        """The notice was not posted: its items are announced by the next refresh."""
        self._store.release_notice(notice.id)

    def _read(
        self, kinds: tuple[SyncableKind, ...]
    ) -> tuple[dict[str, list[SyncObject]], dict[str, Exception]]:
        """Every ready item of each kind, by key, side by side (all through the client's one rate limiter)."""
        ready: dict[str, list[SyncObject]] = {}
        problems: dict[str, Exception] = {}

        def read(row: SyncableKind) -> None:
            try:
                ready[row.key] = self._read_ready(row)
            except (RampError, UserError) as error:
                problems[row.key] = error

        if kinds:
            with ThreadPoolExecutor(max_workers=len(kinds), thread_name_prefix="notice-read") as pool:
                list(pool.map(read, kinds))
        return ready, problems

    # webhook deliveries -----------------------------------------------------------------------

    def check_delivery(self, headers: Mapping[str, str], body: bytes) -> Delivery:
        """Which of our subscriptions signed this body, if any (`headers` names in lower case)."""
        signature = next((headers[h] for h in SIGNATURE_HEADERS if headers.get(h)), "")
        stored, creating = self._store.webhook_secrets(iso(datetime.now(UTC) - CREATING_GRACE))
        if signature:
            for webhook_id, secret in self._opened_secrets(stored):
                if signed_with(secret, body, signature):
                    return Delivery(Verdict.OK, webhook_id)
        return Delivery(Verdict.NOT_YET if creating else Verdict.UNSIGNED)

    def _opened_secrets(self, stored_secrets: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """(webhook id, secret) of our subscriptions, unsealed; one stored before sealing is sealed now."""
        found = []
        for webhook_id, stored in stored_secrets:
            if not is_sealed(stored):
                self._store.set_webhook_secret(webhook_id, self._sealer.seal(stored))
                found.append((webhook_id, stored))
                continue
            if stored not in self._opened:  # opened once per process, not on every delivery
                self._opened[stored] = self._sealer.unseal(stored)
                if self._opened[stored] is None:
                    log.warning(
                        "the secret of Ramp webhook %s was sealed under another RAMP_CLIENT_SECRET: its "
                        "deliveries are refused; run `python -m bot webhooks subscribe` again",
                        webhook_id,
                    )
            secret = self._opened[stored]
            if secret is not None:
                found.append((webhook_id, secret))
        return found

    def accept(self, event: WebhookEvent, webhook_id: str) -> None:
        """A verified event, after the ack: the challenge is answered; a ready event, once per event
        id, marks its kinds for the next refresh."""
        if event.type == VERIFICATION:
            self.complete_challenge(webhook_id, event.challenge)
            return
        if not event.kinds or not self._store.claim_once(f"ramp-event:{event.id}"):
            return  # an event we do not use, or one seen before (Ramp may send an event twice)
        self.burst.note(event.kinds)

    def complete_challenge(self, webhook_id: str, challenge: str) -> None:
        if not challenge:
            log.warning("a webhooks.verification delivery carried no challenge")
            return
        verified = self._ramp.verify_webhook(webhook_id, challenge)
        self._store.set_webhook_status(webhook_id, "active" if verified else "pending_verification")
        log.info("webhook %s verification: %s", webhook_id, "accepted" if verified else "refused by Ramp")

    def webhooks_set_up(self) -> bool:
        """Whether this bot made a Ramp webhook subscription that delivers (or soon will)."""
        return any(row["status"] in ("active", "pending_verification") for row in self._store.webhook_rows())

    def close(self) -> None:
        self.stopped.set()
        self.burst.wakeup.set()


def _subscription(row: Mapping[str, Any]) -> NoticeSubscription:
    kinds = tuple(BY_KEY[k] for k in row["kinds"] if k in BY_KEY)
    return NoticeSubscription(row["channel_id"], kinds, row["set_by"] or "", row["set_at"])


def _words(error: Exception) -> str:
    if isinstance(error, RampError):
        return error.user_text()
    if isinstance(error, UserError):
        return f"{error.what_happened} {error.what_to_do}".strip()
    return str(error)
