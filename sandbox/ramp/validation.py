"""Every request body and query string the sandbox serves, checked against Ramp's spec.

The spec is shared/ramp-api/openapi-all-objects.json (OpenAPI 3.0.2). At import, each operation's
JSON body schema and query parameters are compiled once into `openapi_schema_validator`
validators (OAS 3.0: `nullable`, `format: uuid`, enums, min/max items); a request is then checked
before its handler runs, and a problem answers 400 with the error guide's `error_v2` body, whose
`additional_info` names each field, nested like the body (`{"gl_accounts": {"3": {"name": [..]}}}`),
as the guide's example shows (shared/reference/ramp-api.md §2).

    problems = validate(operation_key("POST", "/developer/v1/accounting/accounts"), query, body)

What the spec does not say, and the sandbox chooses (each also in the README's table):
- assumption: a body field the schema does not declare is refused ("Unknown field."). The spec's
  schemas do not set `additionalProperties`; Ramp's messages ("Missing data for required field.")
  are those of a parser that refuses unknown fields by default, and refusing makes a client's typo
  visible instead of silently ignored.
- assumption: an undeclared query parameter is refused too, for the same reason (an ignored
  filter would silently list everything).
- assumption: booleans in a query string are `true`/`false` (any case) or `1`/`0`; the spec says
  only `type: boolean`.
- The token endpoints take a form body, not the JSON the spec declares (reference §1): their form
  is checked by sandbox/ramp/auth.py, not here.
- Subsidiaries are not in today's spec: held to the May 2023 spec's shapes (reference §4).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import ValidationError
from openapi_schema_validator import OAS30Validator, oas30_format_checker

# Ramp's spec is not copied into the repository: it is read from `shared/` beside the checkout (as
# DESIGN.md places it, and CI has it), or from where RAMP_SANDBOX_SPEC points.
SPEC_PATH = Path(
    os.environ.get("RAMP_SANDBOX_SPEC")
    or Path(__file__).resolve().parents[3] / "shared" / "ramp-api" / "openapi-all-objects.json"
)
PREFIX = "/developer/v1"
FORM_BODIES = frozenset({f"{PREFIX}/token", f"{PREFIX}/token/revoke"})  # reference §1

# The May 2023 spec's subsidiary calls (reference §4): not in today's spec.
LEGACY_SUBSIDIARIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", f"{PREFIX}/accounting/subsidiaries"): {
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object",
            "required": ["subsidiaries"],
            "properties": {"subsidiaries": {
                "type": "array", "minItems": 1, "maxItems": 500,
                "items": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                },
            }},
        }}}},
    },
    ("GET", f"{PREFIX}/accounting/subsidiaries"): {
        "parameters": [
            {"name": name, "in": "query", "schema": schema}
            for name, schema in (
                ("remote_id", {"type": "string"}), ("is_active", {"type": "boolean"}),
                ("is_synced", {"type": "boolean"}), ("start", {"type": "string"}),
                ("page_size", {"type": "integer"}),
            )
        ],
    },
    ("PATCH", f"{PREFIX}/accounting/subsidiaries/{{subsidiary_id}}"): {
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"name": {"type": "string"}},
        }}}},
    },
}  # fmt: skip


# assumption: the spec's own example sends `is_splittable` as "True" although its schema says boolean;
# the sandbox takes "true"/"false" strings (any case) there, as a lenient boolean parser would.
LENIENT_BOOLEANS: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", f"{PREFIX}/accounting/fields"): ("is_splittable",),
    ("PATCH", f"{PREFIX}/accounting/fields/{{field_id}}"): ("is_splittable",),
}


def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    if not path.is_file():
        raise RuntimeError(
            f"The Ramp sandbox validates every request against Ramp's OpenAPI spec, and {path} is missing: "
            "put the shared/ folder beside the checkout, or set RAMP_SANDBOX_SPEC to the spec's path."
        )
    spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return spec


@dataclass(frozen=True)
class Operation:
    """One operation's compiled checks."""

    body: OAS30Validator | None
    query: dict[str, OAS30Validator]
    required_query: frozenset[str]
    body_is_valid: Callable[[Any], bool | None] = lambda body: None  # the fast path; None: unsure


def _closed(node: Any) -> Any:
    """The schema with `additionalProperties: false` on every object that lists its properties."""
    if isinstance(node, dict):
        closed = {key: _closed(value) for key, value in node.items()}
        if "properties" in closed and "additionalProperties" not in closed:
            closed["additionalProperties"] = False
        return closed
    if isinstance(node, list):
        return [_closed(value) for value in node]
    return node


