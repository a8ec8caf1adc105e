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
