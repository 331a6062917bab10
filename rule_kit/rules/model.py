"""The `Rule`: one rule file as read once, with lazy positions for any finding that needs one."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from rule_kit.diagnostics import Diagnostic
from rule_kit.rules.positions import KeyPath, PositionIndex, Span
from rule_kit.rules.source import ReadProblem, SourceFile


@dataclass(eq=False)
class Rule:
    """A rule file. `data` is the parsed TOML document, or None when the file could not be read or parsed."""

    path: Path
    text: str | None
    data: dict[str, Any] | None
    problem: ReadProblem | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @classmethod
    def from_source(cls, source: SourceFile) -> Rule:
        return cls(source.path, source.text, source.data, source.problem)

    @property
    def section(self) -> dict[str, Any]:
        """The `[rule]` table, or an empty dict when it is missing or not a table."""
        body = (self.data or {}).get("rule")
        return body if isinstance(body, dict) else {}

    def _text_field(self, key: str) -> str | None:
        value = self.section.get(key)
        return value if isinstance(value, str) else None

    @property
    def rule_id(self) -> str | None:
        return self._text_field("rule_id")

    @property
    def name(self) -> str | None:
        return self._text_field("name")

    @property
    def type(self) -> str | None:
        return self._text_field("type")

    @property
    def indices(self) -> list[str]:
        """The rule's `index` patterns (the strings among them); empty when it has none."""
        index = self.section.get("index")
        return [p for p in index if isinstance(p, str)] if isinstance(index, list) else []

    def get(self, key_path: KeyPath, default: Any = None) -> Any:
        """The value at a key path, or `default` when any step is missing or of the wrong kind."""
        node: Any = self.data
        for part in key_path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return default
        return node

    @cached_property
    def positions(self) -> PositionIndex:
        return PositionIndex(self.text or "")

    def locate(self, key_path: KeyPath, *, at_key: bool = False) -> Span:
        """The span of a key path's value (or key), falling back to its nearest located ancestor."""
        if self.text is None:
            return Span(0, 0, 0, 0)
        span, _ = self.positions.nearest(key_path, prefer_key=at_key)
        return span

    def locate_in_string(self, key_path: KeyPath, line: int, column: int, end_column: int | None = None) -> Span:
        """The file span of a point inside a string value, given as a 1-based line and column of the *parsed*
        string (a query token, a heading in the guide). Exact for literal strings and for lines without escapes;
        a multi-line string's leading newline, which TOML drops, is accounted for."""
        value = self.positions.value(key_path) if self.text is not None else None
        if value is None:
            return self.locate(key_path)
        assert self.text is not None
        lines = self.text.split("\n")
        opening = lines[value.line - 1][value.column - 1 :]
        delimiter = 3 if opening[:3] in ('"""', "'''") else 1
        first_column = value.column + delimiter
        first_line = value.line
        if delimiter == 3 and opening[3:].strip() == "":  # the newline right after the opening quotes is trimmed
            first_line, first_column = value.line + 1, 1
        file_line = first_line + line - 1
        file_column = (first_column if line == 1 else 1) + column - 1
        end = file_column + ((end_column - column) if end_column is not None else 1)
        return Span(file_line, file_column, file_line, end)

    def __repr__(self) -> str:
        return f"Rule(path={str(self.path)!r}, rule_id={self.rule_id!r}, name={self.name!r}, type={self.type!r})"
