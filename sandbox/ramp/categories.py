"""Accounting categories of one connection: GL accounts, vendors, custom fields, options, subsidiaries.

Rules from Ramp's spec and accounting guide:
- two ids on every category: `id` is the ERP's id, `ramp_id` Ramp's uuid (used in paths);
- batch uploads take 1..500 items and are all-or-nothing: one malformed item, or one `id` that
  already exists (active or not) or repeats inside the batch, rejects the whole batch;
- custom fields are created one per call and are idempotent on `id` (re-POST reactivates);
- options are uploaded only to a SINGLE_CHOICE field (the others have nothing to choose from);
- DELETE is soft (`is_active=false`); PATCH `reactivate: true` restores GL accounts, vendors, options;
- lists are keyset-paginated in creation order.
Subsidiaries follow Ramp's May 2023 spec (the current API has none).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sandbox.ramp.errors import ApiError, invalid, not_found
from sandbox.ramp.pagination import Query


@dataclass(frozen=True)
class Kind:
    """What differs between the batch-uploaded category kinds. The shape of each body is the spec's
    (checked by sandbox/ramp/validation.py before a handler runs); what is left here are the rules
    the spec cannot say."""

    name: str
    label: str
    upload_key: str
    # assumption: these strings may not be blank ("Field may not be blank."). The spec says only
    # `type: string`; an ERP id or a name made of spaces is refused, as a form in Ramp's UI would.
    not_blank: tuple[str, ...]
    filters: tuple[str, ...]


KINDS = {
    "gl_accounts": Kind("gl_accounts", "GL account", "gl_accounts", ("id", "name"),
                        ("remote_id", "is_active", "is_synced")),
    "vendors": Kind("vendors", "vendor", "vendors", ("id", "name"), ("remote_id", "is_active", "is_synced")),
    "field_options": Kind("field_options", "field option", "options", ("id", "value"),
                          ("remote_id", "code", "is_active")),
    "subsidiaries": Kind("subsidiaries", "subsidiary", "subsidiaries", ("id", "name"),
                         ("remote_id", "is_active", "is_synced")),
    "fields": Kind("fields", "custom field", "fields", ("id", "name"), ("remote_id", "is_active")),
}  # fmt: skip


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def public(item: dict[str, Any]) -> dict[str, Any]:
    """The API view of a stored item: internal keys start with an underscore."""
    return {key: value for key, value in item.items() if not key.startswith("_")}


class Collection:
    """Items of one kind in creation order, indexed by ramp_id and by (scope, ERP id)."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.by_ramp_id: dict[str, dict[str, Any]] = {}
        self.by_remote: dict[tuple[str, str], dict[str, Any]] = {}
        self.position: dict[str, int] = {}

    def add(self, item: dict[str, Any], scope: str = "") -> None:
        self.position[item["ramp_id"]] = len(self.items)
        self.items.append(item)
        self.by_ramp_id[item["ramp_id"]] = item
        self.by_remote[(scope, item["id"])] = item

    def after(self, start: str | None) -> Iterator[dict[str, Any]]:
        if start is None:
            first = 0
        elif start in self.position:
            first = self.position[start] + 1
        else:
            raise invalid(
                "start must be the id of the last item of the previous page.", start=["Unknown id."]
            )
        return (self.items[i] for i in range(first, len(self.items)))


