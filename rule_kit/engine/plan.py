"""What the engine needs from a rule, read and checked once: its type's parameters and its compiled query.

`plan_rule(rule)` turns a `Rule` into a `RulePlan`, or raises `NotExecutable` (a rule rule-kit cannot run yet:
EQL, ES|QL, ML, indicator match, Lucene, Kibana filters, alert suppression) or `RuleError` (a rule Kibana itself
could not run: no query, a syntax error, a value the field's type rejects, bad date math).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rule_kit.engine import datemath
from rule_kit.fields.catalog import FieldCatalog, catalog_for_indices
from rule_kit.kql.matcher import KqlTypeError, Matcher, compile
from rule_kit.kql.nodes import Item
from rule_kit.rules.model import Rule
from rule_kit.rules.query import parsed_query

EXECUTABLE_TYPES = ("query", "new_terms", "threshold")
_NOW_WORD = re.compile(r"(?<![\w.])now(?!\w)")
DEFAULT_FROM, DEFAULT_TO, DEFAULT_INTERVAL, DEFAULT_MAX_SIGNALS = "now-6m", "now", "5m", 100


class NotExecutable(Exception):
    """rule-kit cannot run this rule yet (the message says why); a test of it is skipped, never passed."""


class RuleError(ValueError):
    """The rule cannot run as written: Kibana would fail its execution too (the message says why)."""


@dataclass(frozen=True)
class Threshold:
    """`[rule.threshold]`: group by `fields` (none: one group), alert at `value` events (and `cardinality`)."""

    fields: tuple[str, ...]
    value: int
    cardinality: tuple[str, int] | None = None


@dataclass(eq=False)
class RulePlan:
    """A rule ready to run: parameters with Kibana's defaults applied and the query compiled once per instant
    (once for all instants when the query does not mention `now`)."""

    rule: Rule
    type: str
    tree: Item
    query_text: str
    fields: FieldCatalog
    from_: str = DEFAULT_FROM
    to: str = DEFAULT_TO
    interval: timedelta = field(default_factory=lambda: datemath.parse_duration(DEFAULT_INTERVAL))
    max_signals: int = DEFAULT_MAX_SIGNALS
    timestamp_override: str | None = None
    fallback: bool = True
    new_terms_fields: tuple[str, ...] = ()
    history_window_start: str | None = None
    threshold: Threshold | None = None
    _matchers: dict[datetime | None, Matcher] = field(default_factory=dict, repr=False)

    @property
    def rule_id(self) -> str:
        return self.rule.rule_id or str(self.rule.path)

    @property
    def uses_now(self) -> bool:
        """Whether the query's truth may depend on the run instant (the word `now`, as in date math)."""
        return _NOW_WORD.search(self.query_text) is not None

    def matcher(self, now: datetime) -> Matcher:
        """The compiled query for a run at `now` (raises `RuleError` for a value the field's type rejects)."""
        key = now if self.uses_now else None
        found = self._matchers.get(key)
        if found is None:
            try:
                found = compile(self.tree, self.fields, now=now)
            except KqlTypeError as error:
                raise RuleError(f"the query cannot run: {error}") from None
            self._matchers[key] = found
        return found

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        """The run's window `[now + from, now + to]` (both ends inclusive)."""
        start, end = _date(self.from_, now, "from"), _date(self.to, now, "to")
        if start > end:
            raise RuleError(f"from ({self.from_}) is after to ({self.to}): the window is empty")
        return start, end

    def history_start(self, window_end: datetime, window_start: datetime) -> datetime:
        """new_terms: `history_window_start` resolved against the window's end (Kibana's `forceNow: tuple.to`);
        it must be strictly earlier than the window's start, as Kibana checks at every run."""
        assert self.history_window_start is not None
        start = _date(self.history_window_start, window_end, "history_window_start")
        if start >= window_start:
            raise RuleError(
                f"history_window_start ({self.history_window_start}) is not before from ({self.from_}): "
                "Kibana fails the run (History window size is smaller than rule interval + additional lookback)"
            )
        return start


