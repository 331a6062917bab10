"""Rule files: discovery, reading (once per file), positions, and the `Rule` model."""

from pathlib import Path

from rule_kit.rules.discover import PathNotFoundError, is_rule_file, iter_rule_files
from rule_kit.rules.model import Rule
from rule_kit.rules.source import DEFAULT_MAX_FILE_SIZE, read_source


def read_rule(path: Path, *, max_size: int = DEFAULT_MAX_FILE_SIZE) -> Rule:
    """Read and parse one rule file; a file that cannot be read yields a `Rule` whose `problem` says why."""
    return Rule.from_source(read_source(path, max_size=max_size))


__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "PathNotFoundError",
    "Rule",
    "is_rule_file",
    "iter_rule_files",
    "read_rule",
]
