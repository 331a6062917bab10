"""The project's documentation: the checks reference is current and the site builds without warnings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rule_kit.checks.registry import all_checks
from rule_kit.report.reference import checks_reference

ROOT = Path(__file__).resolve().parents[1]


def test_checks_reference_is_current() -> None:
    committed = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    assert committed == checks_reference(all_checks()), "run: rule-kit rule --markdown > docs/checks.md"


def test_every_check_has_a_documentation_body() -> None:
    for check in all_checks():
        assert len(check.doc.splitlines()) >= 3, f"{check.code} needs more than a one-line docstring"


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "checks" / "index.html").exists()
