"""Shared fixtures: the seed rule (a byte-identical copy lives in tests/data/seed.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SEED = DATA / "seed.toml"


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def write_rule(tmp_path: Path):
    """Write rule text to a file under tmp_path and return its path."""

    def write(text: str | bytes, name: str = "rule.toml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write
