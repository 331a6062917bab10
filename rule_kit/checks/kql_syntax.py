"""RK5xx: KQL syntax. Every `kuery` query is parsed once per rule with Kibana's grammar (`rule_kit.kql`); later
checks read the tree with `query_of(rule)`."""

from __future__ import annotations

from collections.abc import Iterator

from rule_kit.checks.registry import Finding, rule_check
from rule_kit.diagnostics import Severity
from rule_kit.rules.model import Rule
from rule_kit.rules.positions import line_column
from rule_kit.rules.query import QUERY, parsed_query, query_of

__all__ = ["QUERY", "kql_syntax_error", "line_column", "parsed_query", "query_of"]


@rule_check("RK501", "kql-syntax-error", Severity.ERROR)
def kql_syntax_error(rule: Rule) -> Iterator[Finding]:
    """The KQL query does not parse: Kibana would refuse to save or run the rule.

    **What.** A rule whose `language` is `kuery` (query, new_terms, threshold and threat_match rules) has a `query`
    that Kibana's KQL grammar rejects. The finding points at the offending character inside the query.

    **Why.** Kibana and the detection engine parse the query with the same grammar; a syntax error means the rule
    cannot be created or fails on every run. KQL has traps that other query languages do not: there is no implicit
    `and`, `and`/`or` need a space on both sides, `not ` ends an unquoted value even inside a word, a backslash may
    only escape `\\ ( ) : < > " * { }`, and `not` cannot follow `not` or `field:` without parentheses.

    **Example.**

    ```
    process.args:"-c" process.name:bash
    ```

    reports "two expressions need `and` or `or` between them".

    **Fix.** Follow the message: add the missing operator, balance the parentheses, quote values that contain
    `:`, `not ` or other special characters (`message:"cannot find"`), and write `not (not x)` and `f:(not v)`.
    `rule-kit kql ast 'QUERY'` shows how rule-kit (and Kibana) read a query.
    """
    parsed = parsed_query(rule)
    if parsed is None or parsed.error is None:
        return
    error, text = parsed.error, parsed.text
    offset = error.offset
    if offset >= len(text.rstrip()):  # "found end of query": point just past the last character
        offset = len(text.rstrip())
    line, column = line_column(text, offset)
    end_line, end_column = line_column(text, max(error.end, offset + 1))
    span = rule.locate_in_string(QUERY, line, column, end_column if end_line == line else column + 1)
    yield Finding(QUERY, error.message, span=span)
