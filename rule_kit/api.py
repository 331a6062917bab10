"""The public Python API: `load_rules` and `check`, plus the streaming `iter_checked` the CLI uses."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from rule_kit.checks.files import internal_error
from rule_kit.checks.run import run_checks
from rule_kit.config import Config
from rule_kit.diagnostics import Diagnostic
from rule_kit.rules import Rule, iter_rule_files, read_rule

PathLike = str | os.PathLike[str]


def load_rules(paths: PathLike | Iterable[PathLike], *, config: Config | None = None) -> list[Rule]:
    """Read every rule file under `paths`; each `Rule` carries its own findings in `.diagnostics`."""
    config = config or Config()
    rules = []
    for path in iter_rule_files(_as_list(paths)):
        rule = read_rule(path, max_size=config.max_file_size)
        run_checks(rule, config)
        rules.append(rule)
    return rules


def check(paths: PathLike | Iterable[PathLike], *, config: Config | None = None) -> list[Diagnostic]:
    """Every finding for the rule files under `paths`, sorted by file and position."""
    config = config or Config()
    found: list[Diagnostic] = []
    for _, diagnostics in iter_checked(iter_rule_files(_as_list(paths)), config):
        found.extend(diagnostics)
    return found


def iter_checked(files: Iterable[Path], config: Config) -> Iterator[tuple[Path, list[Diagnostic]]]:
    """Check files one at a time, holding no document longer than its own checks need (memory stays flat)."""
    for path in files:
        try:
            rule = read_rule(path, max_size=config.max_file_size)
            diagnostics = run_checks(rule, config)
        except Exception as error:  # reading itself failed unexpectedly: report and go on
            diagnostics = [internal_error(str(path), error)]
        yield path, diagnostics


def _as_list(paths: PathLike | Iterable[PathLike]) -> list[PathLike]:
    if isinstance(paths, str | os.PathLike):
        return [paths]
    return list(paths)
