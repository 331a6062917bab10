"""One self-contained JSON Schema for editors (Taplo / Even Better TOML), exported by `rule-kit schema`.

Editors resolve `$ref`s between files poorly (Taplo fetches the `$id` URL, or cannot resolve relative files),
so the export holds each rule type's schema as it is run (references inlined, draft-07 keywords only) and
dispatches on `rule.type`.
"""

from __future__ import annotations

from typing import Any

from rule_kit.schema.validate import RULE_TYPES, _runtime_schema


def editor_schema() -> dict[str, Any]:
    branches = []
    for rule_type in RULE_TYPES:
        schema = {k: v for k, v in _runtime_schema(rule_type).items() if k not in ("$id", "$schema")}
        condition = {"properties": {"rule": {"properties": {"type": {"const": rule_type}}, "required": ["type"]}}}
        branches.append({"if": condition, "then": schema})
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "rule-kit detection rule",
        "description": "An Elastic-style detection rule file (TOML), checked by the schema of its rule.type.",
        "type": "object",
        "required": ["metadata", "rule"],
        "properties": {
            "rule": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": list(RULE_TYPES), "description": "The rule type."}},
            }
        },
        "allOf": branches,
    }
