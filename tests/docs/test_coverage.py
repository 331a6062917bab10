"""The ATT&CK coverage of the docs site: counts per cell, the page (matrix, table, outside list) and the Navigator layer,
on the packaged ATT&CK data and rendered with the Python-Markdown that mkdocs runs."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import jsonschema
import markdown
import pytest

from rule_kit.attack import AttackIndex, load_attack
from rule_kit.docs.coverage import (
    RuleMapping,
    build_coverage,
    coverage_page,
    heat,
    heat_class,
    md_escape,
    navigator_layer,
)

EXECUTION, PERSISTENCE, PRIV_ESC, DEFENSE_EVASION, INITIAL_ACCESS = "TA0002", "TA0003", "TA0004", "TA0005", "TA0001"
EVIL = "<script>alert(1)</script> & *x*"

# The layer fields the Navigator (layer format 4.5) needs and the shapes rule-kit promises for them.
LAYER_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["name", "versions", "domain", "techniques"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "versions": {
            "type": "object",
            "required": ["attack", "navigator", "layer"],
            "properties": {
                "attack": {"type": "string", "pattern": r"^\d+$"},
                "navigator": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
                "layer": {"const": "4.5"},
            },
        },
        "domain": {"enum": ["enterprise-attack", "mobile-attack", "ics-attack"]},
        "description": {"type": "string"},
        "sorting": {"enum": [0, 1, 2, 3]},
        "hideDisabled": {"type": "boolean"},
        "showTacticRowBackground": {"type": "boolean"},
        "layout": {
            "type": "object",
            "properties": {
                "layout": {"enum": ["side", "flat", "mini"]},
                "aggregateFunction": {"enum": ["average", "min", "max", "sum"]},
                "expandedSubtechniques": {"enum": ["none", "all", "annotated"]},
            },
        },
        "gradient": {
            "type": "object",
            "required": ["colors", "minValue", "maxValue"],
            "properties": {
                "colors": {"type": "array", "minItems": 2, "items": {"$ref": "#/$defs/color"}},
                "minValue": {"type": "number"},
                "maxValue": {"type": "number"},
            },
        },
        "legendItems": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["label", "color"],
                "properties": {"label": {"type": "string"}, "color": {"$ref": "#/$defs/color"}},
            },
        },
        "techniques": {"type": "array", "items": {"$ref": "#/$defs/technique"}},
    },
    "$defs": {
        "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$"},
        "technique": {
            "type": "object",
            "required": ["techniqueID", "tactic", "score", "enabled"],
            "additionalProperties": False,
            "properties": {
                "techniqueID": {"type": "string", "pattern": r"^T\d{4}(\.\d{3})?$"},
                "tactic": {"type": "string", "pattern": "^[a-z]+(-[a-z]+)*$"},
                "score": {"type": "integer", "minimum": 1},
                "comment": {"type": "string"},
                "enabled": {"type": "boolean"},
                "showSubtechniques": {"type": "boolean"},
                "color": {"type": "string"},
                "metadata": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "value"],
                        "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
                    },
                },
                "links": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["label", "url"],
                        "properties": {"label": {"type": "string"}, "url": {"type": "string", "pattern": "^https?://"}},
                    },
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def attack() -> AttackIndex:
    return load_attack()


def rule(name: str, *threats: tuple[str, str | None, str | None], page: str | None = None) -> RuleMapping:
    return RuleMapping(page or f"rules/{name.lower().replace(' ', '_')}.md", name, tuple(threats))


def render(text: str) -> str:
    """The page as mkdocs renders it (the project's Markdown extensions)."""
    return markdown.markdown(text, extensions=["tables", "toc", "admonition"])


def matrix_block(page: str) -> str:
    """The matrix's raw HTML block as written: from its opening tag to the blank line that ends it."""
    start = page.index('<div class="rk-matrix" markdown="0">')
    assert page[start - 2 : start] == "\n\n", "the raw HTML block must start a line after a blank line"
    return page[start : page.index("\n\n", start)]


def tactic_column(html: str, tactic_id: str) -> str:
    """One tactic's column of the matrix."""
    start = html.index(f'<div class="rk-tactic" data-tactic="{tactic_id}">')
    end = html.find('<div class="rk-tactic" ', start + 1)
    return html[start : end if end != -1 else len(html)]


def cell_class(html: str, technique_id: str) -> str:
    """The heat class of a technique's cell in the matrix (found by its title, which starts with the id)."""
    match = re.search(rf'<div class="rk-technique (rk-heat-\d)" title="{re.escape(technique_id)} ', html)
    assert match, f"no cell for {technique_id}"
    return match.group(1)


class _Balance(HTMLParser):
    """Counts open elements, to show a raw block is balanced (void elements excluded)."""

    VOID = frozenset({"br", "img", "hr", "input", "meta", "link", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


# --- counting ---------------------------------------------------------------------------------------------------


def test_technique_and_its_subtechnique_count_once_in_the_parent_cell(attack: AttackIndex) -> None:
    both = rule("Both", (EXECUTION, "T1059", "T1059.004"), (EXECUTION, "T1059", None))
    sub_only = rule("Sub only", (EXECUTION, "T1059", "T1059.006"))
    twice = rule("Twice", (EXECUTION, "T1059", "T1059.004"), (EXECUTION, "T1059", "T1059.004"))
    coverage = build_coverage([both, sub_only, twice], attack)

    assert coverage.rules_for(EXECUTION, "T1059") == (both, sub_only, twice)  # once each, by name
    assert coverage.count(EXECUTION, "T1059") == 3
    assert coverage.count(EXECUTION, "T1059.004") == 2
    assert coverage.count(EXECUTION, "T1059.006") == 1
    assert coverage.covered_techniques == {"T1059"}
    assert coverage.covered_subtechniques == {"T1059.004", "T1059.006"}
    execution = next(column for column in coverage.columns if column.tactic.id == EXECUTION)
    assert execution.rules == (both, sub_only, twice)


def test_wrong_tactic_lands_in_the_techniques_real_tactics(attack: AttackIndex) -> None:
    assert attack.technique("T1059").tactics == (EXECUTION,)
    assert attack.technique("T1078").tactics == (INITIAL_ACCESS, PERSISTENCE, PRIV_ESC, DEFENSE_EVASION)
    misplaced = rule("Misplaced", (DEFENSE_EVASION, "T1059", None))
    everywhere = rule("Everywhere", (EXECUTION, "T1078", "T1078.003"))
    placed = rule("Placed", (PERSISTENCE, "T1078", None))
    coverage = build_coverage([misplaced, everywhere, placed], attack)

    assert coverage.count(EXECUTION, "T1059") == 1
    assert coverage.count(DEFENSE_EVASION, "T1059") == 0
    for tactic_id in (INITIAL_ACCESS, PERSISTENCE, PRIV_ESC, DEFENSE_EVASION):
        assert everywhere in coverage.rules_for(tactic_id, "T1078")
        assert coverage.rules_for(tactic_id, "T1078.003") == (everywhere,)
    assert coverage.rules_for(EXECUTION, "T1078") == ()
    # Written under one of its tactics, a mapping counts there only.
    assert coverage.rules_for(PERSISTENCE, "T1078") == (everywhere, placed)
    assert coverage.rules_for(INITIAL_ACCESS, "T1078") == (everywhere,)
    assert not coverage.outside


def test_tactic_only_mapping_counts_toward_the_tactic(attack: AttackIndex) -> None:
    impact_only = rule("Impact only", ("TA0040", None, None))
    coverage = build_coverage([impact_only], attack)
    impact = next(column for column in coverage.columns if column.tactic.id == "TA0040")
    assert impact.rules == (impact_only,)
    assert not coverage.cells
    assert [t.id for t in coverage.covered_tactics] == ["TA0040"]
    head = re.search(r'<div class="rk-tactic__head"[^>]*>.*?</div>', tactic_column(coverage_page(coverage), "TA0040"))
    assert head and "1 rule<" in head.group(0)


def test_unknown_revoked_and_deprecated_ids_are_listed_outside_the_matrix(attack: AttackIndex) -> None:
    assert attack.technique("T1002").revoked and attack.technique("T1026").deprecated
    assert attack.technique("T9999") is None and attack.tactic("TA9999") is None
    old = rule("Old", (EXECUTION, "T1002", None), (EXECUTION, "T1059", "T1059.999"))
    odd = rule("Odd", ("TA9999", "T1059", None), ("TA0011", "T1026", None), (EXECUTION, "T9999", None))
    coverage = build_coverage([old, odd], attack)

    outside = {item.id: item for item in coverage.outside}
    assert set(outside) == {"T1002", "T1026", "T1059.999", "T9999", "TA9999"}
    assert outside["T1002"].rules == (old,) and "revoked" in outside["T1002"].reason
    assert "T1560" in outside["T1002"].reason  # the replacement is named
    assert "deprecated" in outside["T1026"].reason
    assert outside["T9999"].reason == "unknown technique"
    assert outside["TA9999"].reason == "unknown tactic"
    # The known parts of the same mappings still count.
    assert coverage.rules_for(EXECUTION, "T1059") == (odd, old)
    assert not any(key[1] in outside for key in [*coverage.cells, *coverage.subtechniques])

    page = coverage_page(coverage)
    section = page[page.index("## Mappings outside the matrix") :]
    for attack_id in ("T1002", "T1026", "T1059\\.999", "T9999", "TA9999"):
        assert re.search(rf"^\| {re.escape(attack_id)} \|", section, re.M), attack_id
    assert "[Old](old.md)" in section and "[Odd](odd.md)" in section
    assert "Mappings outside the matrix" not in coverage_page(
        build_coverage([rule("Fine", (EXECUTION, "T1059", None))], attack)
    )


def test_two_thousand_rules_are_all_counted(attack: AttackIndex) -> None:
    """Size, not speed (bench/docs_site.py times it): every rule of a big set lands in the matrix and the layer."""
    live = [t for t in attack if t.live and t.parent is None and t.tactics]
    rules = [rule(f"Rule {i}", (live[i % len(live)].tactics[0], live[i % len(live)].id, None)) for i in range(2000)]
    coverage = build_coverage(rules, attack)
    assert coverage.mapped_rules == 2000
    assert len(coverage.covered_techniques) == len(live)
    layer = navigator_layer(coverage)
    assert sum(t["score"] for t in layer["techniques"]) == 2000
    assert coverage_page(coverage).count('class="rk-technique rk-heat-') >= len(live)


# --- the page ---------------------------------------------------------------------------------------------------


def test_md_escape_neutralises_markup() -> None:
    assert md_escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    for char in "\\`*_{}[]()#+-.!|":
        assert md_escape(f"x{char}y") == f"x\\{char}y"
    assert md_escape("one\ntwo\r\nthree") == "one two  three"  # a line break would end the table row
    html = render(f"| a |\n| --- |\n| {md_escape('[x](javascript:alert(1)) | **b** `c` <i>d</i>')} |")
    assert "<a" not in html and "<strong>" not in html and "<code>" not in html and "<i>" not in html
    assert html.count("<td>") == 1
    assert "[x](javascript:alert(1)) | **b** `c` &lt;i&gt;d&lt;/i&gt;" in html


def test_rule_names_are_escaped_on_the_page(attack: AttackIndex) -> None:
    evil = rule("Evil", (EXECUTION, "T1059", "T1059.004"), ("TA9999", "T9999", None), page="rules/evil.md")
    evil = RuleMapping(evil.page, EVIL, evil.threats)
    page = coverage_page(build_coverage([evil], attack))
    assert "<script>" not in page
    html = render(page)
    assert "<script>" not in html
    assert "<em>x</em>" not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; *x*"
    assert html.count(f'<a href="evil.md">{escaped}</a>') == 4  # T1059, T1059.004, TA9999 and T9999


def test_links_to_rule_pages_are_relative_to_the_coverage_page(attack: AttackIndex) -> None:
    foo = rule("Foo", (EXECUTION, "T1059", None), page="rules/macos/foo.md")
    odd = rule("Odd path", (EXECUTION, "T1059", None), page="rules/linux/a (b)|c.md")
    coverage = build_coverage([foo, odd], attack)
    assert "[Foo](macos/foo.md)" in coverage_page(coverage)
    assert "[Foo](rules/macos/foo.md)" in coverage_page(coverage, page="coverage.md")
    assert "[Foo](../rules/macos/foo.md)" in coverage_page(coverage, page="reports/coverage.md")
    html = render(coverage_page(coverage))
    assert '<a href="macos/foo.md">Foo</a>' in html
    assert '<a href="linux/a%20%28b%29%7Cc.md">Odd path</a>' in html  # mkdocs decodes it to find the file


def test_covered_rows_have_anchors_and_the_matrix_links_to_them(attack: AttackIndex) -> None:
    coverage = build_coverage([rule("Shell", (EXECUTION, "T1059", "T1059.004"))], attack)
    page = coverage_page(coverage)
    table = page[page.index("## Covered techniques") :]
    assert re.search(
        r'^\| <a id="t1059"></a>\[T1059 Command and Scripting Interpreter\]\(https://attack\.mitre\.org/techniques/T1059/\) \| Execution \| 1 \|',
        table,
        re.M,
    )
    assert re.search(
        r'^\| ↳ <a id="t1059-004"></a>\[T1059\\\.004 Unix Shell\]\(https://attack\.mitre\.org/techniques/T1059/004/\) \|',
        table,
        re.M,
    )
    assert table.index('id="t1059"') < table.index('id="t1059-004"')  # the sub-technique row follows its technique
    matrix = matrix_block(page)
    assert '<a class="rk-technique__link" href="#t1059">' in matrix
    assert '<a class="rk-sub rk-heat-1" href="#t1059-004" title="T1059.004 Unix Shell: 1 rule">' in matrix
    assert "T1059.006" not in matrix  # only covered sub-techniques are listed
    html = render(page)
    assert '<a id="t1059"></a>' in html and '<a id="t1059-004"></a>' in html
    assert '<a href="https://attack.mitre.org/techniques/T1059/004/">T1059.004 Unix Shell</a>' in html


def test_every_live_execution_technique_is_in_the_matrix(attack: AttackIndex) -> None:
    coverage = build_coverage([rule("Shell", (EXECUTION, "T1059", None))], attack)
    column = tactic_column(matrix_block(coverage_page(coverage)), EXECUTION)
    shown = re.findall(r'<div class="rk-technique rk-heat-\d" title="(T\d{4}) ', column)
    live = sorted(
        (t for t in attack if t.live and not t.is_subtechnique and EXECUTION in t.tactics),
        key=lambda t: t.name.casefold(),
    )
    assert shown == [t.id for t in live]  # every live technique, covered or not, by name
    assert len(shown) > 10
    revoked = [t.id for t in attack if not t.live and EXECUTION in t.tactics and not t.is_subtechnique]
    assert revoked and not any(f'title="{tid} ' in column for tid in revoked)
    assert [c.tactic.id for c in coverage.columns] == [t.id for t in attack.tactics]
    assert "Execution</a>" in column and "1 of " in column


def test_heat_classes_follow_the_buckets(attack: AttackIndex) -> None:
    assert [heat(n) for n in range(8)] == [0, 1, 2, 3, 3, 4, 4, 4]
    assert heat_class(0) == "rk-heat-0" and heat_class(100) == "rk-heat-4"
    counts = {"T1059": 5, "T1203": 3, "T1106": 2, "T1129": 1}
    rules = [rule(f"{tid} {i}", (EXECUTION, tid, None)) for tid, n in counts.items() for i in range(n)]
    rules.append(rule("Four", (EXECUTION, "T1203", None)))  # T1203: 4 rules, still rk-heat-3
    rules.append(rule("Sub", (EXECUTION, "T1059", "T1059.004")))  # T1059: 6 rules, T1059.004: 1
    matrix = matrix_block(coverage_page(build_coverage(rules, attack)))
    assert cell_class(matrix, "T1059") == "rk-heat-4"
    assert cell_class(matrix, "T1203") == "rk-heat-3"
    assert cell_class(matrix, "T1106") == "rk-heat-2"
    assert cell_class(matrix, "T1129") == "rk-heat-1"
    assert cell_class(matrix, "T1047") == "rk-heat-0"
    assert 'href="#t1047"' not in matrix  # a gap is not a link: it has no row below
    assert 'title="T1059 Command and Scripting Interpreter: 6 rules"' in matrix
    assert 'title="T1047 Windows Management Instrumentation: 0 rules"' in matrix
    assert re.search(r'<a class="rk-sub rk-heat-1" href="#t1059-004"', matrix)


def test_page_renders_with_python_markdown(attack: AttackIndex) -> None:
    rules = [
        rule("Shell", (EXECUTION, "T1059", "T1059.004"), page="rules/linux/shell.md"),
        rule("Accounts", (PERSISTENCE, "T1078", "T1078.003"), page="rules/windows/accounts.md"),
    ]
    page = coverage_page(build_coverage(rules, attack))
    assert page.startswith("# ATT&CK coverage\n")
    html = render(page)

    matrix = matrix_block(page)
    assert "\n\n" not in matrix
    assert matrix in html  # passed through untouched
    balance = _Balance()
    balance.feed(matrix)
    assert balance.stack == [] and balance.errors == []
    assert (
        "<p>" not in matrix
        and "<p>" not in html[html.index('<div class="rk-matrix"') : html.index("covered-techniques")]
    )

    assert '<h1 id="attck-coverage">ATT&amp;CK coverage</h1>' in html
    assert '<a href="navigator-layer.json">ATT&amp;CK Navigator layer</a>' in html
    assert "Open Existing Layer" in html and "Upload from local" in html
    assert f"of ATT&amp;CK Enterprise v{attack.version}" in html.replace("MITRE ", "")
    live = sum(1 for t in attack if t.live and not t.is_subtechnique)
    assert f"2 rules cover 2 of {len(attack.tactics)} tactics, 2 of {live} techniques and 2 of" in html

    table = html[html.index('<h2 id="covered-techniques">') :]
    assert table.count("<tr>") == 5  # the header and four rows: two techniques, two sub-techniques
    assert '<td><a href="linux/shell.md">Shell</a></td>' in table
    assert '<td><a href="windows/accounts.md">Accounts</a></td>' in table
    assert "<td>Persistence</td>" in table


def test_parent_row_lists_the_rules_its_cells_count(attack: AttackIndex) -> None:
    """A sub-technique written without its technique still counts for the technique, in the matrix and the table."""
    only_sub = rule("Only sub", (EXECUTION, None, "T1059.004"))
    multi = rule("Multi", (EXECUTION, "T1053", None), (PERSISTENCE, "T1053", "T1053.005"))
    coverage = build_coverage([only_sub, multi], attack)
    assert coverage.count(EXECUTION, "T1059") == 1
    assert coverage.count(EXECUTION, "T1053") == 1 and coverage.count(PERSISTENCE, "T1053") == 1
    html = render(coverage_page(coverage))
    row = re.search(r'<tr>\s*<td><a id="t1059"></a>.*?</tr>', html, re.S)
    assert row and '<a href="only_sub.md">Only sub</a>' in row.group(0)
    row = re.search(r'<tr>\s*<td><a id="t1053"></a>.*?</tr>', html, re.S)
    assert row
    assert "<td>Execution, Persistence</td>" in row.group(0)  # both tactics, in matrix order
    assert '<td style="text-align: right;">1</td>' in row.group(0)  # one rule, however many tactics
    assert row.group(0).count('<a href="multi.md">Multi</a>') == 1


# --- the Navigator layer ----------------------------------------------------------------------------------------


def layer_rules() -> list[RuleMapping]:
    return [
        rule("Shell", (EXECUTION, "T1059", "T1059.004"), page="rules/linux/shell.md"),
        rule("Python", (EXECUTION, "T1059", "T1059.006"), page="rules/linux/python.md"),
        rule("Accounts", (PERSISTENCE, "T1078", None), page="rules/windows/accounts.md"),
        rule("Old", (EXECUTION, "T1002", None)),
    ]


def entries(layer: dict, technique_id: str) -> dict[str, dict]:
    return {item["tactic"]: item for item in layer["techniques"] if item["techniqueID"] == technique_id}


def test_navigator_layer_is_valid(attack: AttackIndex) -> None:
    layer = navigator_layer(build_coverage(layer_rules(), attack), name="team coverage")
    jsonschema.Draft202012Validator.check_schema(LAYER_SCHEMA)
    jsonschema.Draft202012Validator(LAYER_SCHEMA).validate(layer)
    assert json.loads(json.dumps(layer)) == layer
    assert layer["name"] == "team coverage"
    assert layer["versions"] == {"attack": attack.version.split(".")[0], "navigator": "5.1.0", "layer": "4.5"}
    assert layer["domain"] == "enterprise-attack"
    assert layer["hideDisabled"] is False
    assert layer["gradient"]["minValue"] == 0 and layer["gradient"]["maxValue"] == 2
    assert layer["legendItems"] and layer["showTacticRowBackground"] is True
    # An invalid layer is caught by the same schema, so the check above means something.
    broken = {**layer, "techniques": [{**layer["techniques"][0], "tactic": "Execution"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, LAYER_SCHEMA)


def test_navigator_layer_scores_and_tactics(attack: AttackIndex) -> None:
    layer = navigator_layer(build_coverage(layer_rules(), attack))
    ids = {(item["techniqueID"], item["tactic"]) for item in layer["techniques"]}
    assert ids == {
        ("T1059", "execution"),
        ("T1059.004", "execution"),
        ("T1059.006", "execution"),
        ("T1078", "persistence"),
    }
    parent = entries(layer, "T1059")["execution"]
    assert parent["score"] == 2 and parent["showSubtechniques"] is True and parent["enabled"] is True
    assert parent["comment"] == "Python; Shell"
    assert parent["metadata"] == [{"name": "rule", "value": "Python"}, {"name": "rule", "value": "Shell"}]
    assert entries(layer, "T1059.004")["execution"]["score"] == 1
    assert "showSubtechniques" not in entries(layer, "T1078")["persistence"]
    assert all("links" not in item for item in layer["techniques"])

    # A technique mapped under a wrong tactic is scored under each of its real tactics.
    misplaced = navigator_layer(build_coverage([rule("Everywhere", (EXECUTION, "T1078", None))], attack))
    assert set(entries(misplaced, "T1078")) == {
        "initial-access",
        "persistence",
        "privilege-escalation",
        "defense-evasion",
    }
    assert misplaced["gradient"]["maxValue"] > misplaced["gradient"]["minValue"]
    empty = navigator_layer(build_coverage([], attack))
    assert empty["techniques"] == [] and empty["gradient"]["maxValue"] > empty["gradient"]["minValue"]


def test_navigator_layer_links_only_with_site_url(attack: AttackIndex) -> None:
    coverage = build_coverage(layer_rules(), attack)

    def page_url(page: str) -> str:
        return page.removesuffix(".md") + "/"

    assert all("links" not in item for item in navigator_layer(coverage, site_url="https://example.org/")["techniques"])
    assert all("links" not in item for item in navigator_layer(coverage, page_url=page_url)["techniques"])
    for site_url in ("https://example.org/detections/", "https://example.org/detections"):
        layer = navigator_layer(coverage, site_url=site_url, page_url=page_url)
        jsonschema.validate(layer, LAYER_SCHEMA)
        assert entries(layer, "T1059")["execution"]["links"] == [
            {"label": "Python", "url": "https://example.org/detections/rules/linux/python/"},
            {"label": "Shell", "url": "https://example.org/detections/rules/linux/shell/"},
        ]
        assert entries(layer, "T1059.004")["execution"]["links"] == [
            {"label": "Shell", "url": "https://example.org/detections/rules/linux/shell/"}
        ]
