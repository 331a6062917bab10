"""`format_query(tree)` (exported as `rule_kit.kql.format`): the canonical, minimal KQL text of a tree.

Lowercase operators with one space around them; parentheses only where precedence needs them (an `or` inside an
`and` or a `not`, a chain inside a chain of the same operator, since Kibana keeps those as separate nodes); a quoted
literal stays quoted (`"…"`, escaping only `\\`, `"`, tab, CR and LF); an unquoted literal stays unquoted with the
fewest escapes Kibana's grammar needs (the special characters, `\\or`/`\\and` where a keyword would end the value,
`\\u006e` for the `n` of `not ` inside a word, `\\t` `\\r` `\\n` for those characters). A value no unquoted
spelling can give back (empty, leading or trailing whitespace, the words `null`/`true`/`false` as strings) is
quoted. Field names are written unquoted when they can be and quoted otherwise.

`parse(format_query(t)) == t` for every tree `parse` can return (a property test checks it), except an unquoted
empty literal (`a:\\t`, which trims to ""), which comes back quoted.
"""

from __future__ import annotations

from collections.abc import Sequence

from luqum.tree import AndOperation, Item, Not, OrOperation

from rule_kit.kql.nodes import STAR, Exists, Is, Literal, MatchAll, Nested, Range, Wildcard, _Star
from rule_kit.kql.parser import JS_TRIM, SPECIAL

__all__ = ["format_lines", "format_query"]

_RAW_WS = " \u00a0"  # the whitespace written as is; tab, CR and LF are written as escapes
_ESCAPED_WS = {"\t": "\\t", "\r": "\\r", "\n": "\\n"}


def _word(units: Sequence[str | _Star], i: int, word: str) -> bool:
    """`word` (any case) at `i`, followed by raw whitespace or the end of the value (conservatively: what follows
    a value may be an operator's space)."""
    end = i + len(word)
    if end > len(units):
        return False
    piece = units[i:end]
    if any(u is STAR for u in piece):
        return False
    text = "".join(piece)  # type: ignore[arg-type]
    follows = units[end] if end < len(units) else " "
    return text.isascii() and text.lower() == word and follows is not STAR and follows in _RAW_WS


def _after_space(units: Sequence[str | _Star], i: int) -> bool:
    return i > 0 and units[i - 1] is not STAR and units[i - 1] in _RAW_WS


def _unquoted(units: Sequence[str | _Star]) -> str | None:
    """The unquoted spelling of a value (characters and STAR markers), or None when there is none."""
    if not units:
        return None
    first, last = units[0], units[-1]
    if (first is not STAR and first in JS_TRIM) or (last is not STAR and last in JS_TRIM):
        return None
    out: list[str] = []
    i, n = 0, len(units)
    while i < n:
        unit = units[i]
        if unit is STAR:
            out.append("*")
        elif unit in SPECIAL:
            out.append("\\" + unit)  # type: ignore[operator]
        elif unit in _ESCAPED_WS:
            out.append(_ESCAPED_WS[unit])  # type: ignore[index]
        elif (
            unit in "oOaA"
            and i > 0
            and units[i - 1] is not STAR
            and units[i - 1] in _RAW_WS
            and (_word(units, i, "or") or _word(units, i, "and"))
        ):
            size = 2 if unit in "oO" else 3
            out.append("\\" + "".join(units[i : i + size]))  # type: ignore[arg-type]
            i += size
            continue
        elif unit in "nN" and _word(units, i, "not"):
            out.append(f"\\u{ord(unit):04x}")  # type: ignore[arg-type]
        else:
            out.append(unit)  # type: ignore[arg-type]
        i += 1
    return "".join(out)


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    for char, escape in _ESCAPED_WS.items():
        escaped = escaped.replace(char, escape)
    return f'"{escaped}"'


def _units(node: Wildcard) -> list[str | _Star]:
    units: list[str | _Star] = []
    for part in node.parts:
        if part is STAR:
            units.append(STAR)
        else:
            units.extend(str(part))
    return units


def _wildcard(node: Wildcard) -> str:
    text = _unquoted(_units(node))
    if text is None:
        raise ValueError(f"no KQL text parses to {node!r} (its text starts or ends with whitespace)")
    return text


