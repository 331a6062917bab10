"""`rule-kit list`: one line per rule (type, severity, tactics, platform, its fixture evidence) and the counts of
the whole set (types, tactics, platforms, cases), as text or JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from rule_kit.attack import AttackIndex
from rule_kit.docs.site import RuleDoc


def _row(doc: RuleDoc, attack: AttackIndex) -> dict[str, Any]:
    tactics = [(attack.tactic(t).name if attack.tactic(t) else t) for t in doc.tactic_ids]
    alerting = sum(1 for r in doc.evidence if r.expectation != "no alert")
    row: dict[str, Any] = {
        "path": str(doc.rule.path),
        "name": doc.name,
        "type": doc.type,
        "severity": doc.severity,
        "risk_score": doc.risk_score,
        "tactics": tactics,
        "techniques": sorted({sub or tech for _, tech, sub in doc.threats if tech}),
        "platforms": doc.platforms,
        "cases": len(doc.evidence),
        "alerting_cases": alerting,
        "quiet_cases": len(doc.evidence) - alerting,
        "failing_cases": sum(1 for r in doc.evidence if r.error is None and r.problems),
        "properties": len(doc.fixtures.properties) if doc.fixtures else 0,
    }
    if doc.type == "new_terms":
        row["new_terms_fields"] = doc.new_terms[0]
    if doc.type == "threshold" and doc.threshold is not None:
        row["threshold_cardinality"] = doc.threshold.cardinality is not None
    return row


def _ranked(counter: Counter[str]) -> dict[str, int]:
    """Most frequent first, then by name, so the output does not depend on file order."""
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The counts of a rule set: by type, tactic, platform and severity, and the fixture evidence in all."""
    return {
        "rules": len(rows),
        "types": _ranked(Counter(r["type"] or "unknown" for r in rows)),
        "tactics": _ranked(Counter(t for r in rows for t in r["tactics"])),
        "platforms": _ranked(Counter(p for r in rows for p in r["platforms"])),
        "severities": _ranked(Counter(r["severity"] or "unknown" for r in rows)),
        "new_terms_with_several_fields": sum(1 for r in rows if len(r.get("new_terms_fields", [])) > 1),
        "threshold_with_cardinality": sum(1 for r in rows if r.get("threshold_cardinality")),
        "cases": sum(r["cases"] for r in rows),
        "alerting_cases": sum(r["alerting_cases"] for r in rows),
        "quiet_cases": sum(r["quiet_cases"] for r in rows),
        "failing_cases": sum(r["failing_cases"] for r in rows),
        "properties": sum(r["properties"] for r in rows),
        "rules_without_fixtures": sum(1 for r in rows if r["cases"] == 0),
    }


def render_listing(docs: Sequence[RuleDoc], attack: AttackIndex, fmt: str = "text") -> str:
    rows = [_row(doc, attack) for doc in docs]
    totals = summary(rows)
    if fmt == "json":
        return json.dumps({"rules": rows, "summary": totals}, indent=2, ensure_ascii=False) + "\n"
    width = max((len(r["path"]) for r in rows), default=4)
    lines = [f"{'PATH':<{width}}  {'TYPE':<9}  {'SEVERITY':<8}  {'CASES':>9}  TACTICS"]
    for r in rows:
        cases = f"{r['alerting_cases']}+{r['quiet_cases']}" + ("!" if r["failing_cases"] else "")
        lines.append(
            f"{r['path']:<{width}}  {r['type'] or '?':<9}  {r['severity'] or '?':<8}  {cases:>9}  "
            + ", ".join(r["tactics"])
        )

    def counts(mapping: dict[str, int]) -> str:
        return ", ".join(f"{key} {value}" for key, value in mapping.items()) or "none"

    lines += [
        "",
        f"{totals['rules']} rules; types: {counts(totals['types'])} "
        f"({totals['new_terms_with_several_fields']} new_terms with 2-3 fields, "
        f"{totals['threshold_with_cardinality']} threshold with cardinality)",
        f"{len(totals['tactics'])} tactics: {counts(totals['tactics'])}",
        f"platforms: {counts(totals['platforms'])}; severities: {counts(totals['severities'])}",
        f"fixture cases: {totals['cases']} ({totals['alerting_cases']} alerting, {totals['quiet_cases']} quiet, "
        f"{totals['failing_cases']} failing), properties: {totals['properties']}, "
        f"rules without fixtures: {totals['rules_without_fixtures']}",
        "(CASES: alerting+quiet, ! when one fails)",
    ]
    return "\n".join(lines) + "\n"
