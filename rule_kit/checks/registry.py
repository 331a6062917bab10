"""The check registry: every finding rule-kit can report is a declared `Check` with a stable code.

A check's docstring is its documentation (`rule-kit rule RK101`, the docs site). Checks are found, not wired: a
module under `rule_kit.checks` declares them, and the pipeline runs every registered runner whose codes are selected.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import tomlkit

from rule_kit.diagnostics import Diagnostic, Edit, Fix, Severity
from rule_kit.rules.model import Rule
from rule_kit.rules.positions import KeyPath, Span, format_key_path

if TYPE_CHECKING:
    from rule_kit.checks.context import CheckContext

_CODE = re.compile(r"^RK\d{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

FAMILIES: dict[str, str] = {
    "RK0": "File and TOML",
    "RK1": "Schema",
    "RK2": "Metadata and policy",
    "RK3": "MITRE ATT&CK",
    "RK4": "Rule-type configuration",
    "RK5": "KQL syntax",
    "RK6": "KQL semantics and pitfalls",
    "RK7": "Investigation guide",
    "RK8": "Fixtures and tests",
    "RK9": "House style",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """What a check found, before it is positioned: a key path in the rule and a message."""

    key_path: KeyPath
    message: str
    at_key: bool = False
    span: Span | None = None
    fix: Fix | None = None
    severity: Severity | None = None  # when configuration raises or lowers this finding (unknown fields)


def replace_value(rule: Rule, key_path: KeyPath, value: str | int | bool, description: str) -> Fix:
    """A fix that replaces the TOML value at `key_path` with `value`, written as TOML would write it."""
    span = rule.locate(key_path)
    edit = Edit(span.line, span.column, span.end_line, span.end_column, tomlkit.item(value).as_string())
    return Fix(description, (edit,))


@dataclass(frozen=True, slots=True)
class Check:
    code: str
    name: str
    severity: Severity
    doc: str

    @property
    def family(self) -> str:
        return FAMILIES.get(self.code[:3], "Other")

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name

    def at(self, rule: Rule, finding: Finding) -> Diagnostic:
        """Turn a finding in `rule` into a positioned diagnostic of this check."""
        span = finding.span or rule.locate(finding.key_path, at_key=finding.at_key)
        return Diagnostic(
            code=self.code,
            name=self.name,
            severity=finding.severity or self.severity,
            message=finding.message,
            path=str(rule.path),
            line=span.line,
            column=span.column,
            end_line=span.end_line,
            end_column=span.end_column,
            rule_id=rule.rule_id,
            key_path=format_key_path(finding.key_path) if finding.key_path else None,
            fix=finding.fix,
        )


RuleRunner = Callable[[Rule, "CheckContext"], Iterable[Diagnostic]]


@dataclass(frozen=True, slots=True)
class Runner:
    """A function that examines one rule and may report any of `codes`; skipped when none is selected."""

    codes: frozenset[str]
    run: RuleRunner
    needs_document: bool


class CorpusCheck(Protocol):
    """A check across rule files: it sees every rule once (`observe`), then reports (`finish`).

    It keeps only what it needs (values and paths), never the documents, so memory stays flat.
    """

    def observe(self, rule: Rule) -> None: ...

    def finish(self) -> Iterable[Diagnostic]: ...


@dataclass(frozen=True, slots=True)
class CorpusRunner:
    codes: frozenset[str]
    factory: Callable[[], CorpusCheck]


_CHECKS: dict[str, Check] = {}
_RUNNERS: list[Runner] = []
_CORPUS_RUNNERS: list[CorpusRunner] = []


def declare(code: str, name: str, severity: Severity, doc: str) -> Check:
    """Register a check whose findings some stage (reading, schema) emits."""
    if not _CODE.match(code) or not _NAME.match(name):
        raise ValueError(f"bad check declaration {code} {name}")
    if code in _CHECKS:
        raise ValueError(f"check code {code} declared twice")
    check = Check(code, name, severity, inspect.cleandoc(doc))
    _CHECKS[code] = check
    return check


def runner(*checks: Check, needs_document: bool = True) -> Callable[[RuleRunner], RuleRunner]:
    """Register a function that reports findings of several declared checks."""

    def register(function: RuleRunner) -> RuleRunner:
        _RUNNERS.append(Runner(frozenset(c.code for c in checks), function, needs_document))
        return function

    return register


def rule_check(code: str, name: str, severity: Severity) -> Callable[[Callable[..., Iterable[Finding]]], Check]:
    """Declare a one-code check from a function that yields `Finding`s; its docstring is its documentation.

    The function takes `(rule)`, or `(rule, context)` when it needs the configuration or the field catalog.
    """

    def register(function: Callable[..., Iterable[Finding]]) -> Check:
        check = declare(code, name, severity, function.__doc__ or "")
        wants_context = len(inspect.signature(function).parameters) > 1

        def run(rule: Rule, context: CheckContext) -> Iterator[Diagnostic]:
            findings = function(rule, context) if wants_context else function(rule)
            for finding in findings:
                yield check.at(rule, finding)

        _RUNNERS.append(Runner(frozenset([code]), run, True))
        return check

    return register


def corpus_check(*checks: Check) -> Callable[[Callable[[], CorpusCheck]], Callable[[], CorpusCheck]]:
    """Register a factory of a cross-file check (a class whose instances observe one run's rules)."""

    def register(factory: Callable[[], CorpusCheck]) -> Callable[[], CorpusCheck]:
        _CORPUS_RUNNERS.append(CorpusRunner(frozenset(c.code for c in checks), factory))
        return factory

    return register


def corpus_runners() -> list[CorpusRunner]:
    _load_builtin_checks()
    return list(_CORPUS_RUNNERS)


def all_checks() -> list[Check]:
    _load_builtin_checks()
    return sorted(_CHECKS.values(), key=lambda c: c.code)


def get_check(code: str) -> Check | None:
    _load_builtin_checks()
    return _CHECKS.get(code.upper())


def runners() -> list[Runner]:
    _load_builtin_checks()
    return list(_RUNNERS)


def _load_builtin_checks() -> None:
    import rule_kit.checks  # noqa: F401  (importing the package registers every built-in check)
