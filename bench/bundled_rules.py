"""Benchmark: the main job on the bundled rules/, command by command, as `make run` runs it.

Usage: python bench/bundled_rules.py [--repeat 2]

Times, in fresh processes, `rule-kit check rules/`, `rule-kit test rules/` (cases, properties and the automatic
properties, `--profile ci`), `rule-kit test rules/ --rule-kit-no-auto` (the curated cases and declared properties
alone) and `rule-kit docs build --strict` (the project's whole site), best of `--repeat`; prints the counts from
`rule-kit list --format json` beside them. Writes bench/out/bundled_rules.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULE_KIT = str(Path(sys.executable).with_name("rule-kit"))


def timed(args: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run([RULE_KIT, *args], cwd=ROOT, capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"rule-kit {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    listing = subprocess.run([RULE_KIT, "list", "--format", "json"], cwd=ROOT, capture_output=True, text=True)
    counts = json.loads(listing.stdout)["summary"]
    with tempfile.TemporaryDirectory() as site:
        commands = {
            "check": ["check", "rules/"],
            "test": ["test", "rules/", "-q", "-p", "no:cacheprovider", "--profile", "ci"],
            "test (no auto)": ["test", "rules/", "-q", "-p", "no:cacheprovider", "--rule-kit-no-auto"],
            "docs build": ["docs", "build", "--strict", "-d", site],
        }
        times = {name: timed(command, args.repeat) for name, command in commands.items()}
    print(f"{counts['rules']} rules, {counts['cases']} cases, {counts['properties']} properties")
    for name, seconds in times.items():
        print(f"  {name:<15} {seconds:6.1f} s")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bundled_rules.json").write_text(json.dumps({"counts": counts, "seconds": times}, indent=2), "utf-8")


if __name__ == "__main__":
    main()
