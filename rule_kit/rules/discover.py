"""Finding rule files: every `*.toml` under the given paths, except fixture files and hidden folders."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

FIXTURE_SUFFIX = ".fixtures.toml"


class PathNotFoundError(FileNotFoundError):
    """A path named by the user does not exist (a usage error, not a finding about a rule)."""


def fixtures_path(rule_path: Path) -> Path:
    """The fixture file of a rule: `rules/x/foo.toml` -> `rules/x/foo.fixtures.toml`."""
    name = rule_path.name
    stem = name[: -len(".toml")] if name.endswith(".toml") else name
    return rule_path.with_name(stem + FIXTURE_SUFFIX)


def rule_path_for(fixtures_path: Path) -> Path:
    """The rule of a fixture file: `rules/x/foo.fixtures.toml` -> `rules/x/foo.toml`."""
    name = fixtures_path.name
    if not name.endswith(FIXTURE_SUFFIX):
        raise ValueError(f"{fixtures_path} is not a fixture file: its name must end with {FIXTURE_SUFFIX}")
    return fixtures_path.with_name(name[: -len(FIXTURE_SUFFIX)] + ".toml")


def is_rule_file(name: str) -> bool:
    return name.endswith(".toml") and not name.endswith(FIXTURE_SUFFIX)


def iter_rule_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Yield rule files in a stable order; a file named explicitly is yielded even if its name is unusual, and a
    fixture file named explicitly stands for its rule file (whose check reports the fixture file too)."""
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = _walk(path)
        elif path.name.endswith(FIXTURE_SUFFIX):  # a fixture file named: check its rule (and so the fixtures)
            found = iter([rule_path_for(path)])
        elif path.exists() or path.is_symlink():  # a broken link is reported as unreadable
            found = iter([path])
        else:
            raise PathNotFoundError(f"no such file or directory: {path}")
        for item in found:
            key = item.resolve()
            if key not in seen:
                seen.add(key)
                yield item


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for name in sorted(files):
            if is_rule_file(name):
                yield Path(folder, name)
