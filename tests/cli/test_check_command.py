"""`rule-kit check` end to end through `main()`: exit codes, formats, --output, and the seed's defects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rule_kit.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def test_bundled_rules_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(Path(__file__).parents[2] / "rules"))
    assert code == 0, out
    assert "no findings" in out


def test_findings_exit_1_with_file_line_and_column(
    capsys: pytest.CaptureFixture[str], seed_text: str, write_rule
) -> None:
    path = write_rule(seed_text.replace("risk_score = 47", "risk_score = 101"))
    code, out, _ = run(capsys, "check", str(path))
    assert code == 1
    assert f"{path}:56:14: RK106 [error] `rule.risk_score` must be at most 100; got 101" in out


def test_syntax_error_exits_1(capsys: pytest.CaptureFixture[str], seed_text: str, write_rule) -> None:
    code, out, _ = run(capsys, "check", str(write_rule(seed_text.replace("risk_score = 47", "risk_score = = 47"))))
    assert code == 1
    assert ":56:14: RK002 [error] TOML syntax error" in out


def test_unreadable_input_exits_2_and_the_rest_is_checked(
    capsys: pytest.CaptureFixture[str], seed_text: str, tmp_path: Path
) -> None:
    (tmp_path / "a.toml").write_bytes(b"\xff\xfe r\x00u\x00l\x00e\x00")
    (tmp_path / "b.toml").write_text(seed_text.replace('"medium"', '"Medium"'))
    code, out, _ = run(capsys, "check", str(tmp_path), "--format", "json")
    assert code == 2
    document = json.loads(out)
    assert sorted(d["code"] for d in document["diagnostics"]) == ["RK004", "RK104"]


def test_fail_level_and_ignore(capsys: pytest.CaptureFixture[str], seed_text: str, write_rule) -> None:
    path = str(write_rule(seed_text.replace('"medium"', '"Medium"')))
    assert run(capsys, "check", path, "--ignore", "RK104")[0] == 0
    assert run(capsys, "check", path, "--select", "RK0")[0] == 0


@pytest.mark.parametrize(
    "args",
    [
        ("check", "/definitely/not/here"),
        ("check", "--format", "xml", "rules"),
        ("check", "--select", "E501", "rules"),
        ("nonsense",),
        ("rule", "RK999"),
    ],
)
def test_usage_errors_exit_3(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    code, _, err = run(capsys, *args)
    assert code == 3
    assert "Error" in err


def test_bad_config_exits_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "rule-kit.toml"
    config.write_text("selcet = []\n")
    code, _, err = run(capsys, "check", "--config", str(config), str(tmp_path))
    assert code == 3
    assert "did you mean 'select'" in err


def test_output_file_is_written(capsys: pytest.CaptureFixture[str], seed_text: str, write_rule, tmp_path: Path) -> None:
    path = write_rule(seed_text.replace("risk_score = 47", "risk_scor = 47"))
    target = tmp_path / "out" / "report.sarif"
    code, out, _ = run(capsys, "check", str(path), "--format", "sarif", "--output", str(target))
    assert code == 1
    assert out == ""
    sarif = json.loads(target.read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"RK101", "RK102"}
    assert not list(target.parent.glob(".*.tmp"))


def test_rule_documentation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rule", "rk101")
    assert code == 0
    assert out.startswith("RK101 unknown-key (error, Schema)")
    assert "did-you-mean" in out
    code, out, _ = run(capsys, "rule")
    assert code == 0
    assert "RK002  toml-syntax" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from rule_kit import __version__

    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert __version__ in out


def test_progress_bar_only_when_asked_or_on_a_terminal(
    capsys: pytest.CaptureFixture[str], seed_text: str, tmp_path: Path
) -> None:
    for number in range(3):
        (tmp_path / f"r{number}.toml").write_text(seed_text)
    code, _, err = run(capsys, "check", str(tmp_path), "--ignore", "RK21")  # copies: same rule_id
    assert code == 0 and err == ""  # captured output is a pipe: nothing extra
    code, _, err = run(capsys, "check", str(tmp_path), "--ignore", "RK21", "--progress")
    assert code == 0 and "Checking" in err


def test_team_field_catalog_is_used_and_a_broken_one_exits_3(
    capsys: pytest.CaptureFixture[str], seed_text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rule = tmp_path / "rule.toml"
    rule.write_text(seed_text.replace('"host.id", "process.parent.executable"', '"host.id", "okta.actor.id"'))
    (tmp_path / "rule-kit.toml").write_text('field-catalogs = ["ecs", "fields.yml"]\nunknown-fields = "error"\n')
    (tmp_path / "fields.yml").write_text("okta.other: keyword\n")
    code, out, _ = run(capsys, "check", str(rule))
    assert code == 1 and "RK401 [error] new terms field `okta.actor.id` is not a known field" in out
    (tmp_path / "fields.yml").write_text("okta.actor.id: keyword\n")
    assert run(capsys, "check", str(rule))[0] == 0
    (tmp_path / "fields.yml").write_text("okta.actor.id: keywrod\n")
    code, _, err = run(capsys, "check", str(rule))
    assert code == 3 and "field-catalogs" in err and "keywrod" in err
