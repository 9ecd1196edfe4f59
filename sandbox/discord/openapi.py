"""Discord's official OpenAPI 3.1 spec: route matching, quirks, and JSON Schema validation.

The sandbox validates every request body (and the query parameters) against the spec's request
schemas and answers 50035 Invalid Form Body with Discord's nested `errors` tree, or 50109 for
invalid JSON, as Discord does. Tests validate the responses with the same documents.

`spec/discord-openapi.subset.json` holds the operations the sandbox emulates and every component
they reference, cut from github.com/discord/discord-api-spec `specs/openapi.json` (MIT,
`spec/LICENSE`) by `python -m sandbox.discord.openapi SPEC`. Where the spec disagrees with
Discord's documentation the docs win: `QUIRKS` patches those places (README "Spec quirks").
"""

from __future__ import annotations

import copy
import functools
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import referencing
from referencing.jsonschema import DRAFT202012

SUBSET_PATH = Path(__file__).with_name("spec") / "discord-openapi.subset.json"
SPEC_URI = "urn:discord-openapi"
METHODS = ("get", "put", "post", "patch", "delete")

# The spec operations the sandbox emulates (what the subset keeps), by spec path.
EMULATED: dict[str, tuple[str, ...]] = {
    "/users/@me": ("get",),
    "/users/{user_id}": ("get",),
    "/users/@me/guilds": ("get",),
    "/users/@me/channels": ("post",),
    "/oauth2/applications/@me": ("get",),
    "/applications/@me": ("get",),
    "/gateway": ("get",),
    "/gateway/bot": ("get",),
    "/applications/{application_id}/commands": ("get", "put", "post"),
    "/applications/{application_id}/guilds/{guild_id}/commands": ("get", "put", "post"),
    "/channels/{channel_id}": ("get", "delete"),
    "/channels/{channel_id}/messages": ("get", "post"),
    "/channels/{channel_id}/messages/{message_id}": ("get", "patch", "delete"),
    "/channels/{channel_id}/threads": ("post",),
    "/channels/{channel_id}/thread-members": ("get",),
    "/channels/{channel_id}/thread-members/{user_id}": ("put", "delete"),
    "/guilds/{guild_id}": ("get",),
    "/guilds/{guild_id}/channels": ("get",),
    "/guilds/{guild_id}/roles": ("get",),
    "/guilds/{guild_id}/members": ("get",),
    "/guilds/{guild_id}/members/{user_id}": ("get", "patch"),
    "/guilds/{guild_id}/members/{user_id}/roles/{role_id}": ("put", "delete"),
    "/interactions/{interaction_id}/{interaction_token}/callback": ("post",),
    "/webhooks/{webhook_id}/{webhook_token}": ("post",),
    "/webhooks/{webhook_id}/{webhook_token}/messages/@original": ("get", "patch", "delete"),
    "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}": ("get", "patch", "delete"),
}

