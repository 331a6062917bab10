"""Author-declared properties (`[[property]]` in a fixture file; engine.md B7, docs/fixtures.md "Properties").

A property states what a whole family of events must do: hypothesis draws events from its generators, the rule runs
once over each (at the property's `now`, no history), and a counterexample is shrunk to a minimal event. The
failure report prints that event as a ready-to-paste `[[case]]`, so the evasion hypothesis found becomes a curated
case of the fixture file.

    check_property(plan_rule(rule), prop)   # raises PropertyFailed; `.report()` is what the user reads
"""

from __future__ import annotations

import copy
import hashlib
import ipaddress
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import Phase, Verbosity, given, settings
from hypothesis import strategies as st

from rule_kit.engine.datemath import format_instant
from rule_kit.engine.executors import Alert, Execution, execute, iso, millis, run
from rule_kit.engine.plan import RulePlan
from rule_kit.fixtures.events import Event, apply_overrides, has_field, remove_field
from rule_kit.fixtures.model import Generator, Property
from rule_kit.fixtures.writer import case_block as write_case
from rule_kit.kql.nodes import Literal, Wildcard, walk
from rule_kit.report.execution import describe_alert, render_execution

__all__ = [
    "MISSING",
    "PropertyFailed",
    "case_block",
    "check_property",
    "event_strategy",
    "field_strategy",
    "query_words",
]

#: What `missing = true` draws: the field is removed from the event (every spelling), not set.
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
#: A generated event's timestamps default to this long before the property's `now` (inside any rule's window).
DEFAULT_AGE = timedelta(minutes=1)

