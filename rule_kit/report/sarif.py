"""The `sarif` format: SARIF 2.1.0, the log format GitHub code scanning (and most IDE viewers) ingest.

Uploading it with `github/codeql-action/upload-sarif` puts every finding on the pull request diff, with the
check's documentation as help text, and tracks each one across commits by its partial fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from rule_kit.checks.registry import Check
from rule_kit.diagnostics import Diagnostic, Edit, Fix, Severity
from rule_kit.report import Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "rule-kit"
INFORMATION_URI = "https://github.com/rule-kit/rule-kit"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "ruleKitFindingHash/v1"

_LEVELS: dict[Severity, str] = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def level(severity: Severity) -> str:
    """SARIF has no `info`: its nearest level is `note`."""
    return _LEVELS[severity]


def fingerprint(diagnostic: Diagnostic) -> str:
    """A hash of what the finding is, not where it is: code, file, key path and message.

    Leaving line and column out means a finding keeps its identity when lines are added above it, so code
    scanning does not close and reopen it on every commit.
    """
    parts = (
        diagnostic.code,
        diagnostic.path.replace("\\", "/"),
        diagnostic.key_path or "",
        diagnostic.message,
    )
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def artifact_location(path: str) -> dict[str, str]:
    """A relative path becomes a URI relative to `%SRCROOT%` (the checkout); an absolute one a `file:` URI."""
    if _WINDOWS_DRIVE.match(path):
        return {"uri": PureWindowsPath(path).as_uri()}
    posix = path.replace("\\", "/")
    if posix.startswith("/"):
        return {"uri": PurePosixPath(posix).as_uri()}
    if posix.startswith("./"):
        posix = posix[2:]
    return {"uri": quote(posix, safe="/"), "uriBaseId": SRCROOT}


def region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    """A SARIF region with only the positions that are known (0 means unknown and SARIF requires >= 1)."""
    result = {"startLine": line}
    if column > 0:
        result["startColumn"] = column
    if end_line > 0:
        result["endLine"] = end_line
    if end_column > 0:
        result["endColumn"] = end_column
    return result


def rule_descriptor(check: Check, help_url: str | None = None) -> dict[str, Any]:
    """A `reportingDescriptor` from a registered check: its docstring is the help code scanning shows, and
    `help_url` (the check's page on the rules site, with `docs-url`) its "learn more" link."""
    doc = check.doc.strip() or check.summary
    descriptor: dict[str, Any] = {
        "id": check.code,
        "name": check.name,
        "shortDescription": {"text": check.summary},
        "fullDescription": {"text": doc},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": level(check.severity)},
        "properties": {"tags": [check.family]},
    }
    if help_url:
        descriptor["helpUri"] = help_url
    return descriptor


def _fallback_descriptor(diagnostic: Diagnostic) -> dict[str, Any]:
    """A descriptor for a finding whose check the report does not list, so every `ruleIndex` stays valid."""
    return {
        "id": diagnostic.code,
        "name": diagnostic.name,
        "shortDescription": {"text": diagnostic.name},
        "defaultConfiguration": {"level": level(diagnostic.severity)},
    }


def _replacement(edit: Edit) -> dict[str, Any]:
    """One edit as a SARIF replacement; an empty deleted region (start == end) is a pure insertion."""
    deleted = {
        "startLine": max(edit.line, 1),
        "startColumn": max(edit.column, 1),
        "endLine": max(edit.end_line, 1),
        "endColumn": max(edit.end_column, 1),
    }
    return {"deletedRegion": deleted, "insertedContent": {"text": edit.text}}


def sarif_fix(fix: Fix, path: str) -> dict[str, Any] | None:
    """A fix as a SARIF `fix` on the finding's own file; None when it has no edits (SARIF needs one)."""
    if not fix.edits:
        return None
    return {
        "description": {"text": fix.description},
        "artifactChanges": [
            {
                "artifactLocation": artifact_location(path),
                "replacements": [_replacement(edit) for edit in fix.edits],
            }
        ],
    }


def sarif_result(diagnostic: Diagnostic, rule_index: int) -> dict[str, Any]:
    """One SARIF `result`: rule reference, level, message, location, fingerprint and any fix."""
    physical: dict[str, Any] = {"artifactLocation": artifact_location(diagnostic.path)}
    if diagnostic.line > 0:
        physical["region"] = region(diagnostic.line, diagnostic.column, diagnostic.end_line, diagnostic.end_column)
    result: dict[str, Any] = {
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index,
        "level": level(diagnostic.severity),
        "message": {"text": diagnostic.message},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(diagnostic)},
    }
    if diagnostic.fix is not None:
        fix = sarif_fix(diagnostic.fix, diagnostic.path)
        if fix is not None:
            result["fixes"] = [fix]
    properties = {
        key: value for key, value in (("ruleKitRuleId", diagnostic.rule_id), ("keyPath", diagnostic.key_path)) if value
    }
    if properties:
        result["properties"] = properties
    return result


def render_sarif(report: Report) -> str:
    """One SARIF log with one run: the driver's rules from the registry, then one result per finding."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for check in report.checks:
        if check.code not in index:
            index[check.code] = len(rules)
            rules.append(rule_descriptor(check, report.help_url(check.code)))
    for diagnostic in report.diagnostics:
        if diagnostic.code not in index:
            index[diagnostic.code] = len(rules)
            rules.append(_fallback_descriptor(diagnostic))

    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": report.tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [sarif_result(d, index[d.code]) for d in report.diagnostics],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
