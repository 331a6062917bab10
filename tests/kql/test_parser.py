"""The KQL parser against docs/kql.md (design A1, A5): each example with its dump written from the spec."""

from __future__ import annotations

import contextlib
import time
import tomllib

import pytest

from rule_kit.kql import STAR, AndOperation, Is, KqlSyntaxError, Literal, OrOperation, Wildcard, dump, format, parse
from tests.conftest import SEED

ACCEPTED = [
    # A1.1 structure and precedence
    ("", "(match_all)"),
    ("   \n ", "(match_all)"),
    ("a:b or c:d and e:f", '(or (is a "b") (and (is c "d") (is e "f")))'),
    ("a:b and c:d and e:f", '(and (is a "b") (is c "d") (is e "f"))'),
    ("(a:b and c:d) and e:f", '(and (and (is a "b") (is c "d")) (is e "f"))'),
    ("a:(b or c and d)", '(or (is a "b") (and (is a "c") (is a "d")))'),
    ("a:(not b)", '(not (is a "b"))'),
    ("not (not a:b)", '(not (not (is a "b")))'),
    ("a.b:{ c:{ d:e } }", '(nested a.b (nested c (is d "e")))'),
    # A1.2 operators and whitespace
    ("NOT a:b", '(not (is a "b"))'),
    ("a:b And c:d", '(and (is a "b") (is c "d"))'),
    ("a:b oR c:d", '(or (is a "b") (is c "d"))'),
    ("not (a:b)", '(not (is a "b"))'),
    ("a:b\nand\nc:d", '(and (is a "b") (is c "d"))'),
    ("a:b\u00a0and\u00a0c:d", '(and (is a "b") (is c "d"))'),
    ("a : ( b or c )", '(or (is a "b") (is a "c"))'),
    # A1.3 quoted strings
    ('a:"C:\\Windows"', '(is a (quoted "C:\\\\Windows"))'),
    ('a:"C:\\temp"', '(is a (quoted "C:\\temp"))'),
    ('a:"C:\\new"', '(is a (quoted "C:\\new"))'),
    ('a:"C:\\users"', '(is a (quoted "C:\\\\users"))'),
    ('a:"x\ny"', '(is a (quoted "x\\ny"))'),
    ('a:"*foo*"', '(is a (quoted "*foo*"))'),
    ('a:"true"', '(is a (quoted "true"))'),
    ('a:"123"', '(is a (quoted "123"))'),
    ('a:"null"', '(is a (quoted "null"))'),
    ('a:"say \\"hi\\" \\\\ ok"', '(is a (quoted "say \\"hi\\" \\\\ ok"))'),
    # A1.3 unquoted literals
    ("message: hello world", '(is message "hello world")'),
    ("a:x\\u0041y", '(is a "xAy")'),
    ("a:x\\not", '(is a "x\\not")'),
    ("a:\\NOT", '(is a "NOT")'),
    ("a:\\Not", '(is a "Not")'),
    ("a:x \\or y \\AND z", '(is a "x or y AND z")'),
    ('a:\\(x\\)\\:\\<\\>\\"\\{\\}\\\\', '(is a "(x):<>\\"{}\\\\")'),
    ("a:b\\*c", '(is a "b*c")'),
    ("a:'-/.@#$%^&|=+!?[]~`,", '(is a "\'-/.@#$%^&|=+!?[]~`,")'),
    ("a:x or y", '(or (is a "x") (is null "y"))'),
    ("a: cannot", '(is a "cannot")'),
    ("a:b or", '(is a "b or")'),
    ("a:or", '(is a "or")'),
    ("a:(not)", '(is a "not")'),
    ("a:null", "(is a null)"),
    ("a: true ", "(is a true)"),
    ("a:false", "(is a false)"),
    ("a:123", '(is a "123")'),
    ('"process.name": x', '(is process.name "x")'),
    ("process.*: x", '(is (wildcard "process." *) "x")'),
    ("C\\:\\\\Windows\\\\*", '(is null (wildcard "C:\\\\Windows\\\\" *))'),
    # A1.4 wildcards, exists, ranges, nested, free text
    ("field:win*", '(is field (wildcard "win" *))'),
    ("field:*foo*", '(is field (wildcard * "foo" *))'),
    ("field:foo bar*", '(is field (wildcard "foo bar" *))'),
    ("field:*", "(exists field)"),
    ("field: * ", "(exists field)"),
    ("*:*", "(match_all)"),
    ("a < 5", '(range a < "5")'),
    ("a<=5", '(range a <= "5")'),
    ("a > 5", '(range a > "5")'),
    ("a >= now-5d", '(range a >= "now-5d")'),
    ("a < 2022-02-17||+1M/d", '(range a < "2022-02-17||+1M/d")'),
    ('@timestamp >= "2024-01-01"', '(range @timestamp >= (quoted "2024-01-01"))'),
    ("a < 5*", '(range a < (wildcard "5" *))'),
    ("items:{ name:banana and stock > 10 }", '(nested items (and (is name "banana") (range stock > "10")))'),
    ('"quoted phrase"', '(is null (quoted "quoted phrase"))'),
    ("word", '(is null "word")'),
    ("wild*", '(is null (wildcard "wild" *))'),
    ('process.name:x and "Accepted password"', '(and (is process.name "x") (is null (quoted "Accepted password")))'),
    # A2.6 worked examples
    (
        "process.name: cmd.exe and not user.name: SYSTEM",
        '(and (is process.name "cmd.exe") (not (is user.name "SYSTEM")))',
    ),
    ('process.name: ("a b.exe" or c*)', '(or (is process.name (quoted "a b.exe")) (is process.name (wildcard "c" *)))'),
    ("file.path: C\\:\\\\Windows\\\\*", '(is file.path (wildcard "C:\\\\Windows\\\\" *))'),
    ("source.ip: 10.0.0.0/8", '(is source.ip "10.0.0.0/8")'),
    # A5: where the Python lib differs, Kibana's reading
    ("a:b c", '(is a "b c")'),
    ("a:x y z", '(is a "x y z")'),
    ('a:"x\\u0041y"', '(is a (quoted "xAy"))'),
    ("a:(b or)", '(is a "b or")'),
    ("a: b * c", '(is a (wildcard "b " * " c"))'),
    ("a:b\\*c*", '(is a (wildcard "b*c" *))'),
    ("a:1.5", '(is a "1.5")'),
    ("a:x?y", '(is a "x?y")'),
    ('f:"two words"', '(is f (quoted "two words"))'),
    # trimming happens after unescaping; unquoted `null` as a field is free text (is.ts)
    ("a:\\u0020x\\t", '(is a "x")'),
    ("a:nul\\u006c", "(is a null)"),
    ("null:x", '(is null "x")'),
    ('"a b":x', '(is "a b" "x")'),
    ("a:\\uD83D\\uDE00", '(is a "\U0001f600")'),
]

