"""Running the selected checks: per rule as files stream by, then the cross-file checks once at the end.

A check that crashes is reported as an internal error for that file, never raised.
"""

from __future__ import annotations

from collections.abc import Iterable

from rule_kit.checks.context import CheckContext
from rule_kit.checks.files import internal_error
from rule_kit.checks.registry import CorpusCheck, corpus_runners, runners
from rule_kit.config import Config
from rule_kit.diagnostics import Diagnostic
from rule_kit.rules.model import Rule


def run_checks(rule: Rule, context: CheckContext | Config) -> list[Diagnostic]:
    """Every selected per-rule finding for `rule`, sorted by position; also stored on `rule.diagnostics`."""
    if isinstance(context, Config):
        context = CheckContext(context)
    config = context.config
    found: list[Diagnostic] = []
    for unit in runners():
        if unit.needs_document and rule.data is None:
            continue
        if not any(config.is_selected(code) for code in unit.codes):
            continue
        try:
            found.extend(d for d in unit.run(rule, context) if config.keeps(d))
        except Exception as error:  # one broken check must not hide the others' findings
            found.append(internal_error(str(rule.path), error))
    found.sort(key=lambda d: d.sort_key)
    rule.diagnostics = found
    return found


class CheckSession:
    """One run over many rules: per-rule checks as each rule comes, cross-file checks at the end."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.context = CheckContext(config)
        self.context.team_catalog()  # a broken team catalog is a configuration error, before any file
        self._corpus: list[CorpusCheck] = [
            unit.factory() for unit in corpus_runners() if any(config.is_selected(c) for c in unit.codes)
        ]

    def check(self, rule: Rule) -> list[Diagnostic]:
        found = run_checks(rule, self.context)
        if rule.data is not None:
            for corpus in self._corpus:
                try:
                    corpus.observe(rule)
                except Exception as error:
                    found.append(internal_error(str(rule.path), error))
        return found

    def finish(self) -> list[Diagnostic]:
        found: list[Diagnostic] = []
        for corpus in self._corpus:
            found.extend(d for d in _safely(corpus) if self.config.keeps(d))
        return sorted(found, key=lambda d: d.sort_key)


def _safely(corpus: CorpusCheck) -> Iterable[Diagnostic]:
    try:
        return list(corpus.finish())
    except Exception as error:
        return [internal_error("<corpus>", error)]
