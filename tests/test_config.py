"""Configuration: discovery, every key, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from rule_kit.config import Config, ConfigError, load_config
from rule_kit.diagnostics import Severity


def test_defaults_when_nothing_is_configured(tmp_path: Path) -> None:
    assert load_config(start=tmp_path) == Config()


def test_pyproject_table_is_found_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        """
[tool.rule-kit]
paths = ["detections"]
select = ["RK1", "RK0"]
ignore = ["rk105"]
fail-level = "warning"
max-file-size = 2048

[tool.rule-kit.per-rule-ignores]
"92a36c98-b24a-4bf7-aac7-1eac71fa39cf" = ["RK604"]
"rules/windows/*.toml" = ["RK9"]
"""
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    config = load_config(start=sub)
    assert config.paths == ("detections",)
    assert config.select == ("RK1", "RK0")
    assert config.ignore == ("RK105",)
    assert config.fail_level is Severity.WARNING
    assert config.max_file_size == 2048
    assert config.per_rule_ignores["rules/windows/*.toml"] == ("RK9",)
    assert config.source == tmp_path / "pyproject.toml"


def test_pyproject_without_our_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert load_config(start=tmp_path) == Config()


def test_rule_kit_toml_top_level_keys(tmp_path: Path) -> None:
    (tmp_path / "rule-kit.toml").write_text('ignore = ["RK9"]\n')
    assert load_config(start=tmp_path).ignore == ("RK9",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('ignroe = ["RK9"]', "unknown configuration key 'ignroe'; did you mean 'ignore'?"),
        ('fail-level = "fatal"', "unknown severity 'fatal'"),
        ('select = ["E501"]', "'E501' is not a check code or prefix"),
        ("max-file-size = -1", "max-file-size must be a positive number of bytes"),
        ("paths = 3", "paths must be a list of strings"),
        ("paths = [", "cannot read configuration"),
        ('docs-url = "javascript:alert(1)"', "docs-url must be the http"),
    ],
)
def test_bad_configuration_is_explained(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "rule-kit.toml").write_text(text + "\n")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("?", r"\?")):
        load_config(start=tmp_path)


def test_command_line_overrides() -> None:
    config = Config(ignore=("RK9",)).with_overrides(select=["RK1,RK0"], ignore=["RK105"], fail_level="info")
    assert config.select == ("RK1", "RK0")
    assert config.ignore == ("RK9", "RK105")
    assert config.fail_level is Severity.INFO


def test_docs_url_is_kept_with_one_trailing_slash(tmp_path: Path) -> None:
    (tmp_path / "rule-kit.toml").write_text('docs-url = "https://detections.example.com/site"\n')
    assert load_config(start=tmp_path).docs_url == "https://detections.example.com/site/"
