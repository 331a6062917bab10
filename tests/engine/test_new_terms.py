"""new_terms execution (engine.md B1.3, B1.4): the seed rule and variants of it, over JSON-shaped events.

The seed: new terms `[host.id, process.parent.executable]`, history `now-7d`, from `now-9m`, interval 5m (default),
timestamp_override `event.ingested` (fallback on). With now = NOW: F = NOW-9m, H = NOW-7d, T = NOW.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rule_kit.engine import Alert, RuleError, execute, run
from rule_kit.rules import Rule, read_rule

NOW = datetime(2026, 3, 24, 12, 0, tzinfo=UTC)
F = NOW - timedelta(minutes=9)
H = NOW - timedelta(days=7)
PY = "/usr/local/bin/python3.12"

WriteRule = Callable[..., Path]


def ms(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def ago(**delta: float) -> str:
    return iso(NOW - timedelta(**delta))


def put(event: dict[str, Any], path: str, value: Any) -> None:
    """Set a nested field (None deletes it)."""
    *parents, leaf = path.split(".")
    node = event
    for part in parents:
        node = node.setdefault(part, {})
    if value is None:
        node.pop(leaf, None)
    else:
        node[leaf] = value


def shell(timestamp: Any, host: Any = "host-1", parent: Any = PY, **fields: Any) -> dict[str, Any]:
    """A python-spawned-a-shell event matching the seed query; `fields` (dotted names) override or delete."""
    event: dict[str, Any] = {
        "@timestamp": timestamp,
        "event": {"category": ["process"], "type": ["start"], "action": "exec"},
        "host": {"id": host, "os": {"type": "macos"}},
        "process": {
            "name": "bash",
            "args": ["bash", "-c", "id"],
            "command_line": "bash -c id",
            "parent": {"name": "python3.12", "executable": parent},
        },
    }
    for path, value in fields.items():
        put(event, path.replace("__", "."), value)
    return event


def seed_rule(write_rule: WriteRule, seed_text: str, *replacements: tuple[str, str], name: str = "seed.toml") -> Rule:
    text = seed_text
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return read_rule(write_rule(text, name))


@pytest.fixture
def seed(write_rule: WriteRule, seed_text: str) -> Rule:
    return seed_rule(write_rule, seed_text)


def found(alerts: list[Alert]) -> list[tuple[int | None, list[Any] | None]]:
    return [(alert.event_index, alert.new_terms) for alert in alerts]


# --- newness -----------------------------------------------------------------------------------------------------


def test_first_occurrence_alerts(seed: Rule) -> None:
    events = [shell(ago(minutes=2))]
    [alert] = run(seed, events, NOW)
    assert alert.event_index == 0 and alert.event is events[0]
    assert alert.new_terms == ["host-1", PY]
    assert alert.timestamp == ms(NOW - timedelta(minutes=2))
    assert alert.terms is None and alert.count is None and alert.event_indexes == (0,)


def test_terms_seen_in_the_history_are_not_new(seed: Rule) -> None:
    assert run(seed, [shell(ago(days=3)), shell(ago(minutes=2))], NOW) == []


def test_other_terms_in_the_history_do_not_hide_a_new_combination(seed: Rule) -> None:
    events = [
        shell(ago(days=3), host="host-2"),  # same interpreter, other host
        shell(ago(days=3), parent="/usr/bin/python3"),  # same host, other interpreter
        shell(ago(minutes=2)),
    ]
    assert found(run(seed, events, NOW)) == [(2, ["host-1", PY])]


def test_an_occurrence_only_in_the_history_does_not_alert(seed: Rule) -> None:
    assert run(seed, [shell(ago(days=3))], NOW) == []


def test_events_after_the_window_are_ignored(seed: Rule) -> None:
    assert run(seed, [shell(iso(NOW + timedelta(milliseconds=1)))], NOW) == []
    assert len(run(seed, [shell(iso(NOW))], NOW)) == 1  # exactly to


def test_first_seen_exactly_at_from_is_not_new(seed: Rule) -> None:
    """An event at exactly F is in both the history [H, F] and the window [F, T]; its combination's first_seen ==
    F, which is not > F: not new. One millisecond later it is."""
    assert run(seed, [shell(iso(F))], NOW) == []
    assert found(run(seed, [shell(iso(F + timedelta(milliseconds=1)))], NOW)) == [(0, ["host-1", PY])]


def test_an_occurrence_at_from_makes_a_later_one_old(seed: Rule) -> None:
    assert run(seed, [shell(iso(F)), shell(ago(minutes=1))], NOW) == []


def test_history_start_is_inclusive(seed: Rule) -> None:
    """An occurrence exactly at H is history; one at H-1ms is before the history and does not count."""
    assert run(seed, [shell(iso(H)), shell(ago(minutes=1))], NOW) == []
    alerts = run(seed, [shell(iso(H - timedelta(milliseconds=1))), shell(ago(minutes=1))], NOW)
    assert found(alerts) == [(1, ["host-1", PY])]


def test_history_start_is_resolved_against_the_window_end(write_rule: WriteRule, seed_text: str) -> None:
    """Kibana resolves history_window_start with forceNow = tuple.to: with to = now-1m, H = now-1m-7d."""
    rule = seed_rule(write_rule, seed_text, ('from = "now-9m"', 'from = "now-9m"\nto = "now-1m"'))
    [window] = execute(rule, [], NOW).windows
    assert window.history_start == ms(NOW - timedelta(minutes=1, days=7))
    assert window.end == ms(NOW - timedelta(minutes=1))
    # now-7d-30s is in this rule's history (H = now-7d-1m), not in the seed's (H = now-7d)
    events = [shell(iso(NOW - timedelta(days=7, seconds=30))), shell(ago(minutes=2))]
    assert run(rule, events, NOW) == []
    assert len(run(seed_rule(write_rule, seed_text, name="to_now.toml"), events, NOW)) == 1


def test_history_window_not_before_from_is_a_rule_error(write_rule: WriteRule, seed_text: str) -> None:
    for history in ("now-5m", "now-9m"):  # later than from; equal to from (isSameOrAfter)
        rule = seed_rule(write_rule, seed_text, ('value = "now-7d"', f'value = "{history}"'), name=f"{history}.toml")
        with pytest.raises(RuleError, match="history_window_start"):
            run(rule, [shell(ago(minutes=2))], NOW)
    rule = seed_rule(write_rule, seed_text, ('value = "now-7d"', 'value = "now-9m-1ms"'), name="just.toml")
    assert len(run(rule, [shell(ago(minutes=2))], NOW)) == 1


def test_history_events_that_fail_the_query_do_not_make_a_term_old(seed: Rule) -> None:
    events = [
        shell(ago(days=3), process__command_line="bash -c 'pip install x'"),  # excluded by the query
        shell(ago(days=2), process__args=["bash", "-l"]),  # no -c
        shell(ago(minutes=2)),
    ]
    assert found(run(seed, events, NOW)) == [(2, ["host-1", PY])]


def test_window_events_that_fail_the_query_do_not_alert(seed: Rule) -> None:
    assert run(seed, [shell(ago(minutes=2), host__os__type="linux")], NOW) == []


# --- combinations ------------------------------------------------------------------------------------------------


def test_multi_valued_field_gives_one_alert_per_combination(seed: Rule) -> None:
    events = [shell(ago(minutes=2), parent=["/a", "/b"])]
    alerts = run(seed, events, NOW)
    assert sorted(found(alerts)) == [(0, ["host-1", "/a"]), (0, ["host-1", "/b"])]
    assert len({alert.id for alert in alerts}) == 2


def test_cartesian_product_of_multi_valued_fields(seed: Rule) -> None:
    alerts = run(seed, [shell(ago(minutes=2), host=["h1", "h2"], parent=["/a", "/b", "/a"])], NOW)
    assert sorted(alert.new_terms for alert in alerts) == [["h1", "/a"], ["h1", "/b"], ["h2", "/a"], ["h2", "/b"]]  # type: ignore[type-var]


def test_multi_valued_field_with_one_combination_in_history(seed: Rule) -> None:
    events = [shell(ago(days=1), parent="/a"), shell(ago(minutes=2), parent=["/a", "/b"])]
    assert found(run(seed, events, NOW)) == [(1, ["host-1", "/b"])]


@pytest.mark.parametrize("missing", [{"host": None}, {"parent": None}, {"parent": []}, {"host": [None]}])
def test_a_missing_field_contributes_nothing(seed: Rule, missing: dict[str, Any]) -> None:
    assert run(seed, [shell(ago(minutes=2), **missing)], NOW) == []


def test_a_history_event_missing_a_field_is_not_history(seed: Rule) -> None:
    """The history event has the same host but no interpreter path: it has no combination at all."""
    events = [shell(ago(days=1), parent=None), shell(ago(minutes=2))]
    assert found(run(seed, events, NOW)) == [(1, ["host-1", PY])]


def test_the_alert_is_built_from_the_earliest_in_window_event(seed: Rule) -> None:
    events = [
        shell(ago(minutes=1), process__pid=3),
        shell(ago(minutes=5), process__pid=1),
        shell(ago(minutes=3), process__pid=2),
    ]
    [alert] = run(seed, events, NOW)
    assert alert.event_index == 1 and alert.event["process"]["pid"] == 1
    assert alert.timestamp == ms(NOW - timedelta(minutes=5))


def test_new_terms_follow_the_order_of_new_terms_fields(write_rule: WriteRule, seed_text: str) -> None:
    rule = seed_rule(
        write_rule,
        seed_text,
        ('value = ["host.id", "process.parent.executable"]', 'value = ["process.parent.executable", "host.id"]'),
    )
    [alert] = run(rule, [shell(ago(minutes=2))], NOW)
    assert alert.new_terms == [PY, "host-1"]


def test_single_new_terms_field(write_rule: WriteRule, seed_text: str) -> None:
    rule = seed_rule(write_rule, seed_text, ('value = ["host.id", "process.parent.executable"]', 'value = ["host.id"]'))
    events = [shell(ago(days=1), parent="/other"), shell(ago(minutes=2)), shell(ago(minutes=2), host="host-2")]
    assert found(run(rule, events, NOW)) == [(2, ["host-2"])]


def test_values_over_ignore_above_are_not_terms(seed: Rule) -> None:
    too_long, longest = "/" + "p" * 1024, "/" + "p" * 1023  # 1025 and 1024 characters
    assert run(seed, [shell(ago(minutes=2), parent=too_long)], NOW) == []
    assert found(run(seed, [shell(ago(minutes=2), parent=[too_long, longest])], NOW)) == [(0, ["host-1", longest])]


def test_caseless_multi_field_normalizes_terms(write_rule: WriteRule, seed_text: str) -> None:
    """Defend indices map process.parent.executable.caseless (lowercase normalizer): the term is the lowercased
    value, so a different spelling seen in the history makes it old."""
    rule = seed_rule(write_rule, seed_text, ('"process.parent.executable"]', '"process.parent.executable.caseless"]'))
    [alert] = run(rule, [shell(ago(minutes=2), parent="/usr/local/bin/Python3.12")], NOW)
    assert alert.new_terms == ["host-1", "/usr/local/bin/python3.12"]
    events = [shell(ago(days=2), parent="/USR/LOCAL/BIN/PYTHON3.12"), shell(ago(minutes=2))]
    assert run(rule, events, NOW) == []
    assert len(run(seed_rule(write_rule, seed_text, name="exact.toml"), events, NOW)) == 1  # case-sensitive field


def test_caseless_field_without_defend_indices_has_no_terms(write_rule: WriteRule, seed_text: str) -> None:
    rule = seed_rule(
        write_rule,
        seed_text,
        ('"process.parent.executable"]', '"process.parent.executable.caseless"]'),
        ('index = ["logs-endpoint.events.process-*"]', 'index = ["auditbeat-*"]'),
    )
    assert run(rule, [shell(ago(minutes=2))], NOW) == []


def test_numeric_terms_are_coerced(write_rule: WriteRule, seed_text: str) -> None:
    """A long field's term is the number: "42" and 42 (and 42.9, truncated) are the same term."""
    rule = seed_rule(write_rule, seed_text, ('"process.parent.executable"]', '"process.parent.pid"]'))
    events = [shell(ago(days=2), process__parent__pid="42"), shell(ago(minutes=2), process__parent__pid=42.9)]
    assert run(rule, events, NOW) == []
    [alert] = run(rule, [shell(ago(minutes=2), process__parent__pid="43")], NOW)
    assert alert.new_terms == ["host-1", 43]


