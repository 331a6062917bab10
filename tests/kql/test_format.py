"""The formatter: canonical text, and `parse(format(t)) == t` for generated trees; the parser on arbitrary text."""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rule_kit.kql import (
    STAR,
    AndOperation,
    Exists,
    Is,
    KqlSyntaxError,
    Literal,
    MatchAll,
    Nested,
    Not,
    OrOperation,
    Range,
    Wildcard,
    format,
    parse,
)
from rule_kit.kql.format import format_lines
from rule_kit.kql.parser import JS_TRIM

PIECES = [
    "a", "b", "x.y", "or", "and", "not", "OR", "And", "NOT", "Not", "null", "true", "false", " ", "  ", "\u00a0",
    "\t", "\n", "\r", "*", "\\", '"', ":", "(", ")", "<", ">", "=", "{", "}", "é", "漢", "\u2003", "-", "u0041",
    "\\u0041", "?", "'",
]  # fmt: skip
text = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)


def _plain(value: str) -> bool:
    """An unquoted text Kibana's trimming and keywords leave as it is."""
    return (
        value != "" and value[0] not in JS_TRIM and value[-1] not in JS_TRIM and value not in ("null", "true", "false")
    )


quoted = text.map(lambda v: Literal(v, quoted=True))
unquoted = text.filter(_plain).map(Literal)
keywords = st.sampled_from([None, True, False]).map(Literal)
literal = st.one_of(quoted, unquoted, keywords)


@st.composite
def wildcards(draw: st.DrawFn) -> Wildcard:
    parts = draw(st.lists(st.one_of(st.just(STAR), text.filter(bool)), min_size=1, max_size=5))
    if STAR not in parts:
        parts.append(STAR)
    merged: list = []
    for part in parts:
        if part is not STAR and merged and merged[-1] is not STAR:
            merged[-1] += part
        else:
            merged.append(part)
    first, last = merged[0], merged[-1]
    if (first is not STAR and first[0] in JS_TRIM) or (last is not STAR and last[-1] in JS_TRIM):
        merged = [p for p in merged if p is STAR]
    return Wildcard(tuple(merged))


wildcard = wildcards()
value = st.one_of(literal, wildcard)
pattern = wildcard.filter(lambda w: w.parts != (STAR,))
field = st.one_of(text, pattern)


def _is(f, v) -> Is | Exists:
    return Exists(f) if v == Wildcard((STAR,)) else Is(f, v)


leaf = st.one_of(
    st.builds(_is, field, value),
    st.builds(Is, st.none(), value),
    st.builds(Exists, field),
    st.builds(Range, field, st.sampled_from(Range.OPERATORS), value),
    st.just(MatchAll()),
)
trees = st.recursive(
    leaf,
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=4).map(lambda c: OrOperation(*c)),
        st.lists(children, min_size=2, max_size=4).map(lambda c: AndOperation(*c)),
        children.map(Not),
        st.builds(Nested, field, children),
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(trees)
def test_format_round_trips(tree) -> None:
    text = format(tree)
    assert "\n" not in text
    assert parse(text) == tree, text
    assert format(parse(text)) == text


noise = st.text(alphabet=st.sampled_from(list(' \t\n\u00a0\\"():<>*{}abnotrdORANDNOTu0041é:.-')), max_size=200)


@settings(max_examples=300, deadline=None)
@given(noise)
def test_any_text_parses_or_is_a_syntax_error_quickly(query: str) -> None:
    try:
        tree = parse(query)
    except KqlSyntaxError as error:
        assert 0 <= error.offset <= len(query)
        assert error.message
    else:
        if "Literal('', quoted=False)" not in repr(tree):  # `a:\\t` trims to an unquoted "", written `a:""`
            assert parse(format(tree)) == tree
    assert _fastest_parse(query) < 0.02  # 20 ms for up to 200 characters (the best of 3 runs, against GC pauses)


def _fastest_parse(query: str) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        with contextlib.suppress(KqlSyntaxError):
            parse(query)
        times.append(time.perf_counter() - start)
    return min(times)


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("a:b  AND  c:d", "a:b and c:d"),
        ("(a:b or c:d) and e:f", "(a:b or c:d) and e:f"),
        ("a:b or (c:d and e:f)", "a:b or c:d and e:f"),
        ("(a:b or c:d) or e:f", "(a:b or c:d) or e:f"),
        ("NOT (a:b and c:d)", "not (a:b and c:d)"),
        ("not (not a:b)", "not (not a:b)"),
        ('a:"x \\"y\\""', 'a:"x \\"y\\""'),
        ("a:x \\or y", "a:x \\or y"),
        ("a:C\\:\\\\x*", "a:C\\:\\\\x*"),
        ('"a b":c', "a b:c"),
        ('"null":c', '"null":c'),
        ("f : { g < 5 }", "f:{g < 5}"),
        ("", "*:*"),
        ("f:(*)", "f:*"),
    ],
)
def test_canonical_text(query: str, canonical: str) -> None:
    assert format(parse(query)) == canonical


@settings(max_examples=200, deadline=None)
@given(trees)
def test_format_lines_reads_back_as_the_same_tree(tree) -> None:
    lines = format_lines(tree)
    assert parse("\n".join(lines)) == tree, lines
    assert " ".join(lines) == format(tree)


def test_format_lines_puts_each_top_level_clause_on_its_own_line() -> None:
    tree = parse("a:1 and (b:2 or c:3) and not d:(x or y)")
    assert format_lines(tree) == ["a:1", "and (b:2 or c:3)", "and not d:(x or y)"]
    assert format_lines(parse("a:(x or y)")) == ["a:(x or y)"]  # a value list stays whole
    assert format_lines(parse("a:1 or b:2")) == ["a:1", "or b:2"]
