"""The `junit` format: JUnit XML, which CI systems (GitLab, Jenkins, Azure, CircleCI) show as a test tab.

Each checked file is a test case: it fails when it has an error or a warning, so the CI's test report lists
exactly the rule files that need attention; info findings are attached as output without failing anything.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from rule_kit.diagnostics import Diagnostic, Severity
from rule_kit.report import Report
from rule_kit.report.text import format_line

SUITES_NAME = "rule-kit"
SUITE_NAME = "rule-kit check"
CLASSNAME = "rule-kit.check"

# Characters XML 1.0 cannot carry at all, even escaped; ElementTree would write them and break the document.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_safe(text: str) -> str:
    """Replace characters illegal in XML 1.0 with U+FFFD; ElementTree escapes `<`, `&` and quotes itself."""
    return _INVALID_XML.sub("\ufffd", text)


def _testcase(parent: ET.Element, path: str, findings: list[Diagnostic]) -> bool:
    """Add one file's test case; return whether it failed (any error or warning)."""
    case = ET.SubElement(parent, "testcase", {"classname": CLASSNAME, "name": _xml_safe(path)})
    failing = [d for d in findings if d.severity >= Severity.WARNING]
    notes = [d for d in findings if d.severity < Severity.WARNING]
    if failing:
        codes = " ".join(dict.fromkeys(d.code for d in failing))
        count = len(failing)
        failure = ET.SubElement(
            case,
            "failure",
            {"message": f"{count} finding{'' if count == 1 else 's'}", "type": codes},
        )
        failure.text = _xml_safe("\n".join(format_line(d) for d in failing))
    if notes:
        out = ET.SubElement(case, "system-out")
        out.text = _xml_safe("\n".join(format_line(d) for d in notes))
    return bool(failing)


def render_junit(report: Report) -> str:
    """One suite, one test case per checked file (plus any file that has findings but was not listed)."""
    by_path: dict[str, list[Diagnostic]] = {path: [] for path in report.files}
    for diagnostic in report.diagnostics:
        by_path.setdefault(diagnostic.path, []).append(diagnostic)

    suites = ET.Element("testsuites", {"name": SUITES_NAME})
    suite = ET.SubElement(suites, "testsuite", {"name": SUITE_NAME})
    failures = sum(_testcase(suite, path, findings) for path, findings in by_path.items())
    counts = {"tests": str(len(by_path)), "failures": str(failures), "errors": "0"}
    for element in (suites, suite):
        for key, value in counts.items():
            element.set(key, value)
    suite.set("skipped", "0")

    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
