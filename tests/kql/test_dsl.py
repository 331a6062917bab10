"""`rule_kit.kql.dsl.to_dsl` against kql.md A2: every row of the A2.2 table and every worked example of A2.6.

Expected DSL is written out from the spec (and Kibana's is.ts/range.ts/and.ts/or.ts/not.ts/nested.ts), not from
the output. Field types come from the packaged ECS catalog, and for `.caseless` from a Defend index's catalog.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from luqum.tree import Word

from rule_kit.fields.catalog import FieldCatalog, FieldInfo, catalog_for_indices, load_ecs
from rule_kit.kql.dsl import DslError, escape_query_string, to_dsl, wildcard_query_string
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

ECS = load_ecs()
DEFEND = catalog_for_indices(["logs-endpoint.events.process-*"])
SEED = Path(__file__).resolve().parents[1] / "data" / "seed.toml"


def should(*queries: dict[str, Any]) -> dict[str, Any]:
    return {"bool": {"should": list(queries), "minimum_should_match": 1}}


def term(field: str, value: Any) -> dict[str, Any]:
    return {"term": {field: {"value": value}}}


def wildcard(field: str, value: str) -> dict[str, Any]:
    return {"wildcard": {field: {"value": value}}}


def query_string(field: str, query: str) -> dict[str, Any]:
    return {"query_string": {"fields": [field], "query": query}}


def w(*parts: str | object) -> Wildcard:
    return Wildcard(tuple(parts))


def lit(value: Any, quoted: bool = False) -> Literal:
    return Literal(value, quoted)


# --- A2.2, one case per table row (and the bullets under it) ------------------------------------------------------

A2_2 = {
    "and -> bool.filter": (
        AndOperation(Is("process.name", lit("a")), Is("event.action", lit("b"))),
        {"bool": {"filter": [should(term("process.name", "a")), should(term("event.action", "b"))]}},
    ),
    "or -> bool.should msm 1": (
        OrOperation(Is("process.name", lit("a")), Is("event.action", lit("b"))),
        should(should(term("process.name", "a")), should(term("event.action", "b"))),
    ),
    "not -> bool.must_not one object": (
        Not(Is("process.name", lit("a"))),
        {"bool": {"must_not": should(term("process.name", "a"))}},
    ),
    "nested: path, prefixed inner names, score_mode none": (
        Nested("threat.enrichments", Is("indicator.ip", lit("10.0.0.1"))),
        {
            "nested": {
                "path": "threat.enrichments",
                "query": should({"match": {"threat.enrichments.indicator.ip": "10.0.0.1"}}),
                "score_mode": "none",
            }
        },
    ),
    "*:* -> match_all": (Exists(w(STAR)), {"match_all": {}}),
    "empty query -> match_all": (MatchAll(), {"match_all": {}}),
    "f:* -> exists": (Exists("process.name"), should({"exists": {"field": "process.name"}})),
    "f:v keyword-only -> term": (Is("process.name", lit("cmd.exe")), should(term("process.name", "cmd.exe"))),
    "f:v* keyword-only -> wildcard": (
        Is("process.name", w("cmd", STAR)),
        should(wildcard("process.name", "cmd*")),
    ),
    "f:v* wildcard type -> query_string": (
        Is("process.command_line", w(STAR, "whoami", STAR)),
        should(query_string("process.command_line", "*whoami*")),
    ),
    "f:v* text -> query_string": (
        Is("process.name.text", w("cmd", STAR)),
        should(query_string("process.name.text", "cmd*")),
    ),
    "f:v* match_only_text -> query_string": (
        Is("message", w("denied", STAR)),
        should(query_string("message", "denied*")),
    ),
    "f:v* unknown field -> query_string": (
        Is("no.such.field", w("x", STAR)),
        should(query_string("no.such.field", "x*")),
    ),
    "f:v date -> range gte=lte with time_zone": (
        Is("@timestamp", lit("2024-01-01")),
        should({"range": {"@timestamp": {"gte": "2024-01-01", "lte": "2024-01-01", "time_zone": "Zulu"}}}),
    ),
    "f:v date epoch digits -> no time_zone": (
        Is("@timestamp", lit("1700000000000")),
        should({"range": {"@timestamp": {"gte": "1700000000000", "lte": "1700000000000"}}}),
    ),
    'f:"v" date (quoted) -> still range': (
        Is("event.created", lit("2024-01-01", quoted=True)),
        should({"range": {"event.created": {"gte": "2024-01-01", "lte": "2024-01-01", "time_zone": "Zulu"}}}),
    ),
    'f:"v" text -> match_phrase': (
        Is("message", lit("access denied", quoted=True)),
        should({"match_phrase": {"message": "access denied"}}),
    ),
    "f:v text -> match": (Is("message", lit("denied")), should({"match": {"message": "denied"}})),
    'f:"v" keyword-only -> term (quotes do not matter)': (
        Is("process.args", lit("-c", quoted=True)),
        should(term("process.args", "-c")),
    ),
    'f:"v" wildcard type -> match_phrase': (
        Is("process.command_line", lit("whoami /all", quoted=True)),
        should({"match_phrase": {"process.command_line": "whoami /all"}}),
    ),
    "f:v wildcard type -> match": (
        Is("process.command_line", lit("whoami")),
        should({"match": {"process.command_line": "whoami"}}),
    ),
    "f < v -> range lt": (Range("process.pid", "<", lit("5")), should({"range": {"process.pid": {"lt": "5"}}})),
    "f <= v -> range lte": (Range("process.pid", "<=", lit("5")), should({"range": {"process.pid": {"lte": "5"}}})),
    "f > v -> range gt": (Range("process.pid", ">", lit("5")), should({"range": {"process.pid": {"gt": "5"}}})),
    "f >= v -> range gte": (Range("process.pid", ">=", lit("5")), should({"range": {"process.pid": {"gte": "5"}}})),
    "f < v date -> time_zone": (
        Range("@timestamp", "<", lit("now-1d")),
        should({"range": {"@timestamp": {"lt": "now-1d", "time_zone": "Zulu"}}}),
    ),
    "f < v date epoch -> no time_zone": (
        Range("@timestamp", "<", lit("1700000000000")),
        should({"range": {"@timestamp": {"lt": "1700000000000"}}}),
    ),
    "free text v -> multi_match best_fields lenient": (
        Is(None, lit("hello world")),
        {"multi_match": {"type": "best_fields", "query": "hello world", "lenient": True}},
    ),
    'free text "v" -> multi_match phrase': (
        Is(None, lit("hello world", quoted=True)),
        {"multi_match": {"type": "phrase", "query": "hello world", "lenient": True}},
    ),
    "free text v* -> query_string without fields": (Is(None, w("hel", STAR)), {"query_string": {"query": "hel*"}}),
    "escaped(v): reserved characters escaped, whitespace not": (
        Is("process.command_line", w("a+b (c) ?d", STAR)),
        should(query_string("process.command_line", "a\\+b \\(c\\) \\?d*")),
    ),
    "escaped(v): a literal * inside a wildcard value is escaped": (
        Is("process.name", w("a*b", STAR)),
        should(wildcard("process.name", "a\\*b*")),
    ),
    "wildcard field name -> one clause per matching field": (
        Is(w("process.parent.na", STAR), lit("bash")),
        should(term("process.parent.name", "bash"), {"match": {"process.parent.name.text": "bash"}}),
    ),
    "wildcard field name reaching a nested field -> wrapped in nested": (
        Is(w("threat.enrichments.indicator.i", STAR), lit("10.0.0.1")),
        should(
            {
                "nested": {
                    "path": "threat.enrichments",
                    "query": {"match": {"threat.enrichments.indicator.ip": "10.0.0.1"}},
                    "score_mode": "none",
                }
            }
        ),
    ),
}


@pytest.mark.parametrize(("tree", "expected"), list(A2_2.values()), ids=list(A2_2))
def test_a2_2_table(tree: Any, expected: dict[str, Any]) -> None:
    assert to_dsl(tree, ECS) == expected


# --- A2.6 worked examples -----------------------------------------------------------------------------------------

A2_6 = {
    "process.name: cmd.exe and not user.name: SYSTEM": (
        AndOperation(Is("process.name", lit("cmd.exe")), Not(Is("user.name", lit("SYSTEM")))),
        {
            "bool": {
                "filter": [
                    should(term("process.name", "cmd.exe")),
                    {"bool": {"must_not": should(term("user.name", "SYSTEM"))}},
                ]
            }
        },
    ),
    "process.command_line: *whoami*": (
        Is("process.command_line", w(STAR, "whoami", STAR)),
        should(query_string("process.command_line", "*whoami*")),
    ),
    'process.name: ("a b.exe" or c*)': (
        OrOperation(Is("process.name", lit("a b.exe", quoted=True)), Is("process.name", w("c", STAR))),
        should(should(term("process.name", "a b.exe")), should(wildcard("process.name", "c*"))),
    ),
    'message: "access denied"': (
        Is("message", lit("access denied", quoted=True)),
        should({"match_phrase": {"message": "access denied"}}),
    ),
    "source.ip: 10.0.0.0/8": (Is("source.ip", lit("10.0.0.0/8")), should({"match": {"source.ip": "10.0.0.0/8"}})),
    '@timestamp >= "2024-01-01"': (
        Range("@timestamp", ">=", lit("2024-01-01", quoted=True)),
        should({"range": {"@timestamp": {"gte": "2024-01-01", "time_zone": "Zulu"}}}),
    ),
    "file.path: C\\:\\\\Windows\\\\*": (
        Is("file.path", w("C:\\Windows\\", STAR)),
        should(wildcard("file.path", "C\\:\\\\Windows\\\\*")),
    ),
}


@pytest.mark.parametrize(("tree", "expected"), list(A2_6.values()), ids=list(A2_6))
def test_a2_6_worked_examples(tree: Any, expected: dict[str, Any]) -> None:
    assert to_dsl(tree, ECS) == expected


# --- field types from the real ECS catalog ------------------------------------------------------------------------

TYPES = {
    "keyword exact": (
        Is("event.dataset", lit("endpoint.events.process")),
        should(term("event.dataset", "endpoint.events.process")),
    ),
    "keyword with multi-fields is still keyword-only": (
        Is("user.name", lit("root")),
        should(term("user.name", "root")),
    ),
    "its .text multi-field is text": (Is("user.name.text", lit("root")), should({"match": {"user.name.text": "root"}})),
    "wildcard type exact -> match": (Is("url.full", lit("http://x/")), should({"match": {"url.full": "http://x/"}})),
    "wildcard type pattern -> query_string": (
        Is("url.full", w("http://", STAR)),
        should(query_string("url.full", "http\\:\\/\\/*")),
    ),
    "constant_keyword is not keyword-only -> match": (
        Is("data_stream.type", lit("logs")),
        should({"match": {"data_stream.type": "logs"}}),
    ),
    "constant_keyword pattern -> query_string": (
        Is("data_stream.type", w("lo", STAR)),
        should(query_string("data_stream.type", "lo*")),
    ),
    "long -> match with the string": (
        Is("destination.port", lit("443")),
        should({"match": {"destination.port": "443"}}),
    ),
    "long range -> no time_zone": (
        Range("destination.port", ">=", lit("1024")),
        should({"range": {"destination.port": {"gte": "1024"}}}),
    ),
    "ip -> match": (Is("source.ip", lit("10.1.2.3")), should({"match": {"source.ip": "10.1.2.3"}})),
    "boolean -> match with a JSON boolean": (
        Is("process.interactive", lit(True)),
        should({"match": {"process.interactive": True}}),
    ),
    "date exact -> range": (
        Is("event.ingested", lit("now-1h")),
        should({"range": {"event.ingested": {"gte": "now-1h", "lte": "now-1h", "time_zone": "Zulu"}}}),
    ),
    "date with a wildcard -> query_string (wildcard is decided first)": (
        Is("@timestamp", w("2024", STAR)),
        should(query_string("@timestamp", "2024*")),
    ),
    "date exists": (Exists("@timestamp"), should({"exists": {"field": "@timestamp"}})),
    "labels.* (object_type keyword) -> term": (Is("labels.env", lit("prod")), should(term("labels.env", "prod"))),
    "an object path is no data-view field -> sent as unknown": (
        Is("host.os", lit("x")),
        should({"match": {"host.os": "x"}}),
    ),
    ".caseless without Defend is unknown -> match": (
        Is("process.name.caseless", lit("cmd.exe")),
        should({"match": {"process.name.caseless": "cmd.exe"}}),
    ),
}


@pytest.mark.parametrize(("tree", "expected"), list(TYPES.values()), ids=list(TYPES))
def test_field_types_from_ecs(tree: Any, expected: dict[str, Any]) -> None:
    assert to_dsl(tree, ECS) == expected


DEFEND_CASES = {
    ".caseless exact -> term (normalizer applies in ES)": (
        Is("process.name.caseless", lit("CMD.EXE")),
        should(term("process.name.caseless", "CMD.EXE")),
    ),
    ".caseless pattern -> wildcard (keyword-only, unlike the wildcard-type parent)": (
        Is("process.command_line.caseless", w(STAR, "whoami", STAR)),
        should(wildcard("process.command_line.caseless", "*whoami*")),
    ),
    "the wildcard-type parent -> query_string": (
        Is("process.command_line", w(STAR, "whoami", STAR)),
        should(query_string("process.command_line", "*whoami*")),
    ),
    "Defend .text is text": (Is("process.name.text", lit("cmd")), should({"match": {"process.name.text": "cmd"}})),
    "wildcard field name expands to .caseless too": (
        Is(w("process.name", STAR), lit("sh")),
        should(
            term("process.name", "sh"),
            term("process.name.caseless", "sh"),
            {"match": {"process.name.text": "sh"}},
        ),
    ),
}


@pytest.mark.parametrize(("tree", "expected"), list(DEFEND_CASES.values()), ids=list(DEFEND_CASES))
def test_defend_caseless_fields(tree: Any, expected: dict[str, Any]) -> None:
    assert to_dsl(tree, DEFEND) == expected


# --- the seed rule ---------------------------------------------------------------------------------------------

SHELLS = ("bash", "dash", "sh", "tcsh", "csh", "zsh", "ksh", "fish")
EXCLUDED = ("pip", "conda", "brew", "jupyter")
SEED_QUERY = (
    "event.category:process and host.os.type:macos and event.type:start and event.action:exec and "
    "process.parent.name:python* and process.name:(bash or dash or sh or tcsh or csh or zsh or ksh or fish) and "
    'process.args:"-c" and not process.command_line:(*pip* or *conda* or *brew* or *jupyter*)'
)
SEED_TREE = AndOperation(
    Is("event.category", lit("process")),
    Is("host.os.type", lit("macos")),
    Is("event.type", lit("start")),
    Is("event.action", lit("exec")),
    Is("process.parent.name", w("python", STAR)),
    OrOperation(*(Is("process.name", lit(shell)) for shell in SHELLS)),
    Is("process.args", lit("-c", quoted=True)),
    Not(OrOperation(*(Is("process.command_line", w(STAR, word, STAR)) for word in EXCLUDED))),
)
SEED_DSL = {
    "bool": {
        "filter": [
            should(term("event.category", "process")),
            should(term("host.os.type", "macos")),
            should(term("event.type", "start")),
            should(term("event.action", "exec")),
            should(wildcard("process.parent.name", "python*")),
            should(*(should(term("process.name", shell)) for shell in SHELLS)),
            should(term("process.args", "-c")),
            {
                "bool": {
                    "must_not": should(
                        should(query_string("process.command_line", "*pip*")),
                        should(query_string("process.command_line", "*conda*")),
                        should(query_string("process.command_line", "*brew*")),
                        should(query_string("process.command_line", "*jupyter*")),
                    )
                }
            },
        ]
    }
}


def test_seed_rule_query() -> None:
    assert to_dsl(SEED_TREE, DEFEND) == SEED_DSL
    assert to_dsl(SEED_TREE, ECS) == SEED_DSL  # none of its fields is a Defend multi-field


def test_seed_rule_dsl_is_json() -> None:
    assert json.loads(json.dumps(to_dsl(SEED_TREE, DEFEND))) == SEED_DSL


# --- unknown fields (A2.5) and no catalog -------------------------------------------------------------------------

UNKNOWN = {
    "exact -> match": (Is("custom.field", lit("x")), should({"match": {"custom.field": "x"}})),
    "quoted -> match_phrase": (
        Is("custom.field", lit("x y", quoted=True)),
        should({"match_phrase": {"custom.field": "x y"}}),
    ),
    "wildcard -> query_string": (Is("custom.field", w("x", STAR)), should(query_string("custom.field", "x*"))),
    "exists -> exists": (Exists("custom.field"), should({"exists": {"field": "custom.field"}})),
    "range -> no time_zone": (
        Range("custom.when", ">", lit("2024-01-01")),
        should({"range": {"custom.when": {"gt": "2024-01-01"}}}),
    ),
    "wildcard name matching nothing -> the pattern as the name": (
        Is(w("custom.", STAR), lit("x")),
        should({"match": {"custom.*": "x"}}),
    ),
}


@pytest.mark.parametrize(("tree", "expected"), list(UNKNOWN.values()), ids=list(UNKNOWN))
def test_unknown_fields(tree: Any, expected: dict[str, Any]) -> None:
    assert to_dsl(tree, ECS) == expected


def test_without_catalog_every_field_is_untyped() -> None:
    assert to_dsl(Is("process.name", lit("a")), None) == should({"match": {"process.name": "a"}})
    assert to_dsl(Is("@timestamp", lit("2024-01-01"))) == should({"match": {"@timestamp": "2024-01-01"}})
    assert to_dsl(Is("process.name", w("a", STAR))) == should(query_string("process.name", "a*"))


def test_team_catalog_types_apply() -> None:
    team = FieldCatalog([FieldInfo("okta.target.id", "keyword"), FieldInfo("okta.when", "date_nanos")])
    catalog = ECS.merged(team)
    assert to_dsl(Is("okta.target.id", lit("x")), catalog) == should(term("okta.target.id", "x"))
    assert to_dsl(Range("okta.when", "<", lit("now")), catalog) == should(
        {"range": {"okta.when": {"lt": "now", "time_zone": "Zulu"}}}
    )


# --- nested, match_all, errors ------------------------------------------------------------------------------------


def test_nested_inside_nested_prefixes_paths() -> None:
    tree = Nested("a", Nested("b", Is("c", lit("x"))))
    assert to_dsl(tree) == {
        "nested": {
            "path": "a",
            "query": {"nested": {"path": "a.b", "query": should({"match": {"a.b.c": "x"}}), "score_mode": "none"}},
            "score_mode": "none",
        }
    }


def test_nested_field_outside_its_group_is_an_error() -> None:
    with pytest.raises(DslError, match="is a nested field, but is not in a nested group"):
        to_dsl(Is("threat.enrichments.indicator.ip", lit("10.0.0.1")), ECS)


def test_plain_field_inside_a_nested_group_is_an_error() -> None:
    with pytest.raises(DslError, match='is not a nested field but is in nested group "process"'):
        to_dsl(Nested("process", Is("name", lit("x"))), ECS)


def test_lone_star_field_and_value_is_match_all() -> None:
    assert to_dsl(Is(w(STAR), w(STAR)), ECS) == {"match_all": {}}
    assert to_dsl(Is("process.name", w(STAR)), ECS) == should({"exists": {"field": "process.name"}})


def test_free_text_lone_star_is_query_string() -> None:
    assert to_dsl(Is(None, w(STAR)), ECS) == {"query_string": {"query": "*"}}


def test_not_a_kql_node() -> None:
    with pytest.raises(DslError, match="not a KQL node"):
        to_dsl(Word("x"), ECS)


def test_time_zone_can_be_changed_or_dropped() -> None:
    tree = Range("@timestamp", ">", lit("now-1d"))
    assert to_dsl(tree, ECS, time_zone="Europe/Paris") == should(
        {"range": {"@timestamp": {"gt": "now-1d", "time_zone": "Europe/Paris"}}}
    )
    assert to_dsl(tree, ECS, time_zone="") == should({"range": {"@timestamp": {"gt": "now-1d"}}})


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ('+-=&|><!(){}[]^"~*?:\\/', '\\+\\-\\=\\&\\|\\>\\<\\!\\(\\)\\{\\}\\[\\]\\^\\"\\~\\*\\?\\:\\\\\\/'),
        ("a b\tc", "a b\tc"),
        ("C:\\Windows", "C\\:\\\\Windows"),
    ],
)
def test_escape_query_string(text: str, escaped: str) -> None:
    assert escape_query_string(text) == escaped


def test_wildcard_query_string_joins_segments_with_star() -> None:
    assert wildcard_query_string(w(STAR, "a b", STAR, "c?", STAR)) == "*a b*c\\?*"


# --- through the parser, once it exists -------------------------------------------------------------------------


def _parse() -> Any:
    from rule_kit.kql.parser import parse

    return parse


@pytest.mark.parametrize(("text", "case"), [(text, case) for text, case in A2_6.items()], ids=list(A2_6))
def test_a2_6_from_kql_text(text: str, case: tuple[Any, dict[str, Any]]) -> None:
    parse = _parse()
    assert to_dsl(parse(text), ECS) == case[1]


def test_seed_query_from_kql_text() -> None:
    parse = _parse()
    assert to_dsl(parse(SEED_QUERY), DEFEND) == SEED_DSL


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {"match_all": {}}),
        ("*:*", {"match_all": {}}),
        ("process.name:*", should({"exists": {"field": "process.name"}})),
        ("hello", {"multi_match": {"type": "best_fields", "query": "hello", "lenient": True}}),
        ("@timestamp < now-1d", should({"range": {"@timestamp": {"lt": "now-1d", "time_zone": "Zulu"}}})),
        ("process.name:(not cmd.exe)", {"bool": {"must_not": should(term("process.name", "cmd.exe"))}}),
    ],
)
def test_more_kql_text(text: str, expected: dict[str, Any]) -> None:
    parse = _parse()
    assert to_dsl(parse(text), ECS) == expected


# --- the CLI (the rest is in tests/cli/test_kql_commands.py) ------------------------------------------------------


def test_cli_prints_the_seed_rules_dsl(capsys: pytest.CaptureFixture[str]) -> None:
    from rule_kit.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["dsl", str(SEED)])
    assert exit_info.value.code == 0
    assert json.loads(capsys.readouterr().out) == SEED_DSL


def test_cli_translation_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rule_kit.cli import main

    text = SEED.read_text(encoding="utf-8").replace(
        "event.category:process and", "threat.enrichments.indicator.ip:1.2.3.4 and"
    )
    rule = tmp_path / "nested.toml"
    rule.write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["dsl", str(rule)])
    assert exit_info.value.code == 1
    assert "cannot translate the query" in capsys.readouterr().err
