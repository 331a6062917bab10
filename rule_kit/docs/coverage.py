"""ATT&CK coverage for the docs site: which rules map to which tactics, techniques and sub-techniques.

`build_coverage` counts the rules once (linear in rules + mappings; the ATT&CK side, technique lists per tactic,
once per call); `coverage_page` writes the coverage page (a heat-map matrix as a raw HTML block, a table of the
covered techniques with links to the rule pages, and the mappings the matrix cannot show); `navigator_layer` writes
the same counts as an ATT&CK Navigator layer (format 4.5) to open in MITRE's Navigator.

Rule names come from pull requests: they reach HTML only through `html.escape` and Markdown only through
`md_escape`, so a name can neither inject markup nor break the table it sits in.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from rule_kit.attack import AttackIndex, Tactic, Technique
from rule_kit.docs.safe import md_escape, page_link, plural

Threat = tuple[str, str | None, str | None]
Cell = tuple[str, str]  # (tactic id, technique or sub-technique id)

NAVIGATOR_URL = "https://mitre-attack.github.io/attack-navigator/"
LAYER_VERSION = "4.5"
NAVIGATOR_VERSION = "5.1.0"
# The Navigator's colours for scores 1..max (light to strong blue, like the page's shades).
GRADIENT = ("#dbeafe", "#60a5fa", "#1d4ed8")

# Heat buckets, the lowest count of each shade: class `rk-heat-N` for the last bucket N whose bound the count
# reaches: 0 rules -> rk-heat-0, 1 -> rk-heat-1, 2 -> rk-heat-2, 3-4 -> rk-heat-3, 5 or more -> rk-heat-4.
HEAT_BUCKETS: tuple[tuple[int, str], ...] = ((0, "none"), (1, "1"), (2, "2"), (3, "3-4"), (5, "5+"))

_CONTROL = {code: " " for code in (*range(0x20), 0x7F)}


def _html(text: str) -> str:
    """Untrusted text as HTML text or attribute value; control characters out, since Python-Markdown uses some as
    placeholder markers."""
    return html.escape(text.translate(_CONTROL), quote=True)


def heat(count: int) -> int:
    """The shade of a cell with `count` rules, 0 to 4 (see `HEAT_BUCKETS`)."""
    level = 0
    for index, (low, _label) in enumerate(HEAT_BUCKETS):
        if count >= low:
            level = index
    return level


def heat_class(count: int) -> str:
    """The CSS class for a cell with `count` rules: `rk-heat-0` .. `rk-heat-4`."""
    return f"rk-heat-{heat(count)}"


def anchor(attack_id: str) -> str:
    """The id of a technique's row in the covered-techniques table: `T1059.004` -> `t1059-004`."""
    return attack_id.lower().replace(".", "-")


@dataclass(frozen=True)
class RuleMapping:
    """One rule as the coverage sees it."""

    page: str  # the rule page's source path in the site, e.g. "rules/macos/foo.md"
    name: str  # the rule's name (untrusted text from a pull request!)
    threats: tuple[Threat, ...]  # (tactic_id, technique_id or None, subtechnique_id or None)


@dataclass(frozen=True)
class Column:
    """One tactic of the matrix: its live techniques sorted by name (as the Navigator shows them) and the rules
    with any mapping in it, tactic-only mappings included."""

    tactic: Tactic
    techniques: tuple[Technique, ...]
    rules: tuple[RuleMapping, ...]


@dataclass(frozen=True)
class Outside:
    """An id the matrix cannot show (unknown, revoked or deprecated), with the rules that use it, so a mapping is
    never dropped silently."""

    id: str
    reason: str
    rules: tuple[RuleMapping, ...]