def _field(field: str | Wildcard) -> str:
    if isinstance(field, Wildcard):
        return _wildcard(field)
    if field in ("null", "true", "false"):
        return _quoted(field)
    text = _unquoted(list(field))
    return text if text is not None else _quoted(field)


def _value(node: Item) -> str:
    if isinstance(node, Wildcard):
        return _wildcard(node)
    if not isinstance(node, Literal):
        raise TypeError(f"not a KQL value: {node!r}")
    if node.value is None:
        return "null"
    if isinstance(node.value, bool):
        return "true" if node.value else "false"
    if node.quoted or node.value in ("null", "true", "false"):
        return _quoted(node.value)
    text = _unquoted(list(node.value))
    return text if text is not None else _quoted(node.value)


_NO_FIELD = object()


def _group_field(node: Item) -> object:
    """The one field every clause under an `or`/`and`/`not` is on (Kibana's value list, `f:(a or b)`), or
    `_NO_FIELD` when the clauses are on different fields, free text, or not plain field clauses."""
    if isinstance(node, Is):
        return _NO_FIELD if node.field is None else node.field
    if isinstance(node, Not):
        return _group_field(node.a)
    if isinstance(node, OrOperation | AndOperation):
        fields = [_group_field(o) for o in node.operands]
        if any(f is _NO_FIELD for f in fields) or any(f != fields[0] for f in fields[1:]):
            return _NO_FIELD
        return fields[0]
    return _NO_FIELD


def _values(node: Item, context: str) -> str:
    """The inside of a value list: the same precedence as clauses, values instead of `field:value`."""
    if isinstance(node, OrOperation):
        text = " or ".join(_values(o, "or") for o in node.operands)
        return f"({text})" if context in ("or", "and", "not") else text  # a nested group keeps its shape
    if isinstance(node, AndOperation):
        text = " and ".join(_values(o, "and") for o in node.operands)
        return f"({text})" if context in ("and", "not") else text
    if isinstance(node, Not):
        text = "not " + _values(node.a, "not")
        return f"({text})" if context == "not" else text  # `not not` does not parse
    assert isinstance(node, Is)
    return _value(node.value)


def _format(node: Item, context: str) -> str:
    if isinstance(node, OrOperation | AndOperation):
        field = _group_field(node)
        if field is not _NO_FIELD:  # `f:a or f:b` is written as Kibana's value list, `f:(a or b)`
            return f"{_field(field)}:({_values(node, 'top')})"  # type: ignore[arg-type]
    if isinstance(node, OrOperation):
        text = " or ".join(_format(o, "or") for o in node.operands)
        return f"({text})" if context in ("or", "and", "not") else text
    if isinstance(node, AndOperation):
        text = " and ".join(_format(o, "and") for o in node.operands)
        return f"({text})" if context in ("and", "not") else text
    if isinstance(node, Not):
        text = "not " + _format(node.a, "not")
        return f"({text})" if context == "not" else text
    if isinstance(node, Is):
        value = _value(node.value)
        return value if node.field is None else f"{_field(node.field)}:{value}"
    if isinstance(node, Exists):
        return f"{_field(node.field)}:*"
    if isinstance(node, Range):
        return f"{_field(node.field)} {node.op} {_value(node.value)}"
    if isinstance(node, Nested):
        return f"{_field(node.path)}:{{{_format(node.query, 'top')}}}"
    if isinstance(node, MatchAll):
        return "*:*"
    raise TypeError(f"not a KQL node: {node!r}")


def format_query(tree: Item) -> str:
    """Canonical KQL for a tree: lowercase operators, minimal parentheses and escapes."""
    return _format(tree, "top")


def format_lines(tree: Item) -> list[str]:
    """`format_query`'s text for reading: a top-level `and`/`or` chain one operand a line, the operator leading
    every line after the first. Joined with newlines it parses back to `tree`, as `format_query`'s text does."""
    if isinstance(tree, OrOperation | AndOperation) and _group_field(tree) is _NO_FIELD:
        operator = "or" if isinstance(tree, OrOperation) else "and"
        first, *rest = (_format(operand, operator) for operand in tree.operands)
        return [first, *(f"{operator} {text}" for text in rest)]
    return [format_query(tree)]
