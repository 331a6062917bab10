"""The `text` format: one line per finding, the way compilers and ruff print them, then a summary line.

`path:line:col: RK301 [error] message (name)` is what editors and terminals turn into clickable locations; the
code and name together are what a user types into `--ignore` or looks up with `rule-kit rule RK301`.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

from rule_kit.diagnostics import Diagnostic, Severity
from rule_kit.report import Report

_SEVERITY_COLOURS: dict[Severity, str] = {
    Severity.ERROR: "red",
    Severity.WARNING: "yellow",
    Severity.INFO: "blue",
}


def severity_counts(diagnostics: Iterable[Diagnostic]) -> dict[Severity, int]:
    """Count findings per severity (every severity present, zero or not): shared by every summary."""
    counts = dict.fromkeys(Severity, 0)
    for diagnostic in diagnostics:
        counts[diagnostic.severity] += 1
    return counts


def location(diagnostic: Diagnostic) -> str:
    """`path:line:col`, `path:line` or just `path`: a 0 line or column means "not known", so is not shown."""
    if diagnostic.line <= 0:
        return diagnostic.path
    if diagnostic.column <= 0:
        return f"{diagnostic.path}:{diagnostic.line}"
    return f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}"


def format_line(diagnostic: Diagnostic, *, color: bool = False) -> str:
    """One finding on one line; also used inside JUnit failures, so CI test tabs read like the terminal."""
    where = location(diagnostic)
    code = diagnostic.code
    severity = f"[{diagnostic.severity.label}]"
    name = f"({diagnostic.name})"
    fixable = " [fixable]" if diagnostic.fix is not None else ""
    if color:
        colour = _SEVERITY_COLOURS[diagnostic.severity]
        where = click.style(where, bold=True)
        code = click.style(code, fg=colour, bold=True)
        severity = click.style(severity, fg=colour)
        name = click.style(name, dim=True)
        if fixable:
            fixable = " " + click.style("[fixable]", fg="cyan")
    return f"{where}: {code} {severity} {diagnostic.message} {name}{fixable}"


def summary_line(report: Report) -> str:
    """`Checked 12 files: 2 errors, 1 warning, 0 info.` or `Checked 12 files: no findings.`"""
    files = len(report.files)
    checked = f"Checked {files} file{'' if files == 1 else 's'}"
    if not report.diagnostics:
        return f"{checked}: no findings."
    counts = severity_counts(report.diagnostics)
    errors, warnings, info = counts[Severity.ERROR], counts[Severity.WARNING], counts[Severity.INFO]
    return (
        f"{checked}: {errors} error{'' if errors == 1 else 's'}, "
        f"{warnings} warning{'' if warnings == 1 else 's'}, {info} info."
    )


def render_text(report: Report, *, color: bool = False) -> str:
    """The default, human format; ANSI colour only when asked (the CLI asks when stdout is a terminal)."""
    lines = [format_line(diagnostic, color=color) for diagnostic in report.diagnostics]
    summary = summary_line(report)
    lines.append(click.style(summary, bold=True) if color else summary)
    return "\n".join(lines) + "\n"
