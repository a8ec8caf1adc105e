"""users.info, usergroups.*, conversations.*: who and where, from the workspace registry."""

from __future__ import annotations

from typing import Any

from .registry import ApiError, known_channel, method
from .state import User, Workspace


@method("users.info")
def users_info(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    user_id = str(args.get("user") or "")
    if user_id == ws.bot_user_id:
        return {"user": User(id=user_id, name="rampbot", is_bot=True).to_slack(ws.team_id)}
    user = ws.users.get(user_id)
    if user is None:
        raise ApiError("user_not_found")
    return {"user": user.to_slack(ws.team_id)}


def _usergroup(ws: Workspace, group: dict[str, Any], include_users: bool) -> dict[str, Any]:
    out = {k: v for k, v in group.items() if k != "users" or include_users}
    return {**out, "team_id": ws.team_id, "user_count": len(group["users"])}


@method("usergroups.list")
def usergroups_list(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    include = str(args.get("include_users", "")).lower() in ("1", "true")
    return {"usergroups": [_usergroup(ws, g, include) for g in ws.usergroups.values()]}


@method("usergroups.users.list")
def usergroups_users_list(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    group = ws.usergroups.get(str(args.get("usergroup") or ""))
    if group is None:
        raise ApiError("no_such_subteam")
    return {"users": list(group["users"])}


@method("conversations.info")
def conversations_info(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    return {"channel": known_channel(ws, args.get("channel")).to_slack(ws.bot_user_id)}


@method("conversations.open")
def conversations_open(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    if args.get("channel"):
        return {"channel": known_channel(ws, args["channel"]).to_slack(ws.bot_user_id)}
    users = [u for u in str(args.get("users") or "").split(",") if u]
    if len(users) != 1:
        raise ApiError("not_implemented" if users else "users_list_not_supplied")
    if users[0] not in ws.users:
        raise ApiError("user_not_found")
    return {"channel": {"id": ws.im_channel(users[0]).id}}


@method("conversations.members")
def conversations_members(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel = known_channel(ws, args.get("channel"))
    return {"members": ws.channel_members(channel), "response_metadata": {"next_cursor": ""}}
