"""The rule engine: date math, the event model's timestamps and the rule-type executors that turn events into
alerts as Kibana's detection engine would (shared/design/engine.md; docs/engine.md).

    alerts = rule_kit.engine.run(rule, events, now="2026-03-24T12:00:00Z", runs=1)

The names below load on first use: `rule_kit.kql` uses `rule_kit.engine.datemath`, and the executors use
`rule_kit.kql`, so importing them here eagerly would be a cycle.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rule_kit.engine.executors import (
        Alert,
        Execution,
        RunWindow,
        as_instant,
        effective_times,
        execute,
        iso,
        latest_time,
        run,
    )
    from rule_kit.engine.plan import NotExecutable, RuleError, RulePlan, Threshold, plan_rule

__all__ = [
    "Alert",
    "Execution",
    "NotExecutable",
    "RuleError",
    "RulePlan",
    "RunWindow",
    "Threshold",
    "as_instant",
    "effective_times",
    "execute",
    "iso",
    "latest_time",
    "plan_rule",
    "run",
]
_PLAN = {"NotExecutable", "RuleError", "RulePlan", "Threshold", "plan_rule"}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'rule_kit.engine' has no attribute {name!r}")
    return getattr(import_module("rule_kit.engine.plan" if name in _PLAN else "rule_kit.engine.executors"), name)
