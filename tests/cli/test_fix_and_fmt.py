"""`check --fix`, `check --diff` and `fmt` through the command line, on real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_check_command import run
from tests.rules.test_format import CANONICAL, MESSY

WRONG_NAME = 'name = "Command and Scripting Interpreter"'
WRONG_URL = 'reference = "https://attack.mitre.org/techniques/T1059/004/"'


def _defective(seed_text: str) -> str:
    text = seed_text.replace(WRONG_NAME, 'name = "Command & Scripting"')
    return text.replace(WRONG_URL, 'reference = "https://attack.mitre.org/techniques/T1059/003/"')


def test_fix_repairs_name_and_reference_and_touches_nothing_else(
    capsys: pytest.CaptureFixture[str], seed_text: str, write_rule
) -> None:
    path = write_rule(_defective(seed_text).replace("[metadata]", "# kept comment\n[metadata]"))
    code, out, _ = run(capsys, "check", str(path))
    assert code == 1 and "RK305" in out and "RK306" in out
    code, out, err = run(capsys, "check", str(path), "--fix")
    assert code == 0, out
    assert "Fixed 2 findings in 1 files." in err
    assert path.read_text(encoding="utf-8") == seed_text.replace("[metadata]", "# kept comment\n[metadata]")


def test_fix_changes_only_the_two_values(seed_text: str, write_rule, capsys) -> None:
    broken = _defective(seed_text)
    path = write_rule(broken)
    run(capsys, "check", str(path), "--fix")
    before, after = broken.encode().split(b"\n"), path.read_bytes().split(b"\n")
    assert len(before) == len(after)
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert changed == [
        (b'name = "Command & Scripting"', WRONG_NAME.encode()),
        (b'reference = "https://attack.mitre.org/techniques/T1059/003/"', WRONG_URL.encode()),
    ]


def test_diff_shows_the_fix_and_writes_nothing(capsys: pytest.CaptureFixture[str], seed_text: str, write_rule) -> None:
    broken = _defective(seed_text)
    path = write_rule(broken)
    code, out, _ = run(capsys, "check", str(path), "--diff")
    assert code == 1
    assert '-name = "Command & Scripting"' in out and f"+{WRONG_NAME}" in out
    assert path.read_text(encoding="utf-8") == broken
    assert run(capsys, "check", str(write_rule(seed_text, name="clean.toml")), "--diff")[0] == 0


def test_fmt_check_write_and_idempotence(capsys: pytest.CaptureFixture[str], write_rule, tmp_path: Path) -> None:
    path = write_rule(MESSY)
    code, out, _ = run(capsys, "fmt", "--check", str(path))
    assert code == 1 and f"would reformat {path}" in out
    assert path.read_text(encoding="utf-8") == MESSY
    assert run(capsys, "fmt", str(path))[0] == 0
    assert path.read_text(encoding="utf-8") == CANONICAL
    code, _, err = run(capsys, "fmt", "--check", str(path))
    assert code == 0 and "0 files would be reformatted, 1 unchanged." in err
    assert not list(tmp_path.glob(".*.tmp"))


def test_fmt_leaves_broken_files_alone(capsys: pytest.CaptureFixture[str], write_rule) -> None:
    path = write_rule("[rule\nname = 1\n")
    code, _, err = run(capsys, "fmt", str(path))
    assert code == 2 and "not formatted" in err
    assert path.read_text(encoding="utf-8") == "[rule\nname = 1\n"


def test_bundled_rules_are_formatted(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "fmt", "--check", str(Path(__file__).parents[2] / "rules"))[0] == 0
