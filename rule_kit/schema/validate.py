"""Run the rule JSON Schemas with `jsonschema` and turn its errors into sentences a rule engineer can act on.

The schema is picked by `rule.type` first, so an error reads "`threshold` is not a key of a query rule" rather
than a dump of every `oneOf` branch. Positions are not known here: a `Violation` carries the key path, and the
checks layer turns it into a positioned diagnostic.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import enum
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
import jsonschema
import referencing
from jsonschema.exceptions import ValidationError

from rule_kit.rules.positions import KeyPath, format_key_path

SCHEMA_BASE = "https://rule-kit.dev/schemas/"
RULE_TYPES = ("query", "new_terms", "threshold", "eql", "esql", "threat_match", "machine_learning")
_GENERIC = "generic"


class ViolationKind(enum.Enum):
    UNKNOWN_TABLE = "unknown-table"
    UNKNOWN_KEY = "unknown-key"
    MISSING = "missing"
    TYPE = "type"
    VALUE = "value"
    FORMAT = "format"
    RANGE = "range"
    SIZE = "size"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class Violation:
    kind: ViolationKind
    key_path: KeyPath
    message: str
    at_key: bool = False


def validate(document: Mapping[str, Any]) -> list[Violation]:
    """Every schema violation of a parsed rule document, for the schema of its `rule.type`."""
    rule = document.get("rule")
    rule_type = rule.get("type") if isinstance(rule, Mapping) else None
    schema_name = rule_type if rule_type in RULE_TYPES else _GENERIC
    if _fast_check(schema_name)(document):
        return []
    validator = _validator(schema_name)
    violations: list[Violation] = []
    reported_required: set[KeyPath] = set()
    for error in validator.iter_errors(document):
        violations.extend(_explain(error, schema_name, reported_required))
    return violations


# -- schema loading --------------------------------------------------------------------------------------------


@cache
def _registry() -> referencing.Registry:
    resources_list = []
    for entry in resources.files("rule_kit").joinpath("schemas").iterdir():
        if entry.name.endswith(".schema.json"):
            contents = json.loads(entry.read_text(encoding="utf-8"))
            resources_list.append((contents["$id"], referencing.Resource.from_contents(contents)))
    return referencing.Registry().with_resources(resources_list)


def _schema_uri(name: str) -> str:
    return f"{SCHEMA_BASE}{name}.schema.json"


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(_runtime_schema(name), registry=_registry())


def _generic_schema() -> dict[str, Any]:
    """For a rule whose type is missing or unknown: its metadata and common fields are still checked."""
    return {
        "$id": _schema_uri(_GENERIC),
        "type": "object",
        "required": ["metadata", "rule"],
        "properties": {
            "metadata": {"$ref": "definitions.schema.json#/$defs/metadata"},
            "rule": {"$ref": "definitions.schema.json#/$defs/rule_common"},
            "transform": {"$ref": "definitions.schema.json#/$defs/transform"},
        },
        "additionalProperties": False,
    }


@cache
def _runtime_schema(name: str) -> dict[str, Any]:
    """The schema as it is run: references inlined and `unevaluatedProperties` closed into
    `additionalProperties`, an equivalent that needs no annotation tracking (tests prove the equivalence)."""
    schema = _generic_schema() if name == _GENERIC else _registry().contents(_schema_uri(name))
    inlined = _inline_refs(schema, _registry().resolver(schema["$id"]))
    return _close_unevaluated(inlined)


@cache
def _fast_check(name: str) -> Callable[[Any], bool]:
    """A compiled yes/no check for the common case, a valid rule; jsonschema then explains the invalid ones.

    fastjsonschema turns the schema into Python code, an order of magnitude faster than interpreting it, but
    knows draft-07 only: it gets the runtime schema, which uses draft-07 keywords alone once closed. A schema
    that still needs a 2020-12 keyword gets no fast path (every document goes through jsonschema).
    """
    schema = dict(_runtime_schema(name))
    if _keywords(schema) & _DRAFT_2020_ONLY:
        validator = _validator(name)
        return validator.is_valid
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema.pop("$id", None)
    compiled = fastjsonschema.compile(schema)

    def check(document: Any) -> bool:
        try:
            compiled(document)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return check


_DRAFT_2020_ONLY = frozenset(
    {
        "unevaluatedProperties",
        "unevaluatedItems",
        "dependentRequired",
        "dependentSchemas",
        "prefixItems",
        "$dynamicRef",
    }
)
_MERGEABLE = frozenset({"type", "properties", "required", "not", "description", "title", "$comment"})


def _keywords(node: Any, under_properties: bool = False) -> set[str]:
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= _keywords(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if not under_properties:
                found.add(key)
            found |= _keywords(value, under_properties=key == "properties" and not under_properties)
    return found


def _close_unevaluated(node: Any) -> Any:
    """Rewrite `{allOf: [A], properties: P, unevaluatedProperties: false}` as one object schema with
    `additionalProperties: false`, when every `allOf` member only declares properties (then the two agree)."""
    if isinstance(node, list):
        return [_close_unevaluated(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _close_unevaluated(value) for key, value in node.items()}
    if node.get("unevaluatedProperties") is not False:
        return node
    members = node.get("allOf", [])
    if not all(isinstance(m, dict) and set(m) <= _MERGEABLE for m in members):
        return node
    properties: dict[str, Any] = dict(node.get("properties", {}))
    required: list[str] = list(node.get("required", []))
    rest: list[dict[str, Any]] = []
    for member in members:
        for key, value in member.get("properties", {}).items():
            properties[key] = {"allOf": [properties[key], value]} if key in properties else value
        required += [r for r in member.get("required", []) if r not in required]
        rest += [{key: member[key]} for key in ("type", "not") if key in member]
    closed = {k: v for k, v in node.items() if k not in ("allOf", "unevaluatedProperties", "properties", "required")}
    closed.update(properties=properties, additionalProperties=False)
    if required:
        closed["required"] = required
    if rest:
        closed["allOf"] = rest
    return closed


def _inline_refs(node: Any, resolver: referencing.Resolver) -> Any:
    """A copy of a schema with every `$ref` replaced by its target (wrapped in `allOf`, which keeps
    `unevaluatedProperties` working): the rule schemas are not recursive, and reference lookups are most of
    jsonschema's time per document otherwise."""
    if isinstance(node, list):
        return [_inline_refs(item, resolver) for item in node]
    if not isinstance(node, dict):
        return node
    copied = {key: _inline_refs(value, resolver) for key, value in node.items() if key != "$ref"}
    if "$ref" in node:
        resolved = resolver.lookup(node["$ref"])
        target = _inline_refs(resolved.contents, resolved.resolver)
        target = {k: v for k, v in target.items() if k not in ("$id", "$schema", "$defs")}
        copied["allOf"] = [target, *copied.get("allOf", [])]
    return copied


