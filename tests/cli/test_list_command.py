"""`rule-kit list`: a line per rule and the counts of the set, from real rule and fixture files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_check_command import run
from tests.conftest import SEED

FIXTURES = SEED.parents[2] / "rules" / "macos" / "execution_first_time_python_spawned_a_shell_on_host.fixtures.toml"


def _rules(tmp_path: Path, seed_text: str) -> Path:
    (tmp_path / "macos").mkdir()
    (tmp_path / "macos" / "seed.toml").write_text(seed_text, encoding="utf-8")
    (tmp_path / "macos" / "seed.fixtures.toml").write_bytes(FIXTURES.read_bytes())
    threshold = (
        seed_text.replace('type = "new_terms"', 'type = "threshold"')
        .replace("92a36c98-b24a-4bf7-aac7-1eac71fa39cf", "0b6f1f9e-8f3c-4d55-9a55-0d1b1f3c2a10")
        .replace("First Time Python", "Many Pythons")
    )
    threshold = threshold[: threshold.index("[rule.new_terms]")]
    threshold += '[rule.threshold]\nfield = ["host.id"]\nvalue = 5\n[[rule.threshold.cardinality]]\nfield = "user.name"\nvalue = 3\n'
    (tmp_path / "linux").mkdir()
    (tmp_path / "linux" / "many.toml").write_text(threshold, encoding="utf-8")
    return tmp_path


def test_text_lists_each_rule_and_the_counts(
    capsys: pytest.CaptureFixture[str], seed_text: str, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "list", str(_rules(tmp_path, seed_text)))
    assert code == 0
    assert "macos/seed.toml  new_terms  medium" in out and "6+14  Execution" in out
    assert "2 rules; types: new_terms 1, threshold 1 (1 new_terms with 2-3 fields, 1 threshold with cardinality)" in out
    assert "1 tactics: Execution 2" in out
    assert "fixture cases: 20 (6 alerting, 14 quiet, 0 failing), properties: 2, rules without fixtures: 1" in out


def test_json_has_rows_and_summary(capsys: pytest.CaptureFixture[str], seed_text: str, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "list", str(_rules(tmp_path, seed_text)), "--format", "json")
    assert code == 0
    data = json.loads(out)
    seed = next(r for r in data["rules"] if r["path"].endswith("seed.toml"))
    assert seed["techniques"] == ["T1059", "T1059.004", "T1059.006"] and seed["new_terms_fields"] == [
        "host.id",
        "process.parent.executable",
    ]
    assert data["summary"]["types"] == {"new_terms": 1, "threshold": 1}
    assert data["summary"]["platforms"] == {"macOS": 2}


def test_a_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "list", str(tmp_path / "nowhere"))
    assert code == 3 and "no such file or directory" in err
