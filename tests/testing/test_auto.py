"""Automatic properties on rule shapes the bundled rules use: threshold with cardinality, `.caseless` new terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from rule_kit.engine import plan_rule
from rule_kit.fields import catalog_for_indices
from rule_kit.rules import read_rule
from rule_kit.testing.auto import PROFILES, AutoPropertyFailed, AutoPropertySkipped, check_auto_property

PROFILE = PROFILES["ci"]
NEW_TERMS = 'value = ["host.id", "process.parent.executable"]'


def _plan(path: Path):
    rule = read_rule(path)
    return plan_rule(rule, catalog_for_indices(rule.indices))


def _threshold(seed_text: str, cardinality_field: str) -> str:
    text = seed_text.replace('type = "new_terms"', 'type = "threshold"')
    text = text[: text.index("[rule.new_terms]")]
    return text + (
        '[rule.threshold]\nfield = ["host.id"]\nvalue = 3\n'
        f'[[rule.threshold.cardinality]]\nfield = "{cardinality_field}"\nvalue = 5\n'
    )


@pytest.mark.parametrize("name", ["alerts", "ignores"])
def test_threshold_with_cardinality_is_exercised_with_distinct_values(seed_text: str, write_rule, name: str) -> None:
    plan = _plan(write_rule(_threshold(seed_text, "user.name")))
    check_auto_property(plan, name, PROFILE, b"cardinality-" + name.encode())  # runs, and holds


def test_a_cardinality_field_the_query_fixes_is_skipped_with_that_reason(seed_text: str, write_rule) -> None:
    plan = _plan(write_rule(_threshold(seed_text, "event.action")))  # the query says event.action:exec
    with pytest.raises(AutoPropertySkipped, match="constrains its timestamps or the cardinality field"):
        check_auto_property(plan, "alerts", PROFILE, b"cardinality-fixed")


def test_new_terms_on_a_caseless_multi_field_alerts(seed_text: str, write_rule) -> None:
    text = seed_text.replace(NEW_TERMS, 'value = ["host.id", "process.parent.executable.caseless"]')
    plan = _plan(write_rule(text))
    assert plan.new_terms_fields[1] == "process.parent.executable.caseless"
    try:
        check_auto_property(plan, "alerts", PROFILE, b"caseless")
    except AutoPropertyFailed as failure:  # pragma: no cover - the message is the point when it fails
        pytest.fail(failure.report())