@cache
def _rule_keys(schema_name: str) -> frozenset[str]:
    """The keys `[rule]` may hold for one rule type (to say where a misplaced key belongs)."""
    validator = _validator(schema_name)
    rule_schema = validator.schema["properties"]["rule"]
    return frozenset(_known_properties(rule_schema, _registry().resolver(validator.schema["$id"])))


def _known_properties(schema: Mapping[str, Any], resolver: referencing.Resolver) -> set[str]:
    """Property names a schema node declares, following `$ref` and `allOf`."""
    names = set(schema.get("properties", {}))
    ref = schema.get("$ref")
    if ref:
        resolved = resolver.lookup(ref)
        names |= _known_properties(resolved.contents, resolved.resolver)
    for part in schema.get("allOf", []):
        names |= _known_properties(part, resolver)
    return names


# -- errors into sentences --------------------------------------------------------------------------------------

_JSON_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a table",
    "null": "null",
}


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return "a TOML date/time (quote it to make it a string)"
    return type(value).__name__


def _show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False, default=str)
        return text if len(text) <= 60 else text[:57] + "..."
    return str(value)


def _where(path: KeyPath) -> str:
    return f"`{format_key_path(path)}`" if path else "the file"


def _table(path: KeyPath) -> str:
    return f"[{format_key_path(path)}]" if path else "the top level"


def _expected_type(schema: Mapping[str, Any]) -> str:
    expected = schema.get("type")
    words = [expected] if isinstance(expected, str) else list(expected or [])
    if words == ["array"]:
        item_type = schema.get("items", {}).get("type") if isinstance(schema.get("items"), dict) else None
        if item_type == "string":
            return "a list of strings"
        if item_type == "object":
            return "a list of tables"
    return " or ".join(_JSON_TYPE_WORDS.get(w, w) for w in words)


