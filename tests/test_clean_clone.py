"""From a clean clone, the README's two Quickstart commands work (slow: run with `make test-slow`).

This is what CI and a new user do: clone, then `make run` and `make test`, with nothing installed beforehand but
Python and make. It clones the committed HEAD, so commit before running it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the Quickstart has a sh code block"
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2, f"the Quickstart has exactly two commands, not {commands}"
    return commands


def test_readme_commands_work_from_a_clean_clone(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    ci_script = (clone / ".ci" / "run").read_text(encoding="utf-8")
    main_job, test_command = _quickstart_commands()
    assert test_command in ci_script, ".ci/run runs the README's test command"
    for command in (main_job, test_command):
        result = subprocess.run(command, shell=True, cwd=clone, capture_output=True, text=True, timeout=1800)
        assert result.returncode == 0, f"{command} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    assert (clone / ".venv" / "bin" / "rule-kit").exists()
