"""RK1xx: the rule document against the JSON Schema of its rule type (`schemas/<type>.schema.json`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rule_kit.checks.files import UNKNOWN_TABLE
from rule_kit.checks.registry import Check, Finding, declare, runner
from rule_kit.diagnostics import Diagnostic, Severity
from rule_kit.rules.model import Rule

if TYPE_CHECKING:
    from rule_kit.checks.context import CheckContext
from rule_kit.schema import ViolationKind, validate

UNKNOWN_KEY = declare(
    "RK101",
    "unknown-key",
    Severity.ERROR,
    """
    A key that the rule's type does not have.

    Kibana rejects rules with unknown keys on import, and a misspelt key (`risk_scor`) silently loses its value.
    rule-kit picks the schema by `rule.type`, so a key that belongs to another type (`threshold` in a query rule)
    is named as such, and a near miss gets a did-you-mean.

    Example: `risk_scor = 47` -> unknown key `risk_scor` in [rule]; did you mean `risk_score`?
    """,
)

MISSING_KEY = declare(
    "RK102",
    "missing-required-key",
    Severity.ERROR,
    """
    A required key is missing.

    Reported at the table that lacks it. Every rule needs `author`, `description`, `name`, `risk_score`,
    `rule_id`, `severity` and `type` in [rule], and `creation_date` and `updated_date` in [metadata]; each rule
    type adds its own (a new_terms rule needs `query`, `language` and `[rule.new_terms]` with its history window).
    """,
)

WRONG_TYPE = declare(
    "RK103",
    "wrong-type",
    Severity.ERROR,
    """
    A value of the wrong TOML type.

    Example: `tags = "OS: macOS"` is a string where a list of strings is expected: write `tags = ["OS: macOS"]`.
    Unquoted dates (`creation_date = 2026-02-23`) are TOML dates, not strings: quote them.
    """,
)

INVALID_VALUE = declare(
    "RK104",
    "invalid-value",
    Severity.ERROR,
    """
    A value outside its fixed set of choices.

    Choices are case-sensitive, as in Kibana: `severity = "Low"` is rejected, `severity = "low"` is right.
    """,
)

INVALID_FORMAT = declare(
    "RK105",
    "invalid-format",
    Severity.ERROR,
    """
    A string that does not have the required shape.

    Examples: `rule_id` must be a lowercase UUID; dates are written `YYYY/MM/DD`; `interval` is a positive number
    followed by s, m, h or d (`5m`, not `5min`); `from` is date math such as `now-9m`; ATT&CK references are
    attack.mitre.org URLs of the form the id implies.
    """,
)

OUT_OF_RANGE = declare(
    "RK106",
    "out-of-range",
    Severity.ERROR,
    """
    A number outside its allowed range.

    Example: `risk_score` is 0 to 100; `max_signals`, `version` and threshold `value` are at least 1.
    """,
)

LIST_SIZE = declare(
    "RK107",
    "invalid-list-size",
    Severity.ERROR,
    """
    A list with too few or too many items, or the same item twice.

    Example: `new_terms` takes 1 to 3 fields, each once; `alert_suppression.group_by` takes 1 to 3.
    """,
)

CONFLICTING_KEYS = declare(
    "RK108",
    "conflicting-keys",
    Severity.ERROR,
    """
    Keys that cannot be used together, or another structural rule of the schema.

    Example: `index` and `data_view_id` both set (a rule searches one or the other); `index` on an ES|QL rule
    (the query names its own source).
    """,
)

_BY_KIND: dict[ViolationKind, Check] = {
    ViolationKind.UNKNOWN_TABLE: UNKNOWN_TABLE,
    ViolationKind.UNKNOWN_KEY: UNKNOWN_KEY,
    ViolationKind.MISSING: MISSING_KEY,
    ViolationKind.TYPE: WRONG_TYPE,
    ViolationKind.VALUE: INVALID_VALUE,
    ViolationKind.FORMAT: INVALID_FORMAT,
    ViolationKind.RANGE: OUT_OF_RANGE,
    ViolationKind.SIZE: LIST_SIZE,
    ViolationKind.CONFLICT: CONFLICTING_KEYS,
}


@runner(*_BY_KIND.values())
def schema_violations(rule: Rule, context: CheckContext) -> Iterator[Diagnostic]:
    assert rule.data is not None
    for violation in validate(rule.data):
        finding = Finding(violation.key_path, violation.message, at_key=violation.at_key)
        yield _BY_KIND[violation.kind].at(rule, finding)
