"""Threshold execution (engine.md B3): groups, counts, cardinality, the synthetic event, and no recount."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rule_kit.engine import Alert, execute, plan_rule, run
from rule_kit.engine.plan import Threshold
from rule_kit.report.execution import render_execution
from rule_kit.rules import Rule, read_rule

NOW = datetime(2026, 3, 24, 12, 0, tzinfo=UTC)

THRESHOLD_RULE = """\
[metadata]
creation_date = "2026/03/24"
maturity = "production"
updated_date = "2026/03/24"

[rule]
author = ["rule-kit tests"]
description = "Many failed logons on one host."
from = "now-9m"
index = ["logs-system.auth-*"]
language = "kuery"
license = "Elastic License v2"
name = "Test Failed Logons"
risk_score = 47
rule_id = "3b9d1e2f-4a5c-4d6e-8f70-8192a3b4c5d6"
severity = "medium"
type = "threshold"
{extra}
query = '''
event.category:authentication and event.outcome:failure
'''

[rule.threshold]
{threshold}
"""

WriteRule = Callable[..., Path]


def ms(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).isoformat()


def threshold_rule(
    write_rule: WriteRule, threshold: str = 'field = ["host.id"]\nvalue = 3', extra: str = "", name: str = "t.toml"
) -> Rule:
    return read_rule(write_rule(THRESHOLD_RULE.format(threshold=threshold, extra=extra), name))


def failure(timestamp: Any, host: Any = "host-1", user: Any = "alice", outcome: str = "failure") -> dict[str, Any]:
    return {
        "@timestamp": timestamp,
        "event": {"category": ["authentication"], "outcome": outcome},
        "host": {"id": host},
        "user": {"name": user},
    }


def groups(alerts: list[Alert]) -> list[tuple[Any, ...]]:
    return [tuple(term["value"] for term in alert.terms or ()) for alert in alerts]


def test_threshold_is_read_from_the_rule(write_rule: WriteRule) -> None:
    plan = plan_rule(
        threshold_rule(
            write_rule,
            'field = ["host.id", "source.ip"]\nvalue = 5\n[[rule.threshold.cardinality]]\nfield = "user.name"\nvalue = 2',
        )
    )
    assert plan.threshold == Threshold(("host.id", "source.ip"), 5, ("user.name", 2))
    assert plan_rule(threshold_rule(write_rule, 'field = "host.id"\nvalue = 1', name="s.toml")).threshold == Threshold(
        ("host.id",), 1
    )


def test_a_group_reaching_the_value_alerts_once(write_rule: WriteRule) -> None:
    rule = threshold_rule(write_rule)
    events = [
        failure(ago(minutes=8)),
        failure(ago(minutes=2)),
        failure(ago(minutes=5)),
        failure(ago(minutes=4), host="host-2"),
        failure(ago(minutes=3), host="host-2"),  # host-2: 2 < 3
        failure(ago(minutes=1), outcome="success"),  # does not match
        failure(ago(minutes=20)),  # outside the window
    ]
    [alert] = run(rule, events, NOW)
    assert alert.terms == [{"field": "host.id", "value": "host-1"}]
    assert alert.count == 3
    assert alert.event_index is None
    assert sorted(alert.event_indexes) == [0, 1, 2]
    assert alert.new_terms is None
    assert alert.timestamp == ms(NOW - timedelta(minutes=2))  # the group's latest event


def test_the_synthetic_event(write_rule: WriteRule) -> None:
    rule = threshold_rule(write_rule)
    events = [failure(ago(minutes=8)), failure(ago(minutes=2, milliseconds=-250)), failure(ago(minutes=5))]
    [alert] = run(rule, events, NOW)
    assert alert.event == {
        "@timestamp": "2026-03-24T11:58:00.250Z",
        "host": {"id": "host-1"},
        "threshold_result": {
            "terms": [{"field": "host.id", "value": "host-1"}],
            "count": 3,
            "from": "2026-03-24T11:52:00.000Z",
        },
    }


def test_each_group_alerts_in_the_same_run(write_rule: WriteRule) -> None:
    rule = threshold_rule(write_rule, 'field = ["host.id", "user.name"]\nvalue = 2')
    events = [
        failure(ago(minutes=1), host="h1", user="alice"),
        failure(ago(minutes=2), host="h1", user="alice"),
        failure(ago(minutes=3), host="h1", user="bob"),
        failure(ago(minutes=4), host="h2", user="bob"),
        failure(ago(minutes=5), host="h2", user="bob"),
        failure(ago(minutes=6), host="h2", user="bob"),
    ]
    alerts = run(rule, events, NOW)
    assert sorted(groups(alerts)) == [("h1", "alice"), ("h2", "bob")]
    by_group = {group: alert for group, alert in zip(groups(alerts), alerts, strict=True)}
    assert by_group["h2", "bob"].count == 3
    assert by_group["h2", "bob"].terms == [{"field": "host.id", "value": "h2"}, {"field": "user.name", "value": "bob"}]
    assert by_group["h2", "bob"].event["user"] == {"name": "bob"} and by_group["h2", "bob"].event["host"] == {
        "id": "h2"
    }
    assert len({alert.id for alert in alerts}) == 2


def test_events_without_the_group_field_are_not_counted(write_rule: WriteRule) -> None:
    rule = threshold_rule(write_rule)
    events = [failure(ago(minutes=1)), failure(ago(minutes=2)), failure(ago(minutes=3), host=None)]
    assert run(rule, events, NOW) == []


def test_a_multi_valued_group_field_counts_in_each_group(write_rule: WriteRule) -> None:
    rule = threshold_rule(write_rule, 'field = ["host.id"]\nvalue = 2')
    events = [failure(ago(minutes=1), host=["h1", "h2"]), failure(ago(minutes=2), host="h1")]
    alerts = run(rule, events, NOW)
    assert groups(alerts) == [("h1",)]
    assert alerts[0].count == 2


def test_an_empty_field_list_is_one_group_over_all_events(write_rule: WriteRule) -> None:
    rule = threshold_rule(write_rule, "field = []\nvalue = 4")
    events = [failure(ago(minutes=m), host=f"h{m}") for m in (1, 2, 3, 8)]
    [alert] = run(rule, events, NOW)
    assert alert.terms == [] and alert.count == 4
    assert alert.event["threshold_result"]["terms"] == []
    assert "host" not in alert.event
    assert run(rule, events[:3], NOW) == []


def test_cardinality_filters_groups(write_rule: WriteRule) -> None:
    rule = threshold_rule(
        write_rule, 'field = ["host.id"]\nvalue = 2\n[[rule.threshold.cardinality]]\nfield = "user.name"\nvalue = 2'
    )
    events = [
        failure(ago(minutes=1), host="h1", user="alice"),
        failure(ago(minutes=2), host="h1", user="alice"),
        failure(ago(minutes=3), host="h1", user="alice"),  # h1: 3 events, 1 user
        failure(ago(minutes=4), host="h2", user="alice"),
        failure(ago(minutes=5), host="h2", user="bob"),
        failure(ago(minutes=6), host="h2", user=["bob", "carol"]),  # h2: 3 events, 3 users
    ]
    [alert] = run(rule, events, NOW)
    assert groups([alert]) == [("h2",)]
    assert alert.event["threshold_result"]["cardinality"] == [{"field": "user.name", "value": 3}]
    assert alert.count == 3
    execution = execute(rule, events, NOW)
    assert execution.groups == [{("h1",): (3, 1), ("h2",): (3, 3)}]  # what each group reached, alerting or not
    report = render_execution(execution, events, explain_events=False)
    assert "threshold groups, run 1 (alert at 2 events with 2 distinct user.name):" in report
    assert '  host.id = "h1": 3 events, 1 distinct user.name: below: needs 2 distinct user.name' in report
    assert '  host.id = "h2": 3 events, 3 distinct user.name: reaches the threshold' in report


def test_a_later_run_does_not_recount_events(write_rule: WriteRule) -> None:
    """Runs at now-5m ([now-14m, now-5m]) and now ([now-9m, now]): the events counted by run 0's alert are in run 1's
    window too, but are excluded (timestamp <= the last signal's), so run 1 does not alert again."""
    rule = threshold_rule(write_rule)
    events = [failure(ago(minutes=m)) for m in (8, 7, 6)]
    alerts = run(rule, events, NOW, runs=2)
    assert [(alert.run, alert.count) for alert in alerts] == [(0, 3)]


def test_a_later_run_alerts_on_new_events_after_the_last_signal(write_rule: WriteRule) -> None:
    rule = threshold_rule(write_rule)
    counted = [failure(ago(minutes=m)) for m in (8, 7, 6)]
    new = [failure(ago(minutes=m)) for m in (4, 3, 2)]
    alerts = run(rule, counted + new, NOW, runs=2)
    assert [(alert.run, alert.count, sorted(alert.event_indexes)) for alert in alerts] == [
        (0, 3, [0, 1, 2]),
        (1, 3, [3, 4, 5]),
    ]
    assert alerts[0].id != alerts[1].id
    # two new events are not enough on their own: the old ones are not counted again
    assert [alert.run for alert in run(rule, counted + new[:2], NOW, runs=2)] == [0]


def test_no_recount_is_per_group(write_rule: WriteRule) -> None:
    rule = threshold_rule(write_rule)
    events = [failure(ago(minutes=m)) for m in (8, 7, 6)] + [failure(ago(minutes=m), host="h2") for m in (4, 3, 2)]
    alerts = run(rule, events, NOW, runs=2)
    assert [(alert.run, groups([alert])[0]) for alert in alerts] == [(0, ("host-1",)), (1, ("h2",))]


def test_threshold_uses_the_effective_timestamp(write_rule: WriteRule) -> None:
    rule = threshold_rule(write_rule, extra='timestamp_override = "event.ingested"')
    events = [failure(ago(hours=2)) for _ in range(3)]
    for n, event in enumerate(events):
        event["event"]["ingested"] = ago(minutes=n + 1)
    [alert] = run(rule, events, NOW)
    assert alert.timestamp == ms(NOW - timedelta(minutes=1))
    assert alert.event["threshold_result"]["from"] == "2026-03-24T11:57:00.000Z"


@pytest.mark.parametrize("value", [1, 2])
def test_threshold_value_is_a_minimum(write_rule: WriteRule, value: int) -> None:
    rule = threshold_rule(write_rule, f'field = ["host.id"]\nvalue = {value}')
    assert [alert.count for alert in run(rule, [failure(ago(minutes=1)), failure(ago(minutes=2))], NOW)] == [2]


def test_threshold_ids_are_deterministic(write_rule: WriteRule) -> None:
    rule = threshold_rule(write_rule)
    events = [failure(ago(minutes=m)) for m in (3, 2, 1)]
    assert [a.id for a in run(rule, events, NOW)] == [a.id for a in execute(rule, events, NOW).alerts]
