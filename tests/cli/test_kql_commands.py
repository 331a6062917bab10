"""`rule-kit dsl`, `rule-kit explain` and `rule-kit kql ast` on real rule files and events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_check_command import run
from tests.conftest import SEED

MATCHING = {
    "event": {"category": ["process"], "type": ["start"], "action": "exec"},
    "host": {"os": {"type": "macos"}},
    "process": {"name": "zsh", "args": ["zsh", "-c", "id"], "command_line": "zsh -c id", "parent": {"name": "python3"}},
}
PIP = {**MATCHING, "process": {**MATCHING["process"], "command_line": "zsh -c 'pip install x'"}}


def test_explain_marks_each_clause(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text("\n".join(json.dumps(e) for e in (MATCHING, PIP)) + "\n")
    code, out, _ = run(capsys, "explain", str(SEED), str(events))
    assert code == 0
    assert "event 1 @ no usable timestamp (in no window)" in out
    assert "  query matches:" in out and "  query does not match:" in out
    assert (
        '✗ not process.command_line:(*pip* or *conda* or *brew* or *jupyter*)  [process.command_line = "zsh -c' in out
    )
    assert out.rstrip().endswith("1 of 2 events match the query; 0 alerts.")


def test_explain_reports_a_broken_events_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text('{"a": 1}\n{not json\n')
    code, _, err = run(capsys, "explain", str(SEED), str(events))
    assert code == 3 and "events.ndjson:2: not a JSON object" in err


def test_dsl_of_the_seed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "dsl", str(SEED))
    assert code == 0
    dsl = json.loads(out)
    clauses = dsl["bool"]["filter"]
    assert len(clauses) == 8
    assert clauses[0] == {
        "bool": {"should": [{"term": {"event.category": {"value": "process"}}}], "minimum_should_match": 1}
    }
    assert "must_not" in clauses[-1]["bool"]


def test_dsl_refuses_a_rule_that_is_not_kql(capsys: pytest.CaptureFixture[str], write_rule) -> None:
    text = SEED.read_text(encoding="utf-8").replace('language = "kuery"', 'language = "lucene"')
    code, _, err = run(capsys, "dsl", str(write_rule(text)))
    assert code == 1 and "not KQL" in err


def test_dsl_reports_a_syntax_error(capsys: pytest.CaptureFixture[str], write_rule) -> None:
    text = SEED.read_text(encoding="utf-8").replace(
        "process.parent.name:python* and", "process.parent.name:python* and ("
    )
    code, _, err = run(capsys, "dsl", str(write_rule(text)))
    assert code == 1 and "KQL syntax error" in err


def test_kql_ast(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "kql", "ast", "a:(b or c) and not d:*")
    assert code == 0
    assert out.strip() == '(and (or (is a "b") (is a "c")) (not (exists d)))'
