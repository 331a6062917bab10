"""Benchmark: `rule-kit test` on a generated corpus of rules, each with a fixture file of several cases.

Usage: python bench/test_corpus.py [--rules 100] [--cases 10] [--workers 0,2]

The corpus: variations of the seed new_terms rule (different shells, hosts, history windows), each with a fixture
file whose cases alternate alert / no alert (history on the same host, excluded package managers, other hosts,
3 consecutive runs). Times the whole command (`rule-kit test DIR -q`, interpreter start and collection included)
in a fresh process, once per worker setting (0: in one process; 2: `-n 2`, pytest-xdist). Prints a table and
writes bench/out/test_corpus.json. The cases alone by default (`--rule-kit-no-auto`); `--auto` adds the four
automatic properties per rule under the `ci` profile. Target: 100 rules x 10 cases under 30 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "rules" / "macos" / "execution_first_time_python_spawned_a_shell_on_host.toml"
SHELLS = ["bash", "dash", "sh", "zsh", "ksh", "fish", "tcsh", "csh"]
MANAGERS = ["pip", "conda", "brew", "jupyter"]

TEMPLATE = """\
now = "2026-03-24T12:00:00Z"

[template.shell]
"event.category" = "process"
"event.type" = "start"
"event.action" = "exec"
"host.os.type" = "macos"
"host.id" = "host-1"
"process.name" = "{shell}"
"process.args" = ["{shell}", "-c", "id"]
"process.command_line" = "{shell} -c id"
"process.parent.name" = "python3.12"
"process.parent.executable" = "/usr/local/bin/python3.12"
"""

CASES = [
    ("first occurrence {n}", 'expect = "alert"', '[{ template = "shell", "@timestamp" = "now-2m" }]'),
    (
        "seen {d} days ago {n}",
        'expect = "no_alert"',
        '[{ template = "shell", "@timestamp" = "now-1d" }, { template = "shell", "@timestamp" = "now-2m" }]',
    ),
    (
        "another host {n}",
        "alerts = 1",
        '[{ template = "shell", "@timestamp" = "now-1d" }, '
        '{ template = "shell", "@timestamp" = "now-2m", "host.id" = "host-{n}" }]',
    ),
    (
        "{manager} excluded {n}",
        'expect = "no_alert"',
        '[{ template = "shell", "@timestamp" = "now-2m", "process.command_line" = "sh -c {manager} install x" }]',
    ),
    ("three runs {n}", "alerts = 1\nruns = 3", '[{ template = "shell", "@timestamp" = "now-6m" }]'),
]


def generate(folder: Path, rules: int, cases: int, seed: int = 11) -> int:
    """Write `rules` rule files and their fixture files; returns the number of cases written."""
    rng = random.Random(seed)
    base = SEED.read_text(encoding="utf-8")
    written = 0
    for number in range(rules):
        shell = rng.choice(SHELLS)
        text = (
            base.replace("92a36c98-b24a-4bf7-aac7-1eac71fa39cf", str(uuid.UUID(int=rng.getrandbits(128))))
            .replace("First Time Python Spawned a Shell on Host", f"Generated Rule {number} Spawned a Shell")
            .replace('value = "now-7d"', f'value = "now-{rng.randint(3, 14)}d"')
        )
        name = f"generated_rule_{number:04d}"
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
        parts = [TEMPLATE.format(shell=shell)]
        for index in range(cases):
            title, expect, events = CASES[index % len(CASES)]
            values = {"n": str(index), "d": "1", "manager": MANAGERS[index % len(MANAGERS)]}
            parts.append(f'[[case]]\nname = "{_fill(title, values)}"\n{expect}\nevents = {_fill(events, values)}\n')
            written += 1
        (folder / f"{name}.fixtures.toml").write_text("\n".join(parts), encoding="utf-8")
    return written


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def time_command(folder: Path, workers: int, auto: bool) -> tuple[float, str]:
    command = [str(Path(sys.executable).with_name("rule-kit")), "test", str(folder), "-q", "-p", "no:cacheprovider"]
    command += ["--profile", "ci"] if auto else ["--rule-kit-no-auto"]
    if workers:
        command += ["-n", str(workers)]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=folder)
    elapsed = time.perf_counter() - start
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-300:]
    if result.returncode != 0:
        raise SystemExit(f"rule-kit test failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr}")
    return elapsed, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--workers", default="0,2", help="comma-separated: 0 = one process, N = -n N")
    parser.add_argument("--auto", action="store_true", help="also the 4 automatic properties per rule (ci profile)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        count = generate(folder, args.rules, args.cases)
        print(f"rule-kit test: {args.rules} rules, {count} cases")
        print(f"{'workers':>8} {'seconds':>8} {'ms/case':>8}  pytest summary")
        for workers in (int(w) for w in args.workers.split(",")):
            elapsed, summary = time_command(folder, workers, args.auto)
            passed = re.search(r"(\d+) passed", summary)
            results.append({"workers": workers, "seconds": round(elapsed, 2), "summary": summary})
            print(f"{workers:>8} {elapsed:>8.2f} {1000 * elapsed / count:>8.1f}  {summary}")
            expected = count + (4 * args.rules if args.auto else 0)
            if passed is None or int(passed.group(1)) != expected:
                raise SystemExit(f"expected {expected} passed items, got: {summary}")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "test_corpus.json").write_text(
        json.dumps({"rules": args.rules, "cases": count, "runs": results}, indent=2), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
