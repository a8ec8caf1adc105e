"""files.*: files.info, and the two Web API steps of files_upload_v2 (the upload POST is in server.py)."""

from __future__ import annotations

import mimetypes
from typing import Any

from .registry import ApiError, json_arg, method, postable_channel, require
from .state import Message, StoredFile, Workspace


@method("files.info")
def files_info(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    stored = ws.files.get(str(args.get("file") or ""))
    if stored is None or not stored.uploaded:
        raise ApiError("file_not_found")
    return {
        "file": stored.to_slack(ws.base_url, ws.team_id),
        "comments": [],
        "response_metadata": {"next_cursor": ""},
    }


@method("files.getUploadURLExternal")
def files_get_upload_url_external(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    require(args, "filename", "length")
    name = str(args["filename"])
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    filetype = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
    stored = StoredFile(
        id=ws.new_id("F"),
        name=name,
        mimetype=mimetype,
        filetype=filetype,
        user=ws.bot_user_id,
        uploaded=False,
    )
    ws.files[stored.id] = stored
    return {"upload_url": f"{ws.base_url}upload/{stored.id}", "file_id": stored.id}


@method("files.completeUploadExternal")
def files_complete_upload_external(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    items = json_arg(args.get("files") or "[]")
    if not isinstance(items, list) or not items:
        raise ApiError("invalid_arguments")
    channel_id = args.get("channel_id") or (str(args.get("channels") or "").split(",")[0] or None)
    channel = _sharing_channel(ws, channel_id) if channel_id else None
    done: list[StoredFile] = []
    for item in items:
        stored = ws.files.get(str(item.get("id")))
        if stored is None or not stored.uploaded:
            raise ApiError("file_not_found")
        stored.title = item.get("title") or stored.name
        done.append(stored)
    if channel:
        for stored in done:
            stored.channels.append(channel)
        ws.add_message(
            Message(
                channel=channel,
                ts=ws.new_ts(),
                text=str(args.get("initial_comment") or ""),
                user=ws.bot_user_id,
                thread_ts=args.get("thread_ts") or None,
                files=done,
                source="files.completeUploadExternal",
            )
        )
    return {"files": [f.to_slack(ws.base_url, ws.team_id) for f in done]}


# files.completeUploadExternal's own words for a channel the file cannot go to (docs.slack.dev/
# reference/methods/files.completeUploadExternal, "Errors"): `invalid_channel` "could not be found",
# `no_permission` "make sure your app is a member of the conversation", `posting_to_channel_denied`
# "not authorized to post to channel".
# assumption: an archived channel is `posting_to_channel_denied` (the page names no archive error).
_SHARING_ERRORS = {
    "channel_not_found": "invalid_channel",
    "not_in_channel": "no_permission",
    "is_archived": "posting_to_channel_denied",
}


def _sharing_channel(ws: Workspace, channel_id: str) -> str:
    try:
        return postable_channel(ws, channel_id)
    except ApiError as refused:
        raise ApiError(_SHARING_ERRORS.get(refused.error, refused.error)) from refused


def receive_upload(ws: Workspace, file_id: str, content: bytes) -> bool:
    """Step 2 of files_upload_v2: the raw bytes POSTed to the upload_url."""
    with ws.lock:
        stored = ws.files.get(file_id)
        if stored is None:
            return False
        stored.content, stored.uploaded = content, True
        ws.touch()
        return True