REJECTED = [
    # (query, offset, message) - A1.5, each kind of syntax error; A5's Python-lib acceptances
    ("(a:b", 0, "the `(` here is never closed: expected `)`, found end of query"),
    ("a:b)", 3, "`)` without a matching `(`"),
    ("a:{b:c", 2, "the `{` here is never closed: expected `}`, found end of query"),
    ("a:b}", 3, "`}` without a matching `{`"),
    ('a:"b', 2, 'the `"` here is never closed'),
    ("a:", 2, "expected a value after `a:`, found end of query"),
    ("process.name:", 13, "expected a value after `process.name:`, found end of query"),
    ("a:()", 3, "expected a value inside `( )`, found `)`"),
    ("a:{}", 3, "expected a query inside `{ }`, found `}`"),
    ("()", 1, "expected an expression inside `( )`, found `)`"),
    ("a:b c:d", 4, "two expressions need `and` or `or` between them"),
    ("a:(b) c:d", 6, "two expressions need `and` or `or` between them"),
    ('a:"b" c', 6, "two expressions need `and` or `or` between them"),
    ("a:C:\\Windows", 3, "`:` inside an unquoted value must be escaped (`\\:`) or the value quoted"),
    ("a:b:c", 3, "`:` inside an unquoted value must be escaped (`\\:`) or the value quoted"),
    ("a:foo<bar", 5, "`<` inside an unquoted value must be escaped (`\\<`) or the value quoted"),
    ("a:b\\c", 3, 'a backslash can only escape one of \\ ( ) : < > " * { }, found `\\c`'),
    ("a:x\\@y", 3, 'a backslash can only escape one of \\ ( ) : < > " * { }, found `\\@`'),
    ("a:b ORc:d", 4, "`or` needs a space on both sides"),
    ("a:b and(c:d)", 4, "`and` needs a space on both sides"),
    ("(a:b)and c:d", 5, "`and` needs a space on both sides"),
    ("not(a:b)", 0, "`not` needs a space after it"),
    ("a:b and not(c:d)", 8, "`not` needs a space after it"),
    ("not not a:b", 4, "`not not` needs parentheses: write `not (not …)`"),
    ("a:(not not b)", 7, "`not not` needs parentheses: write `not (not …)`"),
    ("a:not b", 2, "`not` after `a:` needs parentheses: write `a:(not …)`"),
    (
        "message: cannot find",
        12,
        "`not` followed by a space ends an unquoted value, even inside a word: quote the value",
    ),
    ("x: knot here", 4, "`not` followed by a space ends an unquoted value, even inside a word: quote the value"),
    ("a:x\\u00zz", 3, "`\\u` must be followed by 4 hex digits, found `\\u00zz`"),
    ("a > b > c", 6, "a range has one bound and cannot be chained: write `a > 1 and a < 5`"),
    ("a: 2021-01-01T00:00:00Z", 16, "`:` inside an unquoted value must be escaped (`\\:`) or the value quoted"),
    ("a:b and ", 8, "expected an expression after `and`, found end of query"),
    ("a:(b or )", 8, "expected a value after `or`, found `)`"),
    ("a:b\nand\n", 8, "expected an expression after `and`, found end of query"),
]


