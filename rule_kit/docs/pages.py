"""The Markdown of every generated page: a page per rule, the index pages, a page per check.

Pages are Markdown for mkdocs (Python-Markdown with `tables`, `toc`, `admonition`), so links between pages are
Markdown links that mkdocs resolves and checks in strict mode. Text from rule files goes in only through
`rule_kit.docs.safe` (Markdown rendered with raw HTML off, `md_escape` for short values, `html.escape` inside raw
HTML), so a rule cannot put active HTML on the site.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from rule_kit.attack import AttackIndex
from rule_kit.checks.registry import Check
from rule_kit.docs.highlight import code_block, highlight_kql
from rule_kit.docs.safe import guide_markdown, html_block, md_escape, plural, render_markdown, safe_url
from rule_kit.docs.safe import page_link as link
from rule_kit.docs.site import SEVERITIES, CaseResult, RuleDoc, Site
from rule_kit.kql.format import format_lines

#: Where the index pages live, relative to the rules prefix.
INDEX, BY_TACTIC, BY_PLATFORM, BY_SEVERITY, COVERAGE = (
    "index.md",
    "by-tactic.md",
    "by-platform.md",
    "by-severity.md",
    "coverage.md",
)
LAYER_FILE = "navigator-layer.json"
_UNITS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "M": "month", "y": "year"}
_DURATION = re.compile(r"^(\d+)([smhdwMy])$")
_NOW_MINUS = re.compile(r"^now-(\d+)([smhdwMy])$")
_TYPE_NAMES = {
    "query": "Custom query",
    "new_terms": "New terms",
    "threshold": "Threshold",
    "eql": "Event correlation (EQL)",
    "esql": "ES|QL",
    "machine_learning": "Machine learning",
    "threat_match": "Indicator match",
}
_ATTACK_ID = re.compile(r"^(TA\d{4}|T\d{4}(\.\d{3})?)$")


def code(value: str) -> str:
    """Inline code for untrusted text (Markdown code spans break on a backtick; inline HTML does not)."""
    return f"<code>{html.escape(value, quote=False)}</code>"


def type_name(rule_type: str | None) -> str:
    return _TYPE_NAMES.get(rule_type or "", rule_type or "unknown")


def duration_words(text: str) -> str:
    """`5m` -> `5 minutes`, `1h` -> `1 hour`; anything else as written."""
    match = _DURATION.match(text)
    if match is None:
        return text
    count, unit = int(match.group(1)), _UNITS[match.group(2)]
    return plural(count, unit)


def lookback_words(expression: str) -> str:
    """`now-9m` -> `9 minutes`; other date math as written."""
    match = _NOW_MINUS.match(expression)
    return duration_words(match.group(1) + match.group(2)) if match else f"back to {expression}"


def _fields(names: Sequence[str]) -> str:
    return " + ".join(code(name) for name in names)


def how_it_alerts(doc: RuleDoc) -> str:
    """The rule type's behaviour in one or two plain sentences (what Kibana's executor does with this config)."""
    window = f"each run looks at the last {lookback_words(doc.from_)}"
    if doc.type == "new_terms":
        fields, history = doc.new_terms
        what = f"a value of {_fields(fields)}" if len(fields) == 1 else f"a combination of {_fields(fields)}"
        since = f"in the {lookback_words(history)} before" if history else "in the history window before"
        return (
            f"Alerts the first time {what} is seen in events matching the query: a value not seen {since} the run "
            f"({code('history_window_start = ' + history) if history else 'no history window set'}). "
            f"Runs every {duration_words(doc.interval)}; {window}."
        )
    if doc.type == "threshold":
        threshold = doc.threshold
        if threshold is None:
            return "A threshold rule whose `[rule.threshold]` table is missing or malformed (see `rule-kit check`)."
        group = f" share the same {_fields(threshold.fields)}" if threshold.fields else ""
        text = f"Alerts when {threshold.value} or more events matching the query in one run's window{group}"
        if threshold.cardinality:
            name, count = threshold.cardinality
            text += f" and have at least {count} distinct values of {code(name)}"
        return f"{text}: one alert per group. Runs every {duration_words(doc.interval)}; {window}."
    if doc.type == "query":
        return (
            f"Alerts on every event matching the query, at most {doc.max_signals} alerts a run. "
            f"Runs every {duration_words(doc.interval)}; {window}."
        )
    return f"A {md_escape(type_name(doc.type))} rule: this site shows its query; rule-kit does not run it."


def _severity_label(doc: RuleDoc) -> str:
    severity = doc.severity or "unknown"
    risk = f" (risk score {doc.risk_score})" if doc.risk_score is not None else ""
    return f'<span class="rk-severity rk-severity-{html.escape(severity)}">{html.escape(severity)}</span>{risk}'


def _anchor(text: str) -> str:
    """The id Python-Markdown's `toc` gives a heading (its default slugify), for links to index sections."""
    slug = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", slug)


