"""The exported editor schema works in a real Taplo (the engine of VS Code's Even Better TOML), as docs/editors.md
says. Slow: installs @taplo/cli from the npm registry into a temporary folder."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from rule_kit.cli import main
from tests.conftest import SEED

pytestmark = pytest.mark.slow


def test_taplo_lints_rules_with_the_exported_schema(tmp_path: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed, so Taplo cannot be installed")
    installed = subprocess.run(
        [npm, "install", "--silent", "--prefix", str(tmp_path / "node"), "@taplo/cli@0.7.0"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if installed.returncode != 0:
        pytest.skip(f"@taplo/cli could not be installed: {installed.stderr[-500:]}")
    taplo = tmp_path / "node" / "node_modules" / ".bin" / "taplo"

    project = tmp_path / "project"
    (project / "rules").mkdir(parents=True)
    seed = SEED.read_text(encoding="utf-8")
    (project / "rules" / "good.toml").write_text(seed)
    (project / "rules" / "bad.toml").write_text(seed.replace("risk_score = 47", "risk_score = 470"))
    (project / ".taplo.toml").write_text(
        '[[rule]]\ninclude = ["rules/**/*.toml"]\n[rule.schema]\npath = "./.rule-kit/rule.schema.json"\n'
    )
    with pytest.raises(SystemExit) as exited:
        main(["schema", "--output", str(project / ".rule-kit" / "rule.schema.json")])
    assert exited.value.code == 0

    good = subprocess.run([str(taplo), "lint", "rules/good.toml"], cwd=project, capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    bad = subprocess.run([str(taplo), "lint", "rules/bad.toml"], cwd=project, capture_output=True, text=True)
    assert bad.returncode != 0
    assert "470 is greater than the maximum of 100" in bad.stderr + bad.stdout
    assert "bad.toml:56:14" in bad.stderr + bad.stdout
