from __future__ import annotations

import tomllib

import pytest
import tomlkit
from hypothesis import given, settings
from hypothesis import strategies as st

from rule_kit.rules.positions import PositionIndex, format_key_path
from tests.conftest import SEED

TEXT = '''# a comment
[metadata]
creation_date = "2026/02/23"

[rule]
name = "x" # trailing
"quoted key" = 1
tags = [
    "a",  # first
    'b',
]
dotted.inner = true
inline = { a = 1, b = [2, 3] }
query = \'\'\'
line one
line two
\'\'\'
note = """a "quoted" \\""" bit"""
when = 1979-05-27 07:32:00Z

[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1"
[[rule.threat.technique]]
id = "T2"
[rule.threat.tactic]
id = "TA1"

[[rule.threat]]
[[rule.threat.technique]]
id = "T3"
'''


@pytest.fixture(scope="module")
def index() -> PositionIndex:
    tomllib.loads(TEXT)  # the scanner is only ever given valid TOML
    return PositionIndex(TEXT)


@pytest.mark.parametrize(
    ("path", "line", "column", "end_line", "end_column"),
    [
        (("metadata", "creation_date"), 3, 17, 3, 29),
        (("rule", "name"), 6, 8, 6, 11),
        (("rule", "quoted key"), 7, 16, 7, 17),
        (("rule", "tags", 0), 9, 5, 9, 8),
        (("rule", "tags", 1), 10, 5, 10, 8),
        (("rule", "dotted", "inner"), 12, 16, 12, 20),
        (("rule", "inline", "b", 1), 13, 27, 13, 28),
        (("rule", "query"), 14, 9, 17, 4),
        (("rule", "note"), 18, 8, 18, 33),
        (("rule", "when"), 19, 8, 19, 28),
        (("rule", "threat", 0, "technique", 1, "id"), 26, 6, 26, 10),
        (("rule", "threat", 0, "tactic", "id"), 28, 6, 28, 11),
        (("rule", "threat", 1, "technique", 0, "id"), 32, 6, 32, 10),
        (("rule", "threat", 1), 30, 1, 30, 16),
    ],
)
def test_value_spans(index: PositionIndex, path, line, column, end_line, end_column) -> None:
    span = index.value(path)
    assert span is not None
    assert (span.line, span.column, span.end_line, span.end_column) == (line, column, end_line, end_column)


def test_key_span_points_at_the_key(index: PositionIndex) -> None:
    span = index.key(("rule", "quoted key"))
    assert span is not None and (span.line, span.column, span.end_column) == (7, 1, 13)


def test_missing_key_falls_back_to_its_table(index: PositionIndex) -> None:
    span, found = index.nearest(("rule", "threat", 0, "tactic", "name"))
    assert found == ("rule", "threat", 0, "tactic")
    assert span.line == 27


def test_seed_positions() -> None:
    index = PositionIndex(SEED.read_text(encoding="utf-8"))
    subtechnique = index.value(("rule", "threat", 0, "technique", 0, "subtechnique", 1, "id"))
    assert subtechnique is not None and subtechnique.line == 91
    history = index.value(("rule", "new_terms", "history_window_start", 0, "value"))
    assert history is not None and (history.line, history.column) == (104, 9)


def test_format_key_path() -> None:
    assert format_key_path(("rule", "threat", 0, "technique", 1, "name")) == "rule.threat[0].technique[1].name"
    assert format_key_path(("rule", "a b")) == 'rule."a b"'


# -- property: for any document, the text at a leaf's span parses back to that leaf's value --------------------

_keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-. \"'", min_size=1, max_size=8)
_scalars = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40),
    st.booleans(),
    st.text(max_size=20).filter(lambda s: "\r" not in s),
    st.floats(allow_nan=False, allow_infinity=False),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=12,
)
_documents = st.dictionaries(_keys, _values, max_size=5)


def _leaves(node: object, path: tuple = ()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))
    else:
        yield path, node


def _text_at(text: str, span) -> str:
    lines = [line + "\n" for line in text.split("\n")]  # TOML breaks lines on \n only (not \x85)
    start = sum(len(line) for line in lines[: span.line - 1]) + span.column - 1
    end = sum(len(line) for line in lines[: span.end_line - 1]) + span.end_column - 1
    return text[start:end]


@settings(max_examples=150, deadline=None)
@given(_documents)
def test_every_leaf_span_holds_its_value(document: dict) -> None:
    text = tomlkit.dumps(document)
    parsed = tomllib.loads(text)
    index = PositionIndex(text)
    for path, value in _leaves(parsed):
        span = index.value(path)
        assert span is not None, path
        assert tomllib.loads("v = " + _text_at(text, span))["v"] == value
