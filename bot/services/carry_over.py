"""What a connection holds, read so it can be created again, and uploading it into another connection:
the "carry" mode of a migration (bot/services/migration.py, steps backup and upload).

Each upload looks at Ramp first and sends only what the new connection lacks, so running it again
after a crash sends nothing twice; each write goes through `journal` (what, the items, the call), which
records it before it is sent.

    held = snapshot(ramp)                       # {"gl_accounts": [...], "vendors": [...], ...}
    sent = Carrier(ramp, journal).upload(held)  # how many items were created
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from bot.category_kinds import every_item
from bot.ramp import RampClient
from bot.ramp.client import MAX_BATCH

# assumption: Ramp requires a classification on create; an item read back without one is sent as
# UNKNOWN, one of the spec's values, rather than not carried over.
NO_CLASSIFICATION = "UNKNOWN"
NO_INPUT_TYPE = "SINGLE_CHOICE"  # Ramp requires an input type; a field read without one had options

Item = dict[str, Any]
Journal = Callable[[str, Sequence[Item], Callable[[], Any]], Any]


def snapshot(ramp: RampClient) -> dict[str, list[Item]]:
    """The active connection's active categories, with everything needed to create them again."""
    fields: list[Item] = [
        {
            "id": f.id,
            "name": f.name,
            "display_name": f.display_name,
            "input_type": f.input_type,
            "is_splittable": f.is_splittable,
            "is_required_for": list(f.is_required_for),
            "ramp_id": f.ramp_id,
        }
        for f in ramp.iter_fields(is_active=True)
    ]
    return {
        "gl_accounts": [
            {"id": a.id, "name": a.name, "code": a.code, "classification": a.classification}
            for a in ramp.iter_gl_accounts(is_active=True)
        ],
        "vendors": [{"id": v.id, "name": v.name, "code": v.code} for v in ramp.iter_vendors(is_active=True)],
        "fields": fields,
        "field_options": [
            {"field": f["id"], "id": o.id, "value": o.value, "code": o.code}
            for f in fields
            for o in ramp.iter_field_options(f["ramp_id"], is_active=True)
        ],
    }


class Carrier:
    """Creates in the active connection what a snapshot holds and it lacks, each write journalled."""

    def __init__(self, ramp: RampClient, journal: Journal) -> None:
        self._ramp = ramp
        self._journal = journal

    def upload(self, held: Mapping[str, list[Item]]) -> int:
        """Every category of `held` the connection lacks; how many items were sent."""
        sent = self.accounts(held.get("gl_accounts", []))
        sent += self.vendors(held.get("vendors", []))
        return sent + self.fields(held.get("fields", []), held.get("field_options", []))

    def accounts(self, accounts: list[Item]) -> int:
        # Listed with `is_active` both ways: the spec does not say whether a list without it
        # includes inactive items (category_kinds.every_item).
        have = {a.id for a in every_item(self._ramp.iter_gl_accounts)}
        missing = [a for a in accounts if a["id"] and a["id"] not in have]
        for batch in batches(missing):
            body = [
                {
                    "id": a["id"],
                    "name": a["name"],
                    "classification": a["classification"] or NO_CLASSIFICATION,
                    **({"code": a["code"]} if a["code"] else {}),
                }
                for a in batch
            ]
            self._journal("upload GL accounts", batch, functools.partial(self._ramp.create_gl_accounts, body))
        return len(missing)

    def vendors(self, vendors: list[Item]) -> int:
        have = {v.id for v in every_item(self._ramp.iter_vendors)}
        missing = [v for v in vendors if v["id"] and v["id"] not in have]
        for batch in batches(missing):
            body = [{"id": v["id"], "name": v["name"]} for v in batch]
            self._journal("upload vendors", batch, functools.partial(self._ramp.create_vendors, body))
        # Ramp takes a vendor's code only by PATCH, after the vendor exists (ramp-api.md, vendors).
        now = {v.id: v for v in every_item(self._ramp.iter_vendors)}
        recode = [v for v in vendors if v["code"] and v["id"] in now and now[v["id"]].code != v["code"]]
        if recode:

            def patch() -> None:
                for v in recode:
                    self._ramp.update_vendor(now[v["id"]].ramp_id, code=v["code"])

            self._journal("set vendor codes", recode, patch)
        return len(missing)

    def fields(self, fields: list[Item], options: list[Item]) -> int:
        have = {f.id: f for f in every_item(self._ramp.iter_fields)}
        sent = 0
        for old in fields:
            if not old["id"]:
                continue
            new = have.get(old["id"])
            if new is None or not new.is_active:  # POST is idempotent on id, and reactivates

                def create(old: Item = old) -> Any:
                    return self._ramp.create_field(
                        id=old["id"],
                        name=old["name"],
                        input_type=old["input_type"] or NO_INPUT_TYPE,
                        is_splittable=bool(old["is_splittable"]),
                        display_name=old["display_name"],
                        is_required_for=old["is_required_for"] or None,
                    )

                new = self._journal(f"create custom field {old['name']}", [old], create)
                sent += 1
            assert new is not None
            held = {o.id for o in every_item(self._ramp.iter_field_options, new.ramp_id)}
            missing = [o for o in options if o["field"] == old["id"] and o["id"] and o["id"] not in held]
            for batch in batches(missing):
                body = [
                    {"id": o["id"], "value": o["value"], **({"code": o["code"]} if o["code"] else {})}
                    for o in batch
                ]

                send = functools.partial(self._ramp.create_field_options, new.ramp_id, body)
                self._journal(f"upload options of {old['name']}", batch, send)
            sent += len(missing)
        return sent


def batches(items: list[Item]) -> Iterator[list[Item]]:
    """Ramp takes at most 500 items a batch (spec maxItems)."""
    for start in range(0, len(items), MAX_BATCH):
        yield items[start : start + MAX_BATCH]
