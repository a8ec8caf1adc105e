"""The database schema: sqlite-utils migrations, applied in order when the store opens.

A migration is never edited once it has shipped; a change to the schema is a new one at the end.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("ramp_bot")


@migrations(name="0001_connections_audit_events")
def _m0001(db: sqlite_utils.Database) -> None:
    db.table("connection_events").create(
        {
            "id": int,
            "at": str,
            "action": str,  # connect, reactivate, disconnect
            "connection_id": str,
            "provider": str,
            "user_id": str,
        },
        pk="id",
    )
    db.table("audit_log").create(
        {
            "id": int,
            "at": str,
            "user_id": str,
            "channel_id": str,
            "command": str,
            "arguments": str,
            "outcome": str,  # ok, refused, failed
            "detail": str,
            "trace_id": str,
        },
        pk="id",
    )
    db.table("audit_log").create_index(["at"])
    db.table("processed_events").create({"key": str, "at": str}, pk="key")


@migrations(name="0002_transactions_syncs")
def _m0002(db: sqlite_utils.Database) -> None:
    db.table("transactions").create(
        {
            "id": str,  # Ramp's transaction uuid
            "fetched_at": str,
            "user_transaction_time": str,
            "merchant_name": str,
            "amount": int,  # settled, minor units
            "currency": str,
            "sync_status": str,  # as last seen, or SYNCED/FAILED once we posted a result
            "coding": str,  # coded, partly coded, uncoded
            "data": str,  # the parsed transaction as JSON (bot/services/transactions.py)
        },
        pk="id",
    )
    db.table("transactions").create_index(["sync_status", "user_transaction_time"])
    db.table("transaction_lists").create({"id": str, "at": str, "filters": str, "ids": str}, pk="id")
    db.table("sync_chunks").create(
        {
            "key": str,  # the idempotency key: sha256 of the chunk's sorted items
            "payload": str,  # {"sync_type", "successful", "failed"} as JSON; rows of sync_results from 0008
            "state": str,  # pending, sent, failed
            "sync_id": str,
            "error": str,
            "source": str,  # what asked for it: a file id, a modal
            "user_id": str,
            "items": int,
            "created": str,
            "updated": str,
        },
        pk="key",
    )
    db.table("sync_chunks").create_index(["state"])
    db.table("sync_previews").create(
        {"id": str, "at": str, "source": str, "user_id": str, "results": str}, pk="id"
    )


@migrations(name="0003_uploads")
def _m0003(db: sqlite_utils.Database) -> None:
    db.table("uploads").create(
        {
            "id": str,  # our upload id: what the Upload and Cancel buttons carry
            "file_id": str,
            "name": str,
            "sha256": str,
            "user_id": str,  # who shared the file
            "channel_id": str,
            "kind": str,
            "format_name": str,
            "records": str,  # the file's records as JSON, so Upload needs no second download
            "counts": str,  # JSON: new, changed, unchanged, missing, skipped; then created, failed...
            "outcome": str,  # previewed, running, done, partial, failed, cancelled
            "detail": str,
            "uploaded_by": str,
            "created": str,
            "finished": str,
        },
        pk="id",
    )
    db.table("uploads").create_index(["sha256"])
    db.table("upload_batches").create(
        {
            "upload_id": str,
            "batch_no": int,
            "op": str,  # create, update, deactivate, create_field
            "kind": str,
            "item_ids": str,  # JSON list of the ERP ids in the batch
            "state": str,  # pending (journalled), sent, done, failed
            "error": str,
            "created": str,
            "updated": str,
        },
        pk=("upload_id", "batch_no"),
    )


@migrations(name="0004_summaries")
def _m0004(db: sqlite_utils.Database) -> None:
    # Daily summaries: schedules, what each summary showed, and the ready totals over time.
    db.table("summary_schedules").create(
        {
            "channel_id": str,
            "local_time": str,  # HH:MM in `tz`
            "tz": str,  # IANA name
            "weekdays_only": int,
            "set_by": str,
            "set_at": str,  # ISO UTC: summaries due before this are not owed
            "state": str,  # active, paused (channel gone), off
            "reason": str,
            "last_date": str,  # the last local day claimed: the once-a-day guard
        },
        pk="channel_id",
    )
    db.table("summary_log").create(
        {
            "id": int,
            "channel_id": str,
            "at": str,  # ISO UTC, when it was built
            "trigger": str,  # scheduled, now, cron
            "totals": str,  # JSON {currency: [count, amount]}: the baseline of the next summary
            "message_ts": str,
        },
        pk="id",
    )
    db.table("summary_log").create_index(["channel_id", "at"])
    db.table("ready_snapshots").create({"at": str, "currency": str, "count": int, "amount": int})
    db.table("ready_snapshots").create_index(["at"])


@migrations(name="0005_upload_resume")
def _m0005(db: sqlite_utils.Database) -> None:
    # What a restarted bot needs to finish an upload a killed one left running.
    uploads = db.table("uploads")
    uploads.add_column("thread_ts", str)  # where the preview was answered: the share's thread
    uploads.add_column("message_ts", str)  # the preview message, turned into the progress bar
    uploads.add_column("deactivate_missing", int)
    uploads.add_column("field_settings", str)  # JSON {field name: {input_type, is_splittable}}
    uploads.add_column("runner", str)  # the process running it; a restarted one takes it over
    db.table("upload_batches").add_column("failed_ids", str)  # JSON list: the items not written
    uploads.create_index(["outcome"])


@migrations(name="0006_sync_report_to")
def _m0006(db: sqlite_utils.Database) -> None:
    # Where to tell the user how a post ended, when a restarted bot finishes it: the message that
    # said "Posting…" (empty for posts made from a modal).
    chunks = db.table("sync_chunks")
    chunks.add_column("report_channel", str, not_null_default="")
    chunks.add_column("report_ts", str, not_null_default="")


@migrations(name="0007_seen_requests")
def _m0007(db: sqlite_utils.Database) -> None:
    # The replay cache: the signature of every signed Slack request of the last few minutes. A
    # captured request sent again within Slack's 5-minute timestamp window is dropped.
    db.table("seen_requests").create({"signature": str, "at": float}, pk="signature")
    db.table("seen_requests").create_index(["at"])


@migrations(name="0008_sync_results_retention")
def _m0008(db: sqlite_utils.Database) -> None:
    # A chunk's results as rows, one per item, instead of its JSON payload: status and summaries ask
    # "which failures since", "what was synced since" in SQL, and a resend rebuilds the request body
    # from these rows (bot/services/syncs.py is the one place that knows the body's shape).
    db.table("sync_results").create(
        {
            "chunk_key": str,
            "position": int,  # the item's place in its chunk, as sent
            "transaction_id": str,
            "outcome": str,  # synced, failed
            "reference_id": str,  # the ERP's reference of a synced item; NULL for a failed one
            "message": str,  # why a failed item failed, as Ramp shows it; NULL for a synced one
        },
        pk=("chunk_key", "position"),
        not_null={"chunk_key", "position", "transaction_id", "outcome"},
        foreign_keys=[("chunk_key", "sync_chunks", "key")],
    )
    db.execute(_BACKFILL_SYNC_RESULTS)
    db.table("sync_chunks").transform(drop={"payload"})
    # The timestamps `Store.prune` measures age by (bot/store/retention.py).
    db.table("sync_chunks").create_index(["updated"])
    db.table("processed_events").create_index(["at"])
    db.table("transaction_lists").create_index(["at"])
    db.table("sync_previews").create_index(["at"])
    db.table("transactions").create_index(["fetched_at"])


@migrations(name="0009_migrations")
def _m0009(db: sqlite_utils.Database) -> None:
    # A switch from one accounting connection to another (bot/services/migration.py): the migration,
    # each step journalled before it is carried out, and the categories it carries over, so a
    # restarted bot finishes it or says exactly where it stopped.
    db.table("migrations").create(
        {
            "id": str,  # the conflict message the choice was made on: one migration per message
            "mode": str,  # carry (upload the categories into the new connection) or empty
            "from_id": str,
            "from_name": str,
            "to_name": str,
            "to_id": str,  # the new connection, once registered
            "user_id": str,
            "channel_id": str,
            "message_ts": str,  # the channel message that shows the progress; its thread has the backup
            "state": str,  # running, done, stopped
            "runner": str,  # the process running it; a restarted one takes it over
            "report": str,  # JSON: counts held before and after, by kind
            "error": str,
            "created": str,
            "finished": str,
        },
        pk="id",
        not_null={"id", "mode", "from_id", "to_name", "state", "created"},
    )
    db.table("migrations").create_index(["state"])
    db.table("migration_steps").create(
        {"migration_id": str, "step_no": int, "step": str, "state": str, "detail": str, "at": str},
        pk=("migration_id", "step_no"),
        not_null={"migration_id", "step_no", "step", "state", "at"},
        foreign_keys=[("migration_id", "migrations", "id")],
    )
    db.table("migration_items").create(
        {"migration_id": str, "kind": str, "items": str},  # items: JSON list, the old connection's
        pk=("migration_id", "kind"),
        foreign_keys=[("migration_id", "migrations", "id")],
    )


@migrations(name="0012_sync_objects")
def _m0012(db: sqlite_utils.Database) -> None:
    # The other syncable objects (reimbursements, bills, bill payments, transfers, cashbacks) as last
    # listed, and the listings shown, for their later pages, exports and marked rows.
    db.table("sync_objects").create(
        {
            "kind": str,  # a key of bot/syncable_kinds.py
            "id": str,
            "fetched_at": str,
            "at": str,  # the item's date, ISO 8601
            "amount": int,  # minor units
            "currency": str,
            "sync_status": str,
            "data": str,  # SyncObject.to_json()
        },
        pk=("kind", "id"),
    )
    db.table("sync_objects").create_index(["fetched_at"])
    db.table("object_lists").create(
        {"id": str, "at": str, "kind": str, "filters": str, "ids": str}, pk="id"
    )
    db.table("object_lists").create_index(["at"])


# The payload shape of migrations 0002-0007: successful items first, then failed ones, each list in
# transaction id order. Positions follow that order, so a rebuilt body is the one journalled.
_BACKFILL_SYNC_RESULTS = """
INSERT INTO sync_results (chunk_key, position, transaction_id, outcome, reference_id, message)
SELECT c.key, CAST(item.key AS INTEGER), json_extract(item.value, '$.id'), 'synced',
       json_extract(item.value, '$.reference_id'), NULL
