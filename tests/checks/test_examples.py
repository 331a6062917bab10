"""Checks are tested by data: every example in tests/checks/examples/*.toml must produce exactly its findings."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from rule_kit.checks.registry import all_checks
from rule_kit.checks.run import run_checks
from rule_kit.config import Config
from rule_kit.fixes import apply_fixes
from rule_kit.fixtures import fixtures_path
from rule_kit.rules import read_rule
from tests.conftest import SEED

EXAMPLES = Path(__file__).parent / "examples"

#: Checks no rule file can trigger on its own, with where they are tested instead.
NOT_FROM_DATA = {
    "RK005": "needs an unreadable file (a dangling link): tests/rules/test_source.py",
    "RK008": "only a bug in rule-kit raises it: tests/checks/test_run.py injects a failing check",
    "RK210": "needs two files: tests/checks/test_corpus.py",
    "RK211": "needs two files: tests/checks/test_corpus.py",
    "RK212": "needs two files: tests/checks/test_corpus.py",
}


def _load() -> list[dict[str, Any]]:
    examples = []
    for path in sorted(EXAMPLES.glob("*.toml")):
        for example in tomllib.loads(path.read_text(encoding="utf-8"))["example"]:
            examples.append(example)
    return examples


ALL_EXAMPLES = _load()


def _materialise(example: dict[str, Any], folder: Path) -> Path:
    text = SEED.read_text(encoding="utf-8")
    if "text" in example:
        text = example["text"]
    for old, new in example.get("replace", []):
        assert text.count(old) == 1, f"{old!r} must occur exactly once in the seed"
        text = text.replace(old, new)
    path = folder / example.get("file", "example.toml")  # a `file` such as "rules/macos/x.toml" for path checks
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(example.get("encoding", "utf-8"), errors="replace"))
    if "fixtures" in example:  # the rule's fixture file (RK8xx), and files it refers to ([[name, content]])
        fixtures_path(path).write_text(example["fixtures"], encoding="utf-8")
    for name, content in example.get("files", []):
        (path.parent / name).write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("example", ALL_EXAMPLES, ids=[f"{e['code']}-{e['title']}" for e in ALL_EXAMPLES])
def test_example_produces_exactly_its_findings(example: dict[str, Any], tmp_path: Path) -> None:
    path = _materialise(example, tmp_path)
    config = Config(max_file_size=example.get("config", {}).get("max-file-size", Config().max_file_size))
    found = run_checks(read_rule(path, max_size=config.max_file_size), config)
    assert sorted(f"{d.code}@{d.line}:{d.column}" for d in found) == sorted(example["expect"])
    for message in example.get("messages", []):
        assert message in [d.message for d in found]
    if example.get("fixed"):  # the fixed example: applying every fix gives the seed back, byte for byte
        fixed, _ = apply_fixes(path.read_text(encoding="utf-8"), [d.fix for d in found if d.fix])
        assert fixed == SEED.read_text(encoding="utf-8")
    else:
        assert not any(d.fix for d in found), "an example with fixes must say `fixed = true`"


def test_the_seed_passes_every_check() -> None:
    assert run_checks(read_rule(SEED), Config()) == []


def test_every_check_has_a_failing_example() -> None:
    covered = {example["code"] for example in ALL_EXAMPLES}
    missing = {c.code for c in all_checks()} - covered - set(NOT_FROM_DATA)
    assert not missing, f"checks without a failing example in tests/checks/examples: {sorted(missing)}"
