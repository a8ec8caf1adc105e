"""`/ramp categories [accounts|vendors|fields|options]`: what Ramp holds now, counts or one kind's
first rows, with the whole kind posted as a CSV file in the channel."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk.errors import SlackApiError

from bot.category_kinds import KINDS, for_list_word
from bot.render import render_message
from handlers.errors import failure_message
from handlers.turn import Turn


def list_categories(turn: Turn) -> None:
    connection = turn.services.connection.active()
    if connection is None:
        turn.respond(
            **failure_message(
                "Ramp has no active accounting connection.",
                "An admin can register one with `/ramp connect <ERP name>`.",
            )
        )
        return
    word = turn.args[0].lower() if turn.args else ""
    if not word:
        counts = turn.services.categories.counts(options=True)
        turn.respond(
            **render_message("categories.json.j2", connection=connection, counts=counts, listing=None)
        )
        return
    kind = for_list_word(word)
    if kind is None:
        *most, last = [f"`{w}`" for k in KINDS for w in k.list_words]
        words = f"{', '.join(most)} or {last}"
        turn.respond(
            **failure_message(
                f"I do not know the category kind `{word}`.", f"Say {words}: `/ramp categories vendors`."
            )
        )
        return
    listing = turn.services.categories.export(kind, datetime.now(UTC).strftime("%Y%m%d-%H%M%S"))
    turn.respond(**render_message("categories.json.j2", connection=connection, counts=[], listing=listing))
    if listing.rows:
        post_file(turn, listing.content, listing.filename, f"All {listing.rows:,} {listing.noun} in Ramp")


def post_file(turn: Turn, content: bytes, filename: str, comment: str) -> None:
    try:
        turn.client.files_upload_v2(
            channel=turn.channel_id,
            content=content,
            filename=filename,
            title=filename,
            initial_comment=f"{comment}, for <@{turn.user_id}>.",
        )
    except SlackApiError as error:
        turn.respond(
            **failure_message(
                f"I could not post the file in this channel ({error.response['error']}).",
                "Invite me with `/invite @Ramp` and ask again.",
            )
        )
