"""Finding rule files: every `*.toml` under the given paths, except fixture files and hidden folders."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

FIXTURE_SUFFIX = ".fixtures.toml"


class PathNotFoundError(FileNotFoundError):
    """A path named by the user does not exist (a usage error, not a finding about a rule)."""


def is_rule_file(name: str) -> bool:
    return name.endswith(".toml") and not name.endswith(FIXTURE_SUFFIX)


def iter_rule_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Yield rule files in a stable order; a file named explicitly is yielded even if its name is unusual."""
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = _walk(path)
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
