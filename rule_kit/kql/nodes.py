"""The KQL tree: luqum's node classes where KQL and Lucene agree, KQL's own where they do not.

`OrOperation`, `AndOperation` and `Not` are luqum's (n-ary, as Kibana builds them: `a and b and c` is one node
with three operands). A field clause is `Is(field, value)`; `field` is None for free text. Values keep what Kibana
keeps: a `Literal` (its unescaped value, and whether it was quoted) or a `Wildcard` (literal text and `*` markers
apart, so an escaped `\\*` stays text). `f:(a or b)` is expanded into the clauses Kibana builds:
`OrOperation(Is(f, a), Is(f, b))`. There are no group nodes: parentheses only shape the tree.

Every node has luqum's `pos` and `size` (offset and length in the query text), which the parser sets and which
equality ignores, so `parse(format(t)) == t` compares structure only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from luqum.tree import AndOperation, Item, Not, OrOperation

__all__ = [
    "STAR",
    "AndOperation",
    "Exists",
    "Is",
    "Item",
    "KqlItem",
    "Literal",
    "MatchAll",
    "Nested",
    "Not",
    "OrOperation",
    "Range",
    "Wildcard",
]


class KqlItem(Item):
    """Base of KQL's own nodes: luqum calls `__str__(head_tail=...)` on children; KQL text comes from
    `rule_kit.kql.format`, so `str()` of a node is its repr."""

    def __str__(self, head_tail: bool = False) -> str:
        return self.__repr__()


class _Star:
    """The `*` marker inside a `Wildcard` (a singleton, so `parts` compare by value)."""

    _instance: _Star | None = None

    def __new__(cls) -> _Star:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "STAR"


STAR: Final = _Star()

LiteralValue = str | bool | None


class Literal(KqlItem):
    """A value without wildcards. `value` is unescaped; unquoted `true`/`false`/`null` become True/False/None,
    numbers stay strings (Elasticsearch coerces). `quoted` selects a phrase query in the DSL."""

    _equality_attrs = ["value", "quoted"]  # noqa: RUF012 (luqum declares them as lists)

    def __init__(self, value: LiteralValue, quoted: bool = False, **kwargs: object) -> None:
        self.value = value
        self.quoted = quoted
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"Literal({self.value!r}, quoted={self.quoted})"


class Wildcard(KqlItem):
    """An unquoted value with at least one unescaped `*`: `parts` alternate literal text and `STAR`."""

    _equality_attrs = ["parts"]  # noqa: RUF012 (luqum declares them as lists)

    def __init__(self, parts: tuple[str | _Star, ...], **kwargs: object) -> None:
        self.parts = tuple(parts)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    @property
    def pattern(self) -> str:
        """Lucene wildcard syntax (`*` for the markers, literal `*`, `?` and `\\` escaped)."""
        out = []
        for part in self.parts:
            if part is STAR:
                out.append("*")
            else:
                out.append(str(part).replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?"))
        return "".join(out)

    def __repr__(self) -> str:
        return f"Wildcard({self.parts!r})"


Value = Literal | Wildcard


class Is(KqlItem):
    """`field:value` (or free text when `field` is None). A wildcard `field` is a `Wildcard` of the name."""

    _equality_attrs = ["field"]  # noqa: RUF012 (luqum declares them as lists)
    _children_attrs = ["value"]  # noqa: RUF012 (luqum declares them as lists)

    def __init__(self, field: str | Wildcard | None, value: Value, **kwargs: object) -> None:
        self.field = field
        self.value = value
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"Is({self.field!r}, {self.value!r})"


class Exists(KqlItem):
    """`field:*`: the field has an indexed value."""

    _equality_attrs = ["field"]  # noqa: RUF012 (luqum declares them as lists)

    def __init__(self, field: str | Wildcard, **kwargs: object) -> None:
        self.field = field
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"Exists({self.field!r})"


class Range(KqlItem):
    """`field < value`, `<=`, `>`, `>=` (one bound; Kibana has no two-sided range syntax)."""

    OPERATORS = ("<", "<=", ">", ">=")
    _equality_attrs = ["field", "op"]  # noqa: RUF012 (luqum declares them as lists)
    _children_attrs = ["value"]  # noqa: RUF012 (luqum declares them as lists)

    def __init__(self, field: str | Wildcard, op: str, value: Value, **kwargs: object) -> None:
        self.field = field
        self.op = op
        self.value = value
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"Range({self.field!r}, {self.op!r}, {self.value!r})"


class Nested(KqlItem):
    """`path:{ query }`: every clause of `query` must match one and the same nested object. `path` is a
    `Wildcard` when written with an unescaped `*` (Kibana's grammar allows it)."""

    _equality_attrs = ["path"]  # noqa: RUF012 (luqum declares them as lists)
    _children_attrs = ["query"]  # noqa: RUF012 (luqum declares them as lists)

    def __init__(self, path: str | Wildcard, query: Item, **kwargs: object) -> None:
        self.path = path
        self.query = query
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"Nested({self.path!r}, {self.query!r})"


class MatchAll(KqlItem):
    """The empty query, or `*:*`."""

    def __repr__(self) -> str:
        return "MatchAll()"


def walk(node: Item) -> Iterator[Item]:
    """Every node of a tree, depth first, the node itself first."""
    yield node
    for child in node.children:
        yield from walk(child)