def plan_rule(rule: Rule, fields: FieldCatalog | None = None) -> RulePlan:
    """Read `rule` into a `RulePlan` (`fields`: the field catalog; default ECS plus the rule's indices' fields)."""
    if rule.data is None:
        problem = rule.problem.message if rule.problem is not None else "the file could not be read"
        raise RuleError(f"the rule file cannot be read: {problem}")
    section = rule.section
    rule_type, language = rule.type, section.get("language", "kuery")
    if rule_type not in EXECUTABLE_TYPES:
        raise NotExecutable(f"{rule_type or 'untyped'} rules are not executable yet (query, new_terms, threshold are)")
    if language != "kuery":
        raise NotExecutable(f"{language} queries are not executable yet (KQL is)")
    for key, why in (
        ("filters", "Kibana filters are not executed yet"),
        ("alert_suppression", "alert suppression is not emulated yet"),
        ("exceptions_list", "exception lists live in Kibana and are not applied"),
    ):
        if section.get(key):
            raise NotExecutable(f"the rule sets {key}: {why}")
    parsed = parsed_query(rule)
    if parsed is None:
        raise RuleError("the rule has no query")
    if parsed.error is not None or parsed.tree is None:
        message = parsed.error.message if parsed.error is not None else "unknown error"
        raise RuleError(f"the query does not parse: {message}")
    plan = RulePlan(
        rule=rule,
        type=rule_type,
        tree=parsed.tree,
        query_text=parsed.text,
        fields=fields if fields is not None else catalog_for_indices(rule.indices),
        from_=_text(section, "from", DEFAULT_FROM),
        to=_text(section, "to", DEFAULT_TO),
        interval=_interval(section.get("interval", DEFAULT_INTERVAL)),
        max_signals=_max_signals(section.get("max_signals", DEFAULT_MAX_SIGNALS)),
        timestamp_override=_override(section.get("timestamp_override")),
        fallback=section.get("timestamp_override_fallback_disabled") is not True,
    )
    if rule_type == "new_terms":
        plan.new_terms_fields, plan.history_window_start = read_new_terms(section.get("new_terms"))
        _check_aggregatable(plan, plan.new_terms_fields, "new terms")
    elif rule_type == "threshold":
        plan.threshold = read_threshold(section.get("threshold"))
        names = plan.threshold.fields + ((plan.threshold.cardinality[0],) if plan.threshold.cardinality else ())
        _check_aggregatable(plan, names, "threshold")
    # Kibana validates a rule before its first run: the window, the history window and the query's values
    today = datetime.now(UTC)
    start, end = plan.window(today)
    if plan.history_window_start is not None:
        plan.history_start(end, start)
    plan.matcher(today)
    return plan


def _text(section: dict[str, Any], key: str, default: str) -> str:
    value = section.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"{key} must be date math such as {default}, not {value!r}")
    return value


def _date(expression: str, now: datetime, key: str) -> datetime:
    try:
        return datemath.parse(expression, now)
    except datemath.DateMathError as error:
        raise RuleError(f"{key}: {error}") from None


def _interval(value: object) -> timedelta:
    try:
        return datemath.parse_duration(value)  # type: ignore[arg-type]
    except datemath.DateMathError as error:
        raise RuleError(f"interval: {error}") from None


def _max_signals(value: object) -> int:
    if type(value) is not int or value < 1:
        raise RuleError(f"max_signals must be a whole number of at least 1, not {value!r}")
    return value


def _override(value: object) -> str | None:
    if value is None or value == "@timestamp":
        return None
    if not isinstance(value, str) or not value:
        raise RuleError(f"timestamp_override must be a field name, not {value!r}")
    return value


def read_new_terms(table: object) -> tuple[tuple[str, ...], str]:
    """`[rule.new_terms]` (Elastic's TOML layout): the new terms fields and the history window start."""
    if not isinstance(table, dict):
        raise RuleError("a new_terms rule needs a [rule.new_terms] table")
    names = table.get("value")
    if not isinstance(names, list) or not 1 <= len(names) <= 3 or not all(isinstance(n, str) and n for n in names):
        raise RuleError(f"new_terms.value must list 1 to 3 field names, not {names!r}")
    windows = table.get("history_window_start")
    first = windows[0] if isinstance(windows, list) and windows else None
    start = first.get("value") if isinstance(first, dict) else None
    if not isinstance(start, str) or not start.strip():
        raise RuleError("new_terms.history_window_start must give date math such as now-7d")
    return tuple(names), start


def read_threshold(table: object) -> Threshold:
    """`[rule.threshold]`: the group-by fields, the count and the optional cardinality condition."""
    if not isinstance(table, dict):
        raise RuleError("a threshold rule needs a [rule.threshold] table")
    names = table.get("field", [])
    names = [names] if isinstance(names, str) else names
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise RuleError("threshold.field must be a field name or a list of field names")
    value = table.get("value")
    if type(value) is not int or value < 1:
        raise RuleError(f"threshold.value must be a whole number of at least 1, not {value!r}")
    cardinality = None
    entries = table.get("cardinality")
    if entries:
        entry = entries[0] if isinstance(entries, list) else None
        name = entry.get("field") if isinstance(entry, dict) else None
        count = entry.get("value") if isinstance(entry, dict) else None
        if not isinstance(name, str) or type(count) is not int or count < 0:
            raise RuleError("threshold.cardinality must be [{field = NAME, value = N}]")
        cardinality = (name, count)
    return Threshold(tuple(n for n in names if n), value, cardinality)


def _check_aggregatable(plan: RulePlan, names: tuple[str, ...], role: str) -> None:
    for name in names:
        info = plan.fields.resolve(name)
        if info is not None and not info.aggregatable:
            raise RuleError(f"{role} field {name} is a {info.type} field: Elasticsearch cannot aggregate on it")