def _explain(error: ValidationError, schema_name: str, reported_required: set[KeyPath]) -> Iterator[Violation]:
    path: KeyPath = tuple(error.absolute_path)
    keyword = error.validator
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    value = error.instance
    expected_words = schema.get("x-expected")

    if keyword in ("additionalProperties", "unevaluatedProperties"):
        yield from _unknown_keys(error, path, schema_name)
    elif keyword == "required":
        if path in reported_required:
            return
        reported_required.add(path)
        for key in error.validator_value:
            if isinstance(value, Mapping) and key not in value:
                if not path:
                    message = f"missing the [{key}] table"
                else:
                    message = f"{_table(path)} is missing the required key `{key}`"
                yield Violation(ViolationKind.MISSING, path, message)
    elif keyword == "type":
        message = f"{_where(path)} must be {_expected_type(schema)}, not {_toml_type(value)}"
        yield Violation(ViolationKind.TYPE, path, message)
    elif keyword in ("enum", "const"):
        allowed = error.validator_value if keyword == "enum" else [error.validator_value]
        if len(allowed) == 1:
            message = f"{_where(path)} must be {_show(allowed[0])}; got {_show(value)}"
        else:
            message = f"{_where(path)} must be one of {', '.join(_show(a) for a in allowed)}; got {_show(value)}"
        if isinstance(value, str):
            same_but_case = [a for a in allowed if isinstance(a, str) and a.lower() == value.lower()]
            if same_but_case:
                message += f" (values are case-sensitive: use {_show(same_but_case[0])})"
        yield Violation(ViolationKind.VALUE, path, message)
    elif keyword in ("pattern", "format", "minLength", "maxLength"):
        if keyword == "minLength" and error.validator_value == 1:
            message = f"{_where(path)} must not be empty"
        elif expected_words:
            message = f"{_where(path)} must be {expected_words}; got {_show(value)}"
        elif keyword == "pattern":
            message = f"{_where(path)} must match the pattern {error.validator_value}; got {_show(value)}"
        else:
            message = f"{_where(path)}: {error.message}"
        yield Violation(ViolationKind.FORMAT, path, message)
    elif keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = error.validator_value
        words = {
            "minimum": f"at least {bound}",
            "maximum": f"at most {bound}",
            "exclusiveMinimum": f"greater than {bound}",
            "exclusiveMaximum": f"less than {bound}",
        }[keyword]
        yield Violation(ViolationKind.RANGE, path, f"{_where(path)} must be {words}; got {_show(value)}")
    elif keyword in ("minItems", "maxItems"):
        bound = error.validator_value
        noun = "item" if bound == 1 else "items"
        words = f"at least {bound} {noun}" if keyword == "minItems" else f"at most {bound} {noun}"
        count = len(value) if isinstance(value, Sequence) else 0
        yield Violation(ViolationKind.SIZE, path, f"{_where(path)} must have {words}; it has {count}")
    elif keyword == "uniqueItems":
        seen: list[Any] = []
        duplicates = []
        for item in value:
            if item in seen and item not in duplicates:
                duplicates.append(item)
            seen.append(item)
        listed = ", ".join(_show(d) for d in duplicates)
        yield Violation(ViolationKind.SIZE, path, f"{_where(path)} lists the same item more than once: {listed}")
    elif expected_words:
        yield Violation(ViolationKind.CONFLICT, path, f"{_where(path)}: {expected_words}")
    elif keyword in ("oneOf", "anyOf"):
        branches = error.validator_value
        kinds = [_expected_type(b) for b in branches if isinstance(b, Mapping) and "type" in b]
        if kinds and len(kinds) == len(branches):
            message = f"{_where(path)} must be {' or '.join(kinds)}, not {_toml_type(value)}"
        else:
            message = f"{_where(path)} does not match any allowed form ({error.message})"
        yield Violation(ViolationKind.TYPE, path, message)
    else:
        yield Violation(ViolationKind.CONFLICT, path, f"{_where(path)}: {error.message}")


def _unknown_keys(error: ValidationError, path: KeyPath, schema_name: str) -> Iterator[Violation]:
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    if path == ("rule",):
        known = set(_rule_keys(schema_name))
    else:
        # Nested nodes live in definitions.schema.json; their `$ref`s resolve from there.
        known = _known_properties(error.schema, _registry().resolver(_schema_uri("definitions")))
    for key in instance:
        if key in known:
            continue
        key_path = (*path, key)
        hint = _did_you_mean(key, known)
        if not path:
            message = f"unknown top-level table [{key}]"
            message += f"; did you mean [{hint}]?" if hint else " (a rule file has [metadata], [rule] and [transform])"
            yield Violation(ViolationKind.UNKNOWN_TABLE, key_path, message, at_key=True)
            continue
        message = f"unknown key `{key}` in {_table(path)}"
        if hint:
            message += f"; did you mean `{hint}`?"
        elif path == ("rule",):
            owners = [t for t in RULE_TYPES if t != schema_name and key in _rule_keys(t)]
            if owners:
                kind = schema_name if schema_name != _GENERIC else "this"
                message = f"`{key}` is not a key of a {kind} rule (it belongs to {' and '.join(owners)} rules)"
        yield Violation(ViolationKind.UNKNOWN_KEY, key_path, message, at_key=True)


def _did_you_mean(key: str, known: set[str]) -> str | None:
    lowered = {k.lower(): k for k in known}
    if key.lower() in lowered:
        return lowered[key.lower()]
    matches = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
    return matches[0] if matches else None
