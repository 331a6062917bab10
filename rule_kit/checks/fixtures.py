"""RK8xx: a rule's fixture file (`foo.fixtures.toml` beside `foo.toml`), read by `rule_kit.fixtures`.

Every finding is positioned in the fixture file, not in the rule. The loader reports them; `rule-kit check` and
the pytest plugin both show them, so a broken case is never silently skipped (docs/fixtures.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rule_kit.checks.registry import declare, runner
from rule_kit.diagnostics import Diagnostic, Severity
from rule_kit.rules.discover import fixtures_path
from rule_kit.rules.model import Rule

if TYPE_CHECKING:
    from rule_kit.checks.context import CheckContext

FIXTURE_SYNTAX = declare(
    "RK801",
    "fixture-syntax",
    Severity.ERROR,
    """
    The fixture file cannot be read as TOML.

    The finding carries the line and column where the TOML parser stopped, with its message (an unclosed
    inline table, a missing comma between events, a key defined twice), or says why the file could not be read
    at all (not UTF-8, no permission). Nothing else in the file is checked until it parses, and none of its
    cases runs.

    Note that an inline table must stay on one line in TOML: write a long event as `[[case.events]]` instead.
    """,
)

FIXTURE_UNKNOWN_TEMPLATE = declare(
    "RK802",
    "fixture-unknown-template",
    Severity.ERROR,
    """
    An event or a template names a template the file does not define.

    `template = "python_shel"` in an event starts it from `[template.python_shel]`, which does not exist: the
    event would be missing every field the template gives it. The message suggests the closest defined name.
    Define the template, or fix the name. A case whose event names an unknown template is not run, and neither
    is a `[[property]]` whose `template` is unknown.
    """,
)

FIXTURE_CASE_WITHOUT_EVENTS = declare(
    "RK803",
    "fixture-case-without-events",
    Severity.ERROR,
    """
    A case has no events.

    A case without events proves nothing: no rule alerts on nothing, so `expect = "no_alert"` passes whatever the
    rule says. Give the case `events = [...]`, `[[case.events]]` tables or an `events_file` with at least one
    event.
    """,
)

FIXTURE_INVALID = declare(
    "RK804",
    "fixture-invalid",
    Severity.ERROR,
    """
    A key or value in the fixture file that the format does not allow.

    Examples: an unknown key (`expected = "alert"`: did you mean `expect`?), a value of the wrong type
    (`runs = "3"`), a case without a `name` or with the name of an earlier case, `expect` other than `"alert"` or
    `"no_alert"`, expectations that contradict each other (`expect = "no_alert"` with `[[case.alert]]` tables, or
    both `expect` and `alerts`), `runs` below 1, `unset` of a field the template does not have, or a
    `[[case.alert]]` that names an event the case does not have (events are numbered from 1), or an event whose
    `ip` field holds something other than one address (`"10.0.0.0/8"`: Elasticsearch rejects that document, so the
    case could never happen; a network belongs in the query). In a
    `[[property]]`: a missing or repeated name, an `expect` other than `"alert"` or `"no_alert"`, no
    `[property.given]`, an unknown generator key (`regx`: did you mean `regex`?), a `regex` that does not compile
    (positioned at the character where it goes wrong), generator keys that do not combine (`regex` with
    `prefix`), a bad `ip` network or `integers` bounds, or `any = true` on a field whose type it cannot draw. The
    case or property is not run until it is fixed; docs/fixtures.md lists every key.
    """,
)

FIXTURE_EVENTS_FILE = declare(
    "RK805",
    "fixture-events-file",
    Severity.ERROR,
    """
    A case's `events_file` cannot be read.

    The path is relative to the fixture file. The file must exist and hold events as NDJSON (one JSON object a
    line), a JSON array of objects or one JSON object. The message names the line of the events file that is not
    a JSON object. The case is not run.
    """,
)

FIXTURE_BAD_TIME = declare(
    "RK806",
    "fixture-bad-time",
    Severity.ERROR,
    """
    A case has no usable `now`, or a time in an event is neither date math nor a date.

    Every case runs at an absolute instant: `now = "2026-03-24T12:00:00Z"` at the top of the file or in the case
    (a TOML date-time works too; date math such as `now-1d` does not, since the events' times are relative to
    it). In events, a string starting with `now` at `@timestamp`, at the rule's `timestamp_override` or at any
    field the catalog types `date` is date math (`now-3d`, `now-2m/m`) resolved against the case's `now`;
    `now-3x` is reported. An absolute value on such a field must be a date Elasticsearch would accept, or the
    event would be in no run's window.
    """,
)

FIXTURE_CASES_ONE_SIDED = declare(
    "RK807",
    "fixture-cases-one-sided",
    Severity.WARNING,
    """
    The fixture file has no case that alerts, or no case that does not.

    Cases that only expect alerts cannot tell a good rule from one that alerts on everything; cases that only
    expect silence cannot tell it from one that never alerts. Add at least one case of each kind (engine.md B6).
    This is policy, not correctness: turn it off with `ignore = ["RK807"]` in the configuration.
    """,
)

FIXTURE_TEMPLATE_CYCLE = declare(
    "RK808",
    "fixture-template-cycle",
    Severity.ERROR,
    """
    Templates that inherit from each other in a circle.

    A template may start from another (`template = "base"` inside `[template.child]`), but `a` from `b` and `b`
    from `a` (or a template from itself) never bottoms out. The message shows the circle; break it by making one
    of the templates stand alone. Cases using any template of the circle are not run.
    """,
)


@runner(
    FIXTURE_SYNTAX,
    FIXTURE_UNKNOWN_TEMPLATE,
    FIXTURE_CASE_WITHOUT_EVENTS,
    FIXTURE_INVALID,
    FIXTURE_EVENTS_FILE,
    FIXTURE_BAD_TIME,
    FIXTURE_CASES_ONE_SIDED,
    FIXTURE_TEMPLATE_CYCLE,
    needs_document=False,  # the fixture file is a file of its own: its problems show even when the rule's do
)
def check_fixtures(rule: Rule, context: CheckContext) -> Iterator[Diagnostic]:
    """The diagnostics of the rule's sibling fixture file, when it has one."""
    # Imported here: rule_kit.fixtures imports this module's checks, and importing rule_kit.checks loads this one.
    from rule_kit.fixtures.loader import load_fixtures

    path = fixtures_path(rule.path)
    if not path.exists():
        return
    yield from load_fixtures(path, rule=rule, fields=context.fields_for(rule)).diagnostics