def test_ip_terms_are_canonical(write_rule: WriteRule, seed_text: str) -> None:
    rule = seed_rule(write_rule, seed_text, ('"process.parent.executable"]', '"source.ip"]'))
    events = [shell(ago(days=2), source__ip="2001:0db8:0:0::1"), shell(ago(minutes=2), source__ip="2001:db8::1")]
    assert run(rule, events, NOW) == []
    [alert] = run(rule, [shell(ago(minutes=2), source__ip="2001:0DB8::0001")], NOW)
    assert alert.new_terms == ["host-1", "2001:db8::1"]


def test_ipv4_mapped_addresses_are_the_ipv4_term(write_rule: WriteRule, seed_text: str) -> None:
    rule = seed_rule(write_rule, seed_text, ('"process.parent.executable"]', '"source.ip"]'))
    events = [shell(ago(days=2), source__ip="10.0.0.1"), shell(ago(minutes=2), source__ip="::ffff:10.0.0.1")]
    assert run(rule, events, NOW) == []
    [alert] = run(rule, [shell(ago(minutes=2), source__ip="::ffff:10.0.0.1")], NOW)
    assert alert.new_terms == ["host-1", "10.0.0.1"]


def test_dotted_and_nested_spellings_are_one_field(seed: Rule) -> None:
    dotted = {
        "@timestamp": ago(days=2),
        "event.category": "process",
        "event.type": "start",
        "event.action": "exec",
        "host.id": "host-1",
        "host.os.type": "macos",
        "process.name": "bash",
        "process.args": ["bash", "-c", "id"],
        "process.command_line": "bash -c id",
        "process.parent": {"name": "python3.12", "executable": PY},
    }
    assert run(seed, [dotted, shell(ago(minutes=2))], NOW) == []
    assert found(run(seed, [{**dotted, "@timestamp": ago(minutes=2)}], NOW)) == [(0, ["host-1", PY])]