def _compile(operation: dict[str, Any], components: dict[str, Any], shared: list[Any]) -> Operation:
    body, fast = None, None
    content = (operation.get("requestBody") or {}).get("content") or {}
    if "application/json" in content:
        schema = _inlined(content["application/json"]["schema"], components)
        body = OAS30Validator(schema, format_checker=oas30_format_checker)
        fast = _fast(schema)
    query, required = {}, set()
    for parameter in [*shared, *operation.get("parameters", [])]:
        if parameter.get("in") != "query":
            continue
        query[parameter["name"]] = OAS30Validator(
            _inlined(parameter.get("schema", {}), components), format_checker=oas30_format_checker
        )
        if parameter.get("required"):
            required.add(parameter["name"])
    if fast is None:
        return Operation(body, query, frozenset(required))
    return Operation(body, query, frozenset(required), fast)


def _operations(spec: dict[str, Any]) -> dict[tuple[str, str], Operation]:
    components = _closed(spec.get("components", {}))
    compiled = {}
    for template, item in spec["paths"].items():
        if template in FORM_BODIES:
            continue
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method != "parameters":
                compiled[(method.upper(), template)] = _compile(_closed(operation), components, shared)
    for key, operation in LEGACY_SUBSIDIARIES.items():
        compiled[key] = _compile(_closed(operation), components, [])
    return compiled


def validate(key: tuple[str, str], pairs: Iterable[tuple[str, str]], body: Any) -> dict[str, Any]:
    """Problems of one request by field (empty when valid). `key` is (method, path template);
    `body` is the parsed JSON body, or None when there is none; its lenient booleans are turned
    into booleans in place."""
    operation = OPERATIONS.get(key)
    if operation is None:
        return {}
    if isinstance(body, dict):
        for name in LENIENT_BOOLEANS.get(key, ()):
            value = body.get(name)
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                body[name] = value.strip().lower() == "true"
    problems: dict[str, Any] = {}
    values: dict[str, str] = {}
    for name, value in pairs:
        values[name] = value  # Ramp reads the last of a repeated parameter (as Query.get does)
    for name in sorted(set(values) - set(operation.query)):
        problems[name] = ["Unknown parameter."]
    for name in sorted(operation.required_query - set(values)):
        problems[name] = ["Missing data for required field."]
    for name, raw in values.items():
        validator = operation.query.get(name)
        if validator is None:
            continue
        error = next(iter(validator.iter_errors(_cast(raw, validator.schema))), None)
        if error is not None:
            problems[name] = [_message(error)]
    if operation.body is not None and body is None:  # every JSON body in the spec is `required: true`
        problems["_schema"] = ["A JSON request body is required."]
    elif operation.body is not None and operation.body_is_valid(body) is not True:
        for error in _leaves(operation.body.iter_errors(body)):
            for path, message in _located(error):
                _put(problems, path, message)
    return problems


def first_problem(problems: dict[str, Any]) -> str:
    """`gl_accounts[3].name: Missing data for required field.` for the message of the answer."""
    path: list[str] = []
    node: Any = problems
    while isinstance(node, dict) and node:
        key = sorted(node, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))[0]
        path.append(f"[{key}]" if key.isdigit() else (f".{key}" if path else key))
        node = node[key]
    return f"{''.join(path)}: {node[0] if isinstance(node, list) and node else node}"


# -- the fast path -----------------------------------------------------------------------------------
# jsonschema walks a 500-item batch in ~10 ms. The schemas here use a small subset of JSON Schema, so
# each is also compiled into a plain predicate that answers True only when jsonschema would find no
# error; anything else (an error, or a keyword the predicate does not know) goes to jsonschema, which
# then words the problems. The spec stays the only source of the rules.

IGNORED = frozenset({"description", "example", "default", "deprecated", "title", "x-uses-read-replica"})
PY_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
Check = Callable[[Any], bool]


def _fast(schema: dict[str, Any]) -> Callable[[Any], bool | None] | None:
    """A predicate for `schema`, or None when it uses a keyword the fast path does not know."""
    try:
        check = _fast_check(schema)
    except _Unsupported:
        return None
    return check


class _Unsupported(Exception):
    pass


