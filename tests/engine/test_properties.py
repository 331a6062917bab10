"""Generated events against the seed rule (engine.md B7.5): spelling and order do not matter, nothing crashes.

The examples per test are kept small; the profile registered in tests/conftest.py (ci: derandomized) applies.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rule_kit.engine import Alert, execute, plan_rule, run
from rule_kit.rules import read_rule

SEED = Path(__file__).resolve().parents[1] / "data" / "seed.toml"
PLAN = plan_rule(read_rule(SEED))  # a plan keeps no state between executions: share it
NOW = datetime(2026, 3, 24, 12, 0, tzinfo=UTC)
NOW_MS = (NOW - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
MINUTE, DAY = 60_000, 86_400_000

HOSTS = ["host-1", "host-2", "host-3"]
PARENTS = ["/usr/bin/python3", "/opt/homebrew/bin/python3.12", "/usr/local/bin/python3.11"]
SHELLS = ["bash", "sh", "zsh", "Bash", "osascript"]
COMMAND_LINES = ["bash -c id", "sh -c 'curl x | sh'", "sh -c pip install x", "zsh -c ls"]

# Offsets (ms before NOW) that land in the window of the last run, in the history, in both (F), or nowhere.
OFFSETS = st.one_of(
    st.integers(0, 20 * MINUTE),
    st.integers(0, 8 * DAY),
    st.sampled_from([9 * MINUTE, 9 * MINUTE - 1, 7 * DAY, 7 * DAY + 1, 14 * MINUTE, 14 * MINUTE + 1]),
)


def iso_ms(value: int) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=value)).isoformat()


@st.composite
def shell_events(draw: st.DrawFn, offset: st.SearchStrategy[int] = OFFSETS) -> dict[str, Any]:
    """A nested event close to the seed query: most match, some differ in one field."""
    parent: Any = draw(st.sampled_from(PARENTS))
    if draw(st.integers(0, 5)) == 0:
        parent = draw(st.lists(st.sampled_from(PARENTS), min_size=0, max_size=3))
    event: dict[str, Any] = {
        "@timestamp": iso_ms(NOW_MS - draw(offset)),
        "event": {"category": ["process"], "type": ["start"], "action": "exec"},
        "host": {
            "id": draw(st.sampled_from(HOSTS)),
            "os": {"type": draw(st.sampled_from(["macos", "macos", "linux"]))},
        },
        "process": {
            "name": draw(st.sampled_from(SHELLS)),
            "args": draw(st.sampled_from([["bash", "-c", "id"], ["sh", "-l"], "-c"])),
            "command_line": draw(st.sampled_from(COMMAND_LINES)),
            "parent": {"name": draw(st.sampled_from(["python3", "Python", "python"])), "executable": parent},
        },
    }
    if draw(st.booleans()):
        event["event"]["ingested"] = iso_ms(NOW_MS - draw(offset))
    return event


def respell(value: Any, rng: random.Random) -> Any:
    """The same document with some nested objects written as dotted keys (`{"a": {"b": 1}}` -> `{"a.b": 1}`)."""
    if type(value) is not dict:
        return value
    out: dict[str, Any] = {}
    for key, sub in value.items():
        sub = respell(sub, rng)
        if type(sub) is dict and sub and rng.random() < 0.6:
            for inner, leaf in sub.items():
                out[f"{key}.{inner}"] = leaf
        else:
            out[key] = sub
    return out


def summary(alerts: list[Alert]) -> list[tuple[int, int | None, list[Any] | None, int]]:
    return [(alert.run, alert.event_index, alert.new_terms, alert.timestamp) for alert in alerts]


@settings(max_examples=40)
@given(events=st.lists(shell_events(), max_size=12), rng=st.randoms(use_true_random=False))
def test_dotted_and_nested_spellings_give_the_same_alerts(events: list[dict[str, Any]], rng: random.Random) -> None:
    dotted = [respell(event, rng) for event in events]
    expected = summary(run(PLAN, events, NOW, runs=2))
    assert summary(run(PLAN, dotted, NOW, runs=2)) == expected
    assert execute(PLAN, dotted, NOW).times == execute(PLAN, events, NOW).times


@st.composite
def distinct_time_events(draw: st.DrawFn) -> list[dict[str, Any]]:
    offsets = draw(st.lists(OFFSETS, max_size=12, unique=True))
    events = []
    for offset in offsets:
        event = draw(shell_events())
        event["@timestamp"] = iso_ms(NOW_MS - offset)
        event["event"].pop("ingested", None)  # one timestamp per event, all distinct
        events.append(event)
    return events


def content(events: list[dict[str, Any]], alerts: list[Alert]) -> set[tuple[str, tuple[Any, ...]]]:
    return {
        (json.dumps(events[alert.event_index], sort_keys=True), tuple(alert.new_terms or ()))  # type: ignore[index]
        for alert in alerts
    }


@settings(max_examples=40)
@given(events=distinct_time_events(), rng=st.randoms(use_true_random=False))
def test_the_order_of_the_events_does_not_matter(events: list[dict[str, Any]], rng: random.Random) -> None:
    shuffled = list(events)
    rng.shuffle(shuffled)
    for runs in (1, 3):
        assert content(shuffled, run(PLAN, shuffled, NOW, runs=runs)) == content(
            events, run(PLAN, events, NOW, runs=runs)
        )


@settings(max_examples=30)
@given(events=st.lists(shell_events(st.integers(0, 8 * MINUTE)), max_size=8))
def test_matching_events_alone_in_the_window_alert_once_per_combination(events: list[dict[str, Any]]) -> None:
    """With no history, every combination of a matching in-window event is new, and alerts exactly once."""
    for event in events:
        event["event"].pop("ingested", None)
    alerts = run(PLAN, events, NOW, runs=3)
    matcher = PLAN.matcher(NOW)
    expected = {
        (event["host"]["id"], parent)
        for event in events
        if matcher(event)
        for parent in (
            event["process"]["parent"]["executable"]
            if isinstance(event["process"]["parent"]["executable"], list)
            else [event["process"]["parent"]["executable"]]
        )
    }
    got = [tuple(alert.new_terms or ()) for alert in alerts]
    assert sorted(got) == sorted(expected)


# --- robustness: arbitrary JSON-shaped values ----------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["-c", "bash", "macos", "python3", "", "now", "2026-03-24T11:58:00Z", "::1", "10.0.0.1"])
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
PATHS = [
    "@timestamp",
    "event.ingested",
    "event.category",
    "event.type",
    "event.action",
    "host.os.type",
    "host.id",
    "process.name",
    "process.args",
    "process.command_line",
    "process.parent.name",
    "process.parent.executable",
    "process.parent",
    "process",
    "host",
    "event",
]


def put_nested(event: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = event
    for part in parents:
        child = node.get(part)
        if type(child) is not dict:
            child = node[part] = {}
        node = child
    node[leaf] = value


@st.composite
def arbitrary_events(draw: st.DrawFn) -> dict[str, Any]:
    event = draw(shell_events()) if draw(st.booleans()) else {}
    for path, value in draw(st.dictionaries(st.sampled_from(PATHS) | st.text(max_size=8), JSON, max_size=5)).items():
        if draw(st.booleans()):
            event[path] = value  # dotted key (may coexist with a nested spelling)
        else:
            put_nested(event, path, value)
    return event


@settings(max_examples=60)
@given(events=st.lists(arbitrary_events(), max_size=8))
def test_arbitrary_json_values_never_crash(events: list[dict[str, Any]]) -> None:
    execution = execute(PLAN, events, NOW, runs=2)
    assert len(execution.times) == len(events)
    windows = execution.windows
    for alert in execution.alerts:
        assert alert.event_index is not None and alert.event is events[alert.event_index]
        window = windows[alert.run]
        assert window.start < alert.timestamp <= window.end  # new: first seen strictly after from
        assert execution.times[alert.event_index] == alert.timestamp
        assert isinstance(alert.new_terms, list) and len(alert.new_terms) == 2
        assert all(type(term) is str and len(term) <= 1024 for term in alert.new_terms)
        assert PLAN.matcher(window.now)(alert.event)
    assert len({alert.id for alert in execution.alerts}) == len(execution.alerts)
