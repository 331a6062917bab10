"""The project's documentation: every check documents itself, and every page in docs/ is in the site's nav."""

from __future__ import annotations

import re
from pathlib import Path

from rule_kit.checks.registry import all_checks
from rule_kit.report.reference import checks_reference

ROOT = Path(__file__).resolve().parents[1]


def test_every_check_has_a_documentation_body() -> None:
    for check in all_checks():
        assert len(check.doc.splitlines()) >= 3, f"{check.code} needs more than a one-line docstring"


def test_the_one_file_reference_lists_every_check() -> None:
    reference = checks_reference(all_checks())
    for check in all_checks():
        assert f"### {check.code}" in reference


def test_every_docs_page_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r":\s*([\w./-]+\.md)\s*$", nav, flags=re.M))
    pages = {p.name for p in (ROOT / "docs").glob("*.md")}
    assert pages <= listed, f"pages missing from mkdocs.yml nav: {sorted(pages - listed)}"