class Pages:
    """Renders the pages of one build; `attack` names techniques and tactics, `prefix` is the rules' folder."""

    def __init__(self, site: Site, attack: AttackIndex, *, prefix: str = "rules") -> None:
        self.site, self.attack, self.prefix = site, attack, prefix

    def path(self, name: str) -> str:
        return posixpath.join(self.prefix, name)

    def tactic_name(self, tactic_id: str) -> str:
        tactic = self.attack.tactic(tactic_id)
        return tactic.name if tactic else tactic_id

    def _tactic_links(self, doc: RuleDoc) -> str:
        links = []
        for tactic_id in doc.tactic_ids:
            title = f"{self.tactic_name(tactic_id)} ({tactic_id})"
            target = link(doc.page, self.path(BY_TACTIC)) + "#" + _anchor(title)
            links.append(f"[{md_escape(self.tactic_name(tactic_id))}]({target})")
        return ", ".join(links) or "not mapped"

    # -- the rule page -------------------------------------------------------------------------------------------

    def rule_page(self, doc: RuleDoc) -> str:
        parts = [f"# {md_escape(doc.name)}\n"]
        if doc.description:
            parts.append(html_block(render_markdown(doc.description), "rk-description"))
        parts.append(self._summary(doc))
        if doc.note:
            guide, _ = guide_markdown(doc.note)
            parts.append(guide)
        else:
            parts.append("\n## Investigation guide\n\nThis rule has no investigation guide yet.\n")
        parts.append(self._query(doc))
        parts.append(self._mapping(doc))
        if doc.false_positives:
            items = "".join(f"<li>{html.escape(text)}</li>" for text in doc.false_positives)
            parts.append("\n## False positives\n" + html_block(f"<ul>{items}</ul>", "rk-false-positives"))
        if doc.references:
            parts.append("\n## References\n" + html_block(_reference_list(doc.references), "rk-references"))
        parts.append(self._evidence(doc))
        if doc.tags:
            tags = " ".join(f'<span class="rk-tag">{html.escape(tag)}</span>' for tag in doc.tags)
            parts.append("\n## Tags\n" + html_block(f"<p>{tags}</p>", "rk-tags"))
        parts.append(self._source(doc))
        return "".join(parts)

    def _summary(self, doc: RuleDoc) -> str:
        rows = [
            ("Severity", _severity_label(doc)),
            ("Type", md_escape(type_name(doc.type))),
            (
                "Schedule",
                f"every {md_escape(duration_words(doc.interval))}, looking back "
                f"{md_escape(lookback_words(doc.from_))} ({code('from = ' + doc.from_)})",
            ),
            ("Index patterns", ", ".join(code(i) for i in doc.indices) or "none"),
            ("Tactics", self._tactic_links(doc)),
            ("Platform", ", ".join(md_escape(p) for p in doc.platforms)),
            ("Maturity", md_escape(doc.maturity or "unknown")),
            ("Rule ID", code(doc.rule_id or "none")),
        ]
        if doc.timestamp_override:
            rows.append(("Timestamp", code(doc.timestamp_override) + " (timestamp_override)"))
        if doc.authors:
            rows.append(("Author", md_escape(", ".join(doc.authors))))
        rows.append(("Created", md_escape(doc.created or "unknown")))
        rows.append(("Last updated", md_escape(doc.updated or "unknown")))
        rows.append(("Test evidence", self._evidence_summary(doc)))
        lines = ["", "| | |", "|---|---|", *(f"| **{key}** | {value} |" for key, value in rows), ""]
        return "\n".join(lines)

    def _query(self, doc: RuleDoc) -> str:
        parts = ["\n## Query\n", f"\n{how_it_alerts(doc)}\n"]
        if doc.tree is not None:
            parts.append(html_block(code_block(highlight_kql("\n".join(format_lines(doc.tree))), "kql"), "rk-query"))
            parts.append("\nThe query as Kibana parses it, in canonical form, one top-level clause a line.\n")
        elif doc.query:
            language = doc.language or "kuery"
            parts.append(html_block(code_block(html.escape(doc.query.strip(), quote=False), "text"), "rk-query"))
            if language == "kuery":
                parts.append("\nThe query does not parse as KQL: `rule-kit check` says where.\n")
        else:
            parts.append("\nThis rule has no query.\n")
        return "".join(parts)

    def _mapping(self, doc: RuleDoc) -> str:
        if not doc.threats:
            return "\n## MITRE ATT&CK\n\nThis rule is not mapped to ATT&CK.\n"
        lines = ["\n## MITRE ATT&CK\n", "| Tactic | Technique | Sub-technique |", "|---|---|---|"]
        for tactic_id, technique_id, sub_id in doc.threats:
            if (
                technique_id is not None
                and sub_id is None
                and any(t == tactic_id and te == technique_id and s is not None for t, te, s in doc.threats)
            ):
                continue  # the technique shows in its sub-techniques' rows
            lines.append(
                f"| {self._attack_link(tactic_id)} | {self._attack_link(technique_id)} | {self._attack_link(sub_id)} |"
            )
        return "\n".join(lines) + "\n"

    def _attack_link(self, attack_id: str | None) -> str:
        if attack_id is None:
            return ""
        if not _ATTACK_ID.match(attack_id):
            return code(attack_id)
        known = self.attack.tactic(attack_id) or self.attack.technique(attack_id)
        name = known.name if known is not None else "unknown to ATT&CK " + self.attack.version
        return f"[{attack_id}]({self.attack.url(attack_id)}) {md_escape(name)}"

    def _evidence_summary(self, doc: RuleDoc) -> str:
        if doc.fixtures is None:
            return "no fixture file"
        cases = len(doc.evidence)
        properties = len(doc.fixtures.properties)
        passed = sum(result.passed for result in doc.evidence)
        text = plural(cases, "fixture case")
        if doc.not_executable:
            text += " (not run: " + md_escape(doc.not_executable) + ")"
        elif cases:
            text += ", all pass" if passed == cases else f", {cases - passed} failing"
        if properties:
            text += "; " + plural(properties, "property", "properties")
        return f"[{text}](#test-evidence)"

    def _evidence(self, doc: RuleDoc) -> str:
        fixture_name = doc.rule.path.name.removesuffix(".toml") + ".fixtures.toml"
        if doc.fixtures is None:
            return (
                f"\n## Test evidence\n\nNo fixture file ({code(fixture_name)}) yet: nothing shows what this rule "
                "catches and what it ignores.\n"
            )
        parts = [
            "\n## Test evidence\n",
            f"\nCurated cases from {code(fixture_name)}, run through rule-kit's engine when this page was built "
            "(`rule-kit test` runs them, with generated events, on every pull request).\n",
        ]
        alerting = [r for r in doc.evidence if r.expectation != "no alert"]
        quiet = [r for r in doc.evidence if r.expectation == "no alert"]
        if alerting:
            parts += ["\n### Alerts on\n", html_block(_case_table(alerting), "rk-evidence")]
        if quiet:
            parts += ["\n### Stays quiet on\n", html_block(_case_table(quiet), "rk-evidence")]
        if doc.fixtures.properties:
            rows = []
            for prop in doc.fixtures.properties:
                given = ", ".join(f"{html.escape(name)} {_generator(gen)}" for name, gen in prop.given.items())
                expect = "alerts" if prop.expect == "alert" else "no alert"
                about = f"<br><small>{html.escape(prop.description)}</small>" if prop.description else ""
                drawn = given or "the template"
                rows.append(f"<tr><td>{html.escape(prop.name)}{about}</td><td>{expect}</td><td>{drawn}</td></tr>")
            table = "<table><thead><tr><th>Property</th><th>Every event</th><th>Drawn fields</th></tr></thead>"
            parts += [
                "\n### Properties\n",
                "\nFamilies of events checked with hypothesis by `rule-kit test` (not run during the docs build).\n",
                html_block(table + f"<tbody>{''.join(rows)}</tbody></table>", "rk-evidence"),
            ]
        return "".join(parts)

    def _source(self, doc: RuleDoc) -> str:
        body = code_block(html.escape(doc.rule.text or "", quote=False), "toml")
        summary = f"<summary>{html.escape(doc.rule.path.name)}</summary>"
        updated = f"\nLast updated {md_escape(doc.updated)} (`updated_date`).\n" if doc.updated else ""
        # the file repeats the page: out of the search index, so a search hit points at the guide or the query
        block = f'<details class="rk-source" data-search-exclude>{summary}{body}</details>'
        return "\n## Rule source\n" + html_block(block, "rk-source") + updated

    # -- index pages ---------------------------------------------------------------------------------------------

    def _row_link(self, source: str, doc: RuleDoc) -> str:
        return f"[{md_escape(doc.name)}]({link(source, doc.page)})"

    def all_rules(self) -> str:
        source = self.path(INDEX)
        rules = self.site.rules
        types = defaultdict(int)
        for doc in rules:
            types[type_name(doc.type)] += 1
        counts = ", ".join(f"{n} {md_escape(name.lower())}" for name, n in sorted(types.items()))
        lines = [
            "---\nhide:\n  - toc\n---\n",  # mkdocs-material: the table gets the width of the contents bar
            "# All rules\n",
            plural(len(rules), "rule") + (f" ({counts})." if counts else "."),
            f"Also by [tactic]({link(source, self.path(BY_TACTIC))}), "
            f"by [platform and index]({link(source, self.path(BY_PLATFORM))}), "
            f"by [severity]({link(source, self.path(BY_SEVERITY))}), "
            f"and the [ATT&CK coverage matrix]({link(source, self.path(COVERAGE))}).",
            html_block(
                '<input class="rk-filter" type="search" aria-label="Filter rules"'
                ' placeholder="Filter rules: name, tactic, platform, type, severity">'
                ' <span class="rk-filter-count"></span>',
                "rk-table-tools",
            ),
            "| Name | Severity | Risk | Type | Tactics | Platform | Maturity | Updated |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for doc in sorted(rules, key=lambda d: d.name.lower()):
            tactics = ", ".join(md_escape(self.tactic_name(t)) for t in doc.tactic_ids) or "none"
            lines.append(
                f"| {self._row_link(source, doc)} | {md_escape(doc.severity or 'unknown')} | "
                f"{doc.risk_score if doc.risk_score is not None else ''} | {md_escape(type_name(doc.type))} | "
                f"{tactics} | {', '.join(md_escape(p) for p in doc.platforms)} | "
                f"{md_escape(doc.maturity or '')} | {md_escape(doc.updated or '')} |"
            )
        return "\n".join(lines) + "\n"

    def _listing(self, source: str, docs: Iterable[RuleDoc]) -> list[str]:
        lines = []
        for doc in sorted(docs, key=lambda d: (-(d.risk_score or 0), d.name.lower())):
            lines.append(
                f"- {self._row_link(source, doc)}: {md_escape(doc.severity or 'unknown')}, "
                f"{md_escape(type_name(doc.type).lower())}"
            )
        return lines

    def by_tactic(self) -> str:
        source = self.path(BY_TACTIC)
        groups: dict[str, list[RuleDoc]] = defaultdict(list)
        unmapped: list[RuleDoc] = []
        for doc in self.site.rules:
            for tactic_id in doc.tactic_ids:
                groups[tactic_id].append(doc)
            if not doc.tactic_ids:
                unmapped.append(doc)
        order = [t.id for t in self.attack.tactics] + sorted(set(groups) - {t.id for t in self.attack.tactics})
        lines = ["# Rules by tactic\n", "Tactics in ATT&CK matrix order; a rule mapped to several is under each.\n"]
        for tactic_id in order:
            if tactic_id in groups:
                lines += ["", f"## {md_escape(self.tactic_name(tactic_id))} ({md_escape(tactic_id)})", ""]
                lines += self._listing(source, groups[tactic_id])
        if unmapped:
            lines += ["", "## Not mapped to ATT&CK", "", *self._listing(source, unmapped)]
        return "\n".join(lines) + "\n"

    def by_platform(self) -> str:
        source = self.path(BY_PLATFORM)
        platforms: dict[str, list[RuleDoc]] = defaultdict(list)
        indices: dict[str, list[RuleDoc]] = defaultdict(list)
        for doc in self.site.rules:
            for platform in doc.platforms:
                platforms[platform].append(doc)
            for pattern in doc.indices or ["(no index patterns)"]:
                indices[pattern].append(doc)
        lines = ["# Rules by platform and index\n", "Platforms from the rules' `OS:` tags (else their folder).\n"]
        for platform in sorted(platforms, key=str.lower):
            lines += ["", f"## {md_escape(platform)}", "", *self._listing(source, platforms[platform])]
        lines += ["", "## By index pattern"]
        for pattern in sorted(indices):
            lines += ["", f"### {md_escape(pattern)}", "", *self._listing(source, indices[pattern])]
        return "\n".join(lines) + "\n"

    def by_severity(self) -> str:
        source = self.path(BY_SEVERITY)
        groups: dict[str, list[RuleDoc]] = defaultdict(list)
        for doc in self.site.rules:
            groups[doc.severity or "unknown"].append(doc)
        order = [*SEVERITIES, *sorted(set(groups) - set(SEVERITIES))]
        lines = ["# Rules by severity\n", "Highest risk score first within each severity.\n"]
        for severity in order:
            if severity in groups:
                lines += ["", f"## {md_escape(severity.capitalize())}", "", *self._listing(source, groups[severity])]
        return "\n".join(lines) + "\n"

    def home(self, site_name: str) -> str:
        """The home page of a site that has none of its own (`rule-kit docs build` without an mkdocs.yml)."""
        rules = self.site.rules
        source = "index.md"
        tactics = {t for doc in rules for t in doc.tactic_ids}
        return "\n".join(
            [
                f"# {md_escape(site_name)}\n",
                f"{plural(len(rules), 'detection rule')} across {plural(len(tactics), 'ATT&CK tactic')}.\n",
                f"- [All rules]({link(source, self.path(INDEX))}): a table to sort and filter",
                f"- [By tactic]({link(source, self.path(BY_TACTIC))}), "
                f"[by platform and index]({link(source, self.path(BY_PLATFORM))}), "
                f"[by severity]({link(source, self.path(BY_SEVERITY))})",
                f"- [ATT&CK coverage]({link(source, self.path(COVERAGE))}) and its Navigator layer",
                "",
                "Search (top right) finds a rule by any word of its name, description, guide or query.",
            ]
        )


def _reference_list(references: Sequence[str]) -> str:
    items = []
    for url in references:
        text = html.escape(url)
        if safe_url(url) and url.lower().startswith(("http://", "https://")):
            items.append(f'<li><a href="{html.escape(url, quote=True)}">{text}</a></li>')
        else:
            items.append(f"<li><code>{text}</code></li>")
    return f"<ul>{''.join(items)}</ul>"


def _generator(gen: object) -> str:
    keys = getattr(gen, "keys", {}) or {}
    if not keys:
        return "= " + html.escape(json.dumps(getattr(gen, "literal", None), ensure_ascii=False))
    return html.escape(", ".join(f"{k} {json.dumps(v, ensure_ascii=False)}" for k, v in keys.items()))


def _case_table(results: Sequence[CaseResult]) -> str:
    rows = []
    for result in results:
        if result.error:
            verdict = f'<span class="rk-skip">not run</span><br><small>{html.escape(result.error)}</small>'
        elif result.passed:
            verdict = '<span class="rk-pass">passes</span>'
        else:
            verdict = '<span class="rk-fail">fails</span><br><small>' + html.escape("; ".join(result.problems))
            verdict += "</small>"
        about = f"<br><small>{html.escape(result.description)}</small>" if result.description else ""
        events = json.dumps(list(result.events), indent=2, ensure_ascii=False, default=str)
        count = len(result.events)
        details = (
            f"<details data-search-exclude><summary>{plural(count, 'event')}</summary>"
            f"<pre><code>{html.escape(events, quote=False)}</code></pre></details>"
        )
        rows.append(
            f"<tr><td>{html.escape(result.name)}{about}{details}</td>"
            f"<td>{html.escape(result.expectation)}</td><td>{verdict}</td></tr>"
        )
    head = "<thead><tr><th>Case</th><th>Expected</th><th>Result</th></tr></thead>"
    return f"<table>{head}<tbody>{''.join(rows)}</tbody></table>"


# -- the checks ----------------------------------------------------------------------------------------------------


def checks_index(checks: Sequence[Check], prefix: str = "checks") -> str:
    source = posixpath.join(prefix, "index.md")
    lines = [
        "# Checks\n",
        "Every finding of `rule-kit check` has a stable code, a name and a default severity; each code has a page "
        "saying what it finds, why it matters and how to fix it. Select or ignore checks by code or prefix in the "
        "configuration (`select`, `ignore`, `per-rule-ignores`); `rule-kit rule CODE` prints the same text in a "
        "terminal.",
    ]
    family = None
    for check in checks:
        if check.family != family:
            family = check.family
            lines += [
                "",
                f"## {check.code[:3]}xx: {family}",
                "",
                "| Code | Name | Severity | Summary |",
                "|---|---|---|---|",
            ]
        target = link(source, posixpath.join(prefix, f"{check.code}.md"))
        lines.append(f"| [{check.code}]({target}) | `{check.name}` | {check.severity.label} | {check.summary} |")
    return "\n".join(lines) + "\n"


def check_page(check: Check, prefix: str = "checks") -> str:
    source = posixpath.join(prefix, f"{check.code}.md")
    summary, _, body = check.doc.strip().partition("\n")
    lines = [
        f"# {check.code} {check.name}\n",
        f"**Severity:** {check.severity.label} by default. **Family:** {check.code[:3]}xx, {check.family}.\n",
        summary.strip(),
    ]
    if body.strip():
        lines += ["", body.strip()]
    lines += [
        "",
        "## Turning it off",
        "",
        "For every rule, in `pyproject.toml` (or `ignore` in `rule-kit.toml`):",
        "",
        "```toml",
        "[tool.rule-kit]",
        f'ignore = ["{check.code}"]',
        "```",
        "",
        "For one rule, by its path: `per-rule-ignores` (see the configuration page). "
        f"[All checks]({link(source, posixpath.join(prefix, 'index.md'))}).",
    ]
    return "\n".join(lines) + "\n"
