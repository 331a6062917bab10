"""What the docs site knows about the rules: each rule file read once into a `RuleDoc` (its page path, the values
its page shows, its fixture cases run through the engine as test evidence), plus the problems met on the way.

The plugin calls `collect` once per build; the pages are rendered from the result by `rule_kit.docs.pages`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from rule_kit.checks.attack import mapping_ids
from rule_kit.checks.context import CheckContext
from rule_kit.checks.files import read_failures
from rule_kit.config import Config
from rule_kit.diagnostics import Diagnostic, Severity
from rule_kit.engine import NotExecutable, RuleError, plan_rule, run
from rule_kit.engine.plan import (
    DEFAULT_FROM,
    DEFAULT_INTERVAL,
    DEFAULT_MAX_SIGNALS,
    Threshold,
    read_new_terms,
    read_threshold,
)
from rule_kit.fixtures import FixtureFile, fixtures_path, load_fixtures
from rule_kit.kql.nodes import Item
from rule_kit.rules import Rule, iter_rule_files, read_rule
from rule_kit.rules.query import parsed_query

SEVERITIES = ("critical", "high", "medium", "low")
_OS_TAG = re.compile(r"^OS:\s*(.+)$")


@dataclass(frozen=True)
class CaseResult:
    """One fixture case as evidence: what it expects and what the engine did (`problems` empty: it passed).
    `error` is set when the case could not run (the rule is not executable, or Kibana could not run it)."""

    name: str
    expectation: str
    alerts: int | None
    problems: tuple[str, ...] = ()
    error: str | None = None
    description: str | None = None
    events: tuple[dict[str, Any], ...] = ()

    @property
    def passed(self) -> bool:
        return self.error is None and not self.problems


@dataclass(eq=False)
class RuleDoc:
    """One rule as its page shows it; values a rule lacks or mistypes read as None or empty."""

    rule: Rule
    page: str
    folder: str
    fixtures: FixtureFile | None = None
    evidence: list[CaseResult] = field(default_factory=list)
    not_executable: str | None = None

    def _text(self, key: str) -> str | None:
        value = self.rule.section.get(key)
        return value if isinstance(value, str) and value.strip() else None

    def _strings(self, key: str) -> list[str]:
        value = self.rule.section.get(key)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    @property
    def name(self) -> str:
        return self.rule.name or self.rule.path.stem

    @property
    def description(self) -> str | None:
        return self._text("description")

    @property
    def note(self) -> str | None:
        return self._text("note")

    @property
    def severity(self) -> str | None:
        value = self._text("severity")
        return value.lower() if value else None

    @property
    def risk_score(self) -> int | None:
        value = self.rule.section.get("risk_score")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def type(self) -> str | None:
        return self.rule.type

    @property
    def language(self) -> str | None:
        return self._text("language")

    @property
    def interval(self) -> str:
        return self._text("interval") or DEFAULT_INTERVAL

    @property
    def from_(self) -> str:
        return self._text("from") or DEFAULT_FROM

    @property
    def max_signals(self) -> int:
        value = self.rule.section.get("max_signals")
        return value if isinstance(value, int) and not isinstance(value, bool) else DEFAULT_MAX_SIGNALS

    @property
    def timestamp_override(self) -> str | None:
        return self._text("timestamp_override")

    @property
    def indices(self) -> list[str]:
        return self.rule.indices

    @property
    def tags(self) -> list[str]:
        return self._strings("tags")

    @property
    def references(self) -> list[str]:
        return self._strings("references")

    @property
    def false_positives(self) -> list[str]:
        return self._strings("false_positives")

    @property
    def authors(self) -> list[str]:
        return self._strings("author")

    @property
    def rule_id(self) -> str | None:
        return self.rule.rule_id

    def _metadata(self, key: str) -> str | None:
        value = self.rule.get(("metadata", key))
        return value if isinstance(value, str) and value.strip() else None

    @property
    def maturity(self) -> str | None:
        return self._metadata("maturity")

    @property
    def updated(self) -> str | None:
        return self._metadata("updated_date")

    @property
    def created(self) -> str | None:
        return self._metadata("creation_date")

    @property
    def platforms(self) -> list[str]:
        """The `OS: …` tags (Elastic's convention); a rule without one is filed under its folder's name."""
        found = [m.group(1).strip() for m in map(_OS_TAG.match, self.tags) if m]
        return found or [self.folder]

    @property
    def query(self) -> str | None:
        return self._text("query")

    @cached_property
    def tree(self) -> Item | None:
        """The parsed KQL query, or None (not KQL, no query, or a syntax error `rule-kit check` reports)."""
        if self.language not in (None, "kuery"):
            return None
        parsed = parsed_query(self.rule)
        return parsed.tree if parsed is not None and parsed.error is None else None

    @cached_property
    def threats(self) -> tuple[tuple[str, str | None, str | None], ...]:
        """The ATT&CK mapping as `(tactic id, technique id, sub-technique id)` triples, as written."""
        return mapping_ids(self.rule)

    @property
    def tactic_ids(self) -> list[str]:
        return list(dict.fromkeys(t for t, _, _ in self.threats))

    @property
    def new_terms(self) -> tuple[list[str], str | None]:
        """`[rule.new_terms]` as the engine reads it: the fields and the history window start (empty when
        malformed: `rule-kit check` reports why)."""
        try:
            fields, history = read_new_terms(self.rule.section.get("new_terms"))
        except RuleError:
            return [], None
        return list(fields), history

    @property
    def threshold(self) -> Threshold | None:
        """`[rule.threshold]` as the engine reads it, or None when absent or malformed."""
        try:
            return read_threshold(self.rule.section.get("threshold"))
        except RuleError:
            return None


@dataclass
class Site:
    """Every rule the build found, in page order (by page path), and the problems met reading them."""

    rules: list[RuleDoc] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)


def page_for(path: Path, root: Path, prefix: str) -> tuple[str, str]:
    """The page source path of a rule file and the folder it is filed under: `rules/macos/foo.toml` under the
    root `rules/` is `rules/macos/foo.md` in folder `macos`. A file named directly is filed under its parent."""
    relative = path.relative_to(root) if root.is_dir() else Path(path.name)
    parts = relative.with_suffix("").parts
    folder = parts[0] if len(parts) > 1 else (path.parent.name or ".")
    return posixpath.join(prefix, *parts) + ".md", folder


def collect(
    paths: Sequence[Path], *, prefix: str = "rules", config: Config | None = None, evidence: bool = True
) -> Site:
    """Read every rule file under `paths` once, with its fixture file, running the fixture cases when `evidence`."""
    config = config or Config()
    context = CheckContext(config)
    site = Site()
    taken: set[str] = set()
    for root in paths:
        for path in iter_rule_files([root]):
            rule = read_rule(path, max_size=config.max_file_size)
            if rule.problem is not None:  # the same finding `rule-kit check` gives (RK0xx), with its position
                site.problems.extend(read_failures(rule, context))
                continue
            page, folder = page_for(path, root, prefix)
            stem, n = page[: -len(".md")], 2
            while page in taken:  # two roots holding the same relative path
                page, n = f"{stem}-{n}.md", n + 1
            taken.add(page)
            doc = RuleDoc(rule, page, folder)
            _load_evidence(doc, context, site, run_cases=evidence)
            site.rules.append(doc)
    site.rules.sort(key=lambda d: d.page)
    return site


def _load_evidence(doc: RuleDoc, context: CheckContext, site: Site, *, run_cases: bool) -> None:
    """Load the rule's fixture file (when it has one) and, with `run_cases`, run each case through the engine."""
    path = fixtures_path(doc.rule.path)
    if not path.is_file():
        return
    fields = context.fields_for(doc.rule)
    doc.fixtures = load_fixtures(path, rule=doc.rule, fields=fields)
    site.problems.extend(d for d in doc.fixtures.diagnostics if d.severity is Severity.ERROR)
    plan, error = None, None
    if run_cases:
        try:
            plan = plan_rule(doc.rule, fields)
        except NotExecutable as why:
            doc.not_executable = str(why)
        except RuleError as why:
            error = str(why)
    for case in doc.fixtures.cases:
        common = {"name": case.name, "expectation": case.expectation, "description": case.description}
        events = tuple(case.events)
        if plan is None:
            reason = error or doc.not_executable or "not run (evidence is off)"
            doc.evidence.append(CaseResult(**common, alerts=None, error=reason, events=events))
            continue
        try:
            alerts = run(plan, case.events, case.now, case.runs)
        except RuleError as why:
            doc.evidence.append(CaseResult(**common, alerts=None, error=str(why), events=events))
            continue
        problems = tuple(case.verify(alerts))
        doc.evidence.append(CaseResult(**common, alerts=len(alerts), problems=problems, events=events))