@dataclass(frozen=True)
class Coverage:
    """Rules per matrix cell, built by `build_coverage`.

    `cells[(tactic, technique)]` are the rules mapping the technique or any of its sub-techniques under that tactic;
    `subtechniques[(tactic, sub-technique)]` the rules mapping the sub-technique. Each rule appears once per cell,
    cells sorted by rule name. `children` are the live sub-techniques of each technique, by name; `outside` the ids
    the matrix cannot show."""

    attack: AttackIndex
    rules: tuple[RuleMapping, ...]
    columns: tuple[Column, ...]
    cells: Mapping[Cell, tuple[RuleMapping, ...]]
    subtechniques: Mapping[Cell, tuple[RuleMapping, ...]]
    children: Mapping[str, tuple[Technique, ...]]
    outside: tuple[Outside, ...]
    live_techniques: int
    live_subtechniques: int

    def rules_for(self, tactic_id: str, attack_id: str) -> tuple[RuleMapping, ...]:
        """The rules of a technique's or sub-technique's cell under a tactic (empty when uncovered)."""
        cells = self.subtechniques if "." in attack_id else self.cells
        return cells.get((tactic_id, attack_id), ())

    def count(self, tactic_id: str, attack_id: str) -> int:
        return len(self.rules_for(tactic_id, attack_id))

    @property
    def covered_techniques(self) -> frozenset[str]:
        return frozenset(technique for _tactic, technique in self.cells)

    @property
    def covered_subtechniques(self) -> frozenset[str]:
        return frozenset(sub for _tactic, sub in self.subtechniques)

    @property
    def covered_tactics(self) -> tuple[Tactic, ...]:
        return tuple(column.tactic for column in self.columns if column.rules)

    @property
    def mapped_rules(self) -> int:
        """Rules with at least one mapping the matrix shows."""
        seen = {id(rule) for cell in self.cells.values() for rule in cell}
        seen.update(id(rule) for column in self.columns for rule in column.rules)
        return len(seen)


def _rule_key(rule: RuleMapping) -> tuple[str, str]:
    return (rule.name.casefold(), rule.page)


def _sorted(rules: Iterable[RuleMapping]) -> tuple[RuleMapping, ...]:
    return tuple(sorted(rules, key=_rule_key))


def _freeze(cells: dict[Any, list[RuleMapping]]) -> Mapping[Any, tuple[RuleMapping, ...]]:
    return MappingProxyType({key: tuple(members) for key, members in cells.items()})


def _reason(technique: Technique | None, attack: AttackIndex) -> str:
    if technique is None:
        return "unknown technique"
    if technique.revoked:
        replacement = attack.replacement(technique.id)
        return f"revoked, use {replacement.id} ({replacement.name})" if replacement else "revoked"
    if technique.deprecated:
        return "deprecated, use " + ", ".join(technique.suggested) if technique.suggested else "deprecated"
    return "not in the matrix"


def _technique_key(technique: Technique) -> tuple[str, str]:
    return (technique.name.casefold(), technique.id)


