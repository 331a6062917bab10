"""rule_kit.kql.matcher against kql.md A3 (the decision table A3.11 is the oracle). Trees are built from nodes.py."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rule_kit.fields import FieldCatalog, FieldInfo, load_ecs
from rule_kit.kql.matcher import KqlTypeError, compile, flatten, glob_match, make_getter, tokenize
from rule_kit.kql.nodes import (
    STAR,
    AndOperation,
    Exists,
    Is,
    Literal,
    MatchAll,
    Nested,
    Not,
    OrOperation,
    Range,
    Wildcard,
)

CATALOG = FieldCatalog(
    [
        FieldInfo("kw", "keyword", ignore_above=10, multi_fields=("kw.caseless", "kw.text")),
        FieldInfo("kw.caseless", "keyword", 1024, "lowercase", multi_field_of="kw"),
        FieldInfo("kw.text", "match_only_text", multi_field_of="kw"),
        FieldInfo("ck", "constant_keyword"),
        FieldInfo("wc", "wildcard"),
        FieldInfo("txt", "match_only_text"),
        FieldInfo("num", "long"),
        FieldInfo("dbl", "double"),
        FieldInfo("addr", "ip"),
        FieldInfo("ts", "date"),
        FieldInfo("flag", "boolean"),
        FieldInfo("user.first", "keyword"),
        FieldInfo("user.last", "keyword"),
        FieldInfo("items", "nested"),
        FieldInfo("items.name", "keyword"),
        FieldInfo("items.stock", "long"),
    ]
)
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def v(text, quoted=False):
    """A KQL value: unquoted text with `*` becomes a Wildcard (every `*` a marker), else a Literal."""
    if quoted or not isinstance(text, str) or "*" not in text:
        return Literal(text, quoted)
    parts = []
    for i, piece in enumerate(text.split("*")):
        if i:
            parts.append(STAR)
        if piece:
            parts.append(piece)
    return Wildcard(tuple(parts))


def is_(field, value, quoted=False):
    return Is(field, v(value, quoted))


def run(tree, event, fields=CATALOG, **kwargs):
    return compile(tree, fields, now=NOW, **kwargs)(event)


# --- A3.11, row by row: (field, indexed source value, query, expected) ---------------------------------------

TABLE = [
    # keyword: exact, case-sensitive, any element; ignore_above 10 here
    ("keyword exact", "kw", "bash", is_("kw", "bash"), True),
    ("keyword case-sensitive", "kw", "Bash", is_("kw", "bash"), False),
    ("keyword any element", "kw", ["zsh", "bash"], is_("kw", "bash"), True),
    ("keyword quoted is exact too", "kw", "a b", is_("kw", "a b", quoted=True), True),
    ("keyword unquoted with space is one value", "kw", "a", is_("kw", "a b"), False),
    ("keyword non-string indexed as text", "kw", 5, is_("kw", "5"), True),
    ("keyword JSON true indexed as 'true'", "kw", True, Is("kw", Literal(True)), True),
    ("keyword over ignore_above not indexed", "kw", "x" * 11, is_("kw", "x" * 11), False),
    ("keyword at ignore_above indexed", "kw", "x" * 10, is_("kw", "x" * 10), True),
    ("keyword glob", "kw", "bash", is_("kw", "ba*"), True),
    ("keyword glob whole value", "kw", "xbash", is_("kw", "ba*"), False),
    ("keyword glob inner", "kw", "xbashy", is_("kw", "*as*"), True),
    ("keyword glob case-sensitive", "kw", "BASH", is_("kw", "ba*"), False),
    ("keyword ? is literal", "kw", "bash", is_("kw", "ba?h"), False),
    ("keyword ? literal matches ?", "kw", "ba?h", is_("kw", "ba?h"), True),
    ("keyword ? literal in glob", "kw", "ba?hx", is_("kw", "ba?h*"), True),
    ("keyword-only glob with space not split", "kw", "a bc", is_("kw", "a b*"), True),
    ("keyword-only glob with space, whole value", "kw", "a", is_("kw", "a b*"), False),
    ("keyword glob over ignore_above", "kw", "x" * 11, is_("kw", "x*"), False),
    ("keyword range lexicographic", "kw", "10", Range("kw", "<", Literal("9")), True),
    ("keyword range lexicographic 2", "kw", "9", Range("kw", "<", Literal("10")), False),
    ("keyword exists", "kw", "a", Exists("kw"), True),
    ("keyword exists empty string", "kw", "", Exists("kw"), True),
    ("keyword exists over ignore_above", "kw", "x" * 11, Exists("kw"), False),
    ("keyword exists [null, 'foo']", "kw", [None, "foo"], Exists("kw"), True),
    # normalizer lowercase (.caseless multi-field reads the parent's value)
    ("caseless exact", "kw", "BaSh", is_("kw.caseless", "BASH"), True),
    ("caseless glob", "kw", "BaSh", is_("kw.caseless", "BA*"), True),
    ("caseless glob no", "kw", "zsh", is_("kw.caseless", "BA*"), False),
    # constant_keyword is not keyword-only: a wildcard value with whitespace is split (query_string)
    ("constant_keyword exact", "ck", "foo", is_("ck", "foo"), True),
    ("constant_keyword split: chunk", "ck", "foo", is_("ck", "foo ba*"), True),
    ("constant_keyword split: glob", "ck", "baz", is_("ck", "foo ba*"), True),
    ("constant_keyword split: not whole", "ck", "foo bar", is_("ck", "foo ba*"), False),
    # wildcard type: keyword-like exact and glob, case-sensitive, query_string split
    ("wildcard exact", "wc", "zsh", is_("wc", "zsh"), True),
    ("wildcard exact case-sensitive", "wc", "zsh", is_("wc", "ZSH"), False),
    ("wildcard glob", "wc", "zsh -c 'pip install x'", is_("wc", "*pip*"), True),
    ("wildcard glob case-sensitive", "wc", "zsh -c pip", is_("wc", "*PIP*"), False),
    ("wildcard split left", "wc", "xfoo", is_("wc", "*foo bar*"), True),
    ("wildcard split right", "wc", "bar x", is_("wc", "*foo bar*"), True),
    ("wildcard split: no whole-value phrase", "wc", "x foo bar x", is_("wc", "*foo bar*"), False),
    ("wildcard exists", "wc", "", Exists("wc"), True),
    # text / match_only_text
    ("text any token", "txt", "null pointer exception", is_("txt", "pointer null"), True),
    ("text any token, one is enough", "txt", "access denied", is_("txt", "denied forever"), True),
    ("text lowercased", "txt", "Access DENIED", is_("txt", "denied"), True),
    ("text no token", "txt", "access granted", is_("txt", "denied"), False),
    ("text phrase in order", "txt", "null pointer exception", is_("txt", "null pointer", quoted=True), True),
    ("text phrase wrong order", "txt", "null pointer exception", is_("txt", "pointer null", quoted=True), False),
    ("text phrase not contiguous", "txt", "null big pointer", is_("txt", "null pointer", quoted=True), False),
    ("text phrase within one value", "txt", ["null", "pointer"], is_("txt", "null pointer", quoted=True), False),
    ("text wildcard on a token", "txt", "Access Denied", is_("txt", "den*"), True),
    ("text wildcard lowercased", "txt", "access denied", is_("txt", "DEN*"), True),
    ("text wildcard single tokens only", "txt", "access denied", is_("txt", "access*denied"), False),
    ("text wildcard split: chunk", "txt", "access granted", is_("txt", "access den*"), True),
    ("text wildcard split: glob", "txt", "was denied", is_("txt", "access den*"), True),
    ("text exists empty string", "txt", "", Exists("txt"), True),
    ("text tokens keep cmd.exe", "txt", "ran cmd.exe", is_("txt", "cmd"), False),
    ("text multi-field of keyword", "kw", "Bash", is_("kw.text", "bash"), True),
    # numbers
    ("long equals", "num", 5, is_("num", "5"), True),
    ("long coerces source string", "num", "5", is_("num", "5"), True),
    ("long 5 == 5.0", "num", 5, is_("num", "5.0"), True),
    ("long never equals 5.5", "num", 5, is_("num", "5.5"), False),
    ("long truncates source 5.7", "num", 5.7, is_("num", "5"), True),
    ("double equals", "dbl", 5.5, is_("dbl", "5.5"), True),
    ("double coerces", "dbl", "5.5", is_("dbl", "5.5"), True),
    ("long range numeric not lexicographic", "num", "10", Range("num", ">", Literal("9")), True),
    ("long range", "num", 3, Range("num", ">=", Literal("4")), False),
    ("long any element", "num", [1, 7], Range("num", ">", Literal("5")), True),
    ("long exists", "num", 0, Exists("num"), True),
    ("long exists unparseable source", "num", "abc", Exists("num"), False),
    # ip
    ("ip exact", "addr", "10.1.2.3", is_("addr", "10.1.2.3"), True),
    ("ip exact no", "addr", "10.1.2.4", is_("addr", "10.1.2.3"), False),
    ("ip cidr", "addr", "10.1.2.3", is_("addr", "10.0.0.0/8"), True),
    ("ip cidr no", "addr", "11.0.0.1", is_("addr", "10.0.0.0/8"), False),
    ("ipv6 exact", "addr", "::1", is_("addr", "0:0::1", quoted=True), True),
    ("ipv6 cidr", "addr", "2001:db8::5", is_("addr", "2001:db8::/32", quoted=True), True),
    ("ipv4 not in v6 block", "addr", "10.0.0.1", is_("addr", "2001:db8::/32", quoted=True), False),
    ("ip any element", "addr", ["8.8.8.8", "192.168.1.9"], is_("addr", "192.168.0.0/16"), True),
    ("ip range", "addr", "10.0.0.1", Range("addr", "<", Literal("10.0.0.5")), True),
    ("ip range no", "addr", "10.0.0.9", Range("addr", "<", Literal("10.0.0.5")), False),
    ("ip exists", "addr", "1.2.3.4", Exists("addr"), True),
    ("ip exists malformed", "addr", "nope", Exists("addr"), False),
    # date (now = 2024-06-01T12:00Z)
    ("date exact is the whole day", "ts", "2024-01-01T10:00:00Z", is_("ts", "2024-01-01", True), True),
    ("date exact other day", "ts", "2024-01-01T10:00:00Z", is_("ts", "2024-01-02", True), False),
    ("date epoch millis source", "ts", 1704067200000, is_("ts", "2024-01-01", True), True),
    ("date epoch millis string source", "ts", "1704067200000", is_("ts", "2024-01-01", True), True),
    ("date gte now-1d", "ts", "2024-06-01T00:00:00Z", Range("ts", ">=", Literal("now-1d")), True),
    ("date gte now-1d no", "ts", "2024-05-30T00:00:00Z", Range("ts", ">=", Literal("now-1d")), False),
    ("date gt rounds up", "ts", "2024-01-01T12:00:00Z", Range("ts", ">", Literal("2024-01-01", True)), False),
    ("date gt next day", "ts", "2024-01-02T00:00:00Z", Range("ts", ">", Literal("2024-01-01", True)), True),
    ("date gte rounds down", "ts", "2024-01-01T00:00:00Z", Range("ts", ">=", Literal("2024-01-01", True)), True),
    ("date lt now/d", "ts", "2024-06-01T01:00:00Z", Range("ts", "<", Literal("now/d")), False),
    ("date lte now/d rounds up", "ts", "2024-06-01T23:00:00Z", Range("ts", "<=", Literal("now/d")), True),
    ("date anchor math", "ts", "2024-02-10T00:00:00Z", Range("ts", "<", Literal("2024-01-01||+1M/M", True)), False),
    ("date anchor math 2", "ts", "2024-01-31T00:00:00Z", Range("ts", "<", Literal("2024-01-01||+1M/M", True)), True),
    ("date offset", "ts", "2024-01-01T01:00:00+02:00", Range("ts", "<", Literal("2024-01-01", True)), True),
    ("date exists", "ts", "2024-01-01", Exists("ts"), True),
    ("date exists malformed", "ts", "yesterday", Exists("ts"), False),
    # boolean
    ("boolean true", "flag", True, Is("flag", Literal(True)), True),
    ("boolean 'true' source", "flag", "true", Is("flag", Literal(True)), True),
    ("boolean quoted 'true'", "flag", True, is_("flag", "true", True), True),
    ("boolean false", "flag", False, Is("flag", Literal(False)), True),
    ("boolean '' is false", "flag", "", Is("flag", Literal(False)), True),
    ("boolean query '' is false", "flag", False, is_("flag", "", True), True),
    ("boolean mismatch", "flag", False, Is("flag", Literal(True)), False),
    ("boolean exists false", "flag", False, Exists("flag"), True),
    # unmapped: positive clauses match nothing
    ("unmapped exact", "nope", "x", is_("nope", "x"), False),
    ("unmapped glob", "nope", "x", is_("nope", "x*"), False),
    ("unmapped range", "nope", "5", Range("nope", "<", Literal("9")), False),
    ("unmapped exists", "nope", "x", Exists("nope"), False),
    ("unmapped not", "nope", "x", Not(is_("nope", "x")), True),
]


@pytest.mark.parametrize(("field", "value", "tree", "expected"), [row[1:] for row in TABLE], ids=[r[0] for r in TABLE])
def test_decision_table(field, value, tree, expected):
    assert run(tree, {field: value}) is expected


ERRORS = [
    ("long not a number", is_("num", "abc")),
    ("long boolean literal", Is("num", Literal(True))),
    ("long wildcard", is_("num", "5*")),
    ("long range not a number", Range("num", "<", Literal("ten"))),
    ("ip not an address", is_("addr", "example.com")),
    ("ip wildcard", is_("addr", "10.*")),
    ("ip range not an address", Range("addr", ">", Literal("x"))),
    ("date not a date", is_("ts", "yesterday")),
    ("date wildcard", is_("ts", "2024*")),
    ("boolean other string", is_("flag", "yes")),
    ("boolean wildcard", is_("flag", "t*")),
    ("range with a wildcard bound", Range("kw", "<", v("5*"))),
    ("nested on a non-nested path", Nested("user", is_("first", "a"))),
    ("error under not", Not(is_("num", "abc"))),
]


@pytest.mark.parametrize("tree", [row[1] for row in ERRORS], ids=[row[0] for row in ERRORS])
def test_type_errors_are_rule_errors(tree):
    with pytest.raises(KqlTypeError):
        compile(tree, CATALOG)


def test_type_error_names_the_field():
    with pytest.raises(KqlTypeError) as info:
        compile(AndOperation(is_("kw", "a"), is_("num", "abc")), CATALOG)
    assert info.value.field == "num"
    assert "not a number" in str(info.value)


def test_unmapped_as_keyword_option():
    assert run(is_("nope", "x"), {"nope": "x"}, unmapped="keyword")
    assert not run(is_("nope", "X"), {"nope": "x"}, unmapped="keyword")
    with pytest.raises(ValueError):
        compile(MatchAll(), CATALOG, unmapped="text")


# --- document model (A3.1) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        {"process": {"parent": {"name": "python3"}}},
        {"process.parent.name": "python3"},
        {"process": {"parent.name": "python3"}},
        {"process.parent": {"name": "python3"}},
        {"process": [{"parent": {"name": "x"}}, {"parent": [{"name": ["python3"]}]}]},
        {"process": {"parent": {"name": "x"}}, "process.parent.name": "python3"},
    ],
)
def test_dotted_nested_and_mixed_spellings_are_one_field(event):
    assert run(is_("process.parent.name", "python*"), event, fields=None)


def test_arrays_flatten_and_any_element_matches():
    assert run(is_("kw", "b"), {"kw": ["a", ["b", None]]})
    assert run(AndOperation(is_("kw", "a"), is_("kw", "b")), {"kw": ["a", "b"]})  # tags:(a and b)
    assert not run(Not(is_("kw", "a")), {"kw": ["a", "b"]})  # not: no element equals a


def test_arrays_of_objects_flatten_across_elements():
    event = {"user": [{"first": "alice", "last": "smith"}, {"first": "bob", "last": "jones"}]}
    assert run(AndOperation(is_("user.first", "alice"), is_("user.last", "jones")), event)


@pytest.mark.parametrize(
    ("event", "exists"),
    [
        ({}, False),
        ({"kw": None}, False),
        ({"kw": []}, False),
        ({"kw": [None]}, False),
        ({"kw": ""}, True),
        ({"kw": [None, "foo"]}, True),
        ({"kw": {"sub": "x"}}, False),  # an object where a value is expected is not a value of kw
    ],
)
def test_exists_missing_null_empty(event, exists):
    assert run(Exists("kw"), event) is exists
    assert run(Not(Exists("kw")), event) is not exists


@pytest.mark.parametrize("event", [{}, {"kw": None}, {"kw": []}, {"kw": "other"}])
def test_not_is_true_when_missing_or_different(event):
    assert run(Not(is_("kw", "x")), event)


def test_exists_on_object_path():
    assert run(Exists("user"), {"user": {"first": "a"}})
    assert not run(Exists("user"), {"user": {"first": None}})


def test_nested_group_must_match_one_element():
    items = {"items": [{"name": "banana", "stock": 5}, {"name": "apple", "stock": 20}]}
    same = Nested("items", AndOperation(is_("name", "banana"), Range("stock", ">", Literal("10"))))
    assert not run(same, items)
    separate = AndOperation(Nested("items", is_("name", "banana")), Nested("items", Range("stock", ">", Literal("10"))))
    assert run(separate, items)
    assert run(same, {"items": [{"name": "banana", "stock": "12"}]})
    assert run(same, {"items.name": "x", "items": {"name": "banana", "stock": 11}})


def test_match_all_and_boolean_combinators():
    assert run(MatchAll(), {})
    tree = OrOperation(is_("kw", "a"), AndOperation(is_("num", "1"), Not(is_("flag", "true", True))))
    assert run(tree, {"kw": "a"})
    assert run(tree, {"num": 1})
    assert not run(tree, {"num": 1, "flag": True})


# --- ECS catalog, free text, wildcard field names -----------------------------------------------------------


def test_default_catalog_is_ecs():
    event = {"process": {"name": "Bash", "command_line": "bash -c 'id'"}, "message": "Hello World"}
    assert not compile(is_("process.name", "bash"))(event)
    assert compile(is_("process.name.text", "bash"))(event)  # match_only_text multi-field
    assert compile(is_("process.command_line", "*-c*"))(event)
    assert compile(is_("message", "world"))(event)


def test_defend_caseless_multi_field():
    from rule_kit.fields import catalog_for_indices

    fields = catalog_for_indices(["logs-endpoint.events.process-*"])
    assert compile(is_("process.name.caseless", "BASH"), fields)({"process": {"name": "Bash"}})


def test_free_text_uses_each_fields_semantics():
    event = {"kw": "Bash", "txt": "access denied", "num": 5}
    assert run(Is(None, Literal("Bash")), event)  # keyword exact
    assert run(Is(None, Literal("bash")), event)  # kw.text multi-field tokens
    assert run(Is(None, Literal("DENIED")), event)  # text tokens
    assert run(Is(None, Literal("5")), event)  # numeric
    assert not run(Is(None, Literal("granted")), event)  # lenient: not an error on num
    assert run(Is(None, v("acc*")), event)
    assert run(Is(None, Literal("access denied", True)), event)
    assert not run(Is(None, Literal("denied access", True)), event)
    assert not run(Is(None, Literal("x")), {"nope": "x"})  # unmapped fields are not searched


def test_wildcard_field_name_expands_over_the_catalog():
    tree = Is(Wildcard(("user.", STAR)), Literal("alice"))
    assert run(tree, {"user": {"last": "alice"}})
    assert not run(tree, {"user": {"last": "bob"}})
    assert not run(Is(Wildcard(("zz", STAR)), Literal("a")), {"zz1": "a"})
    assert run(Exists(Wildcard(("user.f", STAR))), {"user": {"first": ""}})
    # type errors are skipped per field (num, ts, ... reject "alice")
    assert run(Is(Wildcard((STAR,)), Literal("alice")), {"kw": "alice"})


# --- wildcards: linear time --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        (("",), "", True),
        (("", ""), "", True),
        (("", ""), "anything", True),
        (("a", ""), "abc", True),
        (("", "c"), "abc", True),
        (("a", "c"), "ac", True),
        (("ab", "bc"), "abc", False),  # prefix and suffix may not overlap
        (("ab", "bc"), "abbc", True),
        (("", "a", "a", ""), "aa", True),
        (("", "a", "a", ""), "a", False),
        (("x", "?", ""), "x?y", True),
    ],
)
def test_glob_match(pattern, value, expected):
    assert glob_match(pattern, value) is expected


def test_no_exponential_backtracking():
    value = "a" * 10_000
    pattern = ("", "a", "a", "a", "a", "a", "a", "b")
    matcher = compile(
        Is("wc", Wildcard((STAR, "a", STAR, "a", STAR, "a", STAR, "a", STAR, "a", STAR, "a", STAR, "b"))), CATALOG
    )
    start = time.perf_counter()
    assert not glob_match(pattern, value)
    assert not matcher({"wc": value})
    assert not matcher({"wc": value + "ba"})
    assert matcher({"wc": value + "b"})
    assert time.perf_counter() - start < 0.05


def test_tokenize_approximates_standard_analyzer():
    assert tokenize(r"C:\Windows\System32\cmd.exe /c Don't foo_bar 10.0.0.1, 1,000") == [
        "c",
        "windows",
        "system32",
        "cmd.exe",
        "c",
        "don't",
        "foo_bar",
        "10.0.0.1",
        "1,000",
    ]


def test_date_math_default_now_is_current_time():
    recent = datetime.now(UTC).isoformat()
    assert compile(Range("ts", ">=", Literal("now-1h")), CATALOG)({"ts": recent})
    assert not compile(Range("ts", ">=", Literal("now-1h")), CATALOG)({"ts": "2001-01-01"})


# --- property: the spelling of an event does not change the result ----------------------------------------

KEYS = ["p", "q", "r"]
leaf = st.one_of(st.sampled_from(["u", "v", "w", ""]), st.integers(0, 2), st.none())
events = st.recursive(
    leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.sampled_from(KEYS), children, max_size=3)
    ),
    max_leaves=12,
).filter(lambda e: isinstance(e, dict))
paths = st.lists(st.sampled_from(KEYS), min_size=1, max_size=3).map(".".join)
clauses = st.one_of(
    st.builds(lambda f, x: Is(f, Literal(x)), paths, st.sampled_from(["u", "v", "1", ""])),
    st.builds(lambda f, x: Is(f, Wildcard((x, STAR))), paths, st.sampled_from(["u", "", "1"])),
    st.builds(Exists, paths),
)
trees = st.recursive(
    clauses,
    lambda sub: st.one_of(
        st.builds(Not, sub),
        st.lists(sub, min_size=2, max_size=3).map(lambda ops: AndOperation(*ops)),
        st.lists(sub, min_size=2, max_size=3).map(lambda ops: OrOperation(*ops)),
    ),
    max_leaves=6,
)


def respell(value, rng):
    """The same document with some object levels folded into dotted keys."""
    if isinstance(value, list):
        return [respell(item, rng) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, sub in value.items():
        if isinstance(sub, dict) and sub and rng.random() < 0.5:
            for inner_key, inner in respell(sub, rng).items():
                dotted = f"{key}.{inner_key}"
                if dotted in out:  # merging two spellings of one field: keep both values
                    out[dotted] = [out[dotted], inner]
                else:
                    out[dotted] = inner
        else:
            out[key] = respell(sub, rng)
    return out


@given(events, trees, st.integers(0, 2**32))
def test_nested_and_dotted_spellings_agree(event, tree, seed):
    matcher = compile(tree, FieldCatalog(), unmapped="keyword")
    expected = matcher(event)
    assert matcher(flatten(event)) is expected
    assert matcher(respell(event, random.Random(seed))) is expected


long_paths = st.lists(st.sampled_from(KEYS), min_size=1, max_size=7).map(".".join)


@given(events, long_paths, st.integers(0, 2**32))
def test_a_getter_reads_exactly_the_flattened_field(event, path, seed):
    """`make_getter` (unrolled up to six parts, recursive beyond) agrees with `flatten`, whatever the spelling."""
    for document in (event, respell(event, random.Random(seed))):
        got = make_getter(path)(document)
        assert sorted(map(repr, got)) == sorted(map(repr, flatten(document).get(path, [])))


# --- through the parser -------------------------------------------------------------------------------------

PARSED = [
    ("kw:bash", {"kw": "bash"}, True),
    ("kw:(zsh or bash) and not kw:sh", {"kw": ["bash"]}, True),
    ('txt:"null pointer"', {"txt": "a null pointer"}, True),
    ("txt:pointer null", {"txt": "null"}, True),
    ("wc:*foo bar*", {"wc": "xfoo"}, True),
    ("addr:10.0.0.0/8", {"addr": "10.9.9.9"}, True),
    ('ts >= "2024-01-01" and ts < now-1d', {"ts": "2024-03-01T00:00:00Z"}, True),
    ("num > 9 and num <= 10", {"num": "10"}, True),
    ("flag:true", {"flag": "true"}, True),
    ("kw:*", {"kw": [None]}, False),
    ("not nope:x", {}, True),
    ("items:{ name:banana and stock > 10 }", {"items": [{"name": "banana", "stock": 1}, {"stock": 11}]}, False),
    ("", {}, True),
]


@pytest.mark.parametrize(("query", "event", "expected"), PARSED, ids=[q or "<empty>" for q, _, _ in PARSED])
def test_parsed_queries(query, event, expected):
    from rule_kit.kql.parser import parse

    assert run(parse(query), event) is expected


def test_parsed_type_error():
    from rule_kit.kql.parser import parse

    with pytest.raises(KqlTypeError):
        compile(parse("num:abc"), CATALOG)


def test_exists_on_an_object_sees_every_spelling_of_a_field_below_it():
    """`process:*` is Elasticsearch's exists on an object: any leaf below it, dotted or nested."""
    matcher = compile(Exists("process"), load_ecs())
    assert matcher({"process.name": "x"}) and matcher({"process": {"parent.name": "x"}})
    assert matcher({"process": {"parent": {"name": "x"}}})
    assert not matcher({"process": {}}) and not matcher({"processes": {"name": "x"}})
