"""Automatic properties of an executable rule (engine.md B7), proven with events generated from its own query.

- `satisfiable`: some event matches the query (else `Unsatisfiable` names the contradiction);
- `alerts`: every generated matching event, alone in the window, alerts (new_terms: and not when its terms are
  already in the history, and again when only other terms are);
- `ignores`: an event that breaks exactly one necessary condition, alone in the window, does not alert;
- `robust`: arbitrary ECS-shaped events never crash the engine, and the dotted and nested spellings of the same
  events give the same alerts.

Each runs hypothesis with the active rule-kit profile (`ci`, `dev`, `thorough`; see `PROFILES`); a failure raises
`AutoPropertyFailed` with the minimal event hypothesis shrank to, written as a ready-to-paste `[[case]]`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable as HypothesisUnsatisfiable

from rule_kit.engine import RulePlan, execute, run
from rule_kit.engine.executors import iso, millis
from rule_kit.fields.catalog import FieldInfo
from rule_kit.fixtures.events import apply_overrides
from rule_kit.fixtures.strategies import (
    NoViolation,
    StrategyError,
    Unsatisfiable,
    arbitrary_events,
    matching_events,
    violating_events,
)
from rule_kit.fixtures.writer import case_block
from rule_kit.kql.matcher import _family, flatten, term_reader
from rule_kit.kql.nodes import walk
from rule_kit.report.execution import render_execution

Event = dict[str, Any]

#: The instant every automatic property runs at (fixed: the same events, the same verdicts, on every machine).
NOW = datetime.fromisoformat("2026-03-24T12:00:00+00:00")

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much]}
PROFILES = {
    "ci": settings(derandomize=True, database=None, max_examples=25, **_COMMON),  # reproducible, bounded
    "dev": settings(max_examples=50, **_COMMON),  # explores new examples each run, remembers failures (.hypothesis/)
    "thorough": settings(max_examples=500, **_COMMON),  # nightly
}
for _name, _profile in PROFILES.items():
    settings.register_profile(f"rule-kit-{_name}", _profile)

AUTO_PROPERTIES = ("satisfiable", "alerts", "ignores", "robust")


class AutoPropertyFailed(Exception):
    """An automatic property that does not hold; `report()` is what the user reads."""

    def __init__(self, title: str, detail: str) -> None:
        super().__init__(title)
        self.title, self.detail = title, detail

    def report(self) -> str:
        return f"{self.title}\n\n{self.detail}"


class AutoPropertySkipped(Exception):
    """The property does not apply to this rule, or events cannot be generated for it (the message says why)."""


def check_auto_property(plan: RulePlan, name: str, profile: settings, key: bytes) -> None:
    """Run one automatic property (`AUTO_PROPERTIES`) for the rule; raises `AutoPropertyFailed`, or
    `AutoPropertySkipped` when it does not apply (no condition an event can break) or events cannot be built."""
    try:
        _check(plan, name, profile, key)
    except NoViolation as reason:
        raise AutoPropertySkipped(f"nothing to break: {reason}") from None
    except StrategyError as error:
        raise AutoPropertySkipped(f"rule-kit cannot generate events for this query yet: {error}") from None


def _check(plan: RulePlan, name: str, profile: settings, key: bytes) -> None:
    try:
        strategy = matching_events(plan.tree, plan.fields, now=NOW)
    except NoViolation:
        raise
    except Unsatisfiable as error:
        raise AutoPropertyFailed("no event can match the query", error.reason) from None
    if name == "satisfiable":
        _hunt(plan, strategy, _matches_query(plan), "a generated matching event does not match", profile, key)
    elif name == "alerts":
        _hunt(plan, strategy, _alerts_when_new(plan), "a matching event in the window did not alert", profile, key)
    elif name == "ignores":
        broken = violating_events(plan.tree, plan.fields, now=NOW)
        _hunt(plan, broken, _never_alerts(plan), "an event breaking one condition alerted", profile, key)
    elif name == "robust":
        events = st.lists(arbitrary_events(plan.fields, _query_fields(plan)), max_size=5)
        _hunt(plan, events, _robust(plan), "the engine failed on arbitrary events", profile, key)
    else:
        raise ValueError(f"unknown automatic property {name!r}")


Failure = tuple[list[Event], str, str]  # the events, what went wrong, the expectation a curated case states
Check = Callable[[Any], Failure | None]


def _hunt(plan: RulePlan, strategy: st.SearchStrategy[Any], check: Check, title: str, profile: settings, key: bytes):
    """Run `check` on generated values; a value it rejects is shrunk by hypothesis and reported."""
    failures: list[Failure] = []

    def test(value: Any) -> None:
        failure = check(value)
        if failure is not None:
            failures.append(failure)
            raise AssertionError(failure[1])

    test._hypothesis_internal_add_digest = key  # type: ignore[attr-defined]  # one example database key per item
    runner = settings(profile, phases=[p for p in Phase if p is not Phase.explain])(given(strategy)(test))
    try:
        runner()
    except HypothesisUnsatisfiable:
        raise AutoPropertySkipped(
            "every generated event was set aside: the query constrains its timestamps"
            + (" or the cardinality field" if plan.threshold is not None and plan.threshold.cardinality else "")
        ) from None
    except AssertionError:
        events, why, expect = failures[-1]  # hypothesis replays the shrunk example last
        raise AutoPropertyFailed(title, _detail(plan, events, why, expect)) from None


def _timed(plan: RulePlan, event: Event, moment: datetime) -> Event:
    stamp = iso(millis(moment))
    overrides = {"@timestamp": stamp}
    if plan.timestamp_override:
        overrides[plan.timestamp_override] = stamp
    return apply_overrides(copy.deepcopy(event), overrides)


def _window_copies(plan: RulePlan, event: Event) -> list[Event]:
    """The event placed in the window: once, or for a threshold rule as many times as the threshold asks; with a
    cardinality condition, each copy with its own value of the cardinality field, as many as it asks."""
    threshold = plan.threshold
    if threshold is None:
        return [_timed(plan, event, NOW - timedelta(seconds=30))]
    count = max(threshold.value, threshold.cardinality[1] if threshold.cardinality else 0)
    copies = [_timed(plan, event, NOW - timedelta(seconds=30 + index)) for index in range(count)]
    if threshold.cardinality is not None:
        name = threshold.cardinality[0]
        info = plan.fields.resolve(name)
        target = info.multi_field_of or name if info is not None else name
        copies = [apply_overrides(c, {target: _sample(info, i)}) for i, c in enumerate(copies)]
    return copies


def _sample(info: FieldInfo | None, index: int = 0) -> Any:
    """The `index`-th of a run of different values a field of this type indexes (a group or cardinality value)."""
    family = _family(info.type) if info is not None else "keyword"
    if info is not None and info.type == "boolean":
        return index % 2 == 0
    if family == "number":
        return index + 1
    if family == "ip":
        return f"10.{index // 65_536 % 256}.{index // 256 % 256}.{index % 256 + 1}"
    if family == "date":
        return iso(millis(NOW) - 86_400_000 * (index + 1))
    return f"sample-{index}"


def _with_group_fields(plan: RulePlan, event: Event) -> Event:
    """The event with a value for each new-terms or threshold field it lacks: a document without one of them
    never makes a bucket (Elasticsearch's composite aggregation), so it can never alert, by design."""
    names = plan.new_terms_fields or (plan.threshold.fields if plan.threshold is not None else ())
    missing = {}
    for name in names:
        info = plan.fields.resolve(name)
        if info is not None and not term_reader(info, name)(event):
            target = info.multi_field_of or name  # a `.caseless` multi-field is indexed from its parent's value
            missing[target] = _sample(info)
    return apply_overrides(copy.deepcopy(event), missing) if missing else event


def _matches_query(plan: RulePlan) -> Check:
    matcher = plan.matcher(NOW)

    def check(event: Event) -> Failure | None:
        return None if matcher(event) else ([event], "the query does not match this generated event", "alert")

    return check


def _alerts_when_new(plan: RulePlan) -> Check:
    matcher = plan.matcher(NOW)

    def check(event: Event) -> Failure | None:
        event = _with_group_fields(plan, event)
        events = _window_copies(plan, event)
        # the query constrains a timestamp field, or the cardinality field the copies vary: not this property's case
        assume(all(matcher(e) for e in events))
        if not run(plan, events, NOW):
            return events, "expected an alert, got none", "alert"
        if plan.type == "new_terms":
            history = _timed(plan, event, NOW - timedelta(days=1))
            start = millis(NOW) - 86_400_000
            if start > millis(_history_start(plan)) and run(plan, [history, *events], NOW):
                return [history, *events], "the same terms a day before (in the history) still alerted", "no_alert"
        return None

    return check


def _never_alerts(plan: RulePlan) -> Check:
    def check(value: tuple[Event, str]) -> Failure | None:
        event, broken = value
        events = _window_copies(plan, event)
        alerts = run(plan, events, NOW)
        return (events, f"`{broken}` is broken, yet {len(alerts)} alert(s)", "no_alert") if alerts else None

    return check


def _robust(plan: RulePlan) -> Check:
    def check(events: list[Event]) -> Failure | None:
        timed = [_timed(plan, e, NOW - timedelta(seconds=10 + i)) for i, e in enumerate(events)]
        try:
            nested = [_nested(e) for e in timed]
            dotted = [_dotted(e) for e in timed]
            got = [len(run(plan, spelling, NOW)) for spelling in (timed, nested, dotted)]
        except Exception as error:  # any crash is the finding
            return timed, f"{type(error).__name__}: {error}", "no_alert"
        if len(set(got)) != 1:
            why = f"the same events gave {got[0]}, {got[1]} and {got[2]} alerts as written, nested and dotted"
            return timed, why, "alert" if got[0] else "no_alert"
        return None

    return check


def _dotted(event: Event) -> Event:
    return {path: values if len(values) > 1 else values[0] for path, values in flatten(event).items()}


def _nested(event: Event) -> Event:
    out: Event = {}
    for path, values in flatten(event).items():
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[leaf] = values if len(values) > 1 else values[0]
    return out


def _history_start(plan: RulePlan) -> datetime:
    start, end = plan.window(NOW)
    return plan.history_start(end, start)


def _query_fields(plan: RulePlan) -> list[str]:
    names = []
    for node in walk(plan.tree):
        field = getattr(node, "field", None)
        if isinstance(field, str) and field not in names:
            names.append(field)
    return names


def _detail(plan: RulePlan, events: list[Event], why: str, expect: str) -> str:
    lines = [f"minimal counterexample: {why}", ""]
    lines.append("reproduce it as a curated case (paste into the fixture file):")
    lines.append(case_block(f"found by hypothesis: {why}", events, NOW, expect))
    try:
        lines += ["", render_execution(execute(plan, events, NOW), events)]
    except Exception as error:  # the report must not hide the finding
        lines.append(f"(the run itself failed: {type(error).__name__}: {error})")
    return "\n".join(lines)
