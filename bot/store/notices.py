"""Ready notices: which channels get them (and for which kinds), which items each channel was told
about, and the Ramp webhook subscriptions this bot made, with the secret that verifies deliveries.

An item is claimed for a channel before the notice is posted (`claim_new_items`, under the write
lock), so two processes never announce the same item to the same channel; a notice Slack refused
gives its claim back (`release_notice`). Each refresh touches the rows of items still ready
(`touch_items`), and `Store.prune` drops the rows of items not seen ready for a month.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bot.store.base import BATCH, StoreBase, utc_now

BASELINE = "baseline"  # the notice id of items already ready when a channel subscribed


class NoticeBook(StoreBase):
    # -- subscriptions ---------------------------------------------------------------------------

    def save_notice_subscription(self, channel_id: str, kinds: list[str], set_by: str) -> None:
        self.db.execute(
            "INSERT INTO notice_subscriptions (channel_id, kinds, set_by, set_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(channel_id) DO UPDATE SET kinds = excluded.kinds, set_by = excluded.set_by,"
            " set_at = excluded.set_at",
            [channel_id, json.dumps(kinds), set_by, utc_now()],
        )

    def notice_subscription(self, channel_id: str) -> dict[str, Any] | None:
        row = next(
            self.db.query("SELECT * FROM notice_subscriptions WHERE channel_id = ?", [channel_id]), None
        )
        return _decoded(row) if row else None

    def notice_subscriptions(self) -> list[dict[str, Any]]:
        return [_decoded(r) for r in self.db.query("SELECT * FROM notice_subscriptions ORDER BY channel_id")]

    def delete_notice_subscription(self, channel_id: str) -> None:
        """The subscription and what the channel was told: subscribing again starts a new baseline."""
        with self.atomic() as db:
            db.execute("DELETE FROM notice_subscriptions WHERE channel_id = ?", [channel_id])
            db.execute("DELETE FROM notice_items WHERE channel_id = ?", [channel_id])

    # -- announced items -------------------------------------------------------------------------

    def claim_new_items(self, channel_id: str, kind: str, ids: Iterable[str], notice_id: str) -> list[str]:
        """Of `ids`, those this channel was never told about, now claimed under `notice_id`, in order."""
        now = utc_now()
        with self.writing() as db:  # read, then write: the lock first, so one process wins each id
            known = {
                row[0]
                for row in db.execute(
                    "SELECT id FROM notice_items WHERE channel_id = ? AND kind = ?", [channel_id, kind]
                ).fetchall()
            }
            new = [i for i in dict.fromkeys(ids) if i not in known]
            db.conn.executemany(
                "INSERT INTO notice_items (channel_id, kind, id, notice_id, announced_at, seen_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(channel_id, kind, i, notice_id, now, now) for i in new],
            )
        return new

    def touch_items(self, kind: str, ids: list[str], older_than: str) -> None:
        """Items still ready: their rows stay another retention period (at most one write a day each)."""
        now = utc_now()
        for start in range(0, len(ids), BATCH):
            part = ids[start : start + BATCH]
            marks = ",".join("?" * len(part))
            self.db.execute(
                f"UPDATE notice_items SET seen_at = ? WHERE kind = ? AND seen_at < ? AND id IN ({marks})",  # noqa: S608
                [now, kind, older_than, *part],
            )

    def release_notice(self, notice_id: str) -> int:
        """Forget the items a notice claimed (it was not posted): the next refresh announces them."""
        return self.db.execute("DELETE FROM notice_items WHERE notice_id = ?", [notice_id]).rowcount

    def announced_count(self, channel_id: str, kind: str | None = None) -> int:
        """Items announced to the channel (the baseline left out)."""
        query = "SELECT count(*) FROM notice_items WHERE channel_id = ? AND notice_id != ?"
        args: list[Any] = [channel_id, BASELINE]
        if kind is not None:
            query, args = query + " AND kind = ?", [*args, kind]
        return int(self.db.execute(query, args).fetchone()[0])

    # -- Ramp webhook subscriptions --------------------------------------------------------------

    def begin_webhook(self, local_id: str, endpoint_url: str) -> None:
        """A subscription about to be asked of Ramp: deliveries that no secret verifies yet are
        answered 503 meanwhile, so Ramp retries the verification challenge that may beat the secret here."""
        now = utc_now()
        self.db.execute(
            "INSERT INTO webhook_subscriptions (local_id, webhook_id, endpoint_url, event_types, secret,"
            " status, created_at, updated_at) VALUES (?, NULL, ?, '[]', NULL, 'creating', ?, ?)",
            [local_id, endpoint_url, now, now],
        )

    def finish_webhook(
        self, local_id: str, webhook_id: str, event_types: list[str], secret: str, status: str
    ) -> None:
        self.db.execute(
            "UPDATE webhook_subscriptions SET webhook_id = ?, event_types = ?, secret = ?, status = ?,"
            " updated_at = ? WHERE local_id = ?",
            [webhook_id, json.dumps(event_types), secret, status, utc_now(), local_id],
        )

    def abandon_webhook(self, local_id: str) -> None:
        self.db.execute(
            "DELETE FROM webhook_subscriptions WHERE local_id = ? AND webhook_id IS NULL", [local_id]
        )

    def set_webhook_status(self, webhook_id: str, status: str) -> None:
        self.db.execute(
            "UPDATE webhook_subscriptions SET status = ?, updated_at = ? WHERE webhook_id = ?",
            [status, utc_now(), webhook_id],
        )

    def delete_webhook_row(self, webhook_id: str) -> None:
        self.db.execute("DELETE FROM webhook_subscriptions WHERE webhook_id = ?", [webhook_id])

    def webhook_rows(self) -> list[dict[str, Any]]:
        """Every subscription this bot made, without its secret."""
        rows = self.db.query(
            "SELECT local_id, webhook_id, endpoint_url, event_types, status, created_at, updated_at"
            " FROM webhook_subscriptions WHERE webhook_id IS NOT NULL ORDER BY created_at"
        )
        return [{**row, "event_types": json.loads(row["event_types"] or "[]")} for row in rows]

    def set_webhook_secret(self, webhook_id: str, sealed: str) -> None:
        self.db.execute(
            "UPDATE webhook_subscriptions SET secret = ? WHERE webhook_id = ?", [sealed, webhook_id]
        )

    def webhook_secrets(self, creating_since: str) -> tuple[list[tuple[str, str]], bool]:
        """(webhook id, sealed secret) of every subscription Ramp may deliver for (bot/sealed.py), and
        whether a subscription asked of Ramp since `creating_since` has no secret stored yet.

        One statement, so one snapshot: read apart, the secret could be stored between the two reads
        and a delivery signed with it would be refused as unsigned (CI, stop 21).
        """
        rows = self.db.execute(
            "SELECT webhook_id, secret, status, created_at FROM webhook_subscriptions"
            " WHERE (webhook_id IS NOT NULL AND secret IS NOT NULL)"
            " OR (status = 'creating' AND created_at >= ?)",
            [creating_since],
        ).fetchall()
        secrets = [(str(r[0]), str(r[1])) for r in rows if r[0] is not None and r[1] is not None]
        creating = any(r[2] == "creating" and r[3] >= creating_since for r in rows)
        return secrets, creating


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "kinds": json.loads(row["kinds"])}