# --- timestamp override (the seed sets event.ingested, fallback on) ------------------------------------------------


def test_new_terms_use_the_override_for_history_and_window(seed: Rule) -> None:
    # @timestamp says "3 days ago", event.ingested says "2 minutes ago": in the window, new
    [alert] = run(seed, [shell(ago(days=3), event__ingested=ago(minutes=2))], NOW)
    assert alert.timestamp == ms(NOW - timedelta(minutes=2))
    # @timestamp in the window but ingested 3 days ago: history only
    assert run(seed, [shell(ago(minutes=2), event__ingested=ago(days=3))], NOW) == []
    # a history event (by event.ingested) makes a window event without event.ingested (fallback) old
    events = [shell(ago(minutes=1), event__ingested=ago(days=1)), shell(ago(minutes=2))]
    assert run(seed, events, NOW) == []


def test_new_terms_with_fallback_disabled(write_rule: WriteRule, seed_text: str) -> None:
    rule = seed_rule(
        write_rule,
        seed_text,
        (
            'timestamp_override = "event.ingested"',
            'timestamp_override = "event.ingested"\ntimestamp_override_fallback_disabled = true',
        ),
    )
    assert run(rule, [shell(ago(minutes=2))], NOW) == []
    assert len(run(rule, [shell(ago(days=3), event__ingested=ago(minutes=2))], NOW)) == 1
    # a history event without event.ingested is not history either
    assert len(run(rule, [shell(ago(days=1)), shell(ago(days=3), event__ingested=ago(minutes=2))], NOW)) == 1


