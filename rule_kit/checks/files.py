"""RK0xx: the file itself. A rule that cannot be read gets exactly one of these and no other finding."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rule_kit.checks.registry import Check, declare, runner
from rule_kit.diagnostics import Diagnostic, Severity
from rule_kit.rules.model import Rule

if TYPE_CHECKING:
    from rule_kit.checks.context import CheckContext
from rule_kit.rules.source import ReadFailure

NOT_UTF8 = declare(
    "RK001",
    "not-utf8",
    Severity.ERROR,
    """
    The file is not valid UTF-8.

    TOML files must be UTF-8. A rule saved in another encoding (Latin-1, UTF-16) often comes from a Windows editor
    or a copy from a web page. The finding points at the first byte that cannot be decoded.

    Fix: re-save the file as UTF-8 (`iconv -f latin1 -t utf-8 rule.toml`).
    """,
)

TOML_SYNTAX = declare(
    "RK002",
    "toml-syntax",
    Severity.ERROR,
    """
    The file is not valid TOML.

    The finding carries the line and column where the TOML parser stopped. Common causes: an unclosed `'''`
    query block, a missing comma between array items, a key defined twice, a table header repeated.

    Example: `risk_score = 47 47` fails with "expected newline".
    """,
)

EMPTY_FILE = declare(
    "RK003",
    "empty-file",
    Severity.ERROR,
    """
    The file is empty (or only whitespace).

    A `.toml` file under a rules path is read as a rule; an empty one is usually a file created by mistake or
    truncated by a failed write. Delete it, or fill in `[metadata]` and `[rule]`.
    """,
)

BINARY_FILE = declare(
    "RK004",
    "binary-file",
    Severity.ERROR,
    """
    The file contains NUL bytes: it is binary, not TOML.

    Binary files under a rules path are usually stray artifacts (an archive renamed `.toml`, a UTF-16 file).
    UTF-16 text also shows as NUL bytes: re-save it as UTF-8.
    """,
)

UNREADABLE_FILE = declare(
    "RK005",
    "unreadable-file",
    Severity.ERROR,
    """
    The file could not be read (permissions, a broken link, an I/O error).

    The message gives the operating system's reason. The run goes on with the other files.
    """,
)

UNKNOWN_TABLE = declare(
    "RK006",
    "unknown-top-level-table",
    Severity.ERROR,
    """
    The file has a top-level table or key that a rule file does not have.

    A rule file has `[metadata]`, `[rule]` (with `[[rule.threat]]`, `[rule.new_terms]`, ...) and optionally
    `[transform]`. Anything else at the top level is ignored by Kibana's import and is usually a typo
    (`[metdata]`) or a table written without its `rule.` prefix (`[new_terms]` instead of `[rule.new_terms]`).
    """,
)

FILE_TOO_LARGE = declare(
    "RK007",
    "file-too-large",
    Severity.ERROR,
    """
    The file is larger than a rule file can reasonably be, and was not parsed.

    Rule files are a few kilobytes; a file of megabytes under a rules path is usually generated output or data
    committed by mistake. The limit (1 MiB by default) is `max-file-size` in the configuration.
    """,
)

INTERNAL_ERROR = declare(
    "RK008",
    "internal-error",
    Severity.ERROR,
    """
    rule-kit failed unexpectedly while checking this file.

    This is a bug in rule-kit, not in the rule. The message names the exception; the other files are still
    checked. Please report it with the file that triggered it.
    """,
)

_BY_FAILURE: dict[ReadFailure, Check] = {
    ReadFailure.NOT_UTF8: NOT_UTF8,
    ReadFailure.TOML_SYNTAX: TOML_SYNTAX,
    ReadFailure.EMPTY: EMPTY_FILE,
    ReadFailure.BINARY: BINARY_FILE,
    ReadFailure.UNREADABLE: UNREADABLE_FILE,
    ReadFailure.TOO_LARGE: FILE_TOO_LARGE,
}

#: Codes meaning a file could not be read as text at all: they make the run exit with status 2.
UNREADABLE_CODES = frozenset(
    check.code for check in (NOT_UTF8, BINARY_FILE, UNREADABLE_FILE, FILE_TOO_LARGE, INTERNAL_ERROR)
)


@runner(*_BY_FAILURE.values(), needs_document=False)
def read_failures(rule: Rule, context: CheckContext) -> Iterator[Diagnostic]:
    problem = rule.problem
    if problem is None:
        return
    check = _BY_FAILURE[problem.kind]
    yield Diagnostic(
        code=check.code,
        name=check.name,
        severity=check.severity,
        message=problem.message,
        path=str(rule.path),
        line=problem.line,
        column=problem.column,
        end_line=problem.line,
        end_column=problem.column + 1 if problem.column else 0,
    )


def internal_error(path: str, error: BaseException) -> Diagnostic:
    """Report an unexpected exception while checking `path`, so the run can go on with the other files."""
    where = ""
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    if traceback is not None:
        frame = traceback.tb_frame.f_code
        where = f" in {frame.co_name} ({frame.co_filename.rsplit('/', 1)[-1]}:{traceback.tb_lineno})"
    message = f"internal error: {type(error).__name__}: {error}{where}"
    return Diagnostic(INTERNAL_ERROR.code, INTERNAL_ERROR.name, INTERNAL_ERROR.severity, message, path)