def build_coverage(rules: Sequence[RuleMapping], attack: AttackIndex) -> Coverage:
    """Count every rule's mappings into matrix cells.

    A mapping counts under the tactic it is written under when ATT&CK puts the technique there, else under every
    tactic ATT&CK gives the technique (a wrong tactic is the checks' business; the technique is still covered). A
    sub-technique also counts in its parent's cell. Unknown tactics and unknown, revoked or deprecated techniques go
    to `outside`. Rules are sorted by name once, so every cell is filled in name order."""
    rules = tuple(rules)
    # The ATT&CK side, once: live techniques per tactic and live sub-techniques per technique, by name.
    per_tactic: dict[str, list[Technique]] = {tactic.id: [] for tactic in attack.tactics}
    children: dict[str, list[Technique]] = {}
    live_techniques = live_subtechniques = 0
    for technique in attack:
        if not technique.live:
            continue
        if technique.parent is not None:
            live_subtechniques += 1
            children.setdefault(technique.parent, []).append(technique)
            continue
        live_techniques += 1
        for tactic_id in technique.tactics:
            if tactic_id in per_tactic:
                per_tactic[tactic_id].append(technique)

    # Stores by number: 0 tactic -> rules, 1 cells, 2 sub-techniques, 3 outside.
    stores: tuple[dict[Any, list[RuleMapping]], ...] = ({}, {}, {}, {})
    tactic_rules, cells, subs, outside = stores
    reasons: dict[str, str] = {}
    known_tactics = {tactic.id for tactic in attack.tactics}
    plans: dict[Threat, frozenset[tuple[int, Any]]] = {}

    def plan(threat: Threat) -> frozenset[tuple[int, Any]]:
        """Where one mapping counts, as (store, key) pairs: worked out once per distinct mapping."""
        tactic_id, technique_id, subtechnique_id = (None if v is None else str(v) for v in threat)
        tactic_id = tactic_id or ""
        marks: set[tuple[int, Any]] = set()
        if tactic_id not in known_tactics:
            marks.add((3, tactic_id))
            reasons.setdefault(tactic_id, "unknown tactic")
        elif not technique_id and not subtechnique_id:
            marks.add((0, tactic_id))
        for attack_id in (technique_id, subtechnique_id):
            if not attack_id:
                continue
            technique = attack.technique(attack_id)
            if technique is None or not technique.live:
                marks.add((3, attack_id))
                reasons.setdefault(attack_id, _reason(technique, attack))
                continue
            for tactic in (tactic_id,) if tactic_id in technique.tactics else technique.tactics:
                marks.add((0, tactic))
                if technique.parent is None:
                    marks.add((1, (tactic, attack_id)))
                else:
                    marks.update(((1, (tactic, technique.parent)), (2, (tactic, attack_id))))
        return frozenset(marks)

    for rule in _sorted(rules):
        # The rule's cells as one set (a rule counts once per cell), then appended: rules arrive in name order, so
        # every cell ends up in name order without sorting.
        marks: set[tuple[int, Any]] = set()
        for threat in rule.threats:
            found = plans.get(threat)
            if found is None:
                found = plans[threat] = plan(threat)
            marks.update(found)
        for number, key in marks:
            store = stores[number]
            members = store.get(key)
            if members is None:
                store[key] = [rule]
            else:
                members.append(rule)

    columns = tuple(
        Column(tactic, tuple(sorted(per_tactic[tactic.id], key=_technique_key)), tuple(tactic_rules.get(tactic.id, ())))
        for tactic in attack.tactics
    )
    return Coverage(
        attack=attack,
        rules=rules,
        columns=columns,
        cells=_freeze(cells),
        subtechniques=_freeze(subs),
        children=MappingProxyType({key: tuple(sorted(value, key=_technique_key)) for key, value in children.items()}),
        outside=tuple(Outside(key, reasons[key], tuple(outside[key])) for key in sorted(outside)),
        live_techniques=live_techniques,
        live_subtechniques=live_subtechniques,
    )


# --- the page ---------------------------------------------------------------------------------------------------


def coverage_page(
    coverage: Coverage, *, page: str = "rules/coverage.md", layer_file: str = "navigator-layer.json"
) -> str:
    """The coverage page's Markdown: counts, the matrix (raw HTML), the covered techniques with links to the rule
    pages (relative to `page`), and the mappings outside the matrix. `layer_file` is relative to the page's folder."""
    links = _Links(page)
    attack = coverage.attack
    parts = [
        "# ATT&CK coverage",
        _summary(coverage) + f" Download the [ATT&CK Navigator layer]({quote(layer_file)}) to explore it in the"
        f" [ATT&CK Navigator]({NAVIGATOR_URL}): choose *Open Existing Layer*, then *Upload from local*, and pick the"
        " downloaded file.",
        "## Matrix",
        "Every live technique of each tactic, sorted by name as the Navigator shows them; a shaded cell counts the"
        " rules mapped to the technique or one of its sub-techniques (covered sub-techniques are listed inside it)"
        " and links to its row below.",
        _legend(),
        _matrix(coverage),
        "## Covered techniques",
        _table(coverage, links),
    ]
    if coverage.outside:
        parts += [
            "## Mappings outside the matrix",
            f"These ids are not live techniques or tactics of ATT&CK {md_escape(attack.version)}, so the matrix"
            " cannot show them; `rule-kit check` reports them too.",
            _outside_table(coverage, links),
        ]
    return "\n\n".join(parts) + "\n"


