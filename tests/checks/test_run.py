"""The check runner: selection, per-rule ignores, and a crashing check reported instead of raised."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rule_kit.checks import registry, run
from rule_kit.config import Config
from rule_kit.diagnostics import Diagnostic
from rule_kit.rules import Rule, read_rule


def _broken(rule: Rule, context: object) -> Iterator[Diagnostic]:
    raise KeyError("boom")
    yield  # pragma: no cover


def test_a_crashing_check_becomes_an_internal_error(
    seed_text: str, write_rule, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_rule(seed_text.replace("risk_score = 47", "risk_score = 470"))
    broken = registry.Runner(frozenset({"RK101"}), _broken, True)
    monkeypatch.setattr(run, "runners", lambda: [*registry.runners(), broken])
    found = run.run_checks(read_rule(path), Config())
    assert [d.code for d in found] == ["RK008", "RK106"]  # a whole-file finding (line 0) sorts first
    assert "KeyError: 'boom' in _broken" in found[0].message


def _with(seed_text: str, write_rule) -> Path:
    broken = seed_text.replace("risk_score = 47", "risk_score = 470").replace('"medium"', '"Medium"')
    return write_rule(broken, name="rules/macos/execution_first_time_python_spawned_a_shell_on_host.toml")


@pytest.mark.parametrize(
    ("config", "codes"),
    [
        (Config(), ["RK106", "RK104"]),
        (Config(select=("RK104",)), ["RK104"]),
        (Config(ignore=("RK1",)), []),
        (Config(select=("RK1",), ignore=("RK10",)), []),
        (Config(select=("RK106",), ignore=("RK1",)), ["RK106"]),
        (Config(per_rule_ignores={"92a36c98-b24a-4bf7-aac7-1eac71fa39cf": ("RK106",)}), ["RK104"]),
        (Config(per_rule_ignores={"*/macos/*.toml": ("RK104",)}), ["RK106"]),
        (Config(per_rule_ignores={"*/linux/*.toml": ("RK104",)}), ["RK106", "RK104"]),
    ],
)
def test_selection(seed_text: str, write_rule, config: Config, codes: list[str]) -> None:
    found = run.run_checks(read_rule(_with(seed_text, write_rule)), config)
    assert [d.code for d in found] == codes
