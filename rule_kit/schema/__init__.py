"""The rule JSON Schemas (packaged under `rule_kit/schemas/`, linked as `schemas/`) and their validator."""

from rule_kit.schema.validate import RULE_TYPES, Violation, ViolationKind, validate

__all__ = ["RULE_TYPES", "Violation", "ViolationKind", "validate"]