def _fast_check(schema: dict[str, Any]) -> Check:  # noqa: C901 - one branch per keyword, kept flat
    known = IGNORED | {"type", "nullable", "properties", "required", "additionalProperties", "enum",
                       "items", "minItems", "maxItems", "format", "allOf", "components"}  # fmt: skip
    if set(schema) - known or schema.get("additionalProperties") not in (None, False):
        raise _Unsupported
    checks: list[Check] = []
    if "type" in schema:
        if schema["type"] not in PY_TYPES:
            raise _Unsupported
        checks.append(PY_TYPES[schema["type"]])
    if "enum" in schema:
        allowed = schema["enum"]
        checks.append(lambda v: v in allowed and any(type(v) is type(a) for a in allowed))
    if "format" in schema and schema["format"] in oas30_format_checker.checkers:
        wanted = schema["format"]
        checks.append(lambda v: oas30_format_checker.conforms(v, wanted))
    for part in schema.get("allOf", []):
        checks.append(_fast_check(part))
    if "properties" in schema or "required" in schema:
        properties = {name: _fast_check(sub) for name, sub in schema.get("properties", {}).items()}
        required = tuple(schema.get("required", ()))
        closed = schema.get("additionalProperties") is False

        def object_ok(v: Any) -> bool:
            if not isinstance(v, dict):
                return True  # `type` says whether it must be an object
            if any(name not in v for name in required) or (closed and not v.keys() <= properties.keys()):
                return False
            return all(check(v[name]) for name, check in properties.items() if name in v)

        checks.append(object_ok)
    if "items" in schema:
        item = _fast_check(schema["items"])
        checks.append(lambda v: not isinstance(v, list) or all(item(i) for i in v))
    low, high = schema.get("minItems"), schema.get("maxItems")
    if low is not None or high is not None:
        checks.append(
            lambda v: (
                not isinstance(v, list)
                or ((low is None or len(v) >= low) and (high is None or len(v) <= high))
            )
        )
    nullable = bool(schema.get("nullable"))

    def ok(v: Any) -> bool:
        if v is None and nullable:
            return True
        return all(check(v) for check in checks)

    return ok


# -- helpers -----------------------------------------------------------------------------------------


def _inlined(node: Any, components: dict[str, Any]) -> Any:
    """The schema with every `$ref` replaced by what it names (the spec's refs do not recurse)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inlined(components["schemas"][node["$ref"].rsplit("/", 1)[1]], components)
        return {key: _inlined(value, components) for key, value in node.items()}
    if isinstance(node, list):
        return [_inlined(value, components) for value in node]
    return node


def _cast(raw: str, schema: dict[str, Any]) -> Any:
    """A query value as the type its schema declares (a string when it is not one)."""
    types = [schema.get("type")] + [option.get("type") for option in schema.get("oneOf", [])]
    lowered = raw.strip().lower()
    if "boolean" in types and lowered in ("true", "1", "false", "0"):
        return lowered in ("true", "1")
    if "integer" in types and re.fullmatch(r"[+-]?\d+", raw.strip()):
        return int(raw)
    if "number" in types:
        try:
            return float(raw)
        except ValueError:
            return raw
    return raw


def _leaves(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """The errors that name a field: a `oneOf`/`allOf` failure is replaced by its causes."""
    for error in errors:
        if error.validator in ("allOf", "anyOf", "oneOf") and error.context:
            yield from _leaves(error.context)
        else:
            yield error


def _located(error: ValidationError) -> list[tuple[list[str], str]]:
    path = [str(part) for part in error.absolute_path]
    instance, wanted = error.instance, error.validator_value
    if error.validator == "required" and isinstance(instance, dict):
        return [
            ([*path, name], "Missing data for required field.") for name in wanted if name not in instance
        ]
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = set(error.schema.get("properties", {}))
        return [([*path, name], "Unknown field.") for name in sorted(set(instance) - known)]
    return [(path or ["_schema"], _message(error))]


TYPE_WORDS = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
              "array": "list", "object": "object"}  # fmt: skip


def _message(error: ValidationError) -> str:
    """Ramp-style words for one schema error (the error guide's examples are marshmallow's)."""
    wanted = error.validator_value
    if error.validator == "type":
        return f"Not a valid {TYPE_WORDS.get(str(wanted), wanted)}."
    if error.validator == "enum":
        return f"Must be one of: {', '.join(map(str, wanted))}."
    if error.validator == "format":
        return {"uuid": "Not a valid UUID.", "date-time": "Not a valid datetime."}.get(
            str(wanted), f"Not a valid {wanted}."
        )
    if error.validator in ("minItems", "maxItems"):
        low, high = error.schema.get("minItems", 0), error.schema.get("maxItems")
        return f"Length must be between {low} and {high}." if high else f"Length must be at least {low}."
    if error.validator == "nullable" or (error.validator == "type" and error.instance is None):
        return "Field may not be null."
    return str(error.message)


def _put(problems: dict[str, Any], path: list[str], message: str) -> None:
    node = problems
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    messages = node.setdefault(path[-1], [])
    if isinstance(messages, list) and message not in messages:
        messages.append(message)


OPERATIONS = _operations(load_spec())  # compiled once, at start-up