# --- caps and runs -----------------------------------------------------------------------------------------------


def test_max_signals_caps_new_terms_alerts(write_rule: WriteRule, seed_text: str) -> None:
    rule = seed_rule(write_rule, seed_text, ('from = "now-9m"', 'from = "now-9m"\nmax_signals = 2'))
    events = [shell(ago(minutes=6), host=f"host-{n}") for n in (5, 3, 1, 4, 2)]
    alerts = run(rule, events, NOW)
    assert [alert.new_terms for alert in alerts] == [["host-1", PY], ["host-2", PY]]  # composite (key) order
    # the rest stay new while in the window: run 1 (at now) re-finds host-1/2 (dropped) and alerts host-3/4
    alerts = run(rule, events, NOW, runs=2)
    assert [(alert.run, alert.new_terms[0]) for alert in alerts] == [  # type: ignore[index]
        (0, "host-1"),
        (0, "host-2"),
        (1, "host-3"),
        (1, "host-4"),
    ]


def test_repeated_runs_never_duplicate_a_new_terms_alert(seed: Rule) -> None:
    """runs=3 at now-10m, now-5m, now; the events sit in two or three windows, or in a later window's history."""
    events = [
        shell(ago(minutes=12), host="a"),  # windows of runs 0 and 1; history of run 2
        shell(ago(minutes=7), host="b"),  # windows of runs 1 and 2
        shell(ago(minutes=6), host="b"),  # same combination later
        shell(ago(minutes=11), host="c", parent=["/x", "/y"]),
    ]
    execution = execute(seed, events, NOW, runs=3)
    got = sorted((alert.run, alert.event_index, tuple(alert.new_terms or ())) for alert in execution.alerts)
    assert got == [(0, 0, ("a", PY)), (0, 3, ("c", "/x")), (0, 3, ("c", "/y")), (1, 1, ("b", PY))]
    assert len({alert.id for alert in execution.alerts}) == 4
    assert [w.history_start for w in execution.windows] == [ms(w.now - timedelta(days=7)) for w in execution.windows]


def test_new_terms_alert_ids_are_deterministic(seed: Rule) -> None:
    events = [shell(ago(minutes=2), parent=["/a", "/b"], _id="doc-1")]
    first = {alert.id for alert in run(seed, events, NOW)}
    assert first == {alert.id for alert in run(seed, events, NOW - timedelta(minutes=1))}
    assert first == {alert.id for alert in run(seed, [shell(ago(days=30)), *events], NOW)}  # identity is _id