@pytest.mark.parametrize(("query", "expected"), ACCEPTED, ids=[repr(q) for q, _ in ACCEPTED])
def test_accepted(query: str, expected: str) -> None:
    tree = parse(query)
    assert dump(tree) == expected
    assert parse(format(tree)) == tree


@pytest.mark.parametrize(("query", "offset", "message"), REJECTED, ids=[repr(q) for q, _, _ in REJECTED])
def test_rejected(query: str, offset: int, message: str) -> None:
    with pytest.raises(KqlSyntaxError) as caught:
        parse(query)
    assert (caught.value.offset, caught.value.message) == (offset, message)
    assert str(caught.value) == message


def test_unquoted_empty_value_comes_back_quoted() -> None:
    assert parse("a:\\t") == Is("a", Literal(""))
    assert format(parse("a:\\t")) == 'a:""'


def test_positions() -> None:
    tree = parse("a:b and cd:(x or y)")
    assert isinstance(tree, AndOperation)
    assert (tree.pos, tree.size) == (0, 19)
    first, second = tree.operands
    assert (first.pos, first.size) == (0, 3)
    assert (first.value.pos, first.value.size) == (2, 1)
    assert isinstance(second, OrOperation)
    assert (second.pos, second.size) == (12, 6)
    assert [(o.pos, o.size) for o in second.operands] == [(12, 1), (17, 1)]
    value = parse("f:  foo bar*  ").value
    assert value == Wildcard(("foo bar", STAR))
    assert (value.pos, value.size) == (4, 8)


def test_seed_query() -> None:
    query = tomllib.loads(SEED.read_text(encoding="utf-8"))["rule"]["query"]
    tree = parse(query)
    assert dump(tree) == (
        '(and (is event.category "process") (is host.os.type "macos") (is event.type "start") '
        '(is event.action "exec") (is process.parent.name (wildcard "python" *)) '
        '(or (is process.name "bash") (is process.name "dash") (is process.name "sh") (is process.name "tcsh") '
        '(is process.name "csh") (is process.name "zsh") (is process.name "ksh") (is process.name "fish")) '
        '(is process.args (quoted "-c")) '
        '(not (or (is process.command_line (wildcard * "pip" *)) (is process.command_line (wildcard * "conda" *)) '
        '(is process.command_line (wildcard * "brew" *)) (is process.command_line (wildcard * "jupyter" *)))))'
    )
    assert parse(format(tree)) == tree
    assert format(tree).startswith("event.category:process and host.os.type:macos and ")


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(KqlSyntaxError, match="more than"):
        parse("(" * 5000 + "a:b" + ")" * 5000)
    assert dump(parse("(" * 50 + "a:b" + ")" * 50)) == '(is a "b")'


@pytest.mark.parametrize(
    "query",
    [
        " " * 10_000 + "x",
        "a:" + "b " * 5000 + "c",
        "a:" + "\\*" * 5000,
        '"' + "\\" * 10_000,
        "not " * 3000,
        "a:" + "n" * 9000,
    ],
)
def test_parsing_is_linear(query: str) -> None:
    start = time.perf_counter()
    with contextlib.suppress(KqlSyntaxError):
        parse(query)
    assert time.perf_counter() - start < 0.5


def test_cli_kql_ast() -> None:
    from click.testing import CliRunner

    from rule_kit.cli import cli

    result = CliRunner().invoke(cli, ["kql", "ast", "a:b or c:(d and not e)"])
    assert result.exit_code == 0
    assert result.output == '(or (is a "b") (and (is c "d") (not (is c "e"))))\n'
    result = CliRunner().invoke(cli, ["kql", "ast", 'process.args:"-c" process.name:bash'])
    assert result.exit_code == 1
    assert "error: two expressions need `and` or `or` between them\n" in result.output
    assert 'process.args:"-c" process.name:bash\n                  ^\n' in result.output


def test_a_quoted_value_needs_a_space_before_or() -> None:
    # kql.md A1.2: `or` needs whitespace on both sides, also after a quoted value.
    with pytest.raises(KqlSyntaxError, match="`or` needs a space on both sides"):
        parse('"x"or y')


def test_a_short_unicode_escape_stays_literal_inside_quotes() -> None:
    # kql.md A1.3: inside quotes, `\u` without 4 hex digits is kept literally (unquoted, it is an error).
    assert dump(parse('a:"\\u12"')) == '(is a (quoted "\\\\u12"))'
    with pytest.raises(KqlSyntaxError):
        parse("a:\\u12")
