"""Query-rule execution, the run API and the effective timestamp (engine.md B2, B1.4, B5).

Rules are real TOML files written to tmp_path; events are JSON-shaped dicts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from rule_kit.engine import Alert, execute, plan_rule, run
from rule_kit.rules import Rule, read_rule

NOW = datetime(2026, 3, 24, 12, 0, tzinfo=UTC)
RULE_ID = "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f"

QUERY_RULE = """\
[metadata]
creation_date = "2026/03/24"
maturity = "production"
updated_date = "2026/03/24"

[rule]
author = ["rule-kit tests"]
description = "A process started on a host."
from = "{from_}"
index = ["logs-endpoint.events.process-*"]
interval = "{interval}"
language = "kuery"
license = "Elastic License v2"
max_signals = {max_signals}
name = "Test Process Start"
risk_score = 21
rule_id = "{rule_id}"
severity = "low"
type = "query"
{extra}
query = '''
{query}
'''
"""

WriteRule = Callable[..., Path]


def ms(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def at(**delta: float) -> str:
    """An ISO timestamp relative to NOW, with millisecond precision: at(minutes=-9, milliseconds=1)."""
    return (NOW + timedelta(**delta)).isoformat()


def query_rule(
    write_rule: WriteRule,
    *,
    query: str = "event.category:process and event.type:start",
    from_: str = "now-9m",
    interval: str = "5m",
    max_signals: int = 100,
    extra: str = "",
    rule_id: str = RULE_ID,
    name: str = "rule.toml",
) -> Rule:
    text = QUERY_RULE.format(
        from_=from_, interval=interval, max_signals=max_signals, extra=extra, query=query, rule_id=rule_id
    )
    return read_rule(write_rule(text, name))


def start(timestamp: Any = None, host: str = "host-1", **extra: Any) -> dict[str, Any]:
    """A process-start event (matches the default query)."""
    event: dict[str, Any] = {"event": {"category": "process", "type": "start"}, "host": {"id": host}}
    if timestamp is not None:
        event["@timestamp"] = timestamp
    event.update(extra)
    return event


def indexes(alerts: list[Alert]) -> list[int | None]:
    return [alert.event_index for alert in alerts]


# --- the window ---------------------------------------------------------------------------------------------------


def test_window_is_inclusive_at_both_ends(write_rule: WriteRule) -> None:
    rule = query_rule(write_rule)
    events = [
        start(at(minutes=-9)),  # exactly from
        start(at(minutes=-9, milliseconds=-1)),  # 1 ms before from
        start(at()),  # exactly to (= now)
        start(at(milliseconds=1)),  # 1 ms after to
        start(at(minutes=-4)),  # inside
    ]
    alerts = run(rule, events, NOW)
    assert sorted(indexes(alerts)) == [0, 2, 4]


def test_window_bounds_are_reported_in_epoch_millis(write_rule: WriteRule) -> None:
    execution = execute(query_rule(write_rule), [], NOW)
    [window] = execution.windows
    assert (window.index, window.now) == (0, NOW)
    assert (window.start, window.end) == (ms(NOW - timedelta(minutes=9)), ms(NOW))
    assert window.history_start is None


def test_to_other_than_now_moves_the_window_end(write_rule: WriteRule) -> None:
    rule = query_rule(write_rule, extra='to = "now-1m"')
    events = [start(at(minutes=-1)), start(at(minutes=-1, milliseconds=1)), start(at(seconds=-30))]
    assert indexes(run(rule, events, NOW)) == [0]


def test_one_alert_per_matching_event_in_ascending_time_order(write_rule: WriteRule) -> None:
    rule = query_rule(write_rule)
    events = [
        start(at(minutes=-1)),
        {"@timestamp": at(minutes=-2), "event": {"category": "network", "type": "start"}},  # does not match
        start(at(minutes=-8)),
        start(at(minutes=-3)),
        start(at(minutes=-3)),  # same instant as event 3: both alert (their order is unspecified)
    ]
    alerts = run(rule, events, NOW)
    order = indexes(alerts)
    assert (order[0], set(order[1:3]), order[3:]) == (2, {3, 4}, [0])
    assert [alert.timestamp for alert in alerts] == sorted(alert.timestamp for alert in alerts)
    for alert in alerts:
        assert alert.event is events[alert.event_index]  # type: ignore[index]
        assert alert.event_indexes == (alert.event_index,)
        assert alert.new_terms is None and alert.terms is None and alert.count is None
        assert alert.run == 0
    assert alerts[0].timestamp == ms(NOW - timedelta(minutes=8))
    assert alerts[0].time == NOW - timedelta(minutes=8)


def test_events_without_a_usable_timestamp_never_alert(write_rule: WriteRule) -> None:
    rule = query_rule(write_rule)
    events = [start(), start("not a date"), start(None, **{"@timestamp": None}), start(True), start(at(minutes=-1))]
    assert indexes(run(rule, events, NOW)) == [4]
    assert execute(rule, events, NOW).times[:4] == [None, None, None, None]


def test_the_query_is_evaluated_at_each_runs_instant(write_rule: WriteRule) -> None:
    """A clause with date math against `now` uses the run's start time, not the last run's."""
    rule = query_rule(write_rule, query='event.category:process and event.created >= "now-3m"')
    # in both windows (run 0 at now-5m: [now-14m, now-5m]; run 1 at now: [now-9m, now]); created now-7m is
    # >= now-3m only relative to run 0's instant (now-8m)
    event = start(at(minutes=-6), **{"event.created": at(minutes=-7)})
    assert run(rule, [event], NOW) == []
    alerts = run(rule, [event], NOW, runs=2)
    assert [(alert.run, alert.event_index) for alert in alerts] == [(0, 0)]


# --- max_signals ----------------------------------------------------------------------------------------------------


def test_max_signals_caps_each_run_keeping_the_earliest(write_rule: WriteRule) -> None:
    rule = query_rule(write_rule, max_signals=2)
    events = [start(at(minutes=-6)), start(at(minutes=-8)), start(at(minutes=-7))]
    assert indexes(run(rule, events, NOW)) == [1, 2]


def test_events_skipped_by_max_signals_alert_in_a_later_run(write_rule: WriteRule) -> None:
    """Run 0 (at now-5m) sees all three and alerts two; run 1 re-finds those two (same ids: dropped before the
    cap) and alerts the third."""
    rule = query_rule(write_rule, max_signals=2)
    events = [start(at(minutes=-6)), start(at(minutes=-8)), start(at(minutes=-7))]
    alerts = run(rule, events, NOW, runs=2)
    assert [(alert.run, alert.event_index) for alert in alerts] == [(0, 1), (0, 2), (1, 0)]


def test_default_max_signals_is_100(write_rule: WriteRule) -> None:
    text = QUERY_RULE.format(
        from_="now-9m", interval="5m", max_signals=1, extra="", query="event.category:process", rule_id=RULE_ID
    ).replace("max_signals = 1\n", "")
    rule = read_rule(write_rule(text))
    assert plan_rule(rule).max_signals == 100
    events = [start(ms(NOW) - 1000 * i) for i in range(150)]
    assert len(run(rule, events, NOW)) == 100


# --- identity and dedup across runs ---------------------------------------------------------------------------------


def test_overlapping_runs_do_not_duplicate_alerts(write_rule: WriteRule) -> None:
    """from now-9m, interval 5m, runs=3 at now-10m, now-5m, now: windows [-19m,-10m], [-14m,-5m], [-9m,0]."""
    rule = query_rule(write_rule)
    events = [
        start(at(minutes=-12)),  # runs 0 and 1
        start(at(minutes=-7)),  # runs 1 and 2
        start(at(minutes=-9, seconds=-30)),  # runs 1 only
        start(at(minutes=-2)),  # run 2 only
        start(at(minutes=-20)),  # no run
    ]
    execution = execute(rule, events, NOW, runs=3)
    assert [(w.now, w.start, w.end) for w in execution.windows] == [
        (NOW - timedelta(minutes=10), ms(NOW - timedelta(minutes=19)), ms(NOW - timedelta(minutes=10))),
        (NOW - timedelta(minutes=5), ms(NOW - timedelta(minutes=14)), ms(NOW - timedelta(minutes=5))),
        (NOW, ms(NOW - timedelta(minutes=9)), ms(NOW)),
    ]
    assert [(alert.run, alert.event_index) for alert in execution.alerts] == [(0, 0), (1, 2), (1, 1), (2, 3)]
    assert len({alert.id for alert in execution.alerts}) == 4


def test_alert_ids_are_deterministic(write_rule: WriteRule) -> None:
    rule = query_rule(write_rule)
    events = [start(at(minutes=-1)), start(at(minutes=-2))]
    first = [alert.id for alert in run(rule, events, NOW)]
    again = [alert.id for alert in run(query_rule(write_rule, name="again.toml"), events, NOW)]
    assert first == again
    assert len(set(first)) == 2
    other_rule = query_rule(write_rule, rule_id="0f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f", name="other.toml")
    assert set(first).isdisjoint(alert.id for alert in run(other_rule, events, NOW))


def test_alert_id_is_the_same_in_every_run_that_sees_the_event(write_rule: WriteRule) -> None:
    rule = query_rule(write_rule)
    event = start(at(minutes=-7))
    [from_run_0] = run(rule, [event], NOW - timedelta(minutes=5))
    [from_run_1] = run(rule, [event], NOW)
    assert from_run_0.id == from_run_1.id


def test_event_id_is_the_identity(write_rule: WriteRule) -> None:
    """`_id` (with `_index` and `_version`) identifies an event: its position in the list does not matter, and two
    copies of one document alert once."""
    rule = query_rule(write_rule)
    doc = start(at(minutes=-2), _id="doc-1", _index=".ds-logs-endpoint.events.process-default-000001")
    [alone] = run(rule, [doc], NOW)
    [later] = run(rule, [start(at(minutes=-30)), start(at(minutes=-31)), doc], NOW)
    assert later.event_index == 2
    assert alone.id == later.id
    copies = run(rule, [doc, dict(doc)], NOW)
    assert len(copies) == 1
    other_index = {**doc, "_index": ".ds-logs-endpoint.events.process-default-000002"}
    newer_version = {**doc, "_version": 2}
    other_id = {**doc, "_id": "doc-2"}
    ids = {alert.id for alert in run(rule, [doc, other_index, newer_version, other_id], NOW)}
    assert len(ids) == 4


def test_events_without_id_are_identified_by_position(write_rule: WriteRule) -> None:
    rule = query_rule(write_rule)
    event = start(at(minutes=-2))
    [first] = run(rule, [event], NOW)
    [moved] = run(rule, [start(at(minutes=-30)), event], NOW)
    assert first.id != moved.id
    assert len(run(rule, [event, dict(event)], NOW)) == 2  # two documents that happen to look alike


# --- now and runs -----------------------------------------------------------------------------------------------------


def test_now_accepts_aware_datetimes_in_any_zone_and_iso_strings(write_rule: WriteRule) -> None:
    rule = query_rule(write_rule)
    events = [start(at(minutes=-9)), start(at(minutes=-10))]
    expected = indexes(run(rule, events, NOW))
    assert expected == [0]
    assert indexes(run(rule, events, "2026-03-24T12:00:00Z")) == expected
    assert indexes(run(rule, events, "2026-03-24T14:00:00+02:00")) == expected
    assert indexes(run(rule, events, NOW.astimezone(timezone(timedelta(hours=-5))))) == expected
    assert execute(rule, events, "2026-03-24T14:00:00+02:00").windows[0].now == NOW


def test_naive_now_is_refused(write_rule: WriteRule) -> None:
    with pytest.raises(ValueError, match="aware"):
        run(query_rule(write_rule), [], datetime(2026, 3, 24, 12, 0))


@pytest.mark.parametrize("runs", [0, -1, 1.5, "2"])
def test_runs_must_be_a_positive_whole_number(write_rule: WriteRule, runs: Any) -> None:
    with pytest.raises(ValueError, match="runs"):
        run(query_rule(write_rule), [], NOW, runs=runs)


def test_runs_are_spaced_by_the_rules_interval(write_rule: WriteRule) -> None:
    rule = query_rule(write_rule, interval="8m")
    windows = execute(rule, [], NOW, runs=3).windows
    assert [w.now for w in windows] == [NOW - timedelta(minutes=16), NOW - timedelta(minutes=8), NOW]
    assert [w.index for w in windows] == [0, 1, 2]


def test_a_plan_can_be_run_directly(write_rule: WriteRule) -> None:
    plan = plan_rule(query_rule(write_rule))
    events = [start(at(minutes=-1))]
    assert indexes(run(plan, events, NOW)) == [0]
    assert indexes(run(plan, events, NOW)) == [0]  # a plan keeps no state between executions


# --- the effective timestamp (B1.4) -----------------------------------------------------------------------------------

OVERRIDE = 'timestamp_override = "event.ingested"'
NO_FALLBACK = OVERRIDE + "\ntimestamp_override_fallback_disabled = true"


def ingested(timestamp: Any, ingest: Any) -> dict[str, Any]:
    event = start(timestamp)
    event["event"]["ingested"] = ingest
    return event


def test_fallback_uses_timestamp_when_the_override_is_missing(write_rule: WriteRule) -> None:
    rule = query_rule(write_rule, extra=OVERRIDE)
    events = [start(at(minutes=-3)), start(at(minutes=-30))]
    assert indexes(run(rule, events, NOW)) == [0]
    assert execute(rule, events, NOW).times[0] == ms(NOW - timedelta(minutes=3))


def test_override_wins_when_present(write_rule: WriteRule) -> None:
    rule = query_rule(write_rule, extra=OVERRIDE)
    events = [
        ingested(at(minutes=-3), at(minutes=-30)),  # @timestamp in, event.ingested out: no alert
        ingested(at(minutes=-30), at(minutes=-3)),  # @timestamp out, event.ingested in: alert
        ingested(at(minutes=-3), at(minutes=1)),  # ingested in the future: out of the window
    ]
    alerts = run(rule, events, NOW)
    assert indexes(alerts) == [1]
    assert alerts[0].timestamp == ms(NOW - timedelta(minutes=3))


def test_fallback_disabled_ignores_events_without_the_override(write_rule: WriteRule) -> None:
    rule = query_rule(write_rule, extra=NO_FALLBACK)
    assert plan_rule(rule).fallback is False
    events = [start(at(minutes=-3)), ingested(at(minutes=-30), at(minutes=-2)), ingested(at(minutes=-3), None)]
    assert indexes(run(rule, events, NOW)) == [1]
    assert execute(rule, events, NOW).times == [None, ms(NOW - timedelta(minutes=2)), None]


def test_override_set_to_timestamp_is_no_override(write_rule: WriteRule) -> None:
    rule = query_rule(write_rule, extra='timestamp_override = "@timestamp"')
    assert plan_rule(rule).timestamp_override is None
    assert indexes(run(rule, [ingested(at(minutes=-3), at(minutes=-30))], NOW)) == [0]


@pytest.mark.parametrize(
    ("timestamp", "alerts"),
    [
        (ms(NOW - timedelta(minutes=2)), True),  # epoch milliseconds (JSON number)
        (str(ms(NOW - timedelta(minutes=2))), True),  # epoch milliseconds as a string
        (ms(NOW - timedelta(minutes=20)), False),
        ("2026-03-24T13:58:00+02:00", True),  # 11:58Z
        ("2026-03-24T11:58:00-02:00", False),  # 13:58Z: in the future
        ("2026-03-24T06:28:00-05:30", True),  # 11:58Z
        ("2026-03-24T11:58:00.123456789Z", True),  # nanoseconds: dropped to ms
        ("2026-03-24T11:51:00Z", True),  # exactly from
        ("2026-03-24T11:50:59.999Z", False),
    ],
)
def test_timestamp_formats(write_rule: WriteRule, timestamp: Any, alerts: bool) -> None:
    rule = query_rule(write_rule, extra=OVERRIDE)
    assert bool(run(rule, [start(timestamp)], NOW)) is alerts
    assert bool(run(rule, [ingested(at(hours=-5), timestamp)], NOW)) is alerts  # the override, same formats


def test_several_timestamp_values_in_the_window_sort_by_the_earliest(write_rule: WriteRule) -> None:
    """Elasticsearch sorts ascending on a multi-valued date by its minimum. (An event with values both inside and
    outside the window is left unspecified here: a range query matches it if any value is inside.)"""
    rule = query_rule(write_rule)
    events = [start([at(minutes=-2), at(minutes=-4)]), start(at(minutes=-3))]
    assert execute(rule, events, NOW).times[0] == ms(NOW - timedelta(minutes=4))
    alerts = run(rule, events, NOW)
    assert indexes(alerts) == [0, 1]
    assert alerts[0].timestamp == ms(NOW - timedelta(minutes=4))


@pytest.mark.parametrize("value", [10**15, -(10**14), 10**17, 1e300])
def test_out_of_range_numeric_timestamps_do_not_crash(write_rule: WriteRule, value: Any) -> None:
    rule = query_rule(write_rule)
    events = [start(value), start([value, at(minutes=-30)]), start(at(minutes=-2))]
    assert indexes(run(rule, events, NOW)) == [2]
