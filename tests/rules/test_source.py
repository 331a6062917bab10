"""Reading files: every way a file can fail becomes a positioned RK0xx finding, and the run goes on."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from rule_kit import check, load_rules
from rule_kit.config import Config
from rule_kit.rules import iter_rule_files


def _codes(path: Path) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.column) for d in check(path)]


def test_seed_has_no_findings(seed_text: str, write_rule) -> None:
    assert check(write_rule(seed_text)) == []


def test_not_utf8_points_at_the_bad_byte(seed_text: str, write_rule) -> None:
    raw = seed_text.replace('author = ["Elastic"]', 'author = ["Caf\u00e9"]').encode("latin-1", errors="replace")
    found = check(write_rule(raw))
    assert [(d.code, d.line, d.column) for d in found] == [("RK001", 8, 15)]
    assert "0xe9" in found[0].message


def test_empty_and_whitespace_files(write_rule) -> None:
    assert _codes(write_rule("")) == [("RK003", 1, 1)]
    assert _codes(write_rule("  \n\n")) == [("RK003", 1, 1)]


def test_binary_file(write_rule) -> None:
    assert _codes(write_rule(b"PK\x03\x04\x00\x00binary")) == [("RK004", 1, 5)]


def test_toml_syntax_error_position(seed_text: str, write_rule) -> None:
    broken = seed_text.replace("risk_score = 47", "risk_score = 47 47")
    found = check(write_rule(broken))
    assert [(d.code, d.line, d.column) for d in found] == [("RK002", 56, 17)]
    assert found[0].message.startswith("TOML syntax error: ")


def test_unclosed_query_block_is_reported_at_end_of_document(seed_text: str, write_rule) -> None:
    broken = seed_text.split("[[rule.threat]]")[0].replace("\n'''\n\n", "\n\n")
    found = check(write_rule(broken))
    assert [d.code for d in found] == ["RK002"]
    assert found[0].line > 60


def test_file_over_the_size_limit_is_not_parsed(seed_text: str, write_rule) -> None:
    big = seed_text.replace('note = """', 'note = """' + ("x" * 80 + "\n") * 65_000)  # about 5 MB
    path = write_rule(big)
    assert path.stat().st_size > 5_000_000
    found = check(path)
    assert [d.code for d in found] == ["RK007"]
    assert "5," in found[0].message
    # Raising the limit reads it, and it is then a valid rule.
    assert check(path, config=Config(max_file_size=10_000_000)) == []


def test_unreadable_file(write_rule, tmp_path: Path) -> None:
    target = write_rule("x = 1", name="target.toml")
    link = tmp_path / "dangling.toml"
    link.symlink_to(tmp_path / "missing.toml")
    target.unlink()
    assert [d.code for d in check(link)] == ["RK005"]
    assert [d.code for d in check(tmp_path)] == ["RK005"]


def test_bad_files_do_not_stop_the_others(seed_text: str, tmp_path: Path) -> None:
    (tmp_path / "a_binary.toml").write_bytes(b"\x00\x01")
    (tmp_path / "b_empty.toml").write_text("")
    (tmp_path / "c_good.toml").write_text(seed_text)
    (tmp_path / "d_latin1.toml").write_bytes("x = 'caf\u00e9'".encode("latin-1"))
    rules = load_rules(tmp_path)
    assert [r.path.name for r in rules] == ["a_binary.toml", "b_empty.toml", "c_good.toml", "d_latin1.toml"]
    assert [[d.code for d in r.diagnostics] for r in rules] == [["RK004"], ["RK003"], [], ["RK001"]]
    assert rules[2].rule_id == "92a36c98-b24a-4bf7-aac7-1eac71fa39cf"
    assert rules[2].type == "new_terms"
    assert rules[0].data is None


def test_discovery_skips_fixtures_and_hidden_folders(tmp_path: Path) -> None:
    for name in ("b.toml", "a.fixtures.toml", ".git/c.toml", "sub/d.toml", "notes.md"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_rule_files([tmp_path])] == [
        "b.toml",
        "sub/d.toml",
    ]


def test_a_fixture_file_named_explicitly_stands_for_its_rule(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("")
    (tmp_path / "a.fixtures.toml").write_text("")
    assert list(iter_rule_files([tmp_path / "a.fixtures.toml", tmp_path / "a.toml"])) == [tmp_path / "a.toml"]


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        list(iter_rule_files([tmp_path / "nope"]))


def test_a_thousand_valid_rules(seed_text: str, tmp_path: Path) -> None:
    for number in range(1000):
        text = seed_text.replace("92a36c98-b24a-4bf7-aac7-1eac71fa39cf", str(uuid.UUID(int=number + 1)))
        text = text.replace("Shell on Host", f"Shell on Host {number}")  # the name and its guide heading
        (tmp_path / f"rule_{number:04}.toml").write_text(text)
    assert check(tmp_path) == []


def test_a_thousand_copies_are_reported_without_quadratic_messages(seed_text: str, tmp_path: Path) -> None:
    for number in range(1000):
        (tmp_path / f"rule_{number:04}.toml").write_text(seed_text)
    found = check(tmp_path)
    assert len(found) == 2000  # duplicate rule_id and duplicate name, at every file
    assert max(len(d.message) for d in found) < 500  # three paths named, the rest counted
