"""A rule's KQL query, parsed once per rule per run (Kibana's grammar, `rule_kit.kql`): the checks, the CLI and
the engine all read the same tree."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from luqum.tree import Item

from rule_kit.kql import KqlSyntaxError, parse
from rule_kit.rules.model import Rule
from rule_kit.rules.positions import KeyPath

QUERY: KeyPath = ("rule", "query")
#: Rule types whose `query` is KQL when `language = "kuery"` (threat_match: its `query`, not `threat_query`).
KQL_TYPES = frozenset({"query", "new_terms", "threshold", "threat_match"})


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A rule's KQL query: its text and either its tree or the syntax error."""

    text: str
    tree: Item | None
    error: KqlSyntaxError | None


_CACHE: weakref.WeakKeyDictionary[Rule, ParsedQuery | None] = weakref.WeakKeyDictionary()


def parsed_query(rule: Rule) -> ParsedQuery | None:
    """The parsed KQL query of a rule (parsed once per rule), or None when the rule has no KQL query."""
    if rule in _CACHE:
        return _CACHE[rule]
    text = rule.get(QUERY)
    parsed = None
    if rule.type in KQL_TYPES and rule.section.get("language") == "kuery" and isinstance(text, str):
        try:
            parsed = ParsedQuery(text, parse(text), None)
        except KqlSyntaxError as error:
            parsed = ParsedQuery(text, None, error)
    _CACHE[rule] = parsed
    return parsed


def query_of(rule: Rule) -> Item | None:
    """The KQL tree of a rule's query, or None when it has none or it does not parse (RK501 reports that)."""
    parsed = parsed_query(rule)
    return parsed.tree if parsed is not None else None
