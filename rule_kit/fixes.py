"""Applying fixes: text edits at file positions, every other byte kept, written atomically."""

from __future__ import annotations

import difflib
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tomlkit.exceptions import TOMLKitError

from rule_kit.diagnostics import Diagnostic, Edit, Fix
from rule_kit.rules.format import format_rule


class OverlappingEditsError(ValueError):
    """Two fixes want to change the same text; the later one is left for the next run."""


def _offset(line_starts: list[int], line: int, column: int) -> int:
    return line_starts[line - 1] + column - 1


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, list[Fix]]:
    """Apply every fix whose edits do not overlap an earlier one; return the new text and the fixes applied."""
    line_starts = [0]
    line_starts.extend(i + 1 for i, c in enumerate(text) if c == "\n")
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, Edit]] = []
    applied: list[Fix] = []
    for fix in fixes:
        ranges = [
            (_offset(line_starts, e.line, e.column), _offset(line_starts, e.end_line, e.end_column), e)
            for e in fix.edits
        ]
        if any(start < end_taken and start_taken < end for start, end, _ in ranges for start_taken, end_taken in taken):
            continue
        taken += [(start, end) for start, end, _ in ranges]
        chosen += ranges
        applied.append(fix)
    for start, end, edit in sorted(chosen, key=lambda item: item[0], reverse=True):
        text = text[:start] + edit.text + text[end:]
    return text, applied


def write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder and rename it: a reader never sees half a file, and a
    failure leaves the original untouched. The file's permissions are kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class FileChange:
    """What rewriting one file would do: its text before and after (and the fixes applied, for `--fix`)."""

    path: Path
    before: str
    after: str
    applied: tuple[Fix, ...] = ()
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.error is None and self.after != self.before

    def diff(self) -> str:
        """A unified diff, as `git diff` shows it."""
        name = self.path.as_posix().lstrip("/")
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def plan_fixes(diagnostics: Iterable[Diagnostic]) -> list[FileChange]:
    """Group fixable findings by file and compute each file's fixed text (nothing is written)."""
    by_path: dict[str, list[Fix]] = defaultdict(list)
    for diagnostic in diagnostics:
        if diagnostic.fix is not None:
            by_path[diagnostic.path].append(diagnostic.fix)
    plans = []
    for name, fixes in sorted(by_path.items()):
        path = Path(name)
        before = path.read_text(encoding="utf-8")
        after, applied = apply_fixes(before, fixes)
        if after != before:
            plans.append(FileChange(path, before, after, tuple(applied)))
    return plans


def format_file(path: Path) -> FileChange:
    """The canonical layout of one rule file (`rule-kit fmt`); a file that cannot be read or parsed is left alone
    with the reason in `error`."""
    try:
        before = path.read_text(encoding="utf-8")
        return FileChange(path, before, format_rule(before))
    except (OSError, UnicodeDecodeError, TOMLKitError) as error:
        return FileChange(path, "", "", error=str(error) or type(error).__name__)
