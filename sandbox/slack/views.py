"""views.*: modals (open, push, update) and the Home tab (publish).

trigger_id is single use and valid ~3 s; views.push allows 3 modals deep; views.update checks `hash`
(docs.slack.dev/reference/methods/views.open, views.push, views.update).
"""

from __future__ import annotations

import time
from typing import Any

from .blocks import view_errors
from .registry import ApiError, json_arg, method, require
from .state import Workspace

TRIGGER_TTL_S = 3.0  # trigger_id is single use and valid ~3 s (docs: views.open)
MAX_VIEW_STACK = 3  # views.open plus two views.push


def _take_trigger(ws: Workspace, args: dict[str, Any]) -> str:
    trigger = args.get("trigger_id")
    if not trigger:
        raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] missing trigger_id"]})
    issued = ws.triggers.pop(str(trigger), None)
    if issued is None:
        raise ApiError("invalid_trigger_id")
    user, at = issued
    if ws.now() - at > TRIGGER_TTL_S:
        raise ApiError("expired_trigger_id")
    return user


def _checked_view(args: dict[str, Any]) -> dict[str, Any]:
    view = json_arg(args.get("view"))
    errors = view_errors(view)
    if errors:
        raise ApiError("invalid_arguments", response_metadata={"messages": errors})
    return dict(view)


def store_view(ws: Workspace, view: dict[str, Any], view_id: str, **links: Any) -> dict[str, Any]:
    full = {
        "id": view_id,
        "team_id": ws.team_id,
        "type": view.get("type", "modal"),
        "callback_id": "",
        "private_metadata": "",
        "external_id": "",
        "state": {"values": {}},
        "clear_on_close": False,
        "notify_on_close": False,
        "root_view_id": view_id,
        "previous_view_id": None,
        "app_id": "A0LOCAL",
        "bot_id": ws.bot_id,
        **view,
        **links,
        "hash": f"{time.time():.6f}.{ws.new_id('h')}",
    }
    ws.view_revs[view_id] = ws.next_rev()
    ws.touch()
    return full


def open_modal(ws: Workspace, user: str, view: dict[str, Any], **links: Any) -> dict[str, Any]:
    view_id = ws.new_id("V")
    full = store_view(ws, view, view_id, **links)
    ws.views[view_id] = full
    ws.view_owner[view_id] = user
    ws.view_stacks.setdefault(user, []).append(view_id)
    return full


@method("views.open")
def views_open(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    user = _take_trigger(ws, args)
    view = _checked_view(args)
    if view.get("type") != "modal":
        raise ApiError("invalid_arguments")
    for old in list(ws.view_stacks.get(user, [])):
        ws.close_view(old)
    return {"view": open_modal(ws, user, view)}


@method("views.push")
def views_push(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    user = _take_trigger(ws, args)
    view = _checked_view(args)
    stack = ws.view_stacks.get(user, [])
    if len(stack) >= MAX_VIEW_STACK:
        raise ApiError("push_limit_reached")
    links = {"previous_view_id": stack[-1], "root_view_id": stack[0]} if stack else {}
    return {"view": open_modal(ws, user, view, **links)}


@method("views.update")
def views_update(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    view = _checked_view(args)
    view_id, external_id = args.get("view_id"), args.get("external_id")
    homes = {v["id"]: (user, v) for user, v in ws.home_views.items()}
    candidates = [*ws.views.values(), *(v for _, v in homes.values())]
    current = next(
        (
            v
            for v in candidates
            if (view_id and v["id"] == view_id) or (external_id and v.get("external_id") == external_id)
        ),
        None,
    )
    if current is None:
        raise ApiError("not_found")
    if args.get("hash") and args["hash"] != current["hash"]:
        raise ApiError("hash_conflict")
    links = {k: current[k] for k in ("root_view_id", "previous_view_id")}
    full = store_view(ws, view, current["id"], **links)
    if current["id"] in homes:
        ws.home_views[homes[current["id"]][0]] = full
    else:
        ws.views[current["id"]] = full
    return {"view": full}


@method("views.publish")
def views_publish(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    require(args, "user_id")
    view = _checked_view(args)
    user = str(args["user_id"])
    current = ws.home_views.get(user)
    if current and args.get("hash") and args["hash"] != current["hash"]:
        raise ApiError("hash_conflict")
    full = store_view(ws, view, current["id"] if current else ws.new_id("V"))
    ws.home_views[user] = full
    return {"view": full}
