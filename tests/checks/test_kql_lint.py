"""RK6xx cases the example data cannot express: configuration, other query strings, severities per finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from rule_kit.checks.run import run_checks
from rule_kit.config import Config
from rule_kit.diagnostics import Diagnostic, Severity
from rule_kit.rules import read_rule
from tests.conftest import SEED

SEED_QUERY = SEED.read_text(encoding="utf-8").split("query = '''\n", 1)[1].split("'''", 1)[0]


def lint(tmp_path: Path, query: str, *, config: Config | None = None, old: str | None = None) -> list[Diagnostic]:
    text = SEED.read_text(encoding="utf-8")
    text = text.replace(SEED_QUERY, query + "\n") if old is None else text.replace(old, query)
    path = tmp_path / "rule.toml"
    path.write_text(text, encoding="utf-8")
    return [d for d in run_checks(read_rule(path), config or Config()) if d.code.startswith("RK6")]


def codes(found: list[Diagnostic]) -> list[str]:
    return sorted(d.code for d in found)


def test_the_seed_query_has_no_lint(tmp_path: Path) -> None:
    assert lint(tmp_path, SEED_QUERY.rstrip("\n")) == []


def test_unknown_field_severity_follows_the_configuration(tmp_path: Path) -> None:
    query = "process.nmae:bash"
    assert [d.severity for d in lint(tmp_path, query)] == [Severity.WARNING]
    found = lint(tmp_path, query, config=Config(unknown_fields=Severity.ERROR))
    assert [(d.code, d.severity) for d in found] == [("RK601", Severity.ERROR)]


def test_nested_fields_are_resolved_under_their_path(tmp_path: Path) -> None:
    # ECS has no nested fields: the inner field is `process.name` only when the path is prepended
    assert codes(lint(tmp_path, "process:{ name:bash }")) == []
    assert codes(lint(tmp_path, "process:{ nmae:bash }")) == ["RK601"]


def test_quoted_field_names_and_wildcard_field_patterns(tmp_path: Path) -> None:
    assert codes(lint(tmp_path, '"process.name":bash')) == []
    assert codes(lint(tmp_path, "process.*:bash")) == []  # resolved by Kibana against the data view


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dll.code_signature.trusted:true", []),
        ("dll.code_signature.trusted:yes", ["RK602"]),
        ("process.pid:1234", []),
        ("process.pid >= 10", []),
        ("process.pid > many", ["RK602"]),
        ('source.ip:"10.0.0.0/8"', []),
        ('source.ip:"::1"', []),
        ("source.ip:10.*", ["RK602"]),
        ("@timestamp < now-5d", []),
        ("@timestamp:2024*", ["RK602"]),
        ("process.pid < 5*", ["RK602"]),
        ("process.name:*", []),
    ],
)
def test_type_misuse(tmp_path: Path, query: str, expected: list[str]) -> None:
    assert codes(lint(tmp_path, query)) == expected


def test_a_range_on_keyword_is_a_warning_and_a_wildcard_on_a_number_an_error(tmp_path: Path) -> None:
    (keyword,) = lint(tmp_path, "host.name > m")
    (number,) = lint(tmp_path, "process.pid:1*")
    assert (keyword.severity, number.severity) == (Severity.WARNING, Severity.ERROR)


def test_case_sensitive_value_without_caseless_suggests_variants(tmp_path: Path) -> None:
    (found,) = lint(tmp_path, "user.name:Administrator")
    assert found.code == "RK605" and found.message.endswith("list the case variants")
    assert lint(tmp_path, "process.name.caseless:cmd.exe") == []
    assert lint(tmp_path, "event.action:Exec") == []  # not a name or path whose case varies


def test_listed_case_variants_are_what_the_fix_asks_for(tmp_path: Path) -> None:
    assert lint(tmp_path, "user.name:(Administrator or administrator or ADMINISTRATOR)") == []
    (found,) = lint(tmp_path, "user.name:(Administrator or root)")  # another value, not another spelling
    assert found.code == "RK605"
    (other_field,) = lint(tmp_path, "user.name:Administrator and process.args:administrator")
    assert other_field.code == "RK605"


def test_mixed_and_or_respects_parentheses(tmp_path: Path) -> None:
    assert codes(lint(tmp_path, "process.name:a or process.name:b and process.args:c")) == ["RK608"]
    assert lint(tmp_path, "process.name:a or (process.name:b and process.args:c)") == []
    assert lint(tmp_path, "(process.name:a or process.name:b) and process.args:c") == []
    assert lint(tmp_path, "((process.name:a) and process.args:c) or process.name:b") == []


def test_mixed_and_or_inside_a_field_group(tmp_path: Path) -> None:
    assert codes(lint(tmp_path, "process.args:(a and b or c)")) == ["RK608"]


def test_duplicates_across_nested_operations_are_reported_once(tmp_path: Path) -> None:
    found = lint(tmp_path, "(process.name:a and process.args:b) and process.name:a")
    assert codes(found) == ["RK615"]


def test_a_clause_or_its_negation_is_a_warning(tmp_path: Path) -> None:
    (found,) = lint(tmp_path, "process.name:a or not process.name:a")
    assert (found.code, found.severity) == ("RK615", Severity.WARNING)
    (found,) = lint(tmp_path, "process.name:a and not process.name:a")
    assert (found.code, found.severity) == ("RK615", Severity.ERROR)


def test_multi_word_wildcard_on_keyword_is_only_a_warning(tmp_path: Path) -> None:
    (found,) = lint(tmp_path, "process.args:-c echo*")
    assert (found.code, found.severity) == ("RK610", Severity.WARNING)
    (found,) = lint(tmp_path, "process.args:(a or echo hi*)")
    assert found.severity == Severity.WARNING


def test_free_text_wildcard_with_spaces_is_an_error(tmp_path: Path) -> None:
    found = lint(tmp_path, "process.name:a and foo bar*")
    assert sorted((d.code, d.severity) for d in found) == [("RK609", Severity.WARNING), ("RK610", Severity.ERROR)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (r'file.path:"C:\temp\a.exe"', ["RK605", "RK611"]),
        (r'file.path:"c:\new"', ["RK611"]),
        (r'file.path:"c:\\temp"', []),
        (r'file.path:"c:\windows"', []),
        (r"file.path:c\:\temp", ["RK611"]),
        (r'process.args:"line\nbreak"', []),  # not a path: an intended line break
        (r"process.args:\not", ["RK611"]),  # `\not` is a line break and `ot`
    ],
)
def test_windows_path_escapes(tmp_path: Path, query: str, expected: list[str]) -> None:
    assert codes(lint(tmp_path, query)) == expected


def test_question_mark_in_quotes_is_fine(tmp_path: Path) -> None:
    assert lint(tmp_path, 'url.query:"?id=1"') == []
    assert codes(lint(tmp_path, "url.query:?id=1")) == ["RK607"]


def test_ignore_above_only_on_long_value_fields(tmp_path: Path) -> None:
    assert lint(tmp_path, "process.parent.name:python*") == []
    assert codes(lint(tmp_path, "process.command_line.caseless:curl*")) == ["RK613"]


def test_uppercase_operators_one_finding_with_an_edit_each(tmp_path: Path) -> None:
    (found,) = lint(tmp_path, "process.name:(a OR b) And NOT process.args:c")
    assert found.code == "RK614" and found.fix is not None
    assert [e.text for e in found.fix.edits] == ["or", "and", "not"]


def test_no_fix_when_the_file_text_is_not_the_operator(tmp_path: Path) -> None:
    # a basic string with an escape before the operator: query columns and file columns differ
    old = "query = '''\n" + SEED_QUERY + "'''"
    (found,) = lint(tmp_path, 'query = "process.args:\\"-c\\" AND process.name:bash"', old=old)
    assert found.code == "RK614" and found.fix is None


def test_only_kuery_queries_that_parse(tmp_path: Path) -> None:
    assert lint(tmp_path, "process.nmae:bash and") == []  # RK501 reports the syntax error
    found = lint(tmp_path, 'language = "lucene"', old='language = "kuery"')
    assert found == []
