"""Where each key and value of a TOML document stands in its file.

`tomllib` gives fast documents without positions; this scanner gives positions without building values. It runs
only when a finding needs a position (lazily, per file), on text that `tomllib` already accepted, and maps a key
path such as ``("rule", "threat", 0, "technique", 1, "name")`` to the 1-based line and column of its value.
"""

from __future__ import annotations

import bisect
import tomllib
from dataclasses import dataclass

KeyPath = tuple[str | int, ...]

_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_SCALAR_END = frozenset(",]}#\n\r")


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based, end-exclusive range in a file."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Located:
    """Offsets of one entry: its key (absent for array items and tables) and its value (or table header)."""

    key_start: int
    key_end: int
    value_start: int
    value_end: int


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of `offset` in `text` (for positions inside a string value)."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def format_key_path(path: KeyPath) -> str:
    """``("rule", "threat", 0, "name")`` -> ``rule.threat[0].name`` (the form users read and config uses)."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            text = part if part and all(c in _BARE_KEY for c in part) else '"' + part.replace('"', '\\"') + '"'
            out.append(("." if out else "") + text)
    return "".join(out)


class PositionIndex:
    """Key path -> location, built by one pass over the text."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._line_starts = [0]
        self._line_starts.extend(i + 1 for i, c in enumerate(text) if c == "\n")
        self._entries: dict[KeyPath, Located] = {}
        _Scanner(text, self._entries).run()

    def __contains__(self, path: KeyPath) -> bool:
        return tuple(path) in self._entries

    def _point(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def _span(self, start: int, end: int) -> Span:
        line, column = self._point(start)
        end_line, end_column = self._point(end)
        return Span(line, column, end_line, end_column)

    def value(self, path: KeyPath) -> Span | None:
        """The span of the value at `path`, or of the table header when `path` names a table."""
        found = self._entries.get(tuple(path))
        return None if found is None else self._span(found.value_start, found.value_end)

    def key(self, path: KeyPath) -> Span | None:
        """The span of the key itself (for 'unknown key' findings); the value span for array items."""
        found = self._entries.get(tuple(path))
        if found is None:
            return None
        if found.key_end > found.key_start:
            return self._span(found.key_start, found.key_end)
        return self._span(found.value_start, found.value_end)

    def nearest(self, path: KeyPath, *, prefer_key: bool = False) -> tuple[Span, KeyPath]:
        """The span of `path` or of its closest located ancestor (a missing key points at its table)."""
        path = tuple(path)
        for cut in range(len(path), 0, -1):
            prefix = path[:cut]
            if prefix in self._entries:
                span = self.key(prefix) if prefer_key and cut == len(path) else self.value(prefix)
                assert span is not None
                return span, prefix
        return Span(1, 1, 1, 1), ()


class _Scanner:
    """A small TOML reader that records offsets instead of values (input is known-valid TOML)."""

    def __init__(self, text: str, entries: dict[KeyPath, Located]) -> None:
        self.s = text
        self.i = 0
        self.n = len(text)
        self.entries = entries
        self.table: KeyPath = ()
        self.aot_counts: dict[KeyPath, int] = {}
        self.implicit: set[KeyPath] = set()

    def run(self) -> None:
        while True:
            self._skip_trivia(newlines=True)
            if self.i >= self.n:
                return
            if self.s[self.i] == "[":
                self._header()
            else:
                self._keyval(self.table)

    # -- lexical helpers -------------------------------------------------------------------------------------
    def _skip_ws(self) -> None:
        s, n = self.s, self.n
        while self.i < n and s[self.i] in " \t":
            self.i += 1

    def _skip_trivia(self, *, newlines: bool) -> None:
        s, n = self.s, self.n
        while self.i < n:
            c = s[self.i]
            if c in " \t" or (newlines and c in "\r\n"):
                self.i += 1
            elif c == "#":
                end = s.find("\n", self.i)
                self.i = n if end < 0 else end
            else:
                return

    def _record(self, path: KeyPath, key_start: int, key_end: int, value_start: int, value_end: int) -> None:
        located = Located(key_start, key_end, value_start, value_end)
        if path not in self.entries or path in self.implicit:
            self.entries[path] = located
            self.implicit.discard(path)
        # Dotted keys, headers and container items imply their parents: locate those at their first mention
        # until the parent's own entry is recorded (containers are recorded after their items).
        for cut in range(len(path) - 1, 0, -1):
            parent = path[:cut]
            if parent not in self.entries:
                self.entries[parent] = located
                self.implicit.add(parent)

    def _simple_key(self) -> str:
        s = self.s
        c = s[self.i]
        if c == '"':
            start = self.i
            self.i = self._end_of_basic_string(self.i)
            return tomllib.loads("k = " + s[start : self.i])["k"]
        if c == "'":
            end = s.index("'", self.i + 1)
            key = s[self.i + 1 : end]
            self.i = end + 1
            return key
        start = self.i
        while self.i < self.n and s[self.i] in _BARE_KEY:
            self.i += 1
        if self.i == start:
            raise ValueError(f"unexpected character {c!r} at offset {self.i}")
        return s[start : self.i]

    def _dotted_key(self) -> tuple[list[str], int]:
        """The key's parts and the offset just after its last part."""
        parts = [self._simple_key()]
        while True:
            end = self.i
            self._skip_ws()
            if self.i < self.n and self.s[self.i] == ".":
                self.i += 1
                self._skip_ws()
                parts.append(self._simple_key())
            else:
                return parts, end

    # -- structure -------------------------------------------------------------------------------------------
    def _header(self) -> None:
        start = self.i
        is_array = self.s.startswith("[[", self.i)
        self.i += 2 if is_array else 1
        self._skip_ws()
        names, _ = self._dotted_key()
        self._skip_ws()
        self.i += 2 if is_array else 1
        end = self.i
        resolved: list[str | int] = []
        for position, name in enumerate(names):
            resolved.append(name)
            key = tuple(resolved)
            last = position == len(names) - 1
            if last and is_array:
                index = self.aot_counts.get(key, 0)
                self.aot_counts[key] = index + 1
                resolved.append(index)
            elif key in self.aot_counts:
                resolved.append(self.aot_counts[key] - 1)
        self.table = tuple(resolved)
        self._record(self.table, start, start, start, end)

    def _keyval(self, table: KeyPath) -> None:
        key_start = self.i
        parts, key_end = self._dotted_key()
        self._skip_ws()
        self.i += 1  # '='
        self._skip_ws()
        path = table + tuple(parts)
        self._value(path, key_start, key_end)

    def _value(self, path: KeyPath, key_start: int, key_end: int) -> None:
        s = self.s
        start = self.i
        c = s[start]
        if c == '"':
            if s.startswith('"""', start):
                self.i = self._end_of_multiline(start, '"""')
            else:
                self.i = self._end_of_basic_string(start)
        elif c == "'":
            if s.startswith("'''", start):
                self.i = self._end_of_multiline(start, "'''")
            else:
                self.i = s.index("'", start + 1) + 1
        elif c == "[":
            self._array(path)
        elif c == "{":
            self._inline_table(path)
        else:
            while self.i < self.n and s[self.i] not in _SCALAR_END:
                self.i += 1
            while self.i > start and s[self.i - 1] in " \t":
                self.i -= 1
        self._record(path, key_start, key_end, start, self.i)

    def _array(self, path: KeyPath) -> None:
        self.i += 1
        index = 0
        while True:
            self._skip_trivia(newlines=True)
            if self.s[self.i] == "]":
                self.i += 1
                return
            item_start = self.i
            self._value((*path, index), item_start, item_start)
            index += 1
            self._skip_trivia(newlines=True)
            if self.s[self.i] == ",":
                self.i += 1

    def _inline_table(self, path: KeyPath) -> None:
        self.i += 1
        while True:
            self._skip_ws()
            if self.s[self.i] == "}":
                self.i += 1
                return
            self._keyval(path)
            self._skip_ws()
            if self.s[self.i] == ",":
                self.i += 1

    def _end_of_basic_string(self, start: int) -> int:
        s, i = self.s, start + 1
        while True:
            c = s[i]
            if c == "\\":
                i += 2
            elif c == '"':
                return i + 1
            else:
                i += 1

    def _end_of_multiline(self, start: int, quote: str) -> int:
        s, i = self.s, start + 3
        while True:
            if quote == '"""' and s[i] == "\\":
                i += 2
                continue
            if s.startswith(quote, i):
                # A closing delimiter may be followed by up to two more quote characters that belong to the string.
                end = i + 3
                while end < self.n and s[end] == quote[0] and end - i < 5:
                    end += 1
                return end
            i += 1
