"""Renderers of diagnostics: one input (`Report`), one function per output format."""

from __future__ import annotations

from dataclasses import dataclass

from rule_kit.checks.registry import Check
from rule_kit.diagnostics import Diagnostic


@dataclass(frozen=True, slots=True)
class Report:
    """What a renderer needs: the files checked (in order), their findings (sorted), the checks known."""

    files: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    checks: tuple[Check, ...]
    tool_version: str
    docs_url: str | None = None

    def help_url(self, code: str) -> str | None:
        """The page of a check code on the team's rules site (`docs-url`), or None without one."""
        return f"{self.docs_url.rstrip('/')}/checks/{code}/" if self.docs_url else None


FORMATS: tuple[str, ...] = ("text", "json", "jsonl", "sarif", "github", "junit")
"""The `--format` choices, in the order the CLI lists them."""


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    """Render `report` as `fmt`: the one entry point, so the CLI needs to know no renderer module.

    `color` only affects `text`; machine formats never carry ANSI codes. The whole output comes back as one
    string (newline-terminated when not empty): nothing here prints or exits. The renderers are imported
    here, not at the top, because they import `Report` from this module.
    """
    if fmt == "text":
        from rule_kit.report.text import render_text

        return render_text(report, color=color)
    if fmt == "json":
        from rule_kit.report.json_format import render_json

        return render_json(report)
    if fmt == "jsonl":
        from rule_kit.report.json_format import render_jsonl

        return render_jsonl(report)
    if fmt == "sarif":
        from rule_kit.report.sarif import render_sarif

        return render_sarif(report)
    if fmt == "github":
        from rule_kit.report.github import render_github

        return render_github(report)
    if fmt == "junit":
        from rule_kit.report.junit import render_junit

        return render_junit(report)
    raise ValueError(f"unknown format {fmt!r} (expected one of: {', '.join(FORMATS)})")
