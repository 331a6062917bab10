"""Every static check. Importing this package registers the built-in checks with the registry."""

from rule_kit.checks import files, schema
from rule_kit.checks.registry import Check, Finding, all_checks, get_check

__all__ = ["Check", "Finding", "all_checks", "files", "get_check", "schema"]