def _summary(coverage: Coverage) -> str:
    total = len(coverage.rules)
    mapped = coverage.mapped_rules
    verb = "covers" if total == 1 else "cover"
    sentence = (
        f"{plural(total, 'rule')} {verb} {len(coverage.covered_tactics)} of {len(coverage.columns)} tactics,"
        f" {len(coverage.covered_techniques)} of {coverage.live_techniques} techniques and"
        f" {len(coverage.covered_subtechniques)} of {coverage.live_subtechniques} sub-techniques of MITRE ATT&CK"
        f" Enterprise v{md_escape(coverage.attack.version)}."
    )
    if mapped < total:
        unmapped = total - mapped
        sentence += f" {plural(unmapped, 'rule')} {'maps' if unmapped == 1 else 'map'} to nothing the matrix shows."
    return sentence


def _legend() -> str:
    swatches = "".join(
        f'<span class="rk-legend__item"><span class="rk-legend__swatch rk-heat-{level}"></span>'
        f"{html.escape(label)}</span>"
        for level, (_low, label) in enumerate(HEAT_BUCKETS)
    )
    return f'<div class="rk-legend" markdown="0">\n<span>Rules per cell:</span>{swatches}\n</div>'


def _matrix(coverage: Coverage) -> str:
    """The matrix as one raw HTML block: no blank lines inside, balanced, starting a line."""
    lines = ['<div class="rk-matrix" markdown="0">']
    for column in coverage.columns:
        tactic = column.tactic
        covered = sum(1 for t in column.techniques if (tactic.id, t.id) in coverage.cells)
        lines.append(f'<div class="rk-tactic" data-tactic="{_html(tactic.id)}">')
        lines.append(
            f'<div class="rk-tactic__head" title="{_html(tactic.id)}: {plural(len(column.rules), "rule")}">'
            f'<a class="rk-tactic__name" href="{_html(tactic.url)}">{_html(tactic.name)}</a>'
            f'<span class="rk-tactic__count">{plural(len(column.rules), "rule")}</span>'
            f'<span class="rk-tactic__covered">{covered} of {len(column.techniques)} techniques</span></div>'
        )
        lines.extend(_cell(coverage, tactic, technique) for technique in column.techniques)
        lines.append("</div>")
    lines.append("</div>")
    return "\n".join(lines)


def _cell(coverage: Coverage, tactic: Tactic, technique: Technique) -> str:
    count = coverage.count(tactic.id, technique.id)
    title = _html(f"{technique.id} {technique.name}: {plural(count, 'rule')}")
    label = (
        f'<span class="rk-id">{_html(technique.id)}</span> <span class="rk-name">{_html(technique.name)}</span>'
        f' <span class="rk-count">{count}</span>'
    )
    if not count:
        return f'<div class="rk-technique rk-heat-0" title="{title}">{label}</div>'
    subs = "".join(
        _sub_entry(sub, n)
        for sub in coverage.children.get(technique.id, ())
        if (n := coverage.count(tactic.id, sub.id))
    )
    subs = f'<div class="rk-subs">{subs}</div>' if subs else ""
    return (
        f'<div class="rk-technique {heat_class(count)}" title="{title}">'
        f'<a class="rk-technique__link" href="#{anchor(technique.id)}">{label}</a>{subs}</div>'
    )


