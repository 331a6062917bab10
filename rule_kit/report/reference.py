"""The checks reference as Markdown, from the registry: each check's docstring is its documentation."""

from __future__ import annotations

from collections.abc import Iterable

from rule_kit.checks.registry import Check

_HEADER = """# Checks reference

Every finding has a stable code (`RK` + three digits), a name and a default severity. This page is generated
from the checks' own documentation by `rule-kit rule --markdown` (the rules site has a page per check, from the
same text); `rule-kit rule CODE` prints one entry in a terminal. Select or ignore checks by code or prefix.
"""


def checks_reference(checks: Iterable[Check]) -> str:
    checks = list(checks)
    lines = [_HEADER, "| code | name | severity | summary |", "|---|---|---|---|"]
    for check in checks:
        anchor = check.code.lower()
        lines.append(f"| [{check.code}](#{anchor}) | `{check.name}` | {check.severity.label} | {check.summary} |")
    family = None
    for check in checks:
        if check.family != family:
            family = check.family
            lines += ["", f"## {check.code[:3]}xx: {family}"]
        summary, _, body = check.doc.partition("\n")
        lines += ["", f"### {check.code}", "", f"`{check.name}` ({check.severity.label}). {summary}"]
        if body.strip():
            lines += ["", body.strip()]
    return "\n".join(lines) + "\n"
