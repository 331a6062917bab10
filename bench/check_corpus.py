"""Benchmark: `rule-kit check` over a generated corpus, against `tomllib` alone on the same files.

Usage: python bench/check_corpus.py [--files 2000] [--repeat 3]

Writes bench/out/check_corpus.json and prints a summary. The figure that matters is the ratio
check / tomllib, measured in one process on the same files; absolute times on a shared machine are noise.
Memory: peak traced allocation while checking N/8 and N/2 files. Documents are never held, so it is flat without
the cross-file duplicate checks; those keep each file's rule_id, name and path (reported per file).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tomllib
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rule_kit.api import iter_checked  # noqa: E402
from rule_kit.checks.run import CheckSession  # noqa: E402
from rule_kit.config import Config  # noqa: E402
from rule_kit.rules import iter_rule_files  # noqa: E402

SEED = ROOT / "rules" / "macos" / "execution_first_time_python_spawned_a_shell_on_host.toml"
SHELLS = ["bash", "dash", "sh", "zsh", "ksh", "fish", "tcsh", "csh"]
OSES = [("macos", "macOS"), ("linux", "Linux"), ("windows", "Windows")]


def generate(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """Variations of the seed: ids, names, scores, queries, tags, lengths of guide; about 2% carry a defect."""
    rng = random.Random(seed)
    base = SEED.read_text(encoding="utf-8")
    paths = []
    for number in range(count):
        os_dir, os_tag = rng.choice(OSES)
        shells = " or ".join(rng.sample(SHELLS, rng.randint(2, 8)))
        text = (
            base.replace("92a36c98-b24a-4bf7-aac7-1eac71fa39cf", str(uuid.UUID(int=rng.getrandbits(128))))
            .replace("First Time Python Spawned a Shell on Host", f"Generated Rule {number} Spawned a Shell")
            .replace("(bash or dash or sh or tcsh or csh or zsh or ksh or fish)", f"({shells})")
            .replace("host.os.type:macos", f"host.os.type:{os_dir}")
            .replace('"OS: macOS"', f'"OS: {os_tag}"')
            .replace("risk_score = 47", f"risk_score = {rng.randint(22, 47)}")
            .replace('value = "now-7d"', f'value = "now-{rng.randint(2, 30)}d"')
        )
        text = text.replace(
            "### False positive analysis",
            "### False positive analysis\n\n" + "- Note.\n" * rng.randint(0, 20),
        )
        if rng.random() < 0.02:
            text = text.replace('severity = "medium"', 'severity = "Medium"')
        path = folder / os_dir / f"execution_generated_rule_{number:05}.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def tomllib_only(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        total += len(tomllib.loads(path.read_bytes().decode("utf-8")))
    return total


def rule_kit_check(paths: list[Path], config: Config | None = None) -> int:
    session = CheckSession(config or Config())
    return sum(len(found) for _, found in iter_checked(paths, session)) + len(session.finish())


def best_of(repeat: int, function: Callable[[list[Path]], int], paths: list[Path]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(paths)
        times.append(time.perf_counter() - start)
    return min(times)


def peak_memory(paths: list[Path], config: Config | None = None) -> int:
    tracemalloc.start()
    rule_kit_check(paths, config)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _time_cli(folder: Path) -> float:
    """The whole command, as a user runs it (interpreter start, imports, discovery, rendering)."""
    command = [sys.executable, "-m", "rule_kit", "check", str(folder), "--format", "json", "-o", os.devnull]
    start = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, args.files)
        paths = list(iter_rule_files([folder]))
        rule_kit_check(paths[:50])  # warm caches (schema validators) as a real run's first files do
        findings = rule_kit_check(paths)
        parse_seconds = best_of(args.repeat, tomllib_only, paths)
        check_seconds = best_of(args.repeat, rule_kit_check, paths)
        cli_seconds = min(_time_cli(folder) for _ in range(args.repeat))
        quarter, half = paths[: max(1, len(paths) // 8)], paths[: max(2, len(paths) // 2)]  # tracemalloc is slow
        memory_small, memory_full = peak_memory(quarter), peak_memory(half)
        per_file_only = Config(ignore=("RK21",))  # without the cross-file duplicate checks
        flat_small, flat_full = peak_memory(quarter, per_file_only), peak_memory(half, per_file_only)

    result = {
        "files": len(paths),
        "findings": findings,
        "tomllib_seconds": round(parse_seconds, 4),
        "check_seconds": round(check_seconds, 4),
        "ratio_check_to_tomllib": round(check_seconds / parse_seconds, 2),
        "per_file_ms": round(check_seconds / len(paths) * 1000, 3),
        "cli_seconds": round(cli_seconds, 4),
        "ratio_cli_to_tomllib": round(cli_seconds / parse_seconds, 2),
        "peak_memory_bytes": {str(len(quarter)): memory_small, str(len(half)): memory_full},
        "memory_growth_4x_files": round(memory_full / memory_small, 2),
        "duplicate_checks_bytes_per_file": round((memory_full - memory_small) / (len(half) - len(quarter))),
        "peak_memory_without_cross_file_checks": {str(len(quarter)): flat_small, str(len(half)): flat_full},
        "memory_growth_4x_files_without_cross_file_checks": round(flat_full / flat_small, 2),
    }
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "check_corpus.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
