"""Configuration: `[tool.rule-kit]` in pyproject.toml, or a `rule-kit.toml`, found from the working directory up.

The same keys in both places (in rule-kit.toml at the top level or under `[tool.rule-kit]`):
`paths`, `select`, `ignore`, `fail-level`, `per-rule-ignores`, `max-file-size`, `field-catalogs`,
`unknown-fields`, `require-fixtures`, `test-profile`, `auto-properties`, `docs-url`.
"""

from __future__ import annotations

import difflib
import fnmatch
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import Any

from rule_kit.diagnostics import Diagnostic, Severity
from rule_kit.rules.source import DEFAULT_MAX_FILE_SIZE

CONFIG_FILE = "rule-kit.toml"
_KEYS = (
    "paths",
    "select",
    "ignore",
    "fail-level",
    "per-rule-ignores",
    "max-file-size",
    "field-catalogs",
    "unknown-fields",
    "require-fixtures",
    "test-profile",
    "auto-properties",
    "docs-url",
)


class ConfigError(ValueError):
    """The configuration cannot be used; the CLI exits with status 3."""


@dataclass(frozen=True)
class Config:
    paths: tuple[str, ...] = ("rules",)
    select: tuple[str, ...] = ("RK",)
    ignore: tuple[str, ...] = ()
    fail_level: Severity = Severity.ERROR
    per_rule_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    field_catalogs: tuple[str, ...] = ("ecs",)
    unknown_fields: Severity = Severity.WARNING
    require_fixtures: bool = False
    test_profile: str | None = None
    auto_properties: bool = True
    docs_url: str | None = None
    source: Path | None = None

    def with_overrides(
        self,
        *,
        select: Iterable[str] | None = None,
        ignore: Iterable[str] | None = None,
        fail_level: str | None = None,
    ) -> Config:
        """Command-line options: `--select` replaces the configured list, `--ignore` adds to it."""
        changed = self
        if select:
            changed = replace(changed, select=_codes(select, "--select"))
        if ignore:
            changed = replace(changed, ignore=changed.ignore + _codes(ignore, "--ignore"))
        if fail_level:
            changed = replace(changed, fail_level=_severity(fail_level, "--fail-level"))
        return changed

    def is_selected(self, code: str) -> bool:
        """The most specific matching prefix wins (`select = ["RK1"]`, `ignore = ["RK105"]` keeps RK101)."""
        chosen = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        dropped = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return chosen > dropped

    def keeps(self, diagnostic: Diagnostic) -> bool:
        """Whether a finding survives selection and the per-rule ignores."""
        if not self.is_selected(diagnostic.code):
            return False
        if not self.per_rule_ignores:
            return True
        path = PurePath(diagnostic.path).as_posix()
        for pattern, codes in self.per_rule_ignores.items():
            names_this_rule = (
                pattern == diagnostic.rule_id
                or fnmatch.fnmatchcase(path, pattern)
                or fnmatch.fnmatchcase(path, "*/" + pattern)  # a glob relative to the repository root
            )
            if names_this_rule and any(diagnostic.code.startswith(c) for c in codes):
                return False
        return True