FROM sync_chunks AS c, json_each(c.payload, '$.successful') AS item
UNION ALL
SELECT c.key, coalesce(json_array_length(c.payload, '$.successful'), 0) + item.key,
       json_extract(item.value, '$.id'), 'failed', NULL,
       coalesce(json_extract(item.value, '$.error.message'), '')
FROM sync_chunks AS c, json_each(c.payload, '$.failed') AS item
"""


@migrations(name="0010_column_mappings")
def _m0010(db: sqlite_utils.Database) -> None:
    # How to read a file whose header the bot did not know, as a person mapped its columns
    # (bot/importers/mapping.py): one row per header, applied to the next file with that header.
    db.table("column_mappings").create(
        {
            "fingerprint": str,  # the header, normalised (FileHeader.fingerprint)
            "header": str,  # JSON list: the header cells as the file had them
            "kind": str,
            "columns": str,  # JSON {field: header cell}
            "field_name": str,  # custom field options without a field column
            "classes": str,  # JSON {type value: Ramp classification}, for values no table knows
            "saved_by": str,  # Slack user id
            "saved_at": str,
        },
        pk="fingerprint",
        not_null={"fingerprint", "kind", "columns", "saved_at"},
    )
    # The encoding a person chose in a preview, so the file is read the same way again (its list
    # of every row, bot/services/upload_rows.py); "" for the guess.
    db.table("uploads").add_column("encoding", str, not_null_default="")


@migrations(name="0013_sync_chunk_types")
def _m0013(db: sqlite_utils.Database) -> None:
    # Every kind of object Ramp syncs (bot/syncable_kinds.py): each chunk carries one sync_type, kept
    # here so a resend after a crash posts it as it was first posted; chunks journalled before this
    # were card transactions. A bill's successful result may carry the ERP's link to it.
    db.table("sync_chunks").add_column("sync_type", str, not_null_default="TRANSACTION_SYNC")
    db.table("sync_results").add_column("deep_link_url", str)


@migrations(name="0011_notices")
def _m0011(db: sqlite_utils.Database) -> None:
    # Ready notices (bot/services/notices.py): the channels subscribed and to which kinds, each item
    # a channel was told about (claimed before the post, so no item is announced twice), and the
    # Ramp webhook subscriptions this bot made, with the secret Ramp returned only once.
    db.table("notice_subscriptions").create(
        {"channel_id": str, "kinds": str, "set_by": str, "set_at": str},  # kinds: JSON list of keys
        pk="channel_id",
        not_null={"channel_id", "kinds", "set_at"},
    )
    db.table("notice_items").create(
        {
            "channel_id": str,
            "kind": str,  # a key of bot/syncable_kinds.py
            "id": str,
            "notice_id": str,  # the notice that announced it, or `baseline`: ready when subscribed
            "announced_at": str,
            "seen_at": str,  # last seen ready: retention counts from here
        },
        pk=("channel_id", "kind", "id"),
        not_null={"channel_id", "kind", "id", "notice_id", "announced_at", "seen_at"},
    )
    db.table("notice_items").create_index(["notice_id"])
    db.table("notice_items").create_index(["seen_at"])
    db.table("webhook_subscriptions").create(
        {
            "local_id": str,
            "webhook_id": str,  # Ramp's, once it answered
            "endpoint_url": str,
            "event_types": str,  # JSON list
            "secret": str,  # verifies deliveries; never logged, shown or sent anywhere
            "status": str,  # creating, pending_verification, active, inactive
            "created_at": str,
            "updated_at": str,
        },
        pk="local_id",
        not_null={"local_id", "endpoint_url", "status", "created_at"},
    )


@migrations(name="0014_sync_results_by_item")
def _m0014(db: sqlite_utils.Database) -> None:
    # A list message shows what was posted for each of its items, and leaves them out of its totals
    # (handlers/objects.py, handlers/transactions.py): looked up by item id, thousands at a time.
    db.table("sync_results").create_index(["transaction_id"])


@migrations(name="0015_direct_connections")
def _m0015(db: sqlite_utils.Database) -> None:
    # The connections Ramp refused a write for because they are direct integrations (the spec does not
    # say a connection's kind: the first refusal does). From then on the bot stops offering writes for
    # them (bot/services/connection_kinds.py).
    db.table("direct_connections").create(
        {
            "connection_id": str,
            "provider": str,
            "refused_at": str,  # the first refusal, ISO UTC
            "refused": str,  # what was refused: `POST /developer/v1/accounting/gl-accounts`
        },
        pk="connection_id",
        not_null={"connection_id", "refused_at"},
    )
