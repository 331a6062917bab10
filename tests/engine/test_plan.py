"""plan_rule: which rules run, with which parameters, and which are refused (NotExecutable) or broken (RuleError)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import rule_kit
from rule_kit.engine import NotExecutable, RuleError, plan_rule, run
from rule_kit.fields import catalog_for_indices
from rule_kit.rules import Rule, read_rule

NOW = datetime(2026, 3, 24, 12, 0, tzinfo=UTC)
WriteRule = Callable[..., Path]

HEADER = """\
[metadata]
creation_date = "2026/03/24"
maturity = "production"
updated_date = "2026/03/24"

[rule]
author = ["rule-kit tests"]
description = "A test rule."
index = ["logs-endpoint.events.process-*"]
license = "Elastic License v2"
name = "Test Rule"
risk_score = 21
rule_id = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
severity = "low"
"""


def rule_from(write_rule: WriteRule, body: str, name: str = "rule.toml") -> Rule:
    return read_rule(write_rule(HEADER + body, name))


def query_body(query: str = "event.category:process", extra: str = "") -> str:
    return f"type = \"query\"\nlanguage = \"kuery\"\n{extra}\nquery = '''\n{query}\n'''\n"


# --- not executable -----------------------------------------------------------------------------------------------

NOT_EXECUTABLE = {
    "eql": ('type = "eql"\nlanguage = "eql"\nquery = \'process where process.name == "bash"\'\n', "eql"),
    "esql": ('type = "esql"\nlanguage = "esql"\nquery = "FROM logs-* | LIMIT 10"\n', "esql"),
    "machine_learning": (
        'type = "machine_learning"\nanomaly_threshold = 50\nmachine_learning_job_id = ["rare_process"]\n',
        "machine_learning",
    ),
    "threat_match": (
        'type = "threat_match"\nlanguage = "kuery"\nquery = "source.ip:*"\nthreat_index = ["filebeat-*"]\n'
        'threat_query = "threat.indicator.ip:*"\n'
        '[[rule.threat_mapping]]\n[[rule.threat_mapping.entries]]\nfield = "source.ip"\ntype = "mapping"\n'
        'value = "threat.indicator.ip"\n',
        "threat_match",
    ),
    "lucene": ('type = "query"\nlanguage = "lucene"\nquery = "process.name:bash"\n', "lucene"),
    "lucene new_terms": (
        'type = "new_terms"\nlanguage = "lucene"\nquery = "process.name:bash"\n'
        '[rule.new_terms]\nfield = "new_terms_fields"\nvalue = ["host.id"]\n'
        '[[rule.new_terms.history_window_start]]\nfield = "history_window_start"\nvalue = "now-7d"\n',
        "lucene",
    ),
    "untyped": ('language = "kuery"\nquery = "process.name:bash"\n', "untyped"),
    "filters": (
        query_body(
            extra='[[rule.filters]]\n[rule.filters.meta]\nnegate = false\n[rule.filters.query.match_phrase]\n"host.id" = "x"\n'
        ),
        "filters",
    ),
    "alert_suppression": (
        query_body(extra='[rule.alert_suppression]\ngroup_by = ["host.id"]\nmissing_fields_strategy = "suppress"\n'),
        "alert_suppression",
    ),
    "exceptions_list": (
        query_body(
            extra='[[rule.exceptions_list]]\nid = "endpoint_list"\nlist_id = "endpoint_list"\n'
            'namespace_type = "agnostic"\ntype = "endpoint"\n'
        ),
        "exceptions_list",
    ),
}


@pytest.mark.parametrize("case", sorted(NOT_EXECUTABLE))
def test_not_executable_rules_say_why(write_rule: WriteRule, case: str) -> None:
    body, reason = NOT_EXECUTABLE[case]
    # TOML: [rule] keys must precede subtables; every body above keeps its scalar keys first
    rule = rule_from(write_rule, body)
    assert rule.data is not None, rule.problem
    with pytest.raises(NotExecutable, match=reason):
        plan_rule(rule)
    with pytest.raises(NotExecutable, match=reason):
        run(rule, [], NOW)


def test_not_executable_is_not_a_rule_error() -> None:
    assert not issubclass(NotExecutable, RuleError) and not issubclass(RuleError, NotExecutable)
    assert issubclass(RuleError, ValueError)


# --- rule errors --------------------------------------------------------------------------------------------------


def test_a_value_the_field_type_rejects_is_a_rule_error(write_rule: WriteRule) -> None:
    rule = rule_from(write_rule, query_body("process.pid:abc"))
    with pytest.raises(RuleError, match=r"process\.pid"):
        run(rule, [], NOW)
    with pytest.raises(RuleError, match=r"process\.pid"):
        run(rule, [{"@timestamp": NOW.isoformat(), "process": {"pid": "abc"}}], NOW)


def test_plan_rule_rejects_a_value_the_field_type_rejects(write_rule: WriteRule) -> None:
    with pytest.raises(RuleError, match=r"process\.pid"):
        plan_rule(rule_from(write_rule, query_body("process.pid:abc")))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('type = "query"\nlanguage = "kuery"\n', "no query"),
        (query_body("process.name:(bash or"), "does not parse"),
        (query_body(extra='from = "yesterday"'), "from"),
        (query_body(extra='to = "now-1x"'), "to"),
        (query_body(extra='interval = "5 minutes"'), "interval"),
        (query_body(extra="max_signals = 0"), "max_signals"),
        (query_body(extra='timestamp_override = ""'), "timestamp_override"),
    ],
)
def test_rule_errors_at_plan_time(write_rule: WriteRule, body: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        plan_rule(rule_from(write_rule, body))


def test_from_after_to_is_a_rule_error(write_rule: WriteRule) -> None:
    rule = rule_from(write_rule, query_body(extra='from = "now-1m"\nto = "now-2m"'))
    with pytest.raises(RuleError, match="empty"):
        run(rule, [], NOW)


def test_an_unreadable_rule_file_is_a_rule_error(write_rule: WriteRule) -> None:
    rule = read_rule(write_rule("[rule\ntype = 'query'\n"))
    with pytest.raises(RuleError, match="cannot be read"):
        plan_rule(rule)


def new_terms_body(fields: str = '["host.id"]', history: str = "now-7d") -> str:
    return (
        'type = "new_terms"\nlanguage = "kuery"\nfrom = "now-9m"\nquery = "event.category:process"\n'
        f'[rule.new_terms]\nfield = "new_terms_fields"\nvalue = {fields}\n'
        f'[[rule.new_terms.history_window_start]]\nfield = "history_window_start"\nvalue = "{history}"\n'
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('type = "new_terms"\nlanguage = "kuery"\nquery = "event.category:process"\n', "new_terms"),
        (new_terms_body("[]"), "new_terms.value"),
        (new_terms_body('["process.command_line.text"]'), "aggregate"),  # a text field (Defend mapping)
        (new_terms_body('["message"]'), "aggregate"),
        (new_terms_body(history=""), "history_window_start"),
    ],
)
def test_new_terms_rule_errors(write_rule: WriteRule, body: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        plan_rule(rule_from(write_rule, body))


def test_history_window_not_before_from_fails_the_run(write_rule: WriteRule) -> None:
    for history in ("now-9m", "now-1m", "now"):
        rule = rule_from(write_rule, new_terms_body(history=history), name=f"h{len(history)}.toml")
        with pytest.raises(RuleError, match="History window size is smaller"):
            run(rule, [], NOW)


def test_plan_rule_rejects_a_history_window_not_before_from(write_rule: WriteRule) -> None:
    with pytest.raises(RuleError, match="history_window_start"):
        plan_rule(rule_from(write_rule, new_terms_body(history="now-5m")))


def test_more_than_three_new_terms_fields_is_a_rule_error(write_rule: WriteRule) -> None:
    body = new_terms_body('["host.id", "user.name", "process.name", "process.executable"]')
    with pytest.raises(RuleError, match=r"new_terms\.value"):
        plan_rule(rule_from(write_rule, body))


def test_threshold_rule_errors(write_rule: WriteRule) -> None:
    bad = {
        "missing table": "",
        "value 0": '[rule.threshold]\nfield = ["host.id"]\nvalue = 0\n',
        "value missing": '[rule.threshold]\nfield = ["host.id"]\n',
        "text field": '[rule.threshold]\nfield = ["message"]\nvalue = 2\n',
        "cardinality": '[rule.threshold]\nfield = []\nvalue = 2\n[[rule.threshold.cardinality]]\nfield = "user.name"\n',
    }
    for name, table in bad.items():
        body = 'type = "threshold"\nlanguage = "kuery"\nquery = "event.category:process"\n' + table
        with pytest.raises(RuleError, match=r"threshold|aggregate"):
            plan_rule(rule_from(write_rule, body, name=name.replace(" ", "_") + ".toml"))


# --- parameters ---------------------------------------------------------------------------------------------------


def test_defaults_are_kibanas(write_rule: WriteRule) -> None:
    plan = plan_rule(rule_from(write_rule, query_body()))
    assert (plan.type, plan.from_, plan.to, plan.interval, plan.max_signals) == (
        "query",
        "now-6m",
        "now",
        timedelta(minutes=5),
        100,
    )
    assert plan.timestamp_override is None and plan.fallback is True
    assert plan.rule_id == "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def test_seed_rule_plan(seed_text: str, write_rule: WriteRule) -> None:
    plan = plan_rule(read_rule(write_rule(seed_text)))
    assert plan.type == "new_terms"
    assert plan.new_terms_fields == ("host.id", "process.parent.executable")
    assert plan.history_window_start == "now-7d"
    assert (plan.from_, plan.to, plan.interval) == ("now-9m", "now", timedelta(minutes=5))
    assert plan.timestamp_override == "event.ingested" and plan.fallback is True
    assert plan.uses_now is False


def test_load_rules_gives_runnable_rules(seed_text: str, write_rule: WriteRule, tmp_path: Path) -> None:
    write_rule(seed_text, "rules/seed.toml")
    [rule] = rule_kit.load_rules(tmp_path / "rules")
    event = {
        "@timestamp": (NOW - timedelta(minutes=1)).isoformat(),
        "event.category": "process",
        "event.type": "start",
        "event.action": "exec",
        "host.os.type": "macos",
        "host.id": "h",
        "process.name": "sh",
        "process.args": ["sh", "-c", "whoami"],
        "process.command_line": "sh -c whoami",
        "process.parent.name": "python3",
        "process.parent.executable": "/usr/bin/python3",
    }
    assert [alert.new_terms for alert in run(rule, [event], NOW)] == [["h", "/usr/bin/python3"]]


def test_the_field_catalog_can_be_given(write_rule: WriteRule, seed_text: str) -> None:
    """The default catalog follows the rule's indices (Defend: `.caseless` exists); another catalog changes the
    terms (without Defend's mapping `process.parent.executable.caseless` is unmapped: no terms)."""
    rule = read_rule(
        write_rule(seed_text.replace('"process.parent.executable"]', '"process.parent.executable.caseless"]'))
    )
    event = {
        "@timestamp": (NOW - timedelta(minutes=1)).isoformat(),
        "event": {"category": "process", "type": "start", "action": "exec"},
        "host": {"id": "h", "os": {"type": "macos"}},
        "process": {
            "name": "sh",
            "args": ["-c"],
            "command_line": "sh -c x",
            "parent": {"name": "python3", "executable": "/Py"},
        },
    }
    assert [a.new_terms for a in run(plan_rule(rule), [event], NOW)] == [["h", "/py"]]
    assert run(plan_rule(rule, fields=catalog_for_indices(["auditbeat-*"])), [event], NOW) == []