def _sub_entry(sub: Technique, count: int) -> str:
    title = _html(f"{sub.id} {sub.name}: {plural(count, 'rule')}")
    return (
        f'<a class="rk-sub {heat_class(count)}" href="#{anchor(sub.id)}" title="{title}">'
        f'<span class="rk-id">{_html(sub.id)}</span> <span class="rk-name">{_html(sub.name)}</span>'
        f' <span class="rk-count">{count}</span></a>'
    )


def _link(rule: RuleMapping, page: str) -> str:
    """A Markdown link to a rule page from the coverage page (`page_link`: relative, percent-encoded)."""
    return f"[{md_escape(rule.name) or md_escape(rule.page)}]({page_link(page, rule.page)})"


class _Links:
    """Each rule's Markdown link, computed once per page (`relpath` is slow, and a rule appears in many rows)."""

    def __init__(self, page: str) -> None:
        self.page = page
        self.cache: dict[int, str] = {}

    def __call__(self, rules: Iterable[RuleMapping]) -> str:
        cache = self.cache
        parts = []
        for rule in rules:
            link = cache.get(id(rule))
            if link is None:
                link = cache[id(rule)] = _link(rule, self.page)
            parts.append(link)
        return "<br>".join(parts)


def _union(groups: Sequence[tuple[RuleMapping, ...]]) -> tuple[RuleMapping, ...]:
    """The rules of several cells (each already in name order), once each, in name order."""
    if len(groups) == 1:
        return groups[0]
    seen: dict[int, RuleMapping] = {}
    for group in groups:
        for rule in group:
            seen.setdefault(id(rule), rule)
    return _sorted(seen.values())


def _table(coverage: Coverage, links: _Links) -> str:
    """One row per covered technique (sorted by id), its covered sub-techniques' rows right after it; a technique's
    row lists the same rules its matrix cells count (its sub-techniques' included), over all its tactics."""
    if not coverage.cells:
        return "No rule maps to a technique yet."
    attack = coverage.attack
    order = {tactic.id: tactic.order for tactic in attack.tactics}
    tactics_of: dict[str, list[str]] = {}
    for tactic_id, technique_id in coverage.cells:
        tactics_of.setdefault(technique_id, []).append(tactic_id)
    sub_tactics: dict[str, list[str]] = {}
    subs_of: dict[str, list[str]] = {}
    for tactic_id, sub_id in coverage.subtechniques:
        if sub_id not in sub_tactics:
            subs_of.setdefault(sub_id.split(".", 1)[0], []).append(sub_id)
        sub_tactics.setdefault(sub_id, []).append(tactic_id)

    tactic_names = {tactic.id: tactic.name for tactic in attack.tactics}

    def names(tactic_ids: list[str]) -> str:
        return ", ".join(md_escape(tactic_names[t]) for t in sorted(tactic_ids, key=order.__getitem__))

    rows = ["| Technique | Tactics | Rules | Rule pages |", "| --- | --- | ---: | --- |"]
    for technique_id in sorted(tactics_of):
        technique = attack.technique(technique_id)
        assert technique is not None  # cells hold live techniques only
        tactic_ids = tactics_of[technique_id]
        total = _union([coverage.cells[(t, technique_id)] for t in tactic_ids])
        rows.append(
            f'| <a id="{anchor(technique.id)}"></a>[{md_escape(f"{technique.id} {technique.name}")}]({technique.url})'
            f" | {names(tactic_ids)} | {len(total)} | {links(total)} |"
        )
        for sub_id in sorted(subs_of.get(technique_id, ())):
            sub = attack.technique(sub_id)
            assert sub is not None
            sub_rules = _union([coverage.subtechniques[(t, sub_id)] for t in sub_tactics[sub_id]])
            rows.append(
                f'| ↳ <a id="{anchor(sub.id)}"></a>[{md_escape(f"{sub.id} {sub.name}")}]({sub.url})'
                f" | {names(sub_tactics[sub_id])} | {len(sub_rules)} | {links(sub_rules)} |"
            )
    return "\n".join(rows)


