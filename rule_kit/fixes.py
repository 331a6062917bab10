"""Applying fixes: text edits at file positions, every other byte kept, written atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from rule_kit.diagnostics import Edit, Fix


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
