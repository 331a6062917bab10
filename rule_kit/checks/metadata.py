"""RK2xx: metadata and policy. Dates that exist, severity that matches risk, schedules without gaps, and
duplicates across the corpus."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rule_kit.checks.registry import Finding, corpus_check, declare, rule_check
from rule_kit.diagnostics import Diagnostic, Severity
from rule_kit.engine.datemath import DateMathError, parse, parse_duration
from rule_kit.rules import read_rule
from rule_kit.rules.model import Rule
from rule_kit.rules.positions import KeyPath

_DATE_KEYS = ("creation_date", "updated_date", "deprecation_date")
SEVERITY_BANDS = {"low": (0, 21), "medium": (22, 47), "high": (48, 73), "critical": (74, 100)}
DEFAULT_FROM, DEFAULT_INTERVAL = "now-6m", "5m"
MAX_SIGNALS_LIMIT = 1000


def _date(value: object) -> date | None:
    """A `YYYY/MM/DD` string as a date; None when it is not one (the schema reports the format)."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return datetime.strptime(value, "%Y/%m/%d").date()
    except ValueError:
        return None


def _well_formed(value: object) -> bool:
    return (
        isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "/" and value.replace("/", "").isdigit()
    )


@rule_check("RK201", "invalid-calendar-date", Severity.ERROR)
def invalid_calendar_date(rule: Rule) -> Iterator[Finding]:
    """A metadata date that does not exist on the calendar.

    `2026/02/30` has the right shape, so the schema accepts it, but there is no 30 February: sorting, "updated
    since" queries and the docs site's "last updated" all go wrong. Checked for `creation_date`, `updated_date`
    and `deprecation_date`.

    Fix: write the real date (`2026/02/28`).
    """
    for key in _DATE_KEYS:
        value = rule.get(("metadata", key))
        if _well_formed(value) and _date(value) is None:
            yield Finding(("metadata", key), f"`metadata.{key}` {value!r} is not a real calendar date")


@rule_check("RK202", "updated-before-created", Severity.ERROR)
def updated_before_created(rule: Rule) -> Iterator[Finding]:
    """`updated_date` is earlier than `creation_date`.

    A rule cannot be updated before it was created; usually the two dates were swapped, or one was copied from
    another rule. The finding points at `updated_date`.
    """
    created, updated = _date(rule.get(("metadata", "creation_date"))), _date(rule.get(("metadata", "updated_date")))
    if created and updated and updated < created:
        yield Finding(
            ("metadata", "updated_date"),
            f"`metadata.updated_date` {updated:%Y/%m/%d} is before `creation_date` {created:%Y/%m/%d}",
        )


@rule_check("RK203", "date-in-future", Severity.ERROR)
def date_in_future(rule: Rule) -> Iterator[Finding]:
    """A creation or update date in the future.

    Dates are the day a change was made; a future date is a typo (`2062` for `2026`) and breaks "recently
    updated" views. One day of slack allows for time zones.
    """
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    for key in ("creation_date", "updated_date"):
        value = _date(rule.get(("metadata", key)))
        if value and value > tomorrow:
            yield Finding(("metadata", key), f"`metadata.{key}` {value:%Y/%m/%d} is in the future")


@rule_check("RK204", "severity-risk-mismatch", Severity.WARNING)
def severity_risk_mismatch(rule: Rule) -> Iterator[Finding]:
    """`severity` and `risk_score` disagree.

    Kibana sorts and routes alerts by both; the convention (Elastic's prebuilt rules) ties them together: low is
    0-21, medium 22-47, high 48-73, critical 74-100. A medium rule with risk_score 80 ranks above most high
    rules in risk views.

    Fix: change whichever of the two is wrong (`severity = "critical"` for 80, or `risk_score = 47`).
    """
    severity, risk = rule.section.get("severity"), rule.section.get("risk_score")
    if severity not in SEVERITY_BANDS or not isinstance(risk, int) or isinstance(risk, bool) or not 0 <= risk <= 100:
        return
    low, high = SEVERITY_BANDS[severity]
    if not low <= risk <= high:
        expected = next(name for name, (a, b) in SEVERITY_BANDS.items() if a <= risk <= b)
        yield Finding(
            ("rule", "risk_score"),
            f"risk_score {risk} is in the {expected} band ({SEVERITY_BANDS[expected][0]}-"
            f"{SEVERITY_BANDS[expected][1]}), but severity is {severity!r} ({low}-{high})",
        )


@rule_check("RK205", "lookback-gap", Severity.WARNING)
def lookback_gap(rule: Rule) -> Iterator[Finding]:
    """The rule's window (`from`) is shorter than its schedule (`interval`): events fall between runs.

    Each run searches `[now + from, now]`. With `interval = "10m"` and `from = "now-6m"`, four minutes of every
    ten are never searched. Elastic's convention is a window of the interval plus a little lookback for late
    events (`interval = "5m"`, `from = "now-9m"`). Defaults: `from = "now-6m"`, `interval = "5m"`.
    """
    start, interval = rule.section.get("from", DEFAULT_FROM), rule.section.get("interval", DEFAULT_INTERVAL)
    if not isinstance(start, str) or not isinstance(interval, str):
        return
    now = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        window, step = now - parse(start, now), parse_duration(interval)
    except DateMathError:
        return
    if window < step:
        key: KeyPath = ("rule", "from") if "from" in rule.section else ("rule", "interval")
        yield Finding(
            key,
            f"the window from = {start!r} covers {_human(window)} but the rule runs every {interval}: "
            f"{_human(step - window)} of each interval is never searched",
        )


