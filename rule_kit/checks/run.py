"""Running the selected checks over one rule; a check that crashes is reported, never raised."""

from __future__ import annotations

from rule_kit.checks.files import internal_error
from rule_kit.checks.registry import runners
from rule_kit.config import Config
from rule_kit.diagnostics import Diagnostic
from rule_kit.rules.model import Rule


def run_checks(rule: Rule, config: Config) -> list[Diagnostic]:
    """Every selected finding for `rule`, sorted by position; also stored on `rule.diagnostics`."""
    found: list[Diagnostic] = []
    for unit in runners():
        if unit.needs_document and rule.data is None:
            continue
        if not any(config.is_selected(code) for code in unit.codes):
            continue
        try:
            found.extend(d for d in unit.run(rule) if config.keeps(d))
        except Exception as error:  # one broken check must not hide the others' findings
            found.append(internal_error(str(rule.path), error))
    found.sort(key=lambda d: d.sort_key)
    rule.diagnostics = found
    return found