# Where the spec and Discord's docs disagree, the docs win. Each entry: a JSON pointer into the
# subset, the replacement, and why. Listed (with the same ids) in README "Spec quirks".
QUIRKS: dict[str, tuple[str, Any, str]] = {
    "error-codes-are-strings": (
        "/components/schemas/InnerErrors/properties/_errors/items",
        {"type": "object", "required": ["code", "message"],
         "properties": {"code": {"type": "string"}, "message": {"type": "string"}}},
        "docs (Reference > Error Messages): field errors carry string codes such as "
        '"BASE_TYPE_REQUIRED"; the spec reuses the integer `Error` object',
    ),
    "command-permissions-are-strings": (
        "/components/schemas/ApplicationCommandCreateRequest/properties/"
        "default_member_permissions",
        {"type": ["string", "integer", "null"], "pattern": "^[0-9]+$", "minimum": 0},
        'docs (Application Commands): default_member_permissions is "?string" (a bit set '
        "serialised as a string); discord.py sends a string; the spec says integer",
    ),
    "update-command-permissions-are-strings": (
        "/components/schemas/ApplicationCommandUpdateRequest/properties/"
        "default_member_permissions",
        {"type": ["string", "integer", "null"], "pattern": "^[0-9]+$", "minimum": 0},
        "same as command-permissions-are-strings, for bulk overwrite (PUT)",
    ),
    "ratelimit-code-optional": (
        "/components/schemas/RatelimitedResponse/allOf/0",
        {"type": "object", "required": ["message"],
         "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}},
        "docs (Topics > Rate Limits): the 429 body is {message, retry_after, global} with "
        "`code?` only for some limits; the spec requires `code` through `Error`",
    ),
}

# Request-side only: the docs' snowflake is a 64-bit id Discord accepts as a string or an
# integer (discord.py sends integers in `roles`, `recipient_id`, `attachments[].id`).
REQUEST_SNOWFLAKE = {"anyOf": [{"type": "string", "pattern": "^(0|[1-9][0-9]*)$"},
                               {"type": "integer", "minimum": 0}]}
QUIRK_REQUEST_SNOWFLAKES = (
    "request-snowflakes-may-be-integers",
    "docs (Reference > Snowflakes): ids are returned as strings; requests accept integers too "
    "(discord.py sends them); the spec's SnowflakeType is string-only",
)


def quirk_ids() -> list[str]:
    return [*QUIRKS, QUIRK_REQUEST_SNOWFLAKES[0]]


# ---- building the subset ---------------------------------------------------------------------


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def extract_subset(spec: dict[str, Any]) -> dict[str, Any]:
    """The emulated operations and the transitive closure of the components they use."""
    paths: dict[str, Any] = {}
    for path, methods in EMULATED.items():
        item = spec["paths"][path]
        paths[path] = {k: v for k, v in item.items() if k == "parameters" or k in methods}
    components: dict[str, dict[str, Any]] = {}
    pending = list(_refs(paths))
    while pending:
        ref = pending.pop()
        _components, section, name = ref.removeprefix("#/").split("/", 2)
        if name in components.get(section, {}):
            continue
        node = spec["components"][section][name]
        components.setdefault(section, {})[name] = node
        pending.extend(_refs(node))
    ordered = {s: dict(sorted(v.items())) for s, v in sorted(components.items())}
    keep = ("openapi", "info", "externalDocs", "servers")
    return {k: spec[k] for k in keep if k in spec} | {"paths": paths, "components": ordered}


# ---- the patched document ----------------------------------------------------------------------


def _set_pointer(doc: dict[str, Any], pointer: str, value: Any) -> None:
    parts = pointer.strip("/").split("/")
    node: Any = doc
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last: Any = int(parts[-1]) if isinstance(node, list) else parts[-1]
    if (last >= len(node)) if isinstance(node, list) else (last not in node):
        raise KeyError(f"quirk target {pointer} is not in the spec")
    node[last] = value


@functools.cache
def raw_subset() -> dict[str, Any]:
    return json.loads(SUBSET_PATH.read_text())


@functools.cache
def document() -> dict[str, Any]:
    """The subset with the quirk patches applied (responses and requests)."""
    doc = copy.deepcopy(raw_subset())
    for pointer, value, _why in QUIRKS.values():
        _set_pointer(doc, pointer, copy.deepcopy(value))
    return doc


@functools.cache
def _registry() -> referencing.Registry:
    resource = referencing.Resource.from_contents(document(), default_specification=DRAFT202012)
    return referencing.Registry().with_resource(SPEC_URI, resource)


def _absolute(schema: Any) -> Any:
    """Make the spec's local `#/...` refs point into the registered document."""
    if isinstance(schema, dict):
        return {
            k: (SPEC_URI + v if k == "$ref" and v.startswith("#") else _absolute(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_absolute(v) for v in schema]
    return schema


@functools.cache
def _request_registry() -> referencing.Registry:
    doc = copy.deepcopy(document())
    doc["components"]["schemas"]["SnowflakeType"] = REQUEST_SNOWFLAKE
    resource = referencing.Resource.from_contents(doc, default_specification=DRAFT202012)
    return referencing.Registry().with_resource(SPEC_URI, resource)


_VALIDATORS: dict[tuple[int, bool], tuple[Any, jsonschema.Validator]] = {}


def validator(schema: dict[str, Any], *, request: bool = False) -> jsonschema.Validator:
    """A 2020-12 validator whose `$ref`s resolve into the spec (cached per schema object)."""
    key = (id(schema), request)
    cached = _VALIDATORS.get(key)
    if cached is not None and cached[0] is schema:
        return cached[1]
    registry = _request_registry() if request else _registry()
    made = jsonschema.Draft202012Validator(_absolute(schema), registry=registry)
    _VALIDATORS[key] = (schema, made)  # keeps `schema` alive, so its id is never reused
    return made


# ---- routes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    path: str
    method: str  # lower case
    spec: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]

    def request_schema(self) -> dict[str, Any] | None:
        body = self.spec.get("requestBody")
        if not body:
            return None
        return body["content"]["application/json"]["schema"]

    def response_schema(self, status: int) -> dict[str, Any] | None:
        """The schema for `status` (exact code, then 4XX); None when the body must be empty."""
        responses = self.spec["responses"]
        entry = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        if entry is None:
            raise KeyError(f"{self.method.upper()} {self.path} documents no {status}")
        if "$ref" in entry:
            entry = document()["components"]["responses"][entry["$ref"].rsplit("/", 1)[1]]
        content = entry.get("content")
        return content["application/json"]["schema"] if content else None

    def documents(self, status: int) -> bool:
        responses = self.spec["responses"]
        return str(status) in responses or f"{str(status)[0]}XX" in responses


def _segments(path: str) -> list[str]:
    return path.strip("/").split("/")


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _score(spec_path: str, path: str) -> int | None:
    """Literal segments matched, or None when `path` (concrete or a template) does not fit."""
    want, have = _segments(spec_path), _segments(path)
    if len(want) != len(have):
        return None
    score = 0
    for w, h in zip(want, have, strict=True):
        if _is_param(w):
            continue
        if w != h:
            return None
        score += 1
    return score


def find_operation(method: str, path: str) -> Operation | None:
    """The spec operation for a concrete path or a route template (prefix stripped)."""
    doc = document()
    best: tuple[int, str] | None = None
    for spec_path, item in doc["paths"].items():
        if method.lower() not in item:
            continue
        score = _score(spec_path, path)
        if score is not None and (best is None or score > best[0]):
            best = (score, spec_path)
    if best is None:
        return None
    item = doc["paths"][best[1]]
    op = item[method.lower()]
    params = tuple(item.get("parameters", [])) + tuple(op.get("parameters", []))
    return Operation(best[1], method.lower(), op, params)


def operations() -> Iterable[Operation]:
    for path, methods in EMULATED.items():
        for method in methods:
            found = find_operation(method, path)
            assert found is not None and found.path == path
            yield found


# ---- Discord's Invalid Form Body tree ------------------------------------------------------


def _plural_length(schema: dict[str, Any], low: str, high: str) -> str:
    lo, hi = schema.get(low), schema.get(high)
    if lo is not None and hi is not None:
        return f"Must be between {lo} and {hi} in length."
    if hi is not None:
        return f"Must be {hi} or fewer in length."
    return f"Must be {lo} or more in length."


def _leaf(error: jsonschema.ValidationError) -> tuple[str, str]:
    """Discord's field error code and message for one JSON Schema failure."""
    kind, schema, value = error.validator, error.schema, error.instance
    if kind == "type" and "[1-9][0-9]*" in str(schema.get("pattern", "")):
        return "NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.'
    if kind == "type":
        wanted = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        wanted = [w for w in wanted if w != "null"]
        first = wanted[0] if wanted else "null"
        return {
            "string": ("BASE_TYPE_STRING", "Must be a string."),
            "integer": ("NUMBER_TYPE_COERCE", f'Value "{value}" is not int.'),
            "number": ("NUMBER_TYPE_COERCE", f'Value "{value}" is not a valid number.'),
            "boolean": ("BOOLEAN_TYPE_COERCE", f'Value "{value}" is not boolean.'),
            "array": ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"),
            "object": ("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"),
        }.get(first, ("BASE_TYPE_NULL", "Must be null."))
    if kind == "required":
        return "BASE_TYPE_REQUIRED", "This field is required"
    if kind in ("maxLength", "minLength"):
        code = "BASE_TYPE_BAD_LENGTH" if "minLength" in schema and "maxLength" in schema else (
            "BASE_TYPE_MAX_LENGTH" if kind == "maxLength" else "BASE_TYPE_MIN_LENGTH")
        return code, _plural_length(schema, "minLength", "maxLength")
    if kind in ("maxItems", "minItems"):
        code = "BASE_TYPE_MAX_LENGTH" if kind == "maxItems" else "BASE_TYPE_MIN_LENGTH"
        return code, _plural_length(schema, "minItems", "maxItems")
    if kind in ("enum", "const"):
        choices = schema.get("enum", [schema.get("const")])
        return "BASE_TYPE_CHOICES", f"Value must be one of {{{', '.join(map(str, choices))}}}."
    if kind == "pattern":
        if schema.get("format") == "snowflake" or "[1-9][0-9]*" in schema["pattern"]:
            return "NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.'
        return "STRING_TYPE_REGEX", f'String value did not match validation regex "{value}".'
    if kind == "maximum":
        return "NUMBER_TYPE_MAX", f"int value should be less than or equal to {schema[kind]}."
    if kind == "minimum":
        return "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {schema[kind]}."
    if kind == "uniqueItems":
        return "BASE_TYPE_DUPLICATE", "Must not contain duplicate values."
    if kind == "maxProperties":
        return "BASE_TYPE_MAX_LENGTH", f"Must be {schema[kind]} or fewer in length."
    return "BASE_TYPE_INVALID", error.message[:200]


def _discriminated(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """For a failed union, the errors of the branch the value meant (its `type` fits)."""
    branches: dict[int, list[jsonschema.ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(int(sub.schema_path[0]), []).append(sub)
    if not branches:
        return [error]

    def rank(item: tuple[int, list[jsonschema.ValidationError]]) -> tuple[int, int, int]:
        errs = item[1]
        tag_wrong = any(list(e.relative_path) == ["type"] for e in errs)
        kind_wrong = any(e.validator == "type" and not e.relative_path for e in errs)
        return (int(tag_wrong) + int(kind_wrong), len(errs), item[0])

    _, chosen = min(branches.items(), key=rank)
    result: list[jsonschema.ValidationError] = []
    for sub in chosen:
        result.extend(_discriminated(sub) if sub.validator in ("oneOf", "anyOf") else [sub])
    return result


def _leaves(errors: Iterable[jsonschema.ValidationError]) -> Iterator[jsonschema.ValidationError]:
    for error in errors:
        if error.validator in ("oneOf", "anyOf") and error.context:
            yield from _discriminated(error)
        elif error.validator == "allOf" and error.context:
            yield from _leaves(error.context)
        else:
            yield error


def leaf_errors(errors: Iterable[jsonschema.ValidationError]) -> list[jsonschema.ValidationError]:
    """The failures that explain a union's rejection (the branch the value meant)."""
    return list(_leaves(errors))


def form_errors(errors: Iterable[jsonschema.ValidationError]) -> dict[str, Any]:
    """Discord's `errors` tree: keys along the path, `_errors` lists at the leaves."""
    tree: dict[str, Any] = {}
    for error in _leaves(errors):
        path = [str(p) for p in error.absolute_path]
        if error.validator == "required":
            missing = re.match(r"'([^']+)'", error.message)
            path.append(missing.group(1) if missing else "?")
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        code, message = _leaf(error)
        entry = {"code": code, "message": message}
        if entry not in node.setdefault("_errors", []):
            node["_errors"].append(entry)
    return tree


def request_body_errors(method: str, spec_path: str, body: Any) -> dict[str, Any] | None:
    """None when `body` fits the operation's request schema, else Discord's errors tree."""
    op = find_operation(method, spec_path)
    schema = op.request_schema() if op else None
    if schema is None:
        return None
    failures = list(validator(schema, request=True).iter_errors(body))
    return form_errors(failures) if failures else None


def coerce_query(op: Operation, query: dict[str, str]) -> dict[str, Any] | None:
    """Check query parameters against their spec schemas; None when fine, else errors."""
    tree: dict[str, Any] = {}
    for param in op.parameters:
        if param.get("in") != "query" or param["name"] not in query:
            continue
        raw, schema = query[param["name"]], param["schema"]
        value: Any = raw
        kind = schema.get("type")
        if kind == "integer":
            value = int(raw) if re.fullmatch(r"-?[0-9]{1,19}", raw) else raw
        elif kind == "boolean":
            value = {"true": True, "false": False, "1": True, "0": False}.get(raw.lower(), raw)
        failures = list(validator(schema, request=True).iter_errors(value))
        if failures:
            tree[param["name"]] = form_errors(failures)
    return tree or None


def main(argv: list[str]) -> int:
    """`python -m sandbox.discord.openapi path/to/discord-openapi.json` rewrites the subset."""
    spec = json.loads(Path(argv[0]).read_text())
    SUBSET_PATH.parent.mkdir(exist_ok=True)
    SUBSET_PATH.write_text(json.dumps(extract_subset(spec), indent=1, sort_keys=False) + "\n")
    print(f"wrote {SUBSET_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
