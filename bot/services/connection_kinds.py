"""Which kind the active accounting connection is, as far as the bot can know, and whether it offers
writes (Upload, Post, Mark synced, Report failure, Disconnect) for it.

Ramp has three kinds (shared/reference/ramp-api.md §12): *direct* (Ramp's own ERP integrations, set
up in Ramp's UI; through the API its GL accounts, vendors and custom fields are read-only, sync
results cannot be posted and `DELETE /accounting/connection` refuses), *Universal CSV* and
*Developer API* (both read and written through the API). The spec's `AccountingProvider` does not
say which a connection is, so the bot knows only:

- the connections it registered itself (`connection_events`): API;
- the connections Ramp refused a write for as direct (`direct_connections`): `learn` hears every such
  refusal from the Ramp client, whichever service wrote;
- any other connection was set up in Ramp: direct, Universal CSV or API. Its writes stay offered
  until Ramp refuses one, since under Universal CSV or API they work.

    kinds = ConnectionKinds(ramp, store)
    ramp.watch_direct_refusals(kinds.learn)     # once, where the services are built
    kinds.of(connection)                        # REGISTERED, SET_UP_IN_RAMP or a DIRECT kind
    kinds.refusing_writes()                     # the active connection's kind if it is direct, else None
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from bot.ramp import Connection, RampClient, RampError
from bot.ramp.errors import DirectConnectionRefused
from bot.store import Store, utc_now

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConnectionKind:
    key: str  # registered, set_up_in_ramp, direct
    label: str  # how status and Home name it, a sentence
    note: str  # what works under it, for status and Home
    writes: bool  # whether the bot offers Upload, Post, Mark synced, Report failure, Disconnect
    refused_at: str = ""  # direct: when Ramp first refused a write, ISO UTC


REGISTERED = ConnectionKind("registered", "Registered by me (a Developer API connection)", "", writes=True)
SET_UP_IN_RAMP = ConnectionKind(
    "set_up_in_ramp",
    "Set up in Ramp (not by me)",
    "Ramp does not say which kind it is. If it is a Universal CSV (or API) connection, uploads and sync"
    " results work here as for one I registered. If it is a direct integration (Ramp's own ERP"
    " integration), its GL accounts, vendors and custom fields are read-only here and it syncs by itself:"
    " the first write Ramp refuses tells me, and from then on I stop offering writes for it.",
    writes=True,
)
DIRECT = ConnectionKind(
    "direct",
    "A direct integration (Ramp's own ERP integration)",
    "Ramp refused a write for it as a direct integration, so I no longer offer uploads, sync results or"
    " disconnecting for it: its GL accounts, vendors and custom fields are read-only through the API, and"
    " it syncs by itself. To change its categories or disconnect it, use Ramp's UI under Accounting"
    " settings.",
    writes=False,
)


class ConnectionKinds:
    def __init__(self, ramp: RampClient, store: Store) -> None:
        self._ramp = ramp
        self._store = store

    def of(self, connection: Connection) -> ConnectionKind:
        """What the bot knows of `connection`'s kind."""
        direct = self._store.direct_connections().get(connection.id)
        if direct is not None:
            return replace(DIRECT, refused_at=direct["refused_at"])
        if connection.id in self._store.registered_connection_ids():
            return REGISTERED
        return SET_UP_IN_RAMP

    def refusing_writes(self, active: Connection | None = None) -> ConnectionKind | None:
        """The active connection's kind when Ramp refuses writes for it (direct), else None.
        `active`: the active connection when the caller has just read it."""
        known = self._store.direct_connections()
        if not known:  # the usual case: no Ramp read before a write
            return None
        try:
            connection = active if active is not None else self._ramp.active_connection()
        except RampError as error:  # let the write go: Ramp refuses it, explained, if it is direct
            log.warning("could not read the active connection before a write: %s", error)
            return None
        if connection is None or connection.id not in known:
            return None
        return replace(DIRECT, refused_at=known[connection.id]["refused_at"])

    def learn(self, error: DirectConnectionRefused) -> None:
        """Ramp refused a write as a direct connection's: remember the active connection as direct.
        A connection the bot registered is an API one whatever Ramp said, so it is never recorded."""
        try:
            active = self._ramp.active_connection()
        except RampError as failure:  # the refusal still reaches its caller; the next one is learnt
            log.warning("could not read the connection a direct refusal was for: %s", failure)
            return
        if active is None or active.id in self._store.registered_connection_ids():
            return
        log.info("connection %s is direct: Ramp refused %s %s", active.id, error.method, error.path)
        refused = f"{error.method} {error.path}".strip()
        self._store.record_direct_connection(active.id, active.remote_provider_name or "", utc_now(), refused)
