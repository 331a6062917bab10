"""`rule-kit fmt`: one canonical layout for rule files, the one Elastic's rules use, keeping every comment.

The layout: `[metadata]`, `[transform]`, `[rule]` in that order, one blank line apart; within each table the
plain keys sorted, `query` and `threat_query` last, then arrays of tables, then sub-tables, each sorted by name;
a query as a `'''` block; a list of strings on one line when it is short (at most 100 characters of items, as
Elastic's formatter decides) and one item a line otherwise. Comments travel with the key below them, and blank
lines inside a table are kept. Formatting a formatted file changes nothing.
"""

from __future__ import annotations

import re

import tomlkit
from tomlkit.container import Container
from tomlkit.items import AoT, Array, Item, Key, String, StringType, Table, Whitespace

QUERY_KEYS = ("query", "threat_query")
TOP_ORDER = {"metadata": 0, "transform": 1, "rule": 2}
INLINE_ARRAY_BUDGET = 100
LITERAL_BLOCK = "'" * 3
_LITERAL_SAFE = re.compile(r"^[^\x00-\x08\x0b-\x1f\x7f]*$")


def format_rule(text: str) -> str:
    """The canonical form of a rule file's text (raises `tomlkit.exceptions.ParseError` on invalid TOML)."""
    document = tomlkit.parse(text)
    _order(document, top=True)
    return document.as_string()


def _order(container: Container, *, top: bool = False) -> None:
    units: list[tuple[Key, Item, list[Item]]] = []
    pending: list[Item] = []
    for key, item in container.body:
        if key is None:
            pending.append(item)
            continue
        units.append((key, _layout(key, item), pending))
        pending = []

    def rank(unit: tuple[Key, Item, list[Item]]) -> tuple[int, int, bool, str]:
        # Plain keys must come before any table: after a header, a key belongs to that table.
        name, item = unit[0].key, unit[1]
        if top:
            return (int(_is_table_like(item)), TOP_ORDER.get(name, len(TOP_ORDER)), False, name)
        kind = 2 if isinstance(item, Table) else 1 if isinstance(item, AoT) else 0
        return (kind, 0, name in QUERY_KEYS, name)

    units.sort(key=rank)
    rebuilt = Container(True)
    for position, (key, item, trivia) in enumerate(units):
        if top:  # top-level tables: exactly one blank line between them
            trivia = [t for t in trivia if not isinstance(t, Whitespace)]
            _trim_trailing_blank(item)
            if position:
                rebuilt.append(None, Whitespace("\n"))
        for piece in trivia:
            rebuilt.append(None, piece)
        rebuilt.append(key, item)
    for piece in pending:
        if not (top and isinstance(piece, Whitespace)):
            rebuilt.append(None, piece)
    container.body[:] = rebuilt.body
    container._map = rebuilt._map  # tomlkit keeps an index of keys beside the body


def _is_table_like(item: Item) -> bool:
    return isinstance(item, Table | AoT)


def _layout(key: Key, item: Item) -> Item:
    if isinstance(item, Table):
        _order(item.value)
    elif isinstance(item, AoT):
        for table in item.body:
            _order(table.value)
    elif isinstance(item, Array):
        return _layout_array(item)
    elif key.key in QUERY_KEYS and isinstance(item, String):
        return _query_block(item)
    return item


def _layout_array(array: Array) -> Array:
    """Strings only, no comments: inline when short, one item a line otherwise (others are left as written)."""
    values = list(array)
    if not values or not all(isinstance(v, str) for v in values):
        return array
    if any(getattr(group, "comment", None) is not None for group in array._value):  # tomlkit's item groups
        return array
    fresh = tomlkit.array()
    fresh.extend(values)
    fresh.multiline(sum(len(v) + 3 for v in values) > INLINE_ARRAY_BUDGET)
    fresh.trivia.comment_ws, fresh.trivia.comment = array.trivia.comment_ws, array.trivia.comment
    return fresh


def _query_block(item: String) -> Item:
    """The query as a literal block: three quotes, a newline, the query, a newline, three quotes (TOML drops the
    first newline, so the value becomes the query plus one newline), when a literal string can hold it."""
    body = str(item).strip()
    if not body or LITERAL_BLOCK in body or not _LITERAL_SAFE.match(body):
        return item
    return String(StringType.MLL, f"{body}\n", f"\n{body}\n", item.trivia)


def _trim_trailing_blank(item: Item) -> None:
    """Drop blank lines at the very end of a table (the blank line before the next top-level table is added)."""
    if isinstance(item, AoT):
        if item.body:
            _trim_trailing_blank(item.body[-1])
        return
    if not isinstance(item, Table):
        return
    body = item.value.body
    while body and body[-1][0] is None and isinstance(body[-1][1], Whitespace):
        body.pop()
    if body and body[-1][0] is not None:
        _trim_trailing_blank(body[-1][1])
