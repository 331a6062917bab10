"""Checks of the JSON Schema files in rule_kit/schemas/ (draft 2020-12).

The schemas are loaded the way rule-kit loads them: every file is a resource of a ``referencing.Registry``,
keyed by its ``$id``, and the files refer to each other with relative ``$ref``s.
"""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "rule_kit" / "schemas"
SEED = ROOT / "rules" / "macos" / "execution_first_time_python_spawned_a_shell_on_host.toml"
BASE_URI = "https://rule-kit.dev/schemas/"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
RULE_TYPES = ["query", "new_terms", "threshold", "eql", "esql", "threat_match", "machine_learning"]
SCHEMA_FILES = ["definitions.schema.json", "rule.schema.json", *(f"{t}.schema.json" for t in RULE_TYPES)]

Json = dict[str, Any]
Path_ = tuple[str | int, ...]


def load_schemas() -> dict[str, Json]:
    return {name: json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8")) for name in SCHEMA_FILES}


SCHEMAS = load_schemas()
DEFS: Json = SCHEMAS["definitions.schema.json"]["$defs"]


def build_registry(schemas: dict[str, Json]) -> Registry:
    resources = [Resource.from_contents(contents, default_specification=DRAFT202012) for contents in schemas.values()]
    return Registry().with_resources((resource.id(), resource) for resource in resources)


REGISTRY = build_registry(SCHEMAS)


def validator_for(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(SCHEMAS[name], registry=REGISTRY)


VALIDATORS = {name: validator_for(name) for name in SCHEMA_FILES if name != "definitions.schema.json"}


def load_seed() -> Json:
    return tomllib.loads(SEED.read_text(encoding="utf-8"))


def all_errors(errors: Iterator[jsonschema.ValidationError]) -> list[jsonschema.ValidationError]:
    """The errors and, recursively, the errors in their context (anyOf/oneOf branches)."""
    found: list[jsonschema.ValidationError] = []
    for error in errors:
        found.append(error)
        found.extend(all_errors(iter(error.context or [])))
    return found


def errors_of(schema_name: str, document: Json) -> list[jsonschema.ValidationError]:
    return all_errors(VALIDATORS[schema_name].iter_errors(document))


def describe(errors: list[jsonschema.ValidationError]) -> list[tuple[str, Path_, str]]:
    return [(str(e.validator), tuple(e.absolute_path), e.message[:120]) for e in errors]


def walk(node: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every JSON value of a document with its path."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


def subschemas_with_path(schema: Json) -> Iterator[tuple[Path_, Json]]:
    """Every dict of a schema file that sits at a schema position (not inside enum/const/examples)."""
    for path, node in walk(schema):
        if not isinstance(node, dict):
            continue
        if any(key in ("enum", "const", "examples", "default", "required") for key in path if isinstance(key, str)):
            continue
        yield path, node


# ---------------------------------------------------------------------------------------------------------
# The files themselves


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_schema_file_is_valid_2020_12(name: str) -> None:
    schema = SCHEMAS[name]
    assert schema["$schema"] == DRAFT_2020_12
    assert schema["$id"] == BASE_URI + name
    jsonschema.Draft202012Validator.check_schema(schema)


def test_registry_holds_every_file_under_its_id() -> None:
    for name in SCHEMA_FILES:
        assert REGISTRY.contents(BASE_URI + name) == SCHEMAS[name]


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_refs_are_relative_and_resolve(name: str) -> None:
    resolver = REGISTRY.resolver(base_uri=SCHEMAS[name]["$id"])
    refs = [(path, node["$ref"]) for path, node in subschemas_with_path(SCHEMAS[name]) if "$ref" in node]
    for path, ref in refs:
        assert "://" not in ref, f"{name} {path}: $ref {ref!r} is not relative"
        resolver.lookup(ref)  # raises if it does not resolve


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_every_pattern_has_x_expected(name: str) -> None:
    missing = [
        path
        for path, node in subschemas_with_path(SCHEMAS[name])
        if isinstance(node.get("pattern"), str) and not node.get("x-expected")
    ]
    assert missing == []


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_every_property_has_a_description(name: str) -> None:
    """Editors show the description on hover; a property that is a bare $ref shows its definition's."""
    missing: list[Path_] = []
    for path, node in subschemas_with_path(SCHEMAS[name]):
        properties = node.get("properties")
        # Skip property maps themselves (a property named "properties") and if-conditions.
        if not isinstance(properties, dict) or path[-1:] == ("properties",) or "if" in path:
            continue
        for key, subschema in properties.items():
            if isinstance(subschema, dict) and not (subschema.get("description") or "$ref" in subschema):
                missing.append((*path, "properties", key))
    assert missing == []


def test_refs_to_defs_have_a_description() -> None:
    """A property that is only a $ref shows the description of the definition it points to."""
    missing = [name for name, schema in DEFS.items() if not schema.get("description")]
    assert missing == []


@pytest.mark.parametrize("rule_type", RULE_TYPES)
def test_type_schema_shape(rule_type: str) -> None:
    schema = SCHEMAS[f"{rule_type}.schema.json"]
    assert schema["type"] == "object"
    assert schema["required"] == ["metadata", "rule"]
    assert schema["additionalProperties"] is False
    rule = schema["properties"]["rule"]
    assert rule["$ref"] == "definitions.schema.json#/$defs/rule_common"
    assert rule["properties"]["type"]["const"] == rule_type
    assert rule["unevaluatedProperties"] is False


def test_rule_type_enum_matches_the_type_schemas() -> None:
    assert DEFS["rule_type"]["enum"] == RULE_TYPES
    dispatched = [branch["then"]["$ref"] for branch in SCHEMAS["rule.schema.json"]["allOf"]]
    assert dispatched == [f"{t}.schema.json" for t in RULE_TYPES]


# ---------------------------------------------------------------------------------------------------------
# Valid documents


@pytest.mark.parametrize("schema_name", ["new_terms.schema.json", "rule.schema.json"])
def test_seed_rule_is_valid(schema_name: str) -> None:
    assert describe(errors_of(schema_name, load_seed())) == []


METADATA: Json = {"creation_date": "2026/01/05", "updated_date": "2026/01/06", "maturity": "production"}
COMMON: Json = {
    "author": ["rule-kit"],
    "description": "Minimal rule used by the schema tests.",
    "risk_score": 21,
    "rule_id": "0b7d3f4e-8c1a-4f5e-9a2b-3c4d5e6f7a8b",
    "severity": "low",
}
TYPE_SPECIFIC: dict[str, Json] = {
    "query": {"language": "kuery", "query": "process.name:bash", "index": ["logs-endpoint.events.process-*"]},
    "new_terms": {
        "language": "kuery",
        "query": "event.category:process",
        "index": ["logs-endpoint.events.process-*"],
        "new_terms": {
            "field": "new_terms_fields",
            "value": ["host.id"],
            "history_window_start": [{"field": "history_window_start", "value": "now-7d"}],
        },
    },
    "threshold": {
        "language": "kuery",
        "query": "event.category:authentication and event.outcome:failure",
        "data_view_id": "logs-default",
        "threshold": {
            "field": ["user.name"],
            "value": 10,
            "cardinality": [{"field": "source.ip", "value": 2}],
        },
    },
    "eql": {"language": "eql", "query": 'process where process.name == "bash"', "index": ["logs-*"]},
    "esql": {"language": "esql", "query": "from logs-* metadata _id, _version, _index | keep host.id"},
    "threat_match": {
        "language": "kuery",
        "query": "source.ip:*",
        "index": ["logs-*"],
        "threat_index": ["logs-ti_*"],
        "threat_language": "kuery",
        "threat_query": '@timestamp >= "now-30d/d"',
        "threat_mapping": [{"entries": [{"field": "source.ip", "type": "mapping", "value": "threat.indicator.ip"}]}],
    },
    "machine_learning": {"anomaly_threshold": 70, "machine_learning_job_id": ["v3_windows_anomalous_script"]},
}


def minimal_document(rule_type: str) -> Json:
    rule = {**copy.deepcopy(COMMON), "name": f"Minimal {rule_type} rule", "type": rule_type}
    rule.update(copy.deepcopy(TYPE_SPECIFIC[rule_type]))
    return {"metadata": dict(METADATA), "rule": rule}


@pytest.mark.parametrize("rule_type", RULE_TYPES)
@pytest.mark.parametrize("entry", [False, True], ids=["type-schema", "rule-schema"])
def test_minimal_document_is_valid(rule_type: str, entry: bool) -> None:
    schema_name = "rule.schema.json" if entry else f"{rule_type}.schema.json"
    assert describe(errors_of(schema_name, minimal_document(rule_type))) == []


@pytest.mark.parametrize(
    ("rule_type", "key"),
    [(t, key) for t in RULE_TYPES for key in SCHEMAS[f"{t}.schema.json"]["properties"]["rule"]["required"]],
)
def test_type_specific_required_key(rule_type: str, key: str) -> None:
    document = minimal_document(rule_type)
    del document["rule"][key]
    found = [(e.validator, tuple(e.absolute_path)) for e in errors_of(f"{rule_type}.schema.json", document)]
    assert ("required", ("rule",)) in found


def test_atlas_threat_entry_is_valid() -> None:
    document = minimal_document("query")
    document["rule"]["threat"] = [
        {
            "framework": "MITRE ATLAS",
            "tactic": {
                "id": "AML.TA0002",
                "name": "Reconnaissance",
                "reference": "https://atlas.mitre.org/tactics/AML.TA0002/",
            },
            "technique": [
                {
                    "id": "AML.T0000",
                    "name": "Search Open Technical Databases",
                    "reference": "https://atlas.mitre.org/techniques/AML.T0000/",
                }
            ],
        }
    ]
    assert describe(errors_of("query.schema.json", document)) == []


# ---------------------------------------------------------------------------------------------------------
# Defects: each is reported with the expected keyword at the expected place


Mutation = Callable[[Json], None]


def set_rule(key: str, value: Any) -> Mutation:
    def mutate(document: Json) -> None:
        document["rule"][key] = value

    return mutate


def delete_rule(key: str) -> Mutation:
    def mutate(document: Json) -> None:
        del document["rule"][key]

    return mutate


def set_new_terms(key: str, value: Any) -> Mutation:
    def mutate(document: Json) -> None:
        document["rule"]["new_terms"][key] = value

    return mutate


def delete_history_window(document: Json) -> None:
    del document["rule"]["new_terms"]["history_window_start"]


def bad_creation_date(document: Json) -> None:
    document["metadata"]["creation_date"] = "2026-02-23"


def bad_tactic_reference(document: Json) -> None:
    document["rule"]["threat"][0]["tactic"]["reference"] = "https://example.com/TA0002"


def atlas_framework_with_attack_reference(document: Json) -> None:
    document["rule"]["threat"][0]["framework"] = "MITRE ATLAS"


def unknown_key_in_technique(document: Json) -> None:
    document["rule"]["threat"][0]["technique"][0]["nmae"] = "typo"


def threshold_in_query_rule(document: Json) -> None:
    rule = document["rule"]
    rule["type"] = "query"
    del rule["new_terms"]
    rule["threshold"] = {"field": ["host.id"], "value": 5}


def index_and_data_view(document: Json) -> None:
    document["rule"]["data_view_id"] = "logs-default"


def esql_with_index(document: Json) -> None:
    document["rule"] = minimal_document("esql")["rule"]
    document["rule"]["index"] = ["logs-*"]


# (id, mutation, schema, expected validator keyword, expected instance path, text expected in the message)
DEFECTS: list[tuple[str, Mutation, str, str, Path_, str]] = [
    (
        "unknown-key",
        set_rule("risk_scor", 47),
        "new_terms",
        "unevaluatedProperties",
        ("rule",),
        "'risk_scor'",
    ),
    ("missing-risk-score", delete_rule("risk_score"), "new_terms", "required", ("rule",), "'risk_score'"),
    ("risk-score-101", set_rule("risk_score", 101), "new_terms", "maximum", ("rule", "risk_score"), "101"),
    ("severity-capitalised", set_rule("severity", "Low"), "new_terms", "enum", ("rule", "severity"), "'Low'"),
    (
        "rule-id-uppercase",
        set_rule("rule_id", "92A36C98-B24A-4BF7-AAC7-1EAC71FA39CF"),
        "new_terms",
        "pattern",
        ("rule", "rule_id"),
        "92A36C98",
    ),
    (
        "creation-date-dashes",
        bad_creation_date,
        "new_terms",
        "pattern",
        ("metadata", "creation_date"),
        "2026-02-23",
    ),
    ("interval-5min", set_rule("interval", "5min"), "new_terms", "pattern", ("rule", "interval"), "5min"),
    ("tags-string", set_rule("tags", "Domain: Endpoint"), "new_terms", "type", ("rule", "tags"), "'array'"),
    (
        "tactic-reference",
        bad_tactic_reference,
        "new_terms",
        "pattern",
        ("rule", "threat", 0, "tactic", "reference"),
        "example.com",
    ),
    (
        "atlas-with-attack-url",
        atlas_framework_with_attack_reference,
        "new_terms",
        "pattern",
        ("rule", "threat", 0, "tactic", "reference"),
        "attack.mitre.org",
    ),
    (
        "technique-unknown-key",
        unknown_key_in_technique,
        "new_terms",
        "additionalProperties",
        ("rule", "threat", 0, "technique", 0),
        "'nmae'",
    ),
    (
        "new-terms-empty",
        set_new_terms("value", []),
        "new_terms",
        "minItems",
        ("rule", "new_terms", "value"),
        "[]",
    ),
    (
        "new-terms-four-fields",
        set_new_terms("value", ["host.id", "user.name", "process.name", "process.parent.name"]),
        "new_terms",
        "maxItems",
        ("rule", "new_terms", "value"),
        "host.id",
    ),
    (
        "new-terms-no-history-window",
        delete_history_window,
        "new_terms",
        "required",
        ("rule", "new_terms"),
        "'history_window_start'",
    ),
    (
        "threshold-in-query-rule",
        threshold_in_query_rule,
        "query",
        "unevaluatedProperties",
        ("rule",),
        "'threshold'",
    ),
    ("index-and-data-view-id", index_and_data_view, "new_terms", "not", ("rule",), "should not be valid"),
    ("esql-with-index", esql_with_index, "esql", "unevaluatedProperties", ("rule",), "'index'"),
]


@pytest.mark.parametrize(
    ("mutate", "schema", "keyword", "path", "text"),
    [pytest.param(*rest, id=defect_id) for defect_id, *rest in DEFECTS],
)
@pytest.mark.parametrize("entry", [False, True], ids=["type-schema", "rule-schema"])
def test_defect_is_reported(mutate: Mutation, schema: str, keyword: str, path: Path_, text: str, entry: bool) -> None:
    document = load_seed()
    mutate(document)
    errors = errors_of("rule.schema.json" if entry else f"{schema}.schema.json", document)
    matching = [e for e in errors if e.validator == keyword and tuple(e.absolute_path) == path]
    assert matching, describe(errors)
    assert any(text in e.message for e in matching), describe(matching)


@pytest.mark.parametrize(("defect_id", "mutate"), [(d[0], d[1]) for d in DEFECTS if d[3] == "pattern"])
def test_pattern_errors_carry_x_expected(defect_id: str, mutate: Mutation) -> None:
    document = load_seed()
    mutate(document)
    expected = [
        e.schema.get("x-expected") for e in errors_of("new_terms.schema.json", document) if e.validator == "pattern"
    ]
    assert expected, defect_id
    assert all(isinstance(text, str) and text for text in expected)


def test_index_and_data_view_id_error_carries_x_expected() -> None:
    document = load_seed()
    index_and_data_view(document)
    [error] = [e for e in errors_of("new_terms.schema.json", document) if e.validator == "not"]
    assert error.schema["not"]["x-expected"] == "either index or data_view_id, not both"


def test_unknown_rule_type_is_reported_once_by_the_entry_schema() -> None:
    document = load_seed()
    document["rule"]["type"] = "saved_query"
    found = [(e.validator, tuple(e.absolute_path)) for e in errors_of("rule.schema.json", document)]
    assert found == [("enum", ("rule", "type"))]