def _outside_table(coverage: Coverage, links: _Links) -> str:
    rows = ["| Id | Why | Rule pages |", "| --- | --- | --- |"]
    rows.extend(
        f"| {md_escape(item.id) or '(empty)'} | {md_escape(item.reason)} | {links(item.rules)} |"
        for item in coverage.outside
    )
    return "\n".join(rows)


# --- the Navigator layer ----------------------------------------------------------------------------------------


def _absolute(site_url: str, page_url: str) -> str:
    if urlsplit(page_url).scheme:
        return page_url
    base = site_url if site_url.endswith("/") else site_url + "/"
    return urljoin(base, page_url.lstrip("/"))


def navigator_layer(
    coverage: Coverage,
    *,
    name: str = "rule-kit coverage",
    site_url: str | None = None,
    page_url: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """The coverage as an ATT&CK Navigator layer (format 4.5): one scored entry per covered technique or
    sub-technique and tactic, score = rule count, the rule names as comment and metadata. With `site_url` and
    `page_url` (a rule page's source path -> its URL, relative to the site or absolute), each entry also links to
    its rule pages."""
    attack = coverage.attack
    shortnames = {tactic.id: tactic.shortname for tactic in attack.tactics}
    order = {tactic.id: tactic.order for tactic in attack.tactics}
    with_subs = {(tactic_id, sub_id.split(".", 1)[0]) for tactic_id, sub_id in coverage.subtechniques}
    linked = site_url is not None and page_url is not None

    def entry(cell: Cell, rules: tuple[RuleMapping, ...]) -> dict[str, Any]:
        tactic_id, attack_id = cell
        item: dict[str, Any] = {
            "techniqueID": attack_id,
            "tactic": shortnames[tactic_id],
            "score": len(rules),
            "comment": "; ".join(rule.name for rule in rules),
            "enabled": True,
            "metadata": [{"name": "rule", "value": rule.name} for rule in rules],
        }
        if linked:
            assert site_url is not None and page_url is not None
            item["links"] = [{"label": rule.name, "url": _absolute(site_url, page_url(rule.page))} for rule in rules]
        if cell in with_subs:
            item["showSubtechniques"] = True
        return item

    cells = sorted(
        [*coverage.cells.items(), *coverage.subtechniques.items()],
        key=lambda pair: (pair[0][1], order[pair[0][0]]),
    )
    techniques = [entry(cell, rules) for cell, rules in cells]
    high = max((item["score"] for item in techniques), default=1)
    return {
        "name": name,
        "versions": {"attack": attack.version.split(".", 1)[0], "navigator": NAVIGATOR_VERSION, "layer": LAYER_VERSION},
        "domain": "enterprise-attack",
        "description": (
            f"Detection rules per technique (score = number of rules): {plural(len(coverage.rules), 'rule')},"
            f" {len(coverage.covered_techniques)} techniques and {len(coverage.covered_subtechniques)} sub-techniques"
            f" covered. ATT&CK {attack.version}; generated by rule-kit."
        ),
        "sorting": 0,
        "layout": {
            "layout": "side",
            "aggregateFunction": "max",
            "showID": True,
            "showName": True,
            "showAggregateScores": False,
            "countUnscored": False,
            "expandedSubtechniques": "annotated",
        },
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": {"colors": list(GRADIENT), "minValue": 0, "maxValue": max(high, 1)},
        "legendItems": [
            {"label": "0 rules", "color": GRADIENT[0]},
            {"label": plural(high, "rule"), "color": GRADIENT[-1]},
        ],
        "showTacticRowBackground": True,
        "tacticRowBackground": "#dddddd",
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
        "selectVisibleTechniques": False,
        "metadata": [
            {"name": "generated by", "value": "rule-kit"},
            {"name": "ATT&CK version", "value": attack.version},
        ],
    }