_INTEGER_RANGES = {
    "long": (-(2**63), 2**63 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "unsigned_long": (0, 2**64 - 1),
}
_FLOAT_TYPES = frozenset({"double", "float", "half_float", "scaled_float"})
_LIST_SIZE = 3  # elements around a `contains` element, and values of an `any` array: enough to matter, quick to shrink


class PropertyFailed(Exception):
    """A property (`prop`) that a generated event violates; `event` is hypothesis' shrunk (minimal) counterexample and
    `execution` the rule's run over it. `report()` is what the user reads."""

    def __init__(self, plan: RulePlan, prop: Property, event: Event, execution: Execution) -> None:
        super().__init__(f"property {prop.name!r}: {_verdict(prop, execution.alerts)}")
        self.plan, self.prop, self.event, self.execution = plan, prop, event, execution

    @property
    def alerts(self) -> list[Alert]:
        return self.execution.alerts

    def report(self) -> str:
        prop, alerts = self.prop, self.alerts
        lines = [f"property: {prop.name}", f"  - {_verdict(prop, alerts)}", ""]
        event = json.dumps(self.event, ensure_ascii=False, default=str)
        lines += ["minimal counterexample (shrunk by hypothesis):", f"  {event}", ""]
        if alerts:
            lines += [f"alerts got ({len(alerts)}):", *(f"  {describe_alert(alert)}" for alert in alerts)]
        else:
            lines.append("alerts got: none")
        lines += ["", render_execution(self.execution, [self.event]), ""]
        lines += ["to keep it as a curated case, paste this into the fixture file:", "", self.case_block()]
        return "\n".join(lines)

    def case_block(self) -> str:
        return case_block(self.prop, self.event)


def check_property(plan: RulePlan, prop: Property, *, database_key: bytes | None = None) -> None:
    """Run hypothesis over the property's events; raise `PropertyFailed` with the shrunk counterexample.

    Settings are the current profile's (`settings.default`: examples, derandomize, database, health checks,
    deadline) with `max_examples = prop.examples` when the property sets it. `database_key` keys hypothesis'
    example database (default: from the rule id and the property name, so properties never share examples).
    The engine's own errors (`RuleError`) propagate unchanged."""
    failing: list[Event] = []

    def holds(event: Event) -> None:
        if _violated(prop, run(plan, [event], prop.now)):
            failing.append(event)  # after shrinking, hypothesis replays the minimal example last
            raise _Counterexample

    base = settings.default
    test = settings(
        base,
        max_examples=prop.examples or base.max_examples,
        verbosity=Verbosity.quiet,  # the report is PropertyFailed's; nothing below the CLI prints
        report_multiple_bugs=False,
        phases=[phase for phase in base.phases if phase is not Phase.explain],  # its notes are never shown
    )(given(event_strategy(plan, prop))(holds))
    test._hypothesis_internal_database_key = database_key or _database_key(plan, prop)  # type: ignore[attr-defined]
    try:
        test()
    except _Counterexample:
        event = failing[-1]
        raise PropertyFailed(plan, prop, event, execute(plan, [event], prop.now)) from None


class _Counterexample(AssertionError):
    """Raised inside the hypothesis test for an event that violates the property (caught by check_property)."""


def _violated(prop: Property, alerts: list[Alert]) -> bool:
    return not alerts if prop.expect == "alert" else bool(alerts)


def _verdict(prop: Property, alerts: list[Alert]) -> str:
    if prop.expect == "alert":
        return "expected every generated event to alert; this one raised none"
    return f"expected no generated event to alert; this one raised {len(alerts)} alert{'s' if len(alerts) != 1 else ''}"


def _database_key(plan: RulePlan, prop: Property) -> bytes:
    return b"rule-kit property " + hashlib.sha256(json.dumps([plan.rule_id, prop.name]).encode()).hexdigest().encode()


# --- strategies -------------------------------------------------------------------------------------------------


def event_strategy(plan: RulePlan, prop: Property) -> st.SearchStrategy[Event]:
    """The property's events: the template with every `given` field drawn (or removed), and `@timestamp` (and the
    rule's `timestamp_override` field) set to `now - 1m` unless the template or `given` has it."""
    words = query_words(plan)
    draws = st.fixed_dictionaries({name: field_strategy(gen, words) for name, gen in prop.given.items()})
    default = iso(millis(prop.now - DEFAULT_AGE))
    stamps = [name for name in ("@timestamp", plan.timestamp_override) if name and name not in prop.given]

    def build(values: dict[str, Any]) -> Event:
        event = copy.deepcopy(prop.template)
        for name, value in values.items():
            if value is MISSING:
                remove_field(event, name)
            else:
                apply_overrides(event, {name: value})
        missing = {name: default for name in stamps if not has_field(event, name)}
        return {**missing, **event}

    return draws.map(build)


def field_strategy(generator: Generator, words: Sequence[str] = ()) -> st.SearchStrategy[Any]:
    """The values of one `given` field (docs/fixtures.md lists what each generator key draws). Arbitrary text is
    mixed with `words` (the rule's query's vocabulary, `query_words`), so that a value which merely happens to
    contain a word the query tests (`pipeline` holds `pip`) is tried: plain random text never spells it."""
    text = _text(words)
    if generator.is_literal:
        return st.just(generator.literal)
    keys = generator.keys
    if "missing" in keys:
        return st.just(MISSING)
    if "one_of" in keys:
        return st.sampled_from(keys["one_of"])
    if "regex" in keys:
        return st.from_regex(keys["regex"], fullmatch=True)
    if "integers" in keys:
        return st.integers(keys["integers"].get("min"), keys["integers"].get("max"))
    if "ip" in keys:
        return st.ip_addresses(network=ipaddress.ip_network(keys["ip"], strict=False)).map(str)
    if "any" in keys:
        return _any(generator.field_type, generator.array, text)
    if generator.array:  # `contains` on an array field: a list holding the value among others
        return _list_containing(keys["contains"], text)
    return _string(keys.get("prefix", ""), keys.get("contains"), keys.get("suffix", ""), text)


def query_words(plan: RulePlan) -> tuple[str, ...]:
    """The strings the rule's query compares values with (wildcard patterns cut at their `*`), each also
    capitalised and in upper case: the vocabulary arbitrary text is mixed with. Sorted, so draws are stable."""
    words: set[str] = set()

    for node in walk(plan.tree):
        if isinstance(node, Literal) and isinstance(node.value, str):
            words.add(node.value)
        elif isinstance(node, Wildcard):
            words.update(part for part in node.parts if isinstance(part, str))
    return tuple(sorted({variant for word in words if word for variant in (word, word.capitalize(), word.upper())}))


def _text(words: Sequence[str]) -> st.SearchStrategy[str]:
    """Arbitrary unicode text, spliced with whole words of the vocabulary when there is one."""
    if not words:
        return st.text()
    return st.lists(st.one_of(st.text(), st.sampled_from(words)), max_size=4).map("".join)


def _string(prefix: str, contains: str | None, suffix: str, text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    if contains is None:
        return text.map(lambda middle: prefix + middle + suffix)
    return st.tuples(text, text).map(lambda parts: prefix + parts[0] + contains + parts[1] + suffix)


def _list_containing(element: Any, text: st.SearchStrategy[str]) -> st.SearchStrategy[list[Any]]:
    others = _like(element, text)
    around = st.tuples(st.lists(others, max_size=_LIST_SIZE), st.lists(others, max_size=_LIST_SIZE))
    return around.map(lambda parts: [*parts[0], element, *parts[1]])


def _like(value: Any, text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Arbitrary values of `value`'s JSON type."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers()
    if isinstance(value, float):
        return st.floats(allow_nan=False, allow_infinity=False)
    return text


def _any(field_type: str | None, array: bool, text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Any value of the field's catalog type; for an array field, also a short list of them."""
    if field_type in _INTEGER_RANGES:
        low, high = _INTEGER_RANGES[field_type]
        scalar: st.SearchStrategy[Any] = st.integers(low, high)
    elif field_type in _FLOAT_TYPES:
        scalar = st.floats(allow_nan=False, allow_infinity=False)
    elif field_type == "ip":
        scalar = st.ip_addresses().map(str)
    elif field_type in ("date", "date_nanos"):
        moments = st.datetimes(datetime(1970, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC))
        scalar = moments.map(format_instant)
    elif field_type == "boolean":
        scalar = st.booleans()
    else:  # keyword, wildcard, text, version: the loader accepts no other type for `any`
        scalar = text
    return st.one_of(scalar, st.lists(scalar, min_size=1, max_size=_LIST_SIZE)) if array else scalar


# --- the pasted case ----------------------------------------------------------------------------------------------


def case_block(prop: Property, event: Event) -> str:
    """A `[[case]]` reproducing `event` under the property's expectation, at the property's `now`."""
    return write_case(f"found by property {prop.name}", [event], prop.now, prop.expect)