class Books:
    """Every category of one accounting connection."""

    def __init__(self) -> None:
        self.collections = {name: Collection() for name in KINDS}
        self.category_ids = {name: str(uuid.uuid4()) for name in KINDS}

    # -- reads ---------------------------------------------------------------------------------

    def find(self, kind: str, ramp_id: str) -> dict[str, Any]:
        label = KINDS[kind].label
        if not is_uuid(ramp_id):
            raise invalid(
                f"{ramp_id!r} is not a Ramp id (uuid); use the {label}'s ramp_id.", id=["Not a valid UUID."]
            )
        item = self.collections[kind].by_ramp_id.get(ramp_id)
        if item is None:
            raise not_found(label, ramp_id)
        return item

    def list_page(self, kind: str, query: Query, field_id: str | None = None) -> dict[str, Any]:
        filters = KINDS[kind].filters
        remote_id = query.get("remote_id")
        code = query.get("code") if "code" in filters else None
        # assumption: without `is_active` a list holds active and inactive items; the spec does not
        # say. The bot never relies on it: it lists with is_active=true and false (every_item).
        is_active = query.boolean("is_active")
        is_synced = query.boolean("is_synced") if "is_synced" in filters else None

        def keep(item: dict[str, Any]) -> bool:
            return (
                (field_id is None or item["_field_id"] == field_id)
                and (remote_id is None or item["id"] == remote_id)
                and (code is None or item.get("code") == code)
                and (is_active is None or item["is_active"] == is_active)
                and (is_synced is None or item["_is_synced"] == is_synced)
            )

        collection = self.collections[kind]
        items = collection.after(query.start())
        if remote_id is not None:  # the ERP id is unique per kind (and field): look it up, don't scan
            found = collection.by_remote.get((field_id or "", remote_id))
            start = query.start()
            position = collection.position
            ahead = found is not None and (start is None or position[found["ramp_id"]] > position[start])
            items = iter([found] if found is not None and ahead else [])
        return query.page((public(item) for item in items if keep(item)), id_key="ramp_id")

    # -- writes --------------------------------------------------------------------------------

    def upload(self, kind: str, body: Any, now: str, field_id: str | None = None) -> dict[str, Any]:
        spec = KINDS[kind]
        key = spec.upload_key
        items = body[key]  # the body's shape (an object, 1..500 items) is the spec's: validation.py
        if field_id is not None:
            self._refuse_options_unless_single_choice(field_id)
        errors = self._validate_batch(spec, items, field_id or "")
        # assumption: a refused batch lists every bad item by index (`{"gl_accounts": {"3": {"id":
        # [...]}}}`); Ramp documents only that one bad item rejects the batch, not what it answers.
        if errors:
            first_index = min(errors, key=int)
            first_field, messages = next(iter(errors[first_index].items()))
            message = (
                f"{len(errors)} of {len(items)} {spec.label}s are invalid, so nothing was uploaded. "
                f"First: {key}[{first_index}].{first_field}: {messages[0]}"
            )
            raise ApiError(400, message, {key: errors})
        created = [self._new_item(spec, item, now, field_id) for item in items]
        collection = self.collections[kind]
        for item in created:
            collection.add(item, scope=field_id or "")
        uploaded = [item["ramp_id"] for item in created]
        if kind == "subsidiaries":
            return {"uploaded": uploaded}
        return {key: [public(item) for item in created], "uploaded": uploaded}

    def _refuse_options_unless_single_choice(self, field_id: str) -> None:
        """Options are what people choose from, so only a SINGLE_CHOICE field takes them (the seed
        guide creates one for its options; a FREE_FORM_TEXT or BOOLEAN field has nothing to choose)."""
        field = self.collections["fields"].by_ramp_id[field_id]
        if field["input_type"] == "SINGLE_CHOICE":
            return
        # assumption: a 400 naming field_id, with our words. Neither the spec nor the guide says what
        # Ramp answers options for another input type; the bot never sends them (upload_plan.py).
        raise invalid(
            f"Custom field {field['name']!r} (ramp_id {field_id}) is {field['input_type']}: options can be "
            "uploaded only to a SINGLE_CHOICE field.",
            field_id=[f"The custom field is {field['input_type']}, not SINGLE_CHOICE."],
        )

    def _validate_batch(self, spec: Kind, items: list[Any], scope: str) -> dict[str, dict[str, list[str]]]:
        existing = self.collections[spec.name].by_remote
        seen: dict[str, int] = {}
        errors: dict[str, dict[str, list[str]]] = {}
        for index, item in enumerate(items):
            problems = blank_fields(spec, item)
            item_id = item["id"]
            if "id" not in problems:
                if item_id in seen:
                    problems["id"] = [
                        f"Duplicate id {item_id!r}: also at index {seen[item_id]} of this batch."
                    ]
                elif (scope, item_id) in existing:
                    found = existing[(scope, item_id)]
                    state = "active" if found["is_active"] else "inactive"
                    # assumption: the wording (with the ramp_id) is ours; Ramp documents the refusal only.
                    problems["id"] = [f"id {item_id!r} already exists ({state}, ramp_id {found['ramp_id']})."]
                seen.setdefault(item_id, index)
            if problems:
                errors[str(index)] = problems
        return errors

    def _new_item(self, spec: Kind, item: dict[str, Any], now: str, field_id: str | None) -> dict[str, Any]:
        new: dict[str, Any] = {"ramp_id": str(uuid.uuid4()), **item, "is_active": True}
        new.update(created_at=now, updated_at=now, _is_synced=True)
        info = {"id": spec.name, "name": spec.label, "ramp_id": self.category_ids[spec.name]}
        if spec.name == "gl_accounts":
            new["gl_account_category_info"] = info
        elif spec.name == "vendors":
            new.update(is_synced=True, vendor_category_info=info)
        elif spec.name == "field_options":
            new.update(display_name=item["value"], visibility="VISIBLE", _field_id=field_id)
        return new

    def create_field(self, body: Any, now: str) -> dict[str, Any]:
        problems = blank_fields(KINDS["fields"], body)  # the rest of the body is the spec's
        if problems:
            first_field, messages = next(iter(problems.items()))
            raise ApiError(400, f"Invalid custom field: {first_field}: {messages[0]}", problems)
        collection = self.collections["fields"]
        existing = collection.by_remote.get(("", body["id"]))
        if existing is not None:  # Ramp: POST is idempotent on id and reactivates the field
            if not existing["is_active"]:
                existing.update(is_active=True, updated_at=now)
            return public(existing)
        field = {
            "ramp_id": str(uuid.uuid4()),
            "id": body["id"],
            "name": body["name"],
            "display_name": body.get("display_name"),
            "input_type": body["input_type"],
            "is_required_for": list(body.get("is_required_for") or []),
            "is_splittable": bool(body.get("is_splittable", False)),
            "is_active": True,
            "created_at": now,
            "updated_at": now,
        }
        collection.add(field)
        return public(field)

    def patch(self, kind: str, ramp_id: str, body: Any, now: str) -> dict[str, Any]:
        item = self.find(kind, ramp_id)
        spec = KINDS[kind]
        problems = blank_fields(spec, body, present_only=True)
        if problems:
            first_field, messages = next(iter(problems.items()))
            raise ApiError(400, f"Invalid update: {first_field}: {messages[0]}", problems)
        for key, value in body.items():
            if key == "reactivate":
                item["is_active"] = True
            elif key == "code" and value == "":
                item.pop("code", None)  # Ramp: an empty code clears it
            else:
                item[key] = value
        item["updated_at"] = now
        return public(item)

    def delete(self, kind: str, ramp_id: str, now: str) -> None:
        item = self.find(kind, ramp_id)
        item.update(is_active=False, updated_at=now)

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        return {
            name: [{**public(item), **({"field_id": item["_field_id"]} if "_field_id" in item else {})}
                   for item in collection.items]
            for name, collection in self.collections.items()
        }  # fmt: skip


def blank_fields(spec: Kind, item: dict[str, Any], *, present_only: bool = False) -> dict[str, list[str]]:
    """The kind's not-blank strings that are blank (the spec has checked they are strings)."""
    return {
        key: ["Field may not be blank."]
        for key in spec.not_blank
        if (key in item or not present_only) and isinstance(item.get(key), str) and not item[key].strip()
    }
