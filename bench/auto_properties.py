"""Benchmark: the automatic properties of the seed rule under a hypothesis profile, and the whole `rule-kit test`
on the bundled rules.

Usage: python bench/auto_properties.py [--profile ci] [--repeat 3]

Per property: the best of `--repeat` in-process runs (strategies built and hypothesis run each time; imports and
the rule's plan made once, before timing), and their sum: the issue's target is under 2 s for a seed-sized rule
under `ci`. Then `rule-kit test rules/ --profile ci` in a fresh process (interpreter start included): target under
60 s. Writes bench/out/auto_properties.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rule_kit import load_rules  # noqa: E402
from rule_kit.engine import plan_rule  # noqa: E402
from rule_kit.fixtures.strategies import matching_events, violating_events  # noqa: E402
from rule_kit.testing.auto import AUTO_PROPERTIES, PROFILES, check_auto_property  # noqa: E402

SEED = ROOT / "rules" / "macos" / "execution_first_time_python_spawned_a_shell_on_host.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="ci", choices=sorted(PROFILES))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    [rule] = load_rules(SEED)
    plan = plan_rule(rule)
    profile = PROFILES[args.profile]
    builds = []
    for _ in range(5):
        start = time.perf_counter()
        matching_events(plan.tree, plan.fields)
        violating_events(plan.tree, plan.fields)
        builds.append(time.perf_counter() - start)
    strategy = matching_events(plan.tree, plan.fields)
    start = time.perf_counter()
    for _ in range(200):
        strategy.example()
    draw = (time.perf_counter() - start) / 200
    built = 1000 * min(builds)
    print(f"strategies for the seed query: built in {built:.1f} ms (best of 5), {1000 * draw:.2f} ms a draw")
    times = {}
    for name in AUTO_PROPERTIES:
        best = float("inf")
        for attempt in range(args.repeat):
            start = time.perf_counter()
            check_auto_property(plan, name, profile, f"bench-{name}-{attempt}".encode())
            best = min(best, time.perf_counter() - start)
        times[name] = best
    print(f"automatic properties of {SEED.name} (profile {args.profile}, best of {args.repeat}):")
    for name, seconds in times.items():
        print(f"  {name:<12} {seconds:6.2f} s")
    print(f"  {'total':<12} {sum(times.values()):6.2f} s")
    command = [str(Path(sys.executable).with_name("rule-kit")), "test", str(ROOT / "rules"), "-q"]
    command += ["--profile", args.profile, "-p", "no:cacheprovider"]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    whole = time.perf_counter() - start
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-300:]
    print(f"rule-kit test rules/ --profile {args.profile}: {whole:.2f} s ({summary})")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    document = {
        "profile": args.profile,
        "strategy_build_ms": 1000 * min(builds),
        "draw_ms": 1000 * draw,
        "properties": times,
        "rule_kit_test_seconds": whole,
        "summary": summary,
    }
    (out / "auto_properties.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    if result.returncode != 0:
        raise SystemExit(f"rule-kit test failed:\n{result.stdout[-3000:]}")


if __name__ == "__main__":
    main()