@rule_check("RK206", "max-signals-too-high", Severity.WARNING)
def max_signals_too_high(rule: Rule) -> Iterator[Finding]:
    """`max_signals` above 1000.

    Kibana caps the alerts of one run at `xpack.alerting.rules.run.alerts.max` (1000 by default); a higher
    `max_signals` is silently cut there. A rule that needs more alerts per run is usually too noisy.
    """
    value = rule.section.get("max_signals")
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_SIGNALS_LIMIT:
        yield Finding(("rule", "max_signals"), f"max_signals {value} is above Kibana's limit of {MAX_SIGNALS_LIMIT}")


@rule_check("RK207", "deprecation-metadata", Severity.ERROR)
def deprecation_metadata(rule: Rule) -> Iterator[Finding]:
    """A deprecated rule without its deprecation date, or a deprecation date on a rule that is not deprecated.

    Deprecated rules stay in the repository so installations can remove them; rule-kit still checks them (other
    tools skip them entirely). `maturity = "deprecated"` needs `deprecation_date`, on or after `creation_date`;
    a `deprecation_date` on a live rule is a leftover.
    """
    metadata = (rule.data or {}).get("metadata")
    if not isinstance(metadata, dict):
        return
    deprecated = metadata.get("maturity") == "deprecated"
    when = metadata.get("deprecation_date")
    if deprecated and when is None:
        yield Finding(("metadata", "maturity"), "a deprecated rule needs `metadata.deprecation_date`")
    elif not deprecated and when is not None:
        yield Finding(("metadata", "deprecation_date"), '`deprecation_date` is set but maturity is not "deprecated"')
    created, deprecated_on = _date(metadata.get("creation_date")), _date(when)
    if created and deprecated_on and deprecated_on < created:
        yield Finding(("metadata", "deprecation_date"), f"`deprecation_date` {when} is before `creation_date`")


DUPLICATE_RULE_ID = declare(
    "RK210",
    "duplicate-rule-id",
    Severity.ERROR,
    """
    Two rule files have the same `rule_id`.

    Kibana identifies a rule by `rule_id`: importing both, the second overwrites the first. Usually a rule was
    copied as a template and its id kept. Reported at every file involved.

    Fix: give the copy a new id (`python -c "import uuid; print(uuid.uuid4())"`).
    """,
)

DUPLICATE_NAME = declare(
    "RK211",
    "duplicate-rule-name",
    Severity.ERROR,
    """
    Two rules have the same `name`.

    Analysts see alerts by rule name; two rules with one name make triage and the docs site ambiguous.
    Reported at every file involved.
    """,
)

DUPLICATE_STEM = declare(
    "RK212",
    "duplicate-file-name",
    Severity.WARNING,
    """
    Two rule files have the same file name in different folders.

    Rule files are referred to by name in reviews, fixtures and links; the same name in `rules/linux/` and
    `rules/macos/` is easy to confuse and usually means a copy that was not renamed.
    """,
)


@corpus_check(DUPLICATE_RULE_ID, DUPLICATE_NAME, DUPLICATE_STEM)
class Duplicates:
    """Collects rule ids, names and file names; reports every place of a duplicate at the end."""

    def __init__(self) -> None:
        self.places: dict[tuple[str, str], list[str]] = defaultdict(list)

    def observe(self, rule: Rule) -> None:
        path = str(rule.path)  # a str is a third of a Path's size: this is kept for every file of the run
        if rule.rule_id:
            self.places[("rule_id", rule.rule_id)].append(path)
        if rule.name:
            self.places[("name", rule.name)].append(path)
        self.places[("stem", rule.path.name)].append(path)

    def finish(self) -> Iterable[Diagnostic]:
        checks = {"rule_id": DUPLICATE_RULE_ID, "name": DUPLICATE_NAME, "stem": DUPLICATE_STEM}
        for (kind, value), paths in self.places.items():
            if len(paths) < 2:
                continue
            for path in paths:
                others = _listing([p for p in paths if p != path])
                if kind == "stem":
                    message = f"another rule file is also named {value}: {others}"
                    yield checks[kind].at(read_rule(Path(path)), Finding((), message))
                    continue
                # Only files involved in a duplicate are read again, to position the finding.
                message = f"{kind} {value!r} is also used by {others}"
                yield checks[kind].at(read_rule(Path(path)), Finding(("rule", kind), message))


def _listing(paths: list[str], most: int = 3) -> str:
    """Name a few paths, count the rest: a finding on each of 1,000 copies must not list 999 files."""
    names = ", ".join(str(p) for p in paths[:most])
    return names if len(paths) <= most else f"{names} and {len(paths) - most} other files"


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
