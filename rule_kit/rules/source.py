"""Reading one rule file, once: bytes -> text -> document, every failure described with a position."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

DEFAULT_MAX_FILE_SIZE = 1024 * 1024

_TOML_ERROR_POSITION = re.compile(
    r"^(?P<message>.*?)\s*\(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)


class ReadFailure(Enum):
    """Why a file gave no document. Each maps to one RK0xx check."""

    UNREADABLE = "unreadable"
    TOO_LARGE = "too-large"
    BINARY = "binary"
    NOT_UTF8 = "not-utf8"
    EMPTY = "empty"
    TOML_SYNTAX = "toml-syntax"


@dataclass(frozen=True, slots=True)
class ReadProblem:
    kind: ReadFailure
    message: str
    line: int = 0
    column: int = 0


@dataclass(frozen=True, slots=True)
class SourceFile:
    """The outcome of reading a file: its text and document, or the problem that stopped it."""

    path: Path
    text: str | None
    data: dict[str, object] | None
    problem: ReadProblem | None


def read_source(path: Path, *, max_size: int = DEFAULT_MAX_FILE_SIZE) -> SourceFile:
    try:
        size = path.stat().st_size
        if size > max_size:
            message = f"file is {size:,} bytes, over the {max_size:,}-byte limit for a rule file (max-file-size)"
            return SourceFile(path, None, None, ReadProblem(ReadFailure.TOO_LARGE, message))
        raw = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        return SourceFile(path, None, None, ReadProblem(ReadFailure.UNREADABLE, f"cannot read file: {reason}"))
    return parse_source(path, raw)


def parse_source(path: Path, raw: bytes) -> SourceFile:
    """Decode and parse bytes already read; separate from `read_source` so callers holding bytes reuse it."""
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, column = _byte_position(raw, nul)
        problem = ReadProblem(ReadFailure.BINARY, "file contains NUL bytes: a binary file, not TOML", line, column)
        return SourceFile(path, None, None, problem)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = _byte_position(raw, error.start)
        message = f"file is not valid UTF-8: byte 0x{raw[error.start]:02x} cannot be decoded (TOML files are UTF-8)"
        return SourceFile(path, None, None, ReadProblem(ReadFailure.NOT_UTF8, message, line, column))
    if not text or text.isspace():
        return SourceFile(
            path,
            text,
            None,
            ReadProblem(ReadFailure.EMPTY, "file is empty: a rule needs [metadata] and [rule]", 1, 1),
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return SourceFile(path, text, None, _syntax_problem(str(error), text))
    return SourceFile(path, text, data, None)


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    prefix = raw[line_start:offset].decode("utf-8", errors="replace")
    return raw.count(b"\n", 0, offset) + 1, len(prefix) + 1


def _syntax_problem(message: str, text: str) -> ReadProblem:
    match = _TOML_ERROR_POSITION.match(message)
    if match is None:
        return ReadProblem(ReadFailure.TOML_SYNTAX, f"TOML syntax error: {message}", 1, 1)
    if match["line"] is None:  # "at end of document"
        lines = text.split("\n")
        line, column = len(lines), len(lines[-1]) + 1
    else:
        line, column = int(match["line"]), int(match["col"])
    detail = match["message"]
    detail = detail[0].lower() + detail[1:] if detail else "invalid TOML"
    return ReadProblem(ReadFailure.TOML_SYNTAX, f"TOML syntax error: {detail}", line, column)
