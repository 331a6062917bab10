"""`dump(tree)`: the tree as a one-line S-expression, for tests, `rule-kit kql ast` and bug reports.

    (or A B …)  (and A B …)  (not A)  (is FIELD VALUE)  (range FIELD OP VALUE)  (nested PATH Q)  (exists FIELD)
    (match_all)

FIELD is `null` for free text, else the name as written (unescaped), JSON-quoted when it holds a space, a
parenthesis, a quote, a `*` or a control character, or is empty or `null`; a wildcard field pattern is written like a
wildcard value. VALUE is a JSON string for an unquoted literal, `(quoted "text")` for a quoted one,
`(wildcard "seg" * "seg" …)` for a wildcard (literal text as JSON strings, `*` for the markers), and `true`,
`false` or `null` for those unquoted words.
"""

from __future__ import annotations

import json

from luqum.tree import AndOperation, Item, Not, OrOperation

from rule_kit.kql.nodes import STAR, Exists, Is, Literal, MatchAll, Nested, Range, Wildcard

__all__ = ["dump"]


def _json(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _wildcard(node: Wildcard) -> str:
    return "(wildcard " + " ".join("*" if p is STAR else _json(str(p)) for p in node.parts) + ")"


def _field(field: str | Wildcard | None) -> str:
    if field is None:
        return "null"
    if isinstance(field, Wildcard):
        return _wildcard(field)
    if field in ("", "null") or any(c.isspace() or c in '()"*' or not c.isprintable() for c in field):
        return _json(field)
    return field


def _value(node: Item) -> str:
    if isinstance(node, Wildcard):
        return _wildcard(node)
    if isinstance(node, Literal):
        if node.value is None:
            return "null"
        if isinstance(node.value, bool):
            return "true" if node.value else "false"
        return f"(quoted {_json(node.value)})" if node.quoted else _json(node.value)
    raise TypeError(f"not a KQL value: {node!r}")


def dump(tree: Item) -> str:
    """The canonical S-expression of a parsed KQL tree."""
    if isinstance(tree, OrOperation):
        return "(or " + " ".join(dump(o) for o in tree.operands) + ")"
    if isinstance(tree, AndOperation):
        return "(and " + " ".join(dump(o) for o in tree.operands) + ")"
    if isinstance(tree, Not):
        return f"(not {dump(tree.a)})"
    if isinstance(tree, Is):
        return f"(is {_field(tree.field)} {_value(tree.value)})"
    if isinstance(tree, Range):
        return f"(range {_field(tree.field)} {tree.op} {_value(tree.value)})"
    if isinstance(tree, Nested):
        return f"(nested {_field(tree.path)} {dump(tree.query)})"
    if isinstance(tree, Exists):
        return f"(exists {_field(tree.field)})"
    if isinstance(tree, MatchAll):
        return "(match_all)"
    raise TypeError(f"not a KQL node: {tree!r}")
