"""The schema validator: its fast path and rewritten schema must agree with jsonschema on the files as written."""

from __future__ import annotations

import copy
import json
import tomllib
from typing import Any

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from rule_kit.schema import RULE_TYPES, validate
from rule_kit.schema.bundle import editor_schema
from rule_kit.schema.validate import _fast_check, _registry, _schema_uri
from tests.conftest import SEED

SEED_DOCUMENT = tomllib.loads(SEED.read_text(encoding="utf-8"))


def _variant(rule_type: str) -> dict[str, Any]:
    document = copy.deepcopy(SEED_DOCUMENT)
    rule = document["rule"]
    rule["type"] = rule_type
    rule.pop("new_terms", None)
    if rule_type == "threshold":
        rule["threshold"] = {
            "field": ["host.id"],
            "value": 5,
            "cardinality": [{"field": "user.name", "value": 2}],
        }
    return document


BASES = [SEED_DOCUMENT, _variant("query"), _variant("threshold")]
ORIGINAL = {
    name: jsonschema.Draft202012Validator(_registry().contents(_schema_uri(name)), registry=_registry())
    for name in RULE_TYPES
}
EDITOR_SCHEMA = jsonschema.Draft7Validator(editor_schema())
ODD_VALUES = [
    "", "x", "Low", "now-7d", "2026/02/30", "5min", "https://attack.mitre.org/tactics/TA0002/",
    0, -1, 1, 47, 101, 1.5, True, False, [], ["a"], ["a", "a"], [1], {}, {"a": 1}, {"field": "x"},
]  # fmt: skip


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any]:
    document = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(document) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = document
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["delete", "replace", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
        elif isinstance(parent, dict):
            key = draw(st.sampled_from(["extra", "risk_scor", "threshold", "new_terms", "index"]))
            parent[key] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))  # a copy: later steps may mutate it
    return document


def _original_valid(document: dict[str, Any]) -> bool | None:
    rule = document.get("rule")
    rule_type = rule.get("type") if isinstance(rule, dict) else None
    known = isinstance(rule_type, str) and rule_type in ORIGINAL
    return ORIGINAL[rule_type].is_valid(document) if known else None


@settings(max_examples=400, deadline=None)
@given(mutated_documents())
def test_fast_path_and_messages_agree_with_the_schema_files(document: dict[str, Any]) -> None:
    expected = _original_valid(document)
    if expected is None:  # type missing or unknown: the generic schema applies, and must say so
        assert validate(document)
        return
    rule_type = document["rule"]["type"]
    assert _fast_check(rule_type)(document) is expected
    assert (validate(document) == []) is expected
    assert EDITOR_SCHEMA.is_valid(document) is expected


def test_every_type_has_a_fast_path() -> None:
    for name in RULE_TYPES:
        assert _fast_check(name).__name__ == "check", f"{name} fell back to jsonschema for every document"


def test_editor_schema_is_self_contained_draft_07() -> None:
    schema = editor_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    assert "$ref" not in json.dumps(schema)
    assert EDITOR_SCHEMA.is_valid(SEED_DOCUMENT)
