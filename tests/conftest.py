"""Shared fixtures: the seed rule (a byte-identical copy lives in tests/data/seed.toml)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests: `ci` is reproducible (derandomized, no example database, no deadline on shared machines);
# `dev` explores new examples on every run. CI sets CI=true; HYPOTHESIS_PROFILE overrides.
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

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
