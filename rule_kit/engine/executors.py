"""Running a rule over events, as Kibana's detection engine would over an index (engine.md B1-B3, B5).

`execute(rule, events, now, runs=N)` makes N consecutive runs, the last at `now` and each earlier one an
`interval` before the next, and returns an `Execution`: the alerts of every run (an alert whose deterministic id
was already created by an earlier run is dropped, as Kibana's persistence layer drops it) and each run's window.
`run(...)` returns just the alerts.

Time is epoch milliseconds throughout, as Elasticsearch stores a `date`. An event's effective timestamp is its
`timestamp_override` field when the rule sets one and the event has it, else `@timestamp` (unless the rule disables
the fallback); an event with several values takes the earliest; an event without a usable timestamp is in no window.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import product
from typing import Any

from rule_kit.engine import datemath
from rule_kit.engine.plan import RulePlan, Threshold, plan_rule
from rule_kit.kql.matcher import date_millis, make_getter, term_reader
from rule_kit.rules.model import Rule

Event = dict[str, Any]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SPACE = "default"


@dataclass(frozen=True)
class Alert:
    """One alert. `event_index` is the source event's index in the events given (None for a threshold alert,
    whose `event` is the synthetic event of B3 and whose `event_indexes` are the events it counted);
    `new_terms` the new values in `new_terms_fields` order (new_terms rules, else None); `terms` the threshold
    group as `[{"field": ..., "value": ...}]` (threshold rules, else None); `run` the 0-based run that created it."""

    id: str
    run: int
    timestamp: int
    event_index: int | None
    event: Event
    new_terms: list[Any] | None = None
    terms: list[dict[str, Any]] | None = None
    count: int | None = None
    event_indexes: tuple[int, ...] = ()

    @property
    def time(self) -> datetime:
        return millis_to_datetime(self.timestamp)


@dataclass(frozen=True)
class RunWindow:
    """One run: its instant, its window `[start, end]` and, for new_terms, the history's start (epoch ms)."""

    index: int
    now: datetime
    start: int
    end: int
    history_start: int | None = None


@dataclass
class Execution:
    """What a set of runs did: `alerts`, each run's `windows`, each event's effective timestamp (`times`) and,
    for new_terms, each run's `first_seen`: combination -> (timestamp, event index) of its first occurrence
    among the matching events since the history start (new when after the window's start); for threshold, each
    run's `groups`: group values -> (events counted, distinct values of the cardinality field or None)."""

    plan: RulePlan
    alerts: list[Alert]
    windows: list[RunWindow]
    times: list[int | None]
    first_seen: list[dict[tuple[Any, ...], tuple[int, int]]] = field(default_factory=list)
    groups: list[dict[tuple[Any, ...], tuple[int, int | None]]] = field(default_factory=list)


def run(rule: Rule | RulePlan, events: Sequence[Event], now: datetime | str, runs: int = 1) -> list[Alert]:
    """The alerts `runs` consecutive runs of `rule` create over `events`, the last run at `now`."""
    return execute(rule, events, now, runs).alerts


def execute(rule: Rule | RulePlan, events: Sequence[Event], now: datetime | str, runs: int = 1) -> Execution:
    """Like `run`, with the windows and timestamps a report needs. Raises `NotExecutable` or `RuleError`."""
    plan = rule if isinstance(rule, RulePlan) else plan_rule(rule)
    last = as_instant(now)
    if type(runs) is not int or runs < 1:
        raise ValueError(f"runs must be a whole number of at least 1, not {runs!r}")
    state = _State(plan, events)
    windows = []
    for index in range(runs):
        instant = last - (runs - 1 - index) * plan.interval
        window = _window(plan, index, instant)
        windows.append(window)
        state.alerts.extend(_EXECUTORS[plan.type](state, window))
    return Execution(plan, state.alerts, windows, state.times, state.first_seen, state.groups)


def as_instant(now: datetime | str) -> datetime:
    """A run instant: an aware datetime, or an ISO-8601 string / epoch milliseconds (UTC when no zone is given)."""
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime (give a time zone, e.g. datetime.now(UTC))")
        return now.astimezone(UTC)
    if isinstance(now, str):
        return datemath.parse_absolute(now)
    raise TypeError(f"now must be a datetime or an ISO-8601 string, not {type(now).__name__}")


def latest_time(plan: RulePlan, events: Sequence[Event]) -> datetime:
    """A run instant for captured events: the latest effective timestamp among them (the current time when none
    has one), so that the newest event is at the end of the window."""
    known = [t for t in effective_times(events, plan.timestamp_override, plan.fallback) if t is not None]
    return millis_to_datetime(max(known)) if known else datetime.now(UTC)


