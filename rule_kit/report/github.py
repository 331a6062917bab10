"""The `github` format: GitHub Actions workflow commands, which the runner turns into annotations.

Printed from a workflow step, `::error file=rules/x.toml,line=3,col=5::message` puts the message on that
line of the pull request's diff, with no upload step and no code scanning licence needed.
"""

from __future__ import annotations

from rule_kit.diagnostics import Diagnostic, Severity
from rule_kit.report import Report

_COMMANDS: dict[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    """Escape a command's message the way @actions/core's `escapeData` does (`%` first, then CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value like @actions/core's `escapeProperty`: also `:` and `,`, the delimiters."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_command(diagnostic: Diagnostic, help_url: str | None = None) -> str:
    """`::error file=..,line=..,col=..,endLine=..,endColumn=..,title=RK301 name::message`, 0s left out; with
    `help_url` (the check's page on the rules site) the message ends with it."""
    properties: list[tuple[str, str]] = [("file", diagnostic.path)]
    for key, value in (
        ("line", diagnostic.line),
        ("col", diagnostic.column),
        ("endLine", diagnostic.end_line),
        ("endColumn", diagnostic.end_column),
    ):
        if value > 0:
            properties.append((key, str(value)))
    properties.append(("title", f"{diagnostic.code} {diagnostic.name}"))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    message = f"{diagnostic.message} ({help_url})" if help_url else diagnostic.message
    return f"::{_COMMANDS[diagnostic.severity]} {rendered}::{escape_data(message)}"


def render_github(report: Report) -> str:
    """One workflow command per finding; nothing else, since any other stdout line is just log noise."""
    return "".join(format_command(d, report.help_url(d.code)) + "\n" for d in report.diagnostics)
