"""Benchmark: parsing real-size KQL queries with rule-kit's parser against `luqum.parser.parser.parse`.

Usage: python bench/kql_parse.py [--queries 2000] [--repeat 3]

The corpus is variations of the seed rule's query (300-500 characters): other shells, hosts, exclusions and
values. luqum parses Lucene, not KQL, and misreads some of these (that is why rule-kit has its own parser); it is
timed on the same strings only as the baseline the issue names. Writes bench/out/kql_parse.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from luqum.parser import parser as luqum_parser  # noqa: E402

from rule_kit.kql import parse  # noqa: E402

SHELLS = ["bash", "dash", "sh", "tcsh", "csh", "zsh", "ksh", "fish", "pwsh", "busybox"]
TOOLS = ["pip", "conda", "brew", "jupyter", "poetry", "pipx", "npm", "cargo", "make"]
OSES = ["macos", "linux", "windows"]


def corpus(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    queries = []
    while len(queries) < count:
        shells = " or ".join(rng.sample(SHELLS, rng.randint(3, len(SHELLS))))
        tools = " or ".join(f"*{t}*" for t in rng.sample(TOOLS, rng.randint(2, 6)))
        query = (
            f"event.category:process and host.os.type:{rng.choice(OSES)} and event.type:start and "
            f"event.action:exec and\nprocess.parent.name:{rng.choice(['python*', 'node*', 'ruby*'])} and\n"
            f'process.name:({shells}) and process.args:"-{rng.choice("cie")}" and\n'
            f"not process.command_line:({tools})"
        )
        if 300 <= len(query) <= 500:
            queries.append(query)
    return queries


def best_of(repeat: int, parse_one: Callable[[str], object], queries: list[str]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for query in queries:
            parse_one(query)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    queries = corpus(args.queries)
    rule_kit_seconds = best_of(args.repeat, parse, queries)
    luqum_seconds = best_of(args.repeat, luqum_parser.parse, queries)
    result = {
        "queries": len(queries),
        "mean_length": round(sum(map(len, queries)) / len(queries)),
        "rule_kit_ms_per_query": round(rule_kit_seconds / len(queries) * 1000, 4),
        "luqum_ms_per_query": round(luqum_seconds / len(queries) * 1000, 4),
        "ratio_rule_kit_to_luqum": round(rule_kit_seconds / luqum_seconds, 2),
    }
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "kql_parse.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
