"""RK4xx: rule-type configuration. new_terms fields and history window, threshold fields, timestamp_override:
the settings a schema can type but not judge."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from rule_kit.checks.context import CheckContext
from rule_kit.checks.registry import Finding, rule_check
from rule_kit.diagnostics import Severity
from rule_kit.engine.datemath import DateMathError, parse
from rule_kit.fields import FieldCatalog
from rule_kit.kql.nodes import AndOperation, Exists, Is, Literal, Not
from rule_kit.rules.model import Rule
from rule_kit.rules.positions import KeyPath
from rule_kit.rules.query import query_of

HISTORY_WARNING = timedelta(days=90)
DEFAULT_FROM = "now-6m"
# Date math with rounding resolves differently at different instants: judge it at several.
_INSTANTS = tuple(datetime(2026, 1, 1, hour, minute, tzinfo=UTC) for hour, minute in ((0, 0), (12, 0), (23, 59)))
_WORDS = {"new_terms": "new terms field", "threshold": "threshold field", "cardinality": "cardinality field"}


def _fields_in_config(rule: Rule) -> Iterator[tuple[KeyPath, str, str]]:
    """(key path, field name, role) of every field a new_terms or threshold rule aggregates on."""
    section = rule.section
    if rule.type == "new_terms":
        values = section.get("new_terms", {}).get("value") if isinstance(section.get("new_terms"), dict) else None
        for index, name in enumerate(values if isinstance(values, list) else []):
            if isinstance(name, str) and name:
                yield ("rule", "new_terms", "value", index), name, "new_terms"
    if rule.type == "threshold" and isinstance(section.get("threshold"), dict):
        threshold = section["threshold"]
        fields = threshold.get("field")
        if isinstance(fields, str):
            fields = [fields] if fields else []
            path: KeyPath = ("rule", "threshold", "field")
            for name in fields:
                yield path, name, "threshold"
        elif isinstance(fields, list):
            for index, name in enumerate(fields):
                if isinstance(name, str) and name:
                    yield ("rule", "threshold", "field", index), name, "threshold"
        cardinality = threshold.get("cardinality")
        for index, entry in enumerate(cardinality if isinstance(cardinality, list) else []):
            if isinstance(entry, dict) and isinstance(entry.get("field"), str) and entry["field"]:
                yield ("rule", "threshold", "cardinality", index, "field"), entry["field"], "cardinality"


@rule_check("RK401", "unknown-field", Severity.WARNING)
def unknown_field(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    """A new_terms, threshold or cardinality field, or `timestamp_override`, that the field catalog does not know.

    The catalog is ECS (packaged), the multi-fields of the rule's indices (Elastic Defend's `.caseless`) and the
    team's own catalogs (`field-catalogs`). An unknown field is often a typo (`host.ids`) that makes the rule
    never alert: Elasticsearch aggregates a missing field into nothing. Integration fields beyond ECS are real,
    so this is a warning unless the team sets `unknown-fields = "error"` after listing its fields.
    """
    catalog = context.fields_for(rule)
    severity = context.unknown_field_severity
    for path, name, role in _fields_in_config(rule):
        if catalog.resolve(name) is None:
            yield Finding(
                path, f"{_WORDS[role]} `{name}` is not a known field{_hint(catalog, name)}", severity=severity
            )
    override = rule.section.get("timestamp_override")
    if isinstance(override, str) and override and catalog.resolve(override) is None:
        message = f"timestamp_override `{override}` is not a known field{_hint(catalog, override)}"
        yield Finding(("rule", "timestamp_override"), message, severity=severity)


@rule_check("RK402", "field-not-aggregatable", Severity.ERROR)
def field_not_aggregatable(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    """A new_terms, threshold or cardinality field of a type Elasticsearch cannot aggregate.

    new_terms and threshold rules group events with terms/composite aggregations; a `text` or
    `match_only_text` field (`message`, `process.command_line.text`), an object or a nested path has no terms to
    group by, and the rule fails at run time. Use the keyword field (`process.command_line`, not its `.text`).
    """
    catalog = context.fields_for(rule)
    for path, name, role in _fields_in_config(rule):
        info = catalog.resolve(name)
        if info is not None and not info.aggregatable:
            hint = f"; use `{info.multi_field_of}`" if info.multi_field_of else ""
            yield Finding(path, f"{_WORDS[role]} `{name}` is a {info.type} field and cannot be aggregated{hint}")


def _history(rule: Rule) -> tuple[KeyPath, object] | None:
    new_terms = rule.section.get("new_terms")
    windows = new_terms.get("history_window_start") if isinstance(new_terms, dict) else None
    if not isinstance(windows, list) or not windows or not isinstance(windows[0], dict):
        return None
    return ("rule", "new_terms", "history_window_start", 0, "value"), windows[0].get("value")


@rule_check("RK403", "history-window-invalid", Severity.ERROR)
def history_window_invalid(rule: Rule) -> Iterator[Finding]:
    """`history_window_start` is not date math.

    Kibana parses it with Elastic date math when the rule runs, so a value such as `"banana"` is accepted by
    the API and fails at every execution (Elastic's own tooling accepts it too). Write relative date math:
    `now-7d`, `now-14d`, `now-30d/d`.
    """
    found = _history(rule)
    if found is None or rule.type != "new_terms" or not isinstance(found[1], str) or not found[1]:
        return
    try:
        parse(found[1], _INSTANTS[0])
    except DateMathError as error:
        yield Finding(found[0], f"history_window_start: {error}")


@rule_check("RK404", "history-window-not-before-from", Severity.ERROR)
def history_window_not_before_from(rule: Rule) -> Iterator[Finding]:
    """The history window does not start before the rule's window (`from`).

    A term is new when it was not seen in `[history_window_start, from]`. Kibana rejects a history window that
    starts at or after `from` ("History window size is smaller than rule interval + additional lookback"), at
    validation and at every run. Example: `history_window_start = "now-5m"` with `from = "now-9m"`.
    """
    found = _history(rule)
    start = rule.section.get("from", DEFAULT_FROM)
    if found is None or rule.type != "new_terms" or not isinstance(found[1], str) or not isinstance(start, str):
        return
    try:
        late = [now for now in _INSTANTS if parse(found[1], now) >= parse(start, now)]
    except DateMathError:
        return  # RK403 or the schema reports it
    if late:
        yield Finding(
            found[0],
            f"history_window_start {found[1]!r} must be earlier than from {start!r}: the history would be empty",
        )


@rule_check("RK405", "history-window-too-long", Severity.WARNING)
def history_window_too_long(rule: Rule) -> Iterator[Finding]:
    """A history window longer than 90 days.

    Every run aggregates the whole history: a long window makes each execution slow and may hit the search's
    bucket limits, and terms seen once a quarter ago are rarely a useful baseline. Prebuilt rules use 5 to 14
    days; beyond 90 days, reconsider.
    """
    found = _history(rule)
    if found is None or rule.type != "new_terms" or not isinstance(found[1], str):
        return
    now = _INSTANTS[0]
    try:
        length = now - parse(found[1], now)
    except DateMathError:
        return
    if length > HISTORY_WARNING:
        yield Finding(found[0], f"history window of {length.days} days is longer than 90 days")


@rule_check("RK406", "timestamp-override-not-date", Severity.ERROR)
def timestamp_override_not_date(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    """`timestamp_override` names a field that is not a date.

    The detection engine sorts and windows events by this field; a keyword or number there makes every search
    fail or return nothing. Elastic's convention is `timestamp_override = "event.ingested"`.
    """
    override = rule.section.get("timestamp_override")
    if not isinstance(override, str):
        return
    info = context.fields_for(rule).resolve(override)
    if info is not None and info.type not in ("date", "date_nanos"):
        yield Finding(
            ("rule", "timestamp_override"), f"timestamp_override `{override}` is a {info.type} field, not a date"
        )


def _hint(catalog: FieldCatalog, name: str) -> str:
    close = catalog.suggest(name)
    return f"; did you mean `{close}`?" if close else ""


@rule_check("RK407", "new-terms-degenerate", Severity.WARNING)
def new_terms_degenerate(rule: Rule) -> Iterator[Finding]:
    """A new terms field that the query requires to be missing, or pins to a single value.

    A new_terms rule alerts when a combination of its fields' values is seen for the first time. If the query
    says `not host.id:*`, no matching event has a host.id and the rule can never alert (documents missing a new
    terms field contribute nothing); if it says `process.name:bash` and process.name is a new terms field, that
    term is always `bash`, so it is new at most once and the field adds nothing to the combination.

    Fix: drop the field from `new_terms.value`, or the clause from the query.
    """
    if rule.type != "new_terms":
        return
    tree = query_of(rule)
    if tree is None:
        return
    clauses = list(tree.operands) if isinstance(tree, AndOperation) else [tree]
    for path, name, _ in _fields_in_config(rule):
        for clause in clauses:
            if isinstance(clause, Not) and isinstance(clause.a, Exists) and clause.a.field == name:
                yield Finding(
                    path, f"the query requires `{name}` to be missing (`not {name}:*`): the rule can never alert"
                )
            elif isinstance(clause, Is) and clause.field == name and isinstance(clause.value, Literal):
                value = clause.value.value
                yield Finding(path, f"the query pins `{name}` to one value ({value!r}): as a new term it is new once")
