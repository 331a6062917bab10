"""Cross-file checks: duplicates are reported at every file involved, with positions."""

from __future__ import annotations

from pathlib import Path

from rule_kit import check, load_rules
from rule_kit.config import Config


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicate_rule_id_at_every_place(seed_text: str, tmp_path: Path) -> None:
    first = _write(tmp_path / "macos" / "execution_a.toml", seed_text)
    second = _write(tmp_path / "linux" / "execution_b.toml", seed_text.replace("on Host", "on Linux Host"))
    found = [(d.code, d.path, d.line, d.column) for d in check(tmp_path)]
    assert found == [("RK210", str(second), 57, 11), ("RK210", str(first), 57, 11)]


def test_duplicate_name_and_file_name(seed_text: str, tmp_path: Path) -> None:
    other_id = seed_text.replace("92a36c98-b24a-4bf7-aac7-1eac71fa39cf", "0f5b6a39-0f51-4e8c-9a6b-1d2e3f4a5b6c")
    _write(tmp_path / "macos" / "same.toml", seed_text)
    _write(tmp_path / "linux" / "same.toml", other_id)
    codes = sorted((d.code, d.line) for d in check(tmp_path))
    assert codes == [("RK211", 19), ("RK211", 19), ("RK212", 1), ("RK212", 1)]


def test_corpus_findings_are_attached_to_loaded_rules(seed_text: str, tmp_path: Path) -> None:
    _write(tmp_path / "a.toml", seed_text)
    _write(tmp_path / "b.toml", seed_text.replace("on Host", "on Another Host"))
    rules = load_rules(tmp_path)
    assert [[d.code for d in r.diagnostics] for r in rules] == [["RK210"], ["RK210"]]


def test_corpus_checks_can_be_ignored(seed_text: str, tmp_path: Path) -> None:
    _write(tmp_path / "a.toml", seed_text)
    _write(tmp_path / "b.toml", seed_text)
    assert check(tmp_path, config=Config(ignore=("RK21",))) == []
