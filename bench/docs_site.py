"""Benchmark: `rule-kit docs build` on generated rule sets of growing size; the time must grow linearly.

Usage: python bench/docs_site.py [--sizes 200,1000,2000] [--cases 5]

The corpus: bench/test_corpus.py's variations of the seed new_terms rule, each with a fixture file of `--cases`
cases (run as test evidence during the build), spread over three platform folders and over the sub-techniques of
T1059 so the coverage has more than one cell. For each size it times, in a fresh process, the whole command
(`rule-kit docs build DIR --strict -d OUT`: interpreter start, reading the rules, running the cases, rendering,
mkdocs and mkdocs-material writing every page and the search index), and, in this process, the plugin's own share
(reading the rules, running the cases, writing the pages' Markdown). Prints a table with seconds per rule and the
ratio to the smallest size, and writes bench/out/docs_site.json. Above the plugin's `nav_rules_limit` (200) rule
pages leave the nav, so every page's size stays constant and the build stays linear.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from test_corpus import generate  # noqa: E402

from rule_kit.attack import load_attack  # noqa: E402
from rule_kit.docs.pages import Pages  # noqa: E402
from rule_kit.docs.site import collect  # noqa: E402

FOLDERS = ("macos", "linux", "windows")


def make_corpus(folder: Path, rules: int, cases: int) -> None:
    """Rule files with fixture files in three platform folders, mapped to different sub-techniques of T1059."""
    flat = folder / "_flat"
    flat.mkdir()
    generate(flat, rules, cases)
    subs = sorted(t.id for t in load_attack().subtechniques("T1059") if t.live)
    rng = random.Random(3)
    for number, rule in enumerate(sorted(flat.glob("generated_rule_*[0-9].toml"))):
        target = folder / FOLDERS[number % len(FOLDERS)]
        target.mkdir(exist_ok=True)
        text = rule.read_text(encoding="utf-8").replace('id = "T1059.006"', f'id = "{rng.choice(subs)}"')
        (target / rule.name).write_text(text, encoding="utf-8")
        fixtures = rule.with_name(rule.stem + ".fixtures.toml")
        shutil.copy(fixtures, target / fixtures.name)
    shutil.rmtree(flat)


def time_build(folder: Path, out: Path) -> float:
    command = [str(Path(sys.executable).with_name("rule-kit")), "docs", "build", str(folder), "--strict"]
    command += ["-d", str(out)]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"docs build failed:\n{result.stderr[-3000:]}")
    return elapsed


def time_plugin(folder: Path) -> float:
    """The plugin's share: read every rule, run its cases, write every page's Markdown."""
    start = time.perf_counter()
    site = collect([folder])
    pages = Pages(site, load_attack())
    for doc in site.rules:
        pages.rule_page(doc)
    pages.all_rules(), pages.by_tactic(), pages.by_platform(), pages.by_severity()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,1000,2000")
    parser.add_argument("--cases", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="rule-kit-docs-bench-") as temp:
        for size in sizes:
            corpus = Path(temp) / f"rules-{size}"
            corpus.mkdir()
            make_corpus(corpus, size, args.cases)
            build = time_build(corpus, Path(temp) / f"site-{size}")
            plugin = time_plugin(corpus)
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
            pages = sum(1 for _ in (Path(temp) / f"site-{size}").rglob("index.html"))
            rows.append({"rules": size, "build_s": build, "plugin_s": plugin, "html_pages": pages, "peak_mib": peak})
            print(f"{size} rules: build {build:.1f} s, plugin share {plugin:.1f} s, {pages} pages", flush=True)
    base = rows[0]
    print(f"\n{'rules':>6} {'build s':>8} {'ms/rule':>8} {'x time':>7} {'x rules':>8} {'plugin s':>9} {'peak MiB':>9}")
    for row in rows:
        print(
            f"{row['rules']:>6} {row['build_s']:>8.1f} {1000 * row['build_s'] / row['rules']:>8.1f} "
            f"{row['build_s'] / base['build_s']:>7.2f} {row['rules'] / base['rules']:>8.1f} "
            f"{row['plugin_s']:>9.1f} {row['peak_mib']:>9}"
        )
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "docs_site.json").write_text(json.dumps({"cases": args.cases, "rows": rows}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