def millis(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def millis_to_datetime(value: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=value)


def iso(value: int) -> str:
    """Epoch milliseconds as Elasticsearch prints a date: `2026-03-24T12:00:00.000Z`."""
    return datemath.format_instant(millis_to_datetime(value))


def effective_times(events: Sequence[Event], override: str | None, fallback: bool) -> list[int | None]:
    """Each event's effective timestamp in epoch ms (B1.4), or None when it has none usable."""
    primary = make_getter("@timestamp")
    secondary = make_getter(override) if override else None

    def earliest(values: list[Any]) -> int | None:
        if len(values) == 1:
            return date_millis(values[0])
        found = [t for t in map(date_millis, values) if t is not None]
        return min(found) if found else None

    times: list[int | None] = []
    for event in events:
        moment = None
        if secondary is not None:
            values = secondary(event)
            moment = earliest(values) if values else None
        if moment is None and (secondary is None or fallback):
            values = primary(event)
            moment = earliest(values) if values else None
        times.append(moment)
    return times


# --- the executors -----------------------------------------------------------------------------------------------


class _State:
    """What persists across runs: the events' timestamps, cached query results, alert ids already created and
    (threshold) the last signal time per group."""

    def __init__(self, plan: RulePlan, events: Sequence[Event]) -> None:
        self.plan = plan
        self.events = events
        self.times = effective_times(events, plan.timestamp_override, plan.fallback)
        self._matches: list[bool | None] = [None] * len(events)
        self.alerts: list[Alert] = []
        self.created: set[str] = set()
        self.last_signal: dict[tuple[Any, ...], int] = {}
        self.first_seen: list[dict[tuple[Any, ...], tuple[int, int]]] = []
        self.groups: list[dict[tuple[Any, ...], tuple[int, int | None]]] = []

    def matcher(self, now: datetime) -> Callable[[int], bool]:
        """`matches(i)`: whether event i matches the query at this run (cached when the query ignores `now`)."""
        match, events = self.plan.matcher(now), self.events
        if self.plan.uses_now:
            return lambda i: match(events[i])
        cache = self._matches

        def cached(i: int) -> bool:
            known = cache[i]
            if known is None:
                known = cache[i] = match(events[i])
            return known

        return cached

    def timed(self, low: int, high: int) -> Iterator[tuple[int, int]]:
        """`(index, timestamp)` of the events whose effective timestamp is in `[low, high]` (streamed: no list
        of a million pairs)."""
        for i, t in enumerate(self.times):
            if t is not None and low <= t <= high:
                yield i, t


def _window(plan: RulePlan, index: int, instant: datetime) -> RunWindow:
    start, end = plan.window(instant)
    history = millis(plan.history_start(end, start)) if plan.type == "new_terms" else None
    return RunWindow(index, instant, millis(start), millis(end), history)


def _alert_id(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, separators=(",", ":")).encode()).hexdigest()


def _event_identity(event: Event, index: int) -> list[Any]:
    """`[_index, _id, _version]` as Kibana hashes them; events without `_id` are identified by their position."""
    return [event.get("_index", ""), event.get("_id", f"#{index}"), event.get("_version", 1)]


def _keep(state: _State, alert: Alert, out: list[Alert]) -> bool:
    """Add `alert` unless an earlier run created it; False once the run's `max_signals` cap is reached."""
    if alert.id not in state.created:
        state.created.add(alert.id)
        out.append(alert)
    return len(out) < state.plan.max_signals


def _query(state: _State, window: RunWindow) -> list[Alert]:
    """B2: every matching event in the window, ascending by timestamp, is one alert (ids dedupe overlaps)."""
    matches, plan = state.matcher(window.now), state.plan
    hits = sorted((moment, i) for i, moment in state.timed(window.start, window.end) if matches(i))
    out: list[Alert] = []
    for moment, i in hits:
        event = state.events[i]
        alert_id = _alert_id(*_event_identity(event, i), f"{_SPACE}:{plan.rule_id}")
        if not _keep(state, Alert(alert_id, window.index, moment, i, event, event_indexes=(i,)), out):
            break
    return out


def _combinations(readers: list[Callable[[Event], list[Any]]], event: Event) -> list[tuple[Any, ...]]:
    """The cartesian product of each field's distinct terms; none when a field has no term (composite agg)."""
    if len(readers) == 1:
        return [(term,) for term in readers[0](event)]
    values = [reader(event) for reader in readers]
    for terms in values:
        if not terms:
            return []
    if len(values) == 2 and len(values[0]) == 1 and len(values[1]) == 1:  # the common single-valued pair
        return [(values[0][0], values[1][0])]
    return list(product(*values))


