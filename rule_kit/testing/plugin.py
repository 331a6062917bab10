"""The pytest plugin: every case of every rule's fixture file is a test item, `path::rule name::case name`.

Registered as a `pytest11` entry point, so it is loaded in every pytest run of an environment that has rule-kit,
but it collects rules only when asked: `--rule-kit` on the command line (`rule-kit test` passes it) or
`rule_kit = true` in the pytest ini options. Selection (`-k`), `-x`, `--junitxml` and `-n` (pytest-xdist) are
pytest's own; this module only turns rule files into items and failures into readable reports.

Per rule file: its cases (run with `rule_kit.engine.execute`, checked with `Case.verify`); a failing
`path::rule name::fixtures` item when the fixture file has errors (RK8xx, as `rule-kit check` reports them);
a `path::rule name::fixtures` item skipped (or failed, with `require-fixtures`) when the rule has no fixture file;
cases of a rule rule-kit cannot run yet (EQL, ES|QL, ...) are skipped with the reason, never passed.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import hypothesis
import pytest

from rule_kit.checks.context import CheckContext
from rule_kit.config import Config, ConfigError, load_config
from rule_kit.diagnostics import Diagnostic, Severity
from rule_kit.engine import NotExecutable, RuleError, RulePlan, execute, plan_rule
from rule_kit.engine.executors import Execution
from rule_kit.fixtures import Case, Property, fixtures_path, load_fixtures, rule_path_for
from rule_kit.report.execution import render_execution
from rule_kit.rules import Rule, read_rule
from rule_kit.rules.discover import FIXTURE_SUFFIX

PROFILE_NAMES = ("ci", "dev", "thorough")
AUTO_PROPERTIES = ("satisfiable", "alerts", "ignores", "robust")

FIXTURES_ITEM = "fixtures"


class RuleKitWarning(pytest.PytestWarning):
    """A fixture file finding below error severity (RK807: all cases alert, or none does)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rule-kit", "rule-kit: rules and their fixture files as tests")
    group.addoption(
        "--rule-kit", action="store_true", default=False, help="Collect rule files (*.toml) and their fixtures."
    )
    group.addoption(
        "--rule-kit-require-fixtures",
        action="store_true",
        default=None,
        help="Fail a rule that has no fixture file (default: skip it; config: require-fixtures).",
    )
    group.addoption(
        "--rule-kit-profile",
        choices=PROFILE_NAMES,
        default=None,
        help="Hypothesis profile for generated events: ci (reproducible), dev, thorough (config: test-profile).",
    )
    group.addoption(
        "--rule-kit-no-auto",
        action="store_true",
        default=False,
        help="Leave out the automatic properties (config: auto-properties = false).",
    )
    parser.addini("rule_kit", type="bool", default=False, help="Collect rule files as with --rule-kit.")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule_kit: a rule-kit fixture case")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    config = parent.config
    if not (config.getoption("--rule-kit") or config.getini("rule_kit")):
        return None
    name = file_path.name
    if name.endswith(FIXTURE_SUFFIX):
        rule_path = rule_path_for(file_path)
        if not rule_path.exists():
            return OrphanFixtures.from_parent(parent, path=file_path)
        if parent.session.isinitpath(file_path):  # named on the command line: test its rule
            return RuleFile.from_parent(parent, path=rule_path)
        return None  # collected through its rule file
    if name.endswith(".toml") and name != "pyproject.toml":
        return RuleFile.from_parent(parent, path=file_path)
    return None


def _rule_kit_config(config: pytest.Config) -> Config:
    cached = config.stash.get(_CONFIG_KEY, None)
    if cached is None:
        try:
            cached = load_config(start=Path(str(config.invocation_params.dir)))
        except ConfigError as error:
            raise pytest.UsageError(f"rule-kit: {error}") from None
        config.stash[_CONFIG_KEY] = cached
    return cached


_CONFIG_KEY = pytest.StashKey[Config]()
_CONTEXT_KEY = pytest.StashKey[CheckContext]()


def _context(config: pytest.Config) -> CheckContext:
    """One context per session: the team's field catalogs are read once, not once per rule."""
    context = config.stash.get(_CONTEXT_KEY, None)
    if context is None:
        context = config.stash[_CONTEXT_KEY] = CheckContext(_rule_kit_config(config))
    return context


