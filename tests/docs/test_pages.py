"""The generated pages' words: each rule type's behaviour, schedules, durations, and the check pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from rule_kit.attack import load_attack
from rule_kit.checks.registry import all_checks, get_check
from rule_kit.docs.pages import Pages, check_page, checks_index, duration_words, how_it_alerts, lookback_words
from rule_kit.docs.site import RuleDoc, Site
from rule_kit.rules import read_rule

NEW_TERMS_TABLES = """[rule.new_terms]
field = "new_terms_fields"
value = ["host.id", "process.parent.executable"]
[[rule.new_terms.history_window_start]]
field = "history_window_start"
value = "now-7d"
"""


def _doc(path: Path) -> RuleDoc:
    return RuleDoc(read_rule(path), "rules/x.md", "x")


def _as_type(seed_text: str, rule_type: str, tables: str) -> str:
    return seed_text.replace('type = "new_terms"', f'type = "{rule_type}"').replace(NEW_TERMS_TABLES, tables)


@pytest.mark.parametrize(
    ("text", "words"), [("5m", "5 minutes"), ("1h", "1 hour"), ("2d", "2 days"), ("1M", "1 month"), ("x", "x")]
)
def test_duration_words(text: str, words: str) -> None:
    assert duration_words(text) == words


def test_lookback_words() -> None:
    assert lookback_words("now-9m") == "9 minutes"
    assert lookback_words("now/d") == "back to now/d"


def test_new_terms_in_words(seed_text: str, write_rule) -> None:
    words = how_it_alerts(_doc(write_rule(seed_text)))
    assert words.startswith("Alerts the first time a combination of <code>host.id</code> + ")
    assert (
        "in the 7 days before the run" in words
        and "Runs every 5 minutes; each run looks at the last 9 minutes" in words
    )


def test_one_new_terms_field_is_a_value(seed_text: str, write_rule) -> None:
    text = seed_text.replace('value = ["host.id", "process.parent.executable"]', 'value = ["host.id"]')
    assert "the first time a value of <code>host.id</code> is seen" in how_it_alerts(_doc(write_rule(text)))


def test_threshold_with_cardinality_in_words(seed_text: str, write_rule) -> None:
    tables = (
        '[rule.threshold]\nfield = ["source.ip"]\nvalue = 20\n'
        '[[rule.threshold.cardinality]]\nfield = "user.name"\nvalue = 10\n'
    )
    words = how_it_alerts(_doc(write_rule(_as_type(seed_text, "threshold", tables))))
    assert words.startswith(
        "Alerts when 20 or more events matching the query in one run's window share the same <code>source.ip</code>"
        " and have at least 10 distinct values of <code>user.name</code>: one alert per group."
    )


def test_threshold_without_fields_counts_all_events(seed_text: str, write_rule) -> None:
    words = how_it_alerts(_doc(write_rule(_as_type(seed_text, "threshold", "[rule.threshold]\nvalue = 5\n"))))
    assert words.startswith("Alerts when 5 or more events matching the query in one run's window: one alert per group")


def test_query_rule_in_words(seed_text: str, write_rule) -> None:
    text = _as_type(seed_text, "query", "").replace("risk_score = 47", "max_signals = 7\nrisk_score = 47")
    words = how_it_alerts(_doc(write_rule(text)))
    assert words.startswith("Alerts on every event matching the query, at most 7 alerts a run.")


def test_rule_types_rule_kit_does_not_run_say_so(seed_text: str, write_rule) -> None:
    text = _as_type(seed_text, "eql", "").replace('language = "kuery"', 'language = "eql"')
    assert "rule-kit does not run it" in how_it_alerts(_doc(write_rule(text)))


def test_a_query_that_does_not_parse_is_shown_as_written(seed_text: str, write_rule) -> None:
    text = seed_text.replace('process.args:"-c" and', 'process.args:"-c" and and')
    doc = _doc(write_rule(text))
    page = Pages(Site([doc]), load_attack()).rule_page(doc)
    assert "does not parse as KQL" in page and "and and" in page


def test_check_pages_carry_the_docstring_and_how_to_turn_it_off() -> None:
    check = get_check("RK101")
    assert check is not None
    page = check_page(check)
    assert page.startswith("# RK101 unknown-key")
    assert check.doc.strip().splitlines()[0] in page and 'ignore = ["RK101"]' in page
    index = checks_index(all_checks())
    assert "[RK101](RK101.md)" in index and "## RK1xx:" in index
