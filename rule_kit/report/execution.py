"""What a rule run did, for a human: the runs and their windows, the alerts, and each event with where its
timestamp falls and the query's explain view (every clause true or false). `rule-kit explain` prints it and a
failing fixture case shows it, so the reason is visible without a debugger."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rule_kit.engine.executors import Alert, Execution, RunWindow, iso, millis
from rule_kit.kql import KqlTypeError, explain

_EVENT_WIDTH = 400


def render_execution(execution: Execution, events: Sequence[dict[str, Any]], *, explain_events: bool = True) -> str:
    """The runs, the alerts and (with `explain_events`) every event explained, as plain text."""
    lines = [*_runs(execution), "", *_alerts(execution.alerts), *_first_seen(execution), *_groups(execution)]
    if explain_events:
        lines += ["", *_events(execution, events)]
    return "\n".join(lines)


def describe_alert(alert: Alert) -> str:
    """One line per alert: which event (numbered from 1), when, and its new terms or threshold group."""
    when = iso(alert.timestamp)
    if alert.terms is not None:
        group = ", ".join(f"{t['field']} = {_json(t['value'])}" for t in alert.terms) or "all events"
        return f"threshold group {group}: {alert.count} events, last at {when} (run {alert.run + 1})"
    text = f"event {alert.event_index + 1 if alert.event_index is not None else '?'} at {when}"
    if alert.new_terms is not None:
        text += f", new terms {_json(alert.new_terms)}"
    return f"{text} (run {alert.run + 1})"


def compact(event: dict[str, Any], width: int = _EVENT_WIDTH) -> str:
    """An event as one line of JSON, cut at `width` characters."""
    text = _json(event)
    return text if len(text) <= width else text[: width - 1] + "…"


def _runs(execution: Execution) -> list[str]:
    plan = execution.plan
    lines = [f"rule: {plan.rule.name or plan.rule.path} ({plan.type}, from {plan.from_} to {plan.to})"]
    for window in execution.windows:
        line = f"run {window.index + 1} at {iso(millis(window.now))}: window [{iso(window.start)}, {iso(window.end)}]"
        if window.history_start is not None:
            line += f", history from {iso(window.history_start)}"
        lines.append(line)
    return lines


def _alerts(alerts: Sequence[Alert]) -> list[str]:
    if not alerts:
        return ["alerts: none"]
    return [f"alerts ({len(alerts)}):", *(f"  {describe_alert(a)}" for a in alerts)]


def _first_seen(execution: Execution) -> list[str]:
    """new_terms: when each combination was first seen in the last run's history and window, and so whether new."""
    if not execution.first_seen:
        return []
    window, first = execution.windows[-1], execution.first_seen[-1]
    if not first:
        return [
            "",
            "new terms: no event in the last run's history or window both matches the query and has a value for every"
            " new-terms field (each event's timestamp and clauses are below)",
        ]
    names = ", ".join(execution.plan.new_terms_fields)
    lines = ["", f"terms of the matching events ({names}), run {window.index + 1}:"]
    for combination in sorted(first):
        moment, index = first[combination]
        verdict = "new" if moment > window.start else "not new (seen by the window's start)"
        lines.append(f"  {_json(list(combination))} first seen in event {index + 1} at {iso(moment)}: {verdict}")
    return lines


def _groups(execution: Execution) -> list[str]:
    """threshold: each group of the last run's matching events, what it reached against what alerts need."""
    threshold = execution.plan.threshold
    if threshold is None or not execution.groups:
        return []
    window, groups = execution.windows[-1], execution.groups[-1]
    if not groups:
        return ["", f"threshold groups, run {window.index + 1}: no matching event in the window to count"]
    lines = ["", f"threshold groups, run {window.index + 1} (alert at {threshold.value} events"]
    if threshold.cardinality is not None:
        lines[-1] += f" with {threshold.cardinality[1]} distinct {threshold.cardinality[0]}"
    lines[-1] += "):"
    for combination in sorted(groups):
        count, distinct = groups[combination]
        values = ", ".join(
            f"{name} = {_json(value)}" for name, value in zip(threshold.fields, combination, strict=True)
        )
        reached = f"{count} event{'s' if count != 1 else ''}"
        short = [] if count >= threshold.value else [f"{threshold.value} events"]
        if threshold.cardinality is not None and distinct is not None:
            name, needed = threshold.cardinality
            reached += f", {distinct} distinct {name}"
            short += [] if distinct >= needed else [f"{needed} distinct {name}"]
        verdict = "reaches the threshold" if not short else "below: needs " + " and ".join(short)
        lines.append(f"  {values or 'all events'}: {reached}: {verdict}")
    return lines


def _events(execution: Execution, events: Sequence[dict[str, Any]]) -> list[str]:
    plan, last = execution.plan, execution.windows[-1]
    lines = [f"events ({len(events)}), timestamps against run {last.index + 1}:"]
    matched = 0
    for number, event in enumerate(events, start=1):
        moment = execution.times[number - 1]
        lines.append(f"event {number} @ {_where(moment, last)}")
        lines.append(f"  {compact(event)}")
        try:
            explanation = explain(plan.tree, event, plan.fields, now=last.now)
        except KqlTypeError as error:
            lines.append(f"  query cannot run: {error}")
            continue
        matched += explanation.result
        lines.append(f"  query {'matches' if explanation.result else 'does not match'}:")
        lines.append(explanation.render(indent=2))
    lines.append(f"{matched} of {len(events)} events match the query; {len(execution.alerts)} alerts.")
    return lines


def _where(moment: int | None, window: RunWindow) -> str:
    if moment is None:
        return "no usable timestamp (in no window)"
    text = iso(moment)
    if window.start <= moment <= window.end:
        return f"{text} (in the window)"
    if moment > window.end:
        return f"{text} (after the window)"
    if window.history_start is not None and moment >= window.history_start:
        return f"{text} (in the history)"
    return f"{text} (before the {'history' if window.history_start is not None else 'window'})"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