def _new_terms(state: _State, window: RunWindow) -> list[Alert]:
    """B1.3: a combination is new when its first occurrence among matching events in `[history, to]` is after
    `from` (strictly); its alert is built from that earliest event. Alerts in composite-key order, capped."""
    plan, events = state.plan, state.events
    assert window.history_start is not None
    matches = state.matcher(window.now)
    readers = [term_reader(plan.fields.resolve(name), name) for name in plan.new_terms_fields]
    first: dict[tuple[Any, ...], tuple[int, int]] = {}
    for i, moment in state.timed(window.history_start, window.end):
        if not matches(i):
            continue
        seen = (moment, i)
        for combination in _combinations(readers, events[i]):
            known = first.get(combination)
            if known is None or seen < known:
                first[combination] = seen
    state.first_seen.append(first)
    out: list[Alert] = []
    for combination in sorted(c for c, (t, _) in first.items() if t > window.start):
        moment, i = first[combination]
        terms = list(combination)
        alert_id = _alert_id(*_event_identity(events[i], i), f"{_SPACE}:{plan.rule_id}", terms)
        alert = Alert(alert_id, window.index, moment, i, events[i], new_terms=terms, event_indexes=(i,))
        if not _keep(state, alert, out):
            break
    return out


def _threshold(state: _State, window: RunWindow) -> list[Alert]:
    """B3: matching events in the window grouped by the threshold fields; a group with at least `value` events
    (and `cardinality` distinct values) becomes one synthetic event. Events counted by an earlier alert of the
    same group (timestamp up to that alert's) are left out of later runs."""
    plan, events = state.plan, state.events
    threshold = plan.threshold
    assert threshold is not None
    matches = state.matcher(window.now)
    readers = [term_reader(plan.fields.resolve(name), name) for name in threshold.fields]
    groups: dict[tuple[Any, ...], list[tuple[int, int]]] = {}
    for i, moment in state.timed(window.start, window.end):
        if not matches(i):
            continue
        combinations = _combinations(readers, events[i]) if readers else [()]
        if any(c in state.last_signal and moment <= state.last_signal[c] for c in combinations):
            continue
        for combination in combinations:
            groups.setdefault(combination, []).append((moment, i))
    distinct = None
    if threshold.cardinality is not None:
        distinct = term_reader(plan.fields.resolve(threshold.cardinality[0]), threshold.cardinality[0])
    counts: dict[tuple[Any, ...], tuple[int, int | None]] = {}
    for combination, members in groups.items():  # what each group reached, for reports (`rule-kit explain`)
        reached = len({term for _, i in members for term in distinct(events[i])}) if distinct is not None else None
        counts[combination] = (len(members), reached)
    state.groups.append(counts)
    out: list[Alert] = []
    for combination in sorted(groups):
        members = groups[combination]
        if len(members) < threshold.value:
            continue
        cardinality = counts[combination][1]
        if cardinality is not None and threshold.cardinality is not None and cardinality < threshold.cardinality[1]:
            continue
        latest, earliest = max(m for m, _ in members), min(m for m, _ in members)
        terms = [{"field": name, "value": value} for name, value in zip(threshold.fields, combination, strict=True)]
        event = _threshold_event(threshold, terms, len(members), earliest, latest, cardinality)
        keys = sorted(map(str, combination))
        alert_id = _alert_id(plan.rule_id, window.now.isoformat(), list(threshold.fields), keys)
        counted = tuple(i for _, i in members)
        alert = Alert(
            alert_id, window.index, latest, None, event, terms=terms, count=len(members), event_indexes=counted
        )
        state.last_signal[combination] = latest
        if not _keep(state, alert, out):
            break
    return out


def _threshold_event(
    threshold: Threshold, terms: list[dict[str, Any]], count: int, earliest: int, latest: int, cardinality: int | None
) -> Event:
    """The synthetic source event of a threshold alert: the group's values, its last timestamp, `threshold_result`."""
    event: Event = {"@timestamp": iso(latest)}
    for term in terms:
        _set_path(event, term["field"], term["value"])
    result: dict[str, Any] = {"terms": terms, "count": count, "from": iso(earliest)}
    if cardinality is not None and threshold.cardinality is not None:
        result["cardinality"] = [{"field": threshold.cardinality[0], "value": cardinality}]
    event["threshold_result"] = result
    return event


def _set_path(event: Event, path: str, value: Any) -> None:
    node = event
    *parents, leaf = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


_EXECUTORS: dict[str, Callable[[_State, RunWindow], list[Alert]]] = {
    "query": _query,
    "new_terms": _new_terms,
    "threshold": _threshold,
}
