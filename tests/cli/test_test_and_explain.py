"""`rule-kit test` (pytest with the plugin, in a real process) and `rule-kit explain` running a rule over events."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from rule_kit.cli import cli
from tests.conftest import SEED
from tests.testing.test_plugin import SMALL_FIXTURES as FIXTURES

ROOT = Path(__file__).resolve().parents[2]
RULE_KIT = str(Path(sys.executable).with_name("rule-kit"))
EVENT = {
    "@timestamp": "2026-03-24T11:58:00Z",
    "event": {"category": "process", "type": "start", "action": "exec"},
    "host": {"os": {"type": "macos"}, "id": "host-1"},
    "process": {
        "name": "bash",
        "args": ["bash", "-c", "id"],
        "command_line": "bash -c id",
        "parent": {"name": "python3.12", "executable": "/usr/bin/python3.12"},
    },
}


def _rules(tmp_path: Path, fixtures: str) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(parents=True)
    shutil.copy(SEED, folder / "seed.toml")
    (folder / "seed.fixtures.toml").write_text(fixtures, encoding="utf-8")
    return folder


def _rule_kit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RULE_KIT, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_rule_kit_test_passes_and_its_exit_status_is_pytests(tmp_path: Path) -> None:
    _rules(tmp_path, FIXTURES)
    result = _rule_kit("test", "rules", "-q", "-p", "no:cacheprovider", "--rule-kit-no-auto", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    _rules(tmp_path / "failing", FIXTURES.replace('expect = "alert"', 'expect = "no_alert"'))
    result = _rule_kit("test", "rules", "-q", "-p", "no:cacheprovider", "--rule-kit-no-auto", cwd=tmp_path / "failing")
    assert result.returncode == 1
    assert "expected no alert, got 1" in result.stdout


def test_rule_kit_test_without_paths_uses_the_configured_ones(tmp_path: Path) -> None:
    _rules(tmp_path, FIXTURES)
    (tmp_path / "rule-kit.toml").write_text('paths = ["rules"]\n', encoding="utf-8")
    result = _rule_kit("test", "-q", "-p", "no:cacheprovider", "--rule-kit-no-auto", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_the_bundled_rules_pass(tmp_path: Path) -> None:
    result = _rule_kit("test", str(ROOT / "rules"), "-q", "-p", "no:cacheprovider", "--profile", "ci", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_explain_runs_the_rule_and_shows_alerts_windows_and_clauses(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    history = {**EVENT, "@timestamp": "2026-03-21T12:00:00Z"}
    other = {**EVENT, "host": {"os": {"type": "macos"}, "id": "host-2"}}
    events.write_text("\n".join(json.dumps(e) for e in (history, EVENT, other)) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", str(SEED), str(events), "--now", "2026-03-24T12:00:00Z"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == (
        "run 1 at 2026-03-24T12:00:00.000Z: window [2026-03-24T11:51:00.000Z, 2026-03-24T12:00:00.000Z], "
        "history from 2026-03-17T12:00:00.000Z"
    )
    assert "alerts (1):" in lines
    assert '  event 3 at 2026-03-24T11:58:00.000Z, new terms ["host-2", "/usr/bin/python3.12"] (run 1)' in lines
    assert "event 1 @ 2026-03-21T12:00:00.000Z (in the history)" in lines
    assert "event 2 @ 2026-03-24T11:58:00.000Z (in the window)" in lines
    assert result.output.count("query matches:") == 3


def test_explain_defaults_now_to_the_latest_event(tmp_path: Path) -> None:
    events = tmp_path / "event.json"
    events.write_text(json.dumps(EVENT), encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", str(SEED), str(events)])
    assert result.exit_code == 0, result.output
    assert "run 1 at 2026-03-24T11:58:00.000Z" in result.output
    assert "alerts (1):" in result.output


def test_explain_rejects_a_bad_now(tmp_path: Path) -> None:
    events = tmp_path / "event.json"
    events.write_text(json.dumps(EVENT), encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", str(SEED), str(events), "--now", "yesterday"])
    assert result.exit_code != 0
    assert "--now" in result.output
