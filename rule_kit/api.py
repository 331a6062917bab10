"""The public Python API: `load_rules` and `check`, plus the streaming `iter_checked` the CLI uses."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rule_kit.checks.context import CheckContext
from rule_kit.checks.files import internal_error
from rule_kit.checks.run import CheckSession
from rule_kit.config import Config
from rule_kit.diagnostics import Diagnostic
from rule_kit.fields import FieldCatalog
from rule_kit.kql.nodes import Item
from rule_kit.rules import Rule, iter_rule_files, read_rule
from rule_kit.rules.query import parsed_query

PathLike = str | os.PathLike[str]


def load_rules(paths: PathLike | Iterable[PathLike], *, config: Config | None = None) -> list[Rule]:
    """Read every rule file under `paths`; each `Rule` carries its own findings in `.diagnostics`."""
    config = config or Config()
    session = CheckSession(config)
    rules = []
    for path in iter_rule_files(_as_list(paths)):
        rule = read_rule(path, max_size=config.max_file_size)
        session.check(rule)
        rules.append(rule)
    by_path = {str(rule.path): rule for rule in rules}
    for diagnostic in session.finish():  # cross-file findings belong to each rule they name
        owner = by_path.get(diagnostic.path)
        if owner is not None:
            owner.diagnostics.append(diagnostic)
            owner.diagnostics.sort(key=lambda d: d.sort_key)
    return rules


def check(paths: PathLike | Iterable[PathLike], *, config: Config | None = None) -> list[Diagnostic]:
    """Every finding for the rule files under `paths`, sorted by file and position."""
    config = config or Config()
    session = CheckSession(config)
    found: list[Diagnostic] = []
    for _, diagnostics in iter_checked(iter_rule_files(_as_list(paths)), session):
        found.extend(diagnostics)
    found.extend(session.finish())
    found.sort(key=lambda d: d.sort_key)
    return found


def iter_checked(files: Iterable[Path], session: CheckSession) -> Iterator[tuple[Path, list[Diagnostic]]]:
    """Check files one at a time, holding no document longer than its own checks need (memory stays flat).
    The caller adds `session.finish()`, the cross-file findings, after the last file."""
    for path in files:
        try:
            rule = read_rule(path, max_size=session.config.max_file_size)
            diagnostics = session.check(rule)
        except Exception as error:  # reading itself failed unexpectedly: report and go on
            diagnostics = [internal_error(str(path), error)]
        yield path, diagnostics


def _as_list(paths: PathLike | Iterable[PathLike]) -> list[PathLike]:
    if isinstance(paths, str | os.PathLike):
        return [paths]
    return list(paths)


class RuleQueryError(ValueError):
    """A rule's query cannot be used: not read, not KQL, missing, or not parsed (the message says which)."""


@dataclass(frozen=True)
class RuleQuery:
    """A rule's parsed KQL query with the field catalog of its indices: what `dsl` and `explain` work on."""

    rule: Rule
    tree: Item
    fields: FieldCatalog


def load_query(path: PathLike, *, config: Config | None = None) -> RuleQuery:
    """Read one rule file and parse its KQL query (Kibana's grammar), with the fields of its indices."""
    rule = read_rule(Path(path))
    if rule.problem is not None:
        raise RuleQueryError(rule.problem.message)
    language = rule.section.get("language")
    if language != "kuery":
        raise RuleQueryError(f"the rule's query is not KQL (language = {language!r}, expected 'kuery')")
    parsed = parsed_query(rule)
    if parsed is None:
        raise RuleQueryError("the rule has no KQL query")
    if parsed.error is not None:
        raise RuleQueryError(f"KQL syntax error: {parsed.error.message} (offset {parsed.error.offset})")
    assert parsed.tree is not None
    return RuleQuery(rule, parsed.tree, CheckContext(config or Config()).fields_for(rule))
