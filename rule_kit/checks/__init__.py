"""Every static check. Importing this package registers the built-in checks with the registry."""

from rule_kit.checks import attack, files, fixtures, guide, kql_lint, kql_syntax, metadata, ruletype, schema, style
from rule_kit.checks.registry import Check, Finding, all_checks, get_check

__all__ = [
    "Check",
    "Finding",
    "all_checks",
    "attack",
    "files",
    "fixtures",
    "get_check",
    "guide",
    "kql_lint",
    "kql_syntax",
    "metadata",
    "ruletype",
    "schema",
    "style",
]
