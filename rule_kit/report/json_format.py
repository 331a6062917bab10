"""The `json` and `jsonl` formats: the diagnostics model as plain data, for scripts and other tools.

`json` is one document with summary counts (easy to `jq`); `jsonl` is one object per finding per line, so a
consumer can stream it and `wc -l` counts findings. Both use the same object for a finding.
"""

from __future__ import annotations

import json
from typing import Any

from rule_kit.diagnostics import Diagnostic, Fix, Severity
from rule_kit.report import Report
from rule_kit.report.text import severity_counts


def fix_to_dict(fix: Fix) -> dict[str, Any]:
    """A fix as data: its description and edits (1-based positions, end exclusive), so tools can apply it."""
    return {
        "description": fix.description,
        "edits": [
            {
                "line": edit.line,
                "column": edit.column,
                "end_line": edit.end_line,
                "end_column": edit.end_column,
                "text": edit.text,
            }
            for edit in fix.edits
        ],
    }


def diagnostic_to_dict(diagnostic: Diagnostic) -> dict[str, Any]:
    """Every field of the model, always present (null or 0 when unknown), so consumers need no key checks."""
    return {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "severity": diagnostic.severity.label,
        "message": diagnostic.message,
        "path": diagnostic.path,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "end_line": diagnostic.end_line,
        "end_column": diagnostic.end_column,
        "rule_id": diagnostic.rule_id,
        "key_path": diagnostic.key_path,
        "fix": fix_to_dict(diagnostic.fix) if diagnostic.fix is not None else None,
    }


def render_json(report: Report) -> str:
    """One pretty-printed document: `version`, `summary` counts, then the `diagnostics` list."""
    counts = severity_counts(report.diagnostics)
    document = {
        "version": report.tool_version,
        "summary": {
            "files": len(report.files),
            "errors": counts[Severity.ERROR],
            "warnings": counts[Severity.WARNING],
            "info": counts[Severity.INFO],
        },
        "diagnostics": [diagnostic_to_dict(diagnostic) for diagnostic in report.diagnostics],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_jsonl(report: Report) -> str:
    """One compact object per finding per line and nothing else: no findings, empty output."""
    return "".join(
        json.dumps(diagnostic_to_dict(diagnostic), ensure_ascii=False, separators=(",", ":")) + "\n"
        for diagnostic in report.diagnostics
    )
