"""Connection kinds in the sandbox: direct, Universal CSV and API (Ramp's accounting guide, our
digest §12), and the test API that sets them up.

Ramp's spec does not say which kind a connection is, so the kind is kept beside the connection and
shown only by `GET /_sandbox/state`, never by `all-connections`. API connections are what
`POST /accounting/connection` registers; a direct one (Ramp's own NetSuite, QuickBooks… integration)
can only be enabled in Ramp's UI, which `POST /_sandbox/connections` stands in for. Under a direct
connection the guide says categories are read-only through the API and syncs cannot be posted;
`DELETE /accounting/connection` "only allows disconnecting API based connections" (the spec).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.ramp.errors import ApiError, invalid

if TYPE_CHECKING:
    from sandbox.ramp.state import SandboxState


@dataclass(frozen=True)
class ConnectionKind:
    """What differs between the kinds of connection."""

    name: str
    label: str
    api_writes: bool  # GL accounts, vendors, fields and options writable through the API
    api_syncs: bool  # POST /accounting/syncs accepted
    api_disconnect: bool  # DELETE /accounting/connection ends it


KINDS = {
    "api": ConnectionKind("api", "API", True, True, True),
    "universal_csv": ConnectionKind("universal_csv", "Universal CSV", True, True, True),
    "direct": ConnectionKind("direct", "direct", False, False, False),
}

# assumption: Ramp publishes no code for these refusals; 7013 is ours, in the style of its others.
DIRECT_REFUSED = "DEVELOPER_7013"
# Under a direct connection these option fields stay writable (the accounting guide: display name
# and visibility are Ramp-side settings, the rest comes from the ERP through the integration).
OPTION_FIELDS_WRITABLE = frozenset({"display_name", "visibility"})


def kind_of(state: SandboxState, connection: dict[str, Any]) -> ConnectionKind:
    return KINDS[state.connection_kinds.get(connection["id"], "api")]


def _refusal(state: SandboxState, what: str, connection: dict[str, Any]) -> ApiError:
    # assumption: the status (400) and the message are ours; Ramp documents only that it refuses.
    name = connection["remote_provider_name"]
    return ApiError(
        400,
        f"The active accounting connection ({name}, id {connection['id']}) is a direct integration: "
        f"{what} Ramp's {name} integration syncs by itself; manage it in Ramp under Accounting settings.",
        {"connection": ["The active connection is a direct integration."]},
        error_code=DIRECT_REFUSED,
    )


def refuse_category_write(state: SandboxState, kind: str, method: str, body: Any) -> None:
    """Under a direct connection: no category write, except an option's display_name/visibility."""
    active = state.active_connection()
    if active is None or kind_of(state, active).api_writes:
        return
    if (
        kind == "field_options"
        and method == "PATCH"
        and isinstance(body, dict)
        and body
        and set(body) <= OPTION_FIELDS_WRITABLE
    ):
        return
    raise _refusal(
        state,
        "its GL accounts, vendors and custom fields are read-only through the API "
        "(only an option's display_name and visibility may be changed).",
        active,
    )


def refuse_sync(state: SandboxState) -> None:
    active = state.active_connection()
    if active is not None and not kind_of(state, active).api_syncs:
        raise _refusal(state, "sync results cannot be posted through the API.", active)


def refuse_disconnect(state: SandboxState) -> None:
    active = state.active_connection()
    if active is not None and not kind_of(state, active).api_disconnect:
        raise _refusal(state, "DELETE /accounting/connection disconnects API based connections only.", active)


# -- the test API ------------------------------------------------------------------------------------


def add_connection(state: SandboxState, body: Any, now: str) -> dict[str, Any]:
    """`{"remote_provider_name", "kind", "active"}`: a connection as if set up in Ramp's UI."""
    if not isinstance(body, dict) or set(body) - {"remote_provider_name", "kind", "active"}:
        raise invalid('Send {"remote_provider_name": "NetSuite", "kind": "direct", "active": true}.')
    name, kind = body.get("remote_provider_name"), body.get("kind", "direct")
    active = body.get("active", True)
    if not isinstance(name, str) or not name.strip():
        raise invalid("remote_provider_name is required.", remote_provider_name=["Missing data."])
    if kind not in KINDS:
        raise invalid(f"kind must be one of: {', '.join(KINDS)}.", kind=["Unknown kind."])
    if not isinstance(active, bool):
        raise invalid("active must be a boolean.", active=["Not a valid boolean."])
    if active and (current := state.active_connection()) is not None:
        current.update(is_active=False, status="unlinked")
    connection = state.new_connection(name, now, active=active)
    state.connection_kinds[connection["id"]] = kind
    return {**connection, "kind": kind}


DEACTIVATE = re.compile(r"^/_sandbox/connections/(?P<id>[^/]+)/deactivate$")


def deactivate(state: SandboxState, path: str) -> dict[str, Any]:
    """Ends a connection of any kind: what disconnecting in Ramp's UI does."""
    found = DEACTIVATE.match(path)
    connection_id = found["id"] if found else ""
    connection = next((c for c in state.connections if c["id"] == connection_id), None)
    if connection is None:
        raise ApiError(404, f"Accounting connection {connection_id!r} was not found.")
    connection.update(is_active=False, status="unlinked")
    return {**connection, "kind": kind_of(state, connection).name}


def with_kinds(state: SandboxState) -> list[dict[str, Any]]:
    """Every connection with its kind, for `GET /_sandbox/state`."""
    return [{**c, "kind": kind_of(state, c).name} for c in state.connections]
