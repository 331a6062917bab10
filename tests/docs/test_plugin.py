"""The mkdocs plugin in real builds: the project's own site, and sites of hostile, broken and bigger rule sets."""

from __future__ import annotations

import html
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jsonschema
import pytest

from rule_kit.docs.site import collect
from tests.conftest import SEED
from tests.docs.test_coverage import LAYER_SCHEMA

ROOT = Path(__file__).resolve().parents[2]
RULE_PAGE = "rules/macos/execution_first_time_python_spawned_a_shell_on_host/index.html"


def _text(page: str) -> str:
    """The page's text, tags gone and entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def build(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`rule-kit docs build` as a user runs it, in `tmp_path` (no mkdocs.yml there: the built-in config)."""
    return subprocess.run(
        [sys.executable, "-m", "rule_kit", "docs", "build", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


# -- the project's own site ----------------------------------------------------------------------------------------


def test_seed_rule_page_has_its_guide_query_mapping_and_attack_links(built_site: Path) -> None:
    page_html = (built_site / RULE_PAGE).read_text(encoding="utf-8")
    text = _text(page_html)
    assert "First Time Python Spawned a Shell on Host" in text
    for heading in (
        "Triage and analysis",
        "Possible investigation steps",
        "False positive analysis",
        "Response and remediation",
    ):
        assert re.search(rf"<h[23] id=\"[^\"]+\">{heading}", page_html), heading
    assert "process.parent.name" in text and "python*" in text
    assert '<span class="nv">process.parent.name</span>' in page_html  # highlighted, field as a name
    for url in (
        "https://attack.mitre.org/techniques/T1059/",
        "https://attack.mitre.org/techniques/T1059/004/",
        "https://attack.mitre.org/techniques/T1059/006/",
        "https://attack.mitre.org/tactics/TA0002/",
    ):
        assert f'href="{url}"' in page_html, url
    assert "Alerts the first time a combination of host.id + process.parent.executable is seen" in text
    assert "in the 7 days before the run" in text
    assert "every 5 minutes, looking back 9 minutes" in text
    assert "20 fixture cases, all pass; 2 properties" in text
    assert "pip's post-install shell is excluded" in text
    assert "Last updated 2026/03/24" in text
    assert (
        '<details class="rk-source" data-search-exclude>' in page_html and "rule_id" in text
    )  # the raw TOML, collapsed


def test_index_pages_list_the_seed_rule(built_site: Path) -> None:
    for page in (
        "rules/index.html",
        "rules/by-tactic/index.html",
        "rules/by-platform/index.html",
        "rules/by-severity/index.html",
        "rules/coverage/index.html",
    ):
        page_html = (built_site / page).read_text(encoding="utf-8")
        assert "execution_first_time_python_spawned_a_shell_on_host/" in page_html, page
    table = (built_site / "rules/index.html").read_text(encoding="utf-8")
    assert 'class="rk-filter"' in table and "<th>Severity</th>" in table
    assert "Execution (TA0002)" in (built_site / "rules/by-tactic/index.html").read_text(encoding="utf-8")
    assert "logs-endpoint.events.process-*" in (built_site / "rules/by-platform/index.html").read_text(encoding="utf-8")


def test_navigator_layer_is_a_valid_layer_of_the_coverage(built_site: Path) -> None:
    layer = json.loads((built_site / "rules/navigator-layer.json").read_text(encoding="utf-8"))
    jsonschema.validate(layer, LAYER_SCHEMA)
    scored = {(t["techniqueID"], t["tactic"]): t["score"] for t in layer["techniques"]}
    rules = collect([ROOT / "rules"], evidence=False).rules

    def mapping(technique: str) -> int:  # the bundled rules mapping it (or a sub-technique of it) under Execution
        return sum(
            any(tactic == "TA0002" and technique in (tech, sub) for tactic, tech, sub in doc.threats) for doc in rules
        )

    for technique in ("T1059", "T1059.004", "T1059.006"):
        assert scored[(technique, "execution")] == mapping(technique) >= 1, technique


def test_a_page_per_check_code(built_site: Path) -> None:
    from rule_kit.checks.registry import all_checks

    index = (built_site / "checks/index.html").read_text(encoding="utf-8")
    for check in all_checks():
        page = built_site / "checks" / check.code / "index.html"
        assert page.is_file(), check.code
        assert f'href="{check.code}/"' in index
    body = _text((built_site / "checks/RK101/index.html").read_text(encoding="utf-8"))
    assert "RK101" in body and 'ignore = ["RK101"]' in body


def test_rule_pages_sit_in_the_nav_and_the_project_docs_stay(built_site: Path) -> None:
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert "All rules" in home and "ATT&amp;CK coverage" in home and "Usage" in home
    assert "First Time Python Spawned a Shell on Host" in home  # under its platform, below the nav limit


# -- built-in configuration and hostile input ----------------------------------------------------------------------

HOSTILE_GUIDE = """## Triage and analysis

<script>alert(1)</script>

Read [the runbook](javascript:alert(document.cookie)) or [this](JaVaScRiPt:alert(2)).

<img src=x onerror="alert(3)">

### Possible investigation steps

- Check the [timeline](https://example.com/timeline) and <a href="javascript:alert(4)">this link</a>.
"""


def hostile_rule(seed: str) -> str:
    text = seed.replace(
        'name = "First Time Python Spawned a Shell on Host"', 'name = "Evil <img src=x onerror=alert(5)> rule"'
    )
    note_start = text.index('note = """') + len('note = """')
    note_end = text.index('"""', note_start)
    text = text[:note_start] + HOSTILE_GUIDE + text[note_end:]
    return text.replace('    "https://github.com/trailofbits/fickling",', '    "javascript:alert(6)",')


def test_a_hostile_guide_builds_to_a_page_with_nothing_active(tmp_path: Path) -> None:
    rules = tmp_path / "rules" / "macos"
    rules.mkdir(parents=True)
    (rules / "evil.toml").write_text(hostile_rule(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    result = build(tmp_path, "rules", "--strict", "-d", "out")
    assert result.returncode == 0, result.stderr
    site = tmp_path / "out"
    for page in site.rglob("*.html"):
        page_html = page.read_text(encoding="utf-8").lower()
        assert "<script>alert" not in page_html, page
        assert re.search(r"<a\s[^>]*href=[\"']?\s*javascript", page_html) is None, page
        body = re.sub(r"<title>.*?</title>", "", page_html, flags=re.S)  # <title> holds text only, never tags
        assert re.search(r"<[a-z][^>]*\son[a-z]+\s*=", body) is None, page  # no tag with an event handler
    page_html = (site / "rules/macos/evil/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page_html  # shown as text
    assert '<a href="https://example.com/timeline">timeline</a>' in page_html  # safe links still work
    assert "<li><code>javascript:alert(6)</code></li>" in page_html  # an unsafe reference is text
    assert "Evil &lt;img src=x onerror=alert(5)&gt; rule" in page_html
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    assert any("evil" in doc["location"] for doc in index["docs"])


def test_built_in_config_makes_a_home_page_and_the_indexes(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "seed.toml").write_bytes(SEED.read_bytes())
    result = build(tmp_path, "--strict", "-d", "out")  # no path: the configured paths, default rules/
    assert result.returncode == 0, result.stderr
    home = _text((tmp_path / "out/index.html").read_text(encoding="utf-8"))
    assert "1 detection rule across 1 ATT&CK tactic" in home
    assert (tmp_path / "out/rules/seed/index.html").is_file()
    assert "no fixture file" in _text((tmp_path / "out/rules/seed/index.html").read_text(encoding="utf-8"))


def test_a_broken_rule_is_a_positioned_warning_and_fails_a_strict_build(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "good.toml").write_bytes(SEED.read_bytes())
    (rules / "broken.toml").write_text('[rule]\nname = "x\n', encoding="utf-8")
    strict = build(tmp_path, "rules", "--strict", "-d", "out")
    assert strict.returncode == 1
    assert re.search(r"broken\.toml:2:\d+: RK002", strict.stderr), strict.stderr
    lenient = build(tmp_path, "rules", "-d", "out")
    assert lenient.returncode == 0, lenient.stderr
    assert (tmp_path / "out/rules/good/index.html").is_file()
    assert not (tmp_path / "out/rules/broken").exists()


def test_failing_and_unrunnable_cases_say_so_on_the_page(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "seed.toml").write_bytes(SEED.read_bytes())
    (rules / "seed.fixtures.toml").write_text(
        'now = "2026-03-24T12:00:00Z"\n\n[[case]]\nname = "claims an alert it cannot get"\nexpect = "alert"\n'
        '[[case.events]]\n"@timestamp" = "now-1m"\nevent.category = "network"\n\n'
        '[[case]]\nname = "quiet"\nexpect = "no_alert"\n[[case.events]]\n"@timestamp" = "now-1m"\n',
        encoding="utf-8",
    )
    result = build(tmp_path, "rules", "-d", "out")
    assert result.returncode == 0, result.stderr
    text = _text((tmp_path / "out/rules/seed/index.html").read_text(encoding="utf-8"))
    assert "2 fixture cases, 1 failing" in text
    assert "fails expected at least one alert, got none" in text


def test_rule_paths_and_a_config_file_together_are_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    result = build(tmp_path, "rules", "-f", "mkdocs.yml")
    assert result.returncode == 1
    assert "not both" in result.stderr


def test_a_missing_rule_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = build(tmp_path, "nowhere")
    assert result.returncode == 1
    assert "no such rule folder or file: nowhere" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("count", [3])
def test_above_the_nav_limit_rule_pages_leave_the_nav(tmp_path: Path, count: int) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    seed = SEED.read_text(encoding="utf-8")
    for i in range(count):
        rule_id = f"92a36c98-b24a-4bf7-aac7-1eac71fa39{i:02d}"
        text = seed.replace("92a36c98-b24a-4bf7-aac7-1eac71fa39cf", rule_id).replace(
            'name = "First Time Python', f'name = "Rule {i} First Time Python'
        )
        (rules / f"r{i}.toml").write_text(text, encoding="utf-8")
    config = {
        "site_name": "limit",
        "docs_dir": "docs",
        "theme": {"name": "material", "font": False},
        "plugins": ["search", {"rule-kit": {"rules": ["rules"], "nav_rules_limit": count - 1, "checks": False}}],
        "nav": [{"Home": "index.md"}],
    }
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(json.dumps(config), encoding="utf-8")
    result = build(tmp_path, "--strict", "-d", "out")
    assert result.returncode == 0, result.stderr
    home = (tmp_path / "out/index.html").read_text(encoding="utf-8")
    assert "All rules" in home and "Rule 0 First Time" not in home
    assert "Rule 0 First Time" in (tmp_path / "out/rules/index.html").read_text(encoding="utf-8")
    assert not (tmp_path / "out/checks").exists()


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def _wait_for(url: str, text: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = _get(url)
        if body is not None and text in body:
            return body
        time.sleep(0.3)
    raise AssertionError(f"{url} did not show {text!r} within {seconds} s")


def test_serve_rebuilds_when_a_rule_changes(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    rule = rules / "seed.toml"
    rule.write_bytes(SEED.read_bytes())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "rule_kit", "docs", "serve", "rules", "-a", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = f"http://127.0.0.1:{port}/rules/seed/"
        _wait_for(page, "First Time Python Spawned a Shell on Host", 60)
        rule.write_text(SEED.read_text(encoding="utf-8").replace("First Time Python", "Renamed Python"), "utf-8")
        _wait_for(page, "Renamed Python Spawned a Shell on Host", 60)
    finally:
        server.terminate()
        try:
            server.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def test_a_rule_file_name_with_spaces_parentheses_and_a_bar_is_linked(tmp_path: Path) -> None:
    rules = tmp_path / "rules" / "odd folder"
    rules.mkdir(parents=True)
    (rules / "First (draft)|rule.toml").write_bytes(SEED.read_bytes())
    result = build(tmp_path, "rules", "--strict", "-d", "out")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out/rules/odd folder/First (draft)|rule/index.html").is_file()
    for page in ("rules/index.html", "rules/by-tactic/index.html", "rules/coverage/index.html"):
        body = (tmp_path / "out" / page).read_text(encoding="utf-8")
        assert re.search(r'href="(\.\./)?odd%20folder/First%20%28draft%29%7Crule/"', body), page