class RuleFile(pytest.File):
    """A rule file: one `RuleCollector` named after the rule (no items for TOML files that are not rules)."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        rule = read_rule(self.path)
        if rule.data is not None and "rule" not in rule.data and "metadata" not in rule.data:
            return  # some other TOML file (a team catalog, a tool's settings)
        name = rule.name or self.path.stem
        yield RuleCollector.from_parent(self, name=name, rule=rule)


class RuleCollector(pytest.Collector):
    """One rule: its fixture cases, or the item that says why there are none."""

    def __init__(self, *, rule: Rule, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rule = rule

    def collect(self) -> Iterator[pytest.Item]:
        rule, settings = self.rule, _rule_kit_config(self.config)
        if rule.data is None:
            problem = rule.problem.message if rule.problem is not None else "cannot be read"
            problem = f"the rule file {problem} (see rule-kit check)"
            yield ProblemItem.from_parent(self, name=FIXTURES_ITEM, problem=problem)
            return
        fields = _context(self.config).fields_for(rule)
        plan: RulePlan | None = None
        skip_reason: str | None = None
        rule_error: str | None = None
        try:
            plan = plan_rule(rule, fields)
        except NotExecutable as reason:
            skip_reason = f"not executable yet: {reason}"
        except RuleError as error:
            rule_error = f"the rule cannot run: {error}"
        if plan is not None and settings.auto_properties and not self.config.getoption("--rule-kit-no-auto"):
            for name in AUTO_PROPERTIES:
                yield AutoItem.from_parent(self, name=f"auto: {name}", plan=plan, prop=name)
        path = fixtures_path(rule.path)
        if not path.exists():
            required = self.config.getoption("--rule-kit-require-fixtures")
            required = settings.require_fixtures if required is None else required
            yield MissingFixturesItem.from_parent(self, name=FIXTURES_ITEM, fixtures=path, required=required)
            return
        loaded = load_fixtures(path, rule=rule, fields=fields)
        errors = [d for d in loaded.diagnostics if d.severity == Severity.ERROR and settings.keeps(d)]
        for diagnostic in loaded.diagnostics:
            if diagnostic.severity != Severity.ERROR and settings.keeps(diagnostic):
                warnings.warn(RuleKitWarning(_diagnostic_line(diagnostic)), stacklevel=1)
        if errors:
            problem = "the fixture file has errors:\n" + "\n".join(_diagnostic_line(d) for d in errors)
            yield ProblemItem.from_parent(self, name=FIXTURES_ITEM, problem=problem)
        for case in loaded.cases:
            yield CaseItem.from_parent(
                self, name=case.name, case=case, plan=plan, skip_reason=skip_reason, rule_error=rule_error
            )
        for prop in loaded.properties:
            yield PropertyItem.from_parent(
                self, name=f"property: {prop.name}", prop=prop, plan=plan, skip_reason=skip_reason
            )


def _profile(config: pytest.Config) -> hypothesis.settings:
    """The hypothesis settings for generated events: --rule-kit-profile, else `test-profile` in the configuration,
    else `ci` under CI (CI set) and `dev` elsewhere."""
    from rule_kit.testing.auto import PROFILES  # hypothesis strategies load only when properties run

    name = config.getoption("--rule-kit-profile") or _rule_kit_config(config).test_profile
    if name is None:
        name = "ci" if os.environ.get("CI") else "dev"
    return PROFILES[name]


class AutoItem(pytest.Item):
    """One automatic property of an executable rule (rule_kit.testing.auto)."""

    def __init__(self, *, plan: RulePlan, prop: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan, self.prop = plan, prop
        self.add_marker(pytest.mark.rule_kit)

    def runtest(self) -> None:
        from rule_kit.testing.auto import AutoPropertySkipped, check_auto_property

        try:
            check_auto_property(self.plan, self.prop, _profile(self.config), self.nodeid.encode())
        except AutoPropertySkipped as reason:
            pytest.skip(str(reason))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        report = getattr(excinfo.value, "report", None)
        if callable(report):  # AutoPropertyFailed
            return f"automatic property {self.prop}: {report()}"
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.parent.name}::{self.name}"


class PropertyItem(pytest.Item):
    """One `[[property]]` of a fixture file: hypothesis explores the family of events it describes."""

    def __init__(self, *, prop: Property, plan: RulePlan | None, skip_reason: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prop, self.plan, self.skip_reason = prop, plan, skip_reason
        self.add_marker(pytest.mark.rule_kit)

    def runtest(self) -> None:
        if self.skip_reason is not None:
            pytest.skip(self.skip_reason)
        if self.plan is None:
            raise FixturesProblem("the rule cannot run (see its cases)")
        from rule_kit.testing.properties import check_property

        with hypothesis_profile(_profile(self.config)):
            check_property(self.plan, self.prop, database_key=self.nodeid.encode())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        failure = excinfo.value
        report = getattr(failure, "report", None)
        if callable(report):  # PropertyFailed
            return report()
        if isinstance(failure, FixturesProblem):
            return str(failure)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int, str]:
        return fixtures_path(self.path), self.prop.line - 1, f"{self.parent.name}::{self.name}"


class CaseItem(pytest.Item):
    """One fixture case: run the rule over its events and compare the alerts with the expectation."""

    def __init__(
        self,
        *,
        case: Case,
        plan: RulePlan | None,
        skip_reason: str | None,
        rule_error: str | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.plan = plan
        self.skip_reason = skip_reason
        self.rule_error = rule_error
        self.add_marker(pytest.mark.rule_kit)

    def runtest(self) -> None:
        if self.skip_reason is not None:
            pytest.skip(self.skip_reason)
        if self.rule_error is not None or self.plan is None:
            raise CaseFailed(self.case, [self.rule_error or "the rule cannot run"], None)
        try:
            execution = execute(self.plan, self.case.events, self.case.now, self.case.runs)
        except RuleError as error:
            raise CaseFailed(self.case, [f"the rule cannot run: {error}"], None) from None
        problems = self.case.verify(execution.alerts)
        if problems:
            raise CaseFailed(self.case, problems, execution)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        failure = excinfo.value
        if isinstance(failure, CaseFailed):
            return failure.report()
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int, str]:
        return fixtures_path(self.path), self.case.line - 1, f"{self.parent.name}::{self.case.name}"


class CaseFailed(Exception):
    """A case whose alerts are not the expected ones; `report()` is what the user reads."""

    def __init__(self, case: Case, problems: list[str], execution: Execution | None) -> None:
        super().__init__("; ".join(problems))
        self.case, self.problems, self.execution = case, problems, execution

    def report(self) -> str:
        case = self.case
        lines = [f"case: {case.name}"]
        lines += [f"  - {problem}" for problem in self.problems]
        if self.execution is not None:
            lines += ["", render_execution(self.execution, case.events)]
        return "\n".join(lines)


class MissingFixturesItem(pytest.Item):
    """A rule without a fixture file: skipped, or failed when fixtures are required."""

    def __init__(self, *, fixtures: Path, required: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fixtures, self.required = fixtures, required

    def runtest(self) -> None:
        message = f"no fixture file {self.fixtures.name} beside the rule (see docs/fixtures.md)"
        if self.required:
            raise FixturesProblem(message + "; require-fixtures is on")
        pytest.skip(message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.parent.name}::{self.name}"


class ProblemItem(pytest.Item):
    """A rule or fixture file that cannot be tested as it is: fails with the diagnostics."""

    def __init__(self, *, problem: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problem = problem

    def runtest(self) -> None:
        raise FixturesProblem(self.problem)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.parent.name}::{self.name}"


class OrphanFixtures(pytest.File):
    """A fixture file with no rule file beside it (renamed or deleted rule)."""

    def collect(self) -> Iterator[pytest.Item]:
        problem = f"no rule file {rule_path_for(self.path).name} beside this fixture file"
        yield ProblemItem.from_parent(self, name=FIXTURES_ITEM, problem=problem)


class FixturesProblem(Exception):
    """A fixture file error or a missing fixture file that must fail."""


@contextmanager
def hypothesis_profile(profile: hypothesis.settings) -> Iterator[None]:
    """`profile` as hypothesis' default settings while a property runs (then the previous default again)."""
    previous = hypothesis.settings.default
    hypothesis.settings.register_profile("rule-kit-active", profile)
    hypothesis.settings.load_profile("rule-kit-active")
    try:
        yield
    finally:
        hypothesis.settings.register_profile("rule-kit-previous", previous)
        hypothesis.settings.load_profile("rule-kit-previous")


def _diagnostic_line(diagnostic: Diagnostic) -> str:
    return f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}: {diagnostic.code} {diagnostic.message}"
