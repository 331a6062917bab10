"""KQL as Kibana parses it and Elasticsearch evaluates it: `parse` text into the tree of `rule_kit.kql.nodes`,
`dump` it as an S-expression, `format` it back to canonical KQL, `to_dsl` it as the detection engine would send
it, `compile` it into a matcher of events and `explain` a match clause by clause. See docs/kql.md."""

from rule_kit.kql.dsl import DslError, to_dsl
from rule_kit.kql.dump import dump
from rule_kit.kql.explain import Explanation, explain
from rule_kit.kql.format import format_query
from rule_kit.kql.format import format_query as format
from rule_kit.kql.matcher import KqlTypeError, Matcher, compile
from rule_kit.kql.nodes import (
    STAR,
    AndOperation,
    Exists,
    Is,
    Item,
    KqlItem,
    Literal,
    MatchAll,
    Nested,
    Not,
    OrOperation,
    Range,
    Wildcard,
)
from rule_kit.kql.parser import KqlSyntaxError, parse

__all__ = [
    "STAR",
    "AndOperation",
    "DslError",
    "Exists",
    "Explanation",
    "Is",
    "Item",
    "KqlItem",
    "KqlSyntaxError",
    "KqlTypeError",
    "Literal",
    "MatchAll",
    "Matcher",
    "Nested",
    "Not",
    "OrOperation",
    "Range",
    "Wildcard",
    "compile",
    "dump",
    "explain",
    "format",
    "format_query",
    "parse",
    "to_dsl",
]
