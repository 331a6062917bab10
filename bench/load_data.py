"""Benchmark: loading the packaged ATT&CK index and ECS field catalog (each must stay under 50 ms).

Usage: python bench/load_data.py [--repeat 20]

Each load is fresh (caches cleared); the median and the worst of `--repeat` loads are written to
bench/out/load_data.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rule_kit.attack import index as attack_index  # noqa: E402
from rule_kit.fields import catalog as field_catalog  # noqa: E402


def timed(load: Callable[[], object], clear: Callable[[], None], repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        clear()
        start = time.perf_counter()
        load()
        samples.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(samples), 2), "max_ms": round(max(samples), 2)}


def _clear_ecs() -> None:
    field_catalog.load_ecs.cache_clear()
    if hasattr(field_catalog.read_packaged_ecs, "cache_clear"):
        field_catalog.read_packaged_ecs.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    result = {
        "attack_index": timed(attack_index.load_attack, attack_index.load_attack.cache_clear, args.repeat),
        "ecs_catalog": timed(field_catalog.load_ecs, _clear_ecs, args.repeat),
    }
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "load_data.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