def load_config(explicit: Path | None = None, start: Path | None = None) -> Config:
    """The configuration from `explicit`, or the nearest rule-kit.toml / pyproject.toml with [tool.rule-kit]."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"configuration file not found: {explicit}")
        table = _read_table(explicit, require=True)
        return _build(table or {}, explicit)
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        for name in (CONFIG_FILE, "pyproject.toml"):
            path = candidate / name
            if path.is_file():
                table = _read_table(path, require=name == CONFIG_FILE)
                if table is not None:
                    return _build(table, path)
    return Config()


def _read_table(path: Path, *, require: bool) -> dict[str, Any] | None:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read configuration: {error}") from None
    tool = document.get("tool", {})
    if isinstance(tool, dict) and "rule-kit" in tool:
        table = tool["rule-kit"]
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.rule-kit] must be a table")
        return table
    if require:
        return {k: v for k, v in document.items() if k != "tool"}
    return None


def _build(table: Mapping[str, Any], source: Path) -> Config:
    for key in table:
        if key not in _KEYS:
            hint = difflib.get_close_matches(key, _KEYS, n=1)
            suffix = f"; did you mean {hint[0]!r}?" if hint else f" (known keys: {', '.join(_KEYS)})"
            raise ConfigError(f"{source}: unknown configuration key {key!r}{suffix}")
    config = Config(source=source)
    base = source.parent
    if "paths" in table:
        paths = _strings(table["paths"], "paths", source)
        config = replace(config, paths=tuple(_relative(base, p) for p in paths))
    if "select" in table:
        config = replace(config, select=_codes(_strings(table["select"], "select", source), f"{source}: select"))
    if "ignore" in table:
        config = replace(config, ignore=_codes(_strings(table["ignore"], "ignore", source), f"{source}: ignore"))
    if "fail-level" in table:
        config = replace(config, fail_level=_severity(table["fail-level"], f"{source}: fail-level"))
    if "max-file-size" in table:
        size = table["max-file-size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ConfigError(f"{source}: max-file-size must be a positive number of bytes")
        config = replace(config, max_file_size=size)
    if "field-catalogs" in table:
        catalogs = _strings(table["field-catalogs"], "field-catalogs", source)
        config = replace(config, field_catalogs=tuple(c if c == "ecs" else _relative(base, c) for c in catalogs))
    if "unknown-fields" in table:
        config = replace(config, unknown_fields=_severity(table["unknown-fields"], f"{source}: unknown-fields"))
    if "require-fixtures" in table:
        required = table["require-fixtures"]
        if not isinstance(required, bool):
            raise ConfigError(f"{source}: require-fixtures must be true or false")
        config = replace(config, require_fixtures=required)
    if "test-profile" in table:
        profile = table["test-profile"]
        if profile not in ("ci", "dev", "thorough"):
            raise ConfigError(f"{source}: test-profile must be one of ci, dev, thorough, not {profile!r}")
        config = replace(config, test_profile=profile)
    if "auto-properties" in table:
        if not isinstance(table["auto-properties"], bool):
            raise ConfigError(f"{source}: auto-properties must be true or false")
        config = replace(config, auto_properties=table["auto-properties"])
    if "docs-url" in table:
        url = table["docs-url"]
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ConfigError(f"{source}: docs-url must be the http(s) address of the published rules site")
        config = replace(config, docs_url=url.rstrip("/") + "/")
    if "per-rule-ignores" in table:
        ignores = table["per-rule-ignores"]
        if not isinstance(ignores, dict):
            raise ConfigError(f"{source}: per-rule-ignores must be a table of rule_id or path glob -> codes")
        config = replace(
            config,
            per_rule_ignores={
                key: _codes(_strings(value, f"per-rule-ignores.{key}", source), f"{source}: per-rule-ignores")
                for key, value in ignores.items()
            },
        )
    return config


def _relative(base: Path, path: str) -> str:
    candidate = Path(path)
    if candidate.is_absolute():
        return path
    try:
        return str((base / candidate).relative_to(Path.cwd()))
    except ValueError:
        return str(base / candidate)


def _strings(value: Any, key: str, source: Path) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: {key} must be a list of strings")
    return value


def _codes(values: Iterable[str], where: str) -> tuple[str, ...]:
    codes = []
    for raw in values:
        for part in raw.split(","):
            code = part.strip().upper()
            if not code:
                continue
            if not code.startswith("RK") or (not code[2:].isdigit() and code != "RK"):
                raise ConfigError(f"{where}: {part.strip()!r} is not a check code or prefix (such as RK1 or RK101)")
            codes.append(code)
    return tuple(codes)


def _severity(value: Any, where: str) -> Severity:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: must be one of error, warning, info")
    try:
        return Severity.parse(value)
    except ValueError as error:
        raise ConfigError(f"{where}: {error}") from None
