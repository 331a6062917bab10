"""Evaluate a KQL tree against an event the way Elasticsearch would (kql.md A3, decision table A3.11).

`compile(tree, fields)` resolves every field clause once against the field catalog (the stand-in for the index
mappings) and returns a `Matcher`: a callable `m(event) -> bool` built from closures, one per tree node.

- Document model (A3.1): `{"a": {"b": 1}}`, `{"a.b": 1}` and mixtures are the same field `a.b`; arrays (also of
  objects) are flattened; `null` elements are skipped; a leaf clause is true if any value satisfies it; `not`
  negates the document-level clause. Multi-fields (`process.name.text`, `.caseless`) read their parent's values.
- Field types: keyword family (exact, whole-value `*` glob, normalizer, `ignore_above`), `wildcard` type, text
  (standard-analyzer approximation), numbers, ip (CIDR), date (date math, UTC), boolean. A value Elasticsearch
  would reject for the field's type raises `KqlTypeError` at compile time (a rule error, not a non-match).
- Unmapped fields (not in the catalog) match nothing, so `not unmapped:x` is true (A2.5, A3.11 last row).
  `compile(..., unmapped="keyword")` treats them as plain keyword fields instead (useful for ad-hoc events).
- Wildcards are matched with a linear-time greedy algorithm (`*` is the only wildcard; `?` is literal).

`CompiledNode` keeps the per-node logic so that `rule_kit.kql.explain` reuses it (one implementation of matching).
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rule_kit.engine import datemath
from rule_kit.fields.catalog import NUMERIC_TYPES, FieldCatalog, FieldInfo, load_ecs
from rule_kit.kql.nodes import (
    STAR,
    AndOperation,
    Exists,
    Is,
    Item,
    MatchAll,
    Nested,
    Not,
    OrOperation,
    Range,
    Wildcard,
)

__all__ = ["CompiledNode", "KqlTypeError", "Matcher", "compile", "date_millis", "glob_match", "term_reader", "tokenize"]

Values = list[Any]
Test = Callable[[Values], bool]
Getter = Callable[[dict], Values]
Predicate = Callable[[dict], bool]

_INTEGER_TYPES = frozenset({"long", "integer", "short", "byte", "unsigned_long"})
_DATE_TYPES = frozenset({"date", "date_nanos"})
_MISSING = object()


class KqlTypeError(ValueError):
    """The query cannot run against the field's type (Elasticsearch would fail the search: a rule error).

    `field` is the field name, `node` the tree node."""

    def __init__(self, message: str, *, field: str | None = None, node: Item | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.node = node


# --- document access ------------------------------------------------------------------------------------------


def _leaves(value: Any, out: Values) -> None:
    if type(value) is list:
        for item in value:
            _leaves(item, out)
    elif value is not None and type(value) is not dict:
        out.append(value)


@functools.lru_cache(maxsize=4096)
def make_getter(path: str) -> Getter:
    """`getter(doc)`: the leaf values of the dotted `path` in `doc`, whatever mix of dotted keys and nested objects
    spells it, arrays (also of objects) flattened, `null` skipped. Objects at the path are not values.

    Getters hold no state, so one per path serves every query of a run (generating one costs ~0.4 ms)."""
    parts = path.split(".")
    n = len(parts)
    keys = [[(".".join(parts[i:j]), j) for j in range(i + 1, n + 1)] for i in range(n)]

    def walk(obj: dict, i: int, out: Values) -> None:
        for key, j in keys[i]:
            value = obj.get(key)
            if value is None:
                continue
            if j == n:
                _leaves(value, out)
            else:
                descend(value, j, out)

    def descend(value: Any, j: int, out: Values) -> None:
        if type(value) is dict:
            walk(value, j, out)
        elif type(value) is list:
            for item in value:
                descend(item, j, out)

    if 1 < n <= _UNROLLED_PARTS:
        return _unrolled_getter(parts, descend)
    if n == 1:
        key = parts[0]

        def get_one(doc: dict) -> Values:
            value = doc.get(key)
            if value is None or type(value) is dict:
                return []
            if type(value) is list:
                out: Values = []
                _leaves(value, out)
                return out
            return [value]

        return get_one

    first = keys[0]

    def get(doc: dict) -> Values:
        out: Values = []
        for key, j in first:
            value = doc.get(key)
            if value is not None:
                if j == n:
                    _leaves(value, out)
                else:
                    descend(value, j, out)
        return out

    return get


_UNROLLED_PARTS = 6


def _unrolled_getter(parts: list[str], descend: Callable[[Any, int, Values], None]) -> Getter:
    """The same reading as `make_getter`'s walk, written out as straight-line code for this path (every split of
    the path into dotted keys, nested dicts first), so that the common document costs a few dict lookups and no
    recursion. Lists on the way fall back to the general walk (`descend`)."""
    n, counter = len(parts), iter(range(1 << 16))
    lines = ["def get(doc):", "    out = []"]

    def emit(obj: str, i: int, pad: str) -> None:
        for j in range(i + 1, n + 1):
            var = f"v{next(counter)}"
            lines.append(f"{pad}{var} = {obj}.get({'.'.join(parts[i:j])!r})")
            if j == n:
                lines.extend(
                    [
                        f"{pad}if {var} is not None:",
                        f"{pad}    if type({var}) is list: _leaves({var}, out)",
                        f"{pad}    elif type({var}) is not dict: out.append({var})",
                    ]
                )
            else:
                lines.append(f"{pad}if type({var}) is dict:")
                emit(var, j, pad + "    ")
                lines.extend([f"{pad}elif type({var}) is list:", f"{pad}    descend({var}, {j}, out)"])

    emit("doc", 0, "    ")
    lines.append("    return out")
    namespace: dict[str, Any] = {"_leaves": _leaves, "descend": descend}
    exec("\n".join(lines), namespace)  # generated from the path's parts only, every key written with repr()
    return namespace["get"]


def make_object_getter(path: str) -> Getter:
    """The objects at `path` (for `nested` queries and exists on an object path), arrays flattened."""
    parts = path.split(".")
    n = len(parts)

    def walk(obj: dict, i: int, out: Values) -> None:
        for j in range(i + 1, n + 1):
            value = obj.get(".".join(parts[i:j]))
            if value is not None:
                descend(value, j, out)

    def descend(value: Any, j: int, out: Values) -> None:
        if type(value) is list:
            for item in value:
                descend(item, j, out)
        elif type(value) is dict:
            if j == n:
                out.append(value)
            else:
                walk(value, j, out)

    def get(doc: dict) -> Values:
        out: Values = []
        walk(doc, 0, out)
        return out

    return get


def flatten(doc: dict, prefix: str = "") -> dict[str, Values]:
    """Every leaf field of `doc` as `dotted path -> values` (the document model of A3.1)."""
    out: dict[str, Values] = {}

    def visit(value: Any, path: str) -> None:
        if type(value) is dict:
            for key, sub in value.items():
                visit(sub, f"{path}.{key}" if path else str(key))
        elif type(value) is list:
            for item in value:
                visit(item, path)
        elif value is not None and path:
            out.setdefault(path, []).append(value)

    visit(doc, prefix)
    return out


# --- wildcards and tokens -------------------------------------------------------------------------------------


def glob_match(segments: tuple[str, ...], value: str) -> bool:
    """Whole-value match of a `*`-only glob given as the literal segments between stars (`a*b*c` -> ("a", "b",
    "c"); a leading/trailing star gives an empty first/last segment). Greedy leftmost search: linear in
    len(value) per segment, never backtracks (with `*` as the only wildcard the leftmost match is always safe)."""
    if len(segments) == 1:
        return value == segments[0]
    head, tail = segments[0], segments[-1]
    end = len(value) - len(tail)
    if end < len(head) or not value.startswith(head) or not value.endswith(tail):
        return False
    pos = len(head)
    for segment in segments[1:-1]:
        if segment:
            found = value.find(segment, pos, end)
            if found < 0:
                return False
            pos = found + len(segment)
    return True


def _segments(parts: Iterable[Any], lower: bool = False) -> tuple[str, ...]:
    segments, current = [], []
    for part in parts:
        if part is STAR:
            segments.append("".join(current))
            current = []
        else:
            current.append(str(part))
    segments.append("".join(current))
    return tuple(s.lower() for s in segments) if lower else tuple(segments)


# Approximation of the standard tokenizer (UAX #29 word boundaries) + lowercase filter (A3.4): runs of word
# characters, joined across `.` `'` (between word characters), `:` (between letters) and `,` `;` (between digits),
# so `cmd.exe`, `192.168.1.1`, `don't` and `foo_bar` stay one token and `C:\Windows` gives `c`, `windows`.
_TOKEN = re.compile(r"\w+(?:(?:[.'\u2019]|(?<=[^\W\d_]):(?=[^\W\d_])|(?<=\d)[,;](?=\d))\w+)*")


def tokenize(text: str) -> list[str]:
    """The standard analyzer, approximated: lowercased word tokens."""
    return _TOKEN.findall(text.lower())


def _query_string_words(parts: tuple[Any, ...]) -> list[tuple[bool, tuple[Any, ...]]]:
    """A wildcard value as `query_string` reads it (A3.2, A3.11): whitespace-separated words; consecutive words
    without a `*` form one chunk (passed to the analyzer together), each word with a `*` is its own term.
    Returns `(is_wildcard, parts)` per clause, to be OR'ed."""
    words: list[list[Any]] = [[]]
    for part in parts:
        if part is STAR:
            words[-1].append(STAR)
            continue
        pieces = re.split(r"\s+", str(part))
        words[-1].append(pieces[0])
        for piece in pieces[1:]:
            words.append([piece])
    clauses: list[tuple[bool, tuple[Any, ...]]] = []
    chunk: list[str] = []
    for word in words:
        word = [p for p in word if p != ""]
        if not word:
            continue
        if any(p is STAR for p in word):
            if chunk:
                clauses.append((False, (" ".join(chunk),)))
                chunk = []
            clauses.append((True, tuple(word)))
        else:
            chunk.append("".join(word))
    if chunk:
        clauses.append((False, (" ".join(chunk),)))
    return clauses


# --- per-type value conversion ---------------------------------------------------------------------------------


def _as_string(value: Any) -> str:
    """How a keyword/text field indexes a JSON scalar (inference, A3.2): its JSON text."""
    if type(value) is str:
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _as_number(value: Any, integer: bool) -> int | float | None:
    """A source value as a numeric field indexes it (coerce: strings parsed, fractions truncated for integer
    types); None when Elasticsearch would reject it."""
    if type(value) is bool or value is None:
        return None
    if type(value) is str:
        text = value.strip()
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                return None
    if type(value) is float:
        if value != value or value in (float("inf"), float("-inf")):
            return None if integer else value
        return int(value) if integer else value
    return value if type(value) is int else None


def _as_bool(value: Any) -> bool | None:
    if type(value) is bool:
        return value
    if value == "true":
        return True
    if value in ("false", ""):
        return False
    return None


def _as_ip(value: Any) -> int | None:
    """An address as a position in the IPv6 space (IPv4 as IPv4-mapped, as Elasticsearch stores it)."""
    if type(value) is not str:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if address.version == 4:
        return 0xFFFF00000000 | int(address)
    return int(address)


def _ip_interval(text: str) -> tuple[int, int] | None:
    if "/" in text:
        try:
            network = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            return None
        low = int(network.network_address)
        high = int(network.broadcast_address)
        if network.version == 4:
            return 0xFFFF00000000 | low, 0xFFFF00000000 | high
        return low, high
    address = _as_ip(text)
    return None if address is None else (address, address)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PARTIAL = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?)?)?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?"
)


def _as_date(value: Any) -> datetime | None:
    """A source value of a date field (ISO-8601 or epoch milliseconds, UTC), or None if it does not parse."""
    if type(value) in (int, float):
        try:
            return _EPOCH + timedelta(milliseconds=value)
        except (OverflowError, ValueError):  # beyond the dates Elasticsearch accepts: the document has none
            return None
    if type(value) is not str:
        return None
    try:
        return datemath.parse_absolute(value)
    except (datemath.DateMathError, ValueError, OverflowError):
        return _fill_date(value, round_up=False)


def _fill_date(text: str, round_up: bool) -> datetime | None:
    """A (possibly partial) ISO date with missing components filled as Elasticsearch does for range bounds:
    down (month/day 01, 00:00:00.000) or, rounding up (`gt`, `lte`), month/day 01 and 23:59:59.999."""
    match = _PARTIAL.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    up = round_up
    micro = int((fraction or "")[:6].ljust(6, "0")) if fraction else (999999 if up and second is None else 0)
    try:
        moment = datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour) if hour else (23 if up else 0),
            int(minute) if minute else (59 if up else 0),
            int(second) if second else (59 if up else 0),
            micro,
            tzinfo=UTC,
        )
    except ValueError:
        return None
    if zone and zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        moment -= sign * offset
    return moment


def _date_bound(expression: str, now: datetime, round_up: bool) -> datetime:
    """A range bound: date math against `now`; an absolute anchor with missing components is filled as
    Elasticsearch fills it for `round_up` (`gt`, `lte`) or not (A2.4, A3.7)."""
    text = expression.strip()
    anchor, _, operations = text.partition("||")
    anchor = anchor.strip()
    if text.startswith("now") or (anchor.isdigit() and len(anchor) != 4):
        return datemath.parse(text, now, round_up=round_up)
    filled = _fill_date(anchor, round_up)
    if filled is None:
        return datemath.parse(text, now, round_up=round_up)
    if not operations:
        return filled
    return datemath.parse(filled.isoformat() + "||" + operations, now, round_up=round_up)


# --- compiled nodes -------------------------------------------------------------------------------------------


@dataclass(eq=False)
class CompiledNode:
    """One tree node, compiled. `fn(doc)` is its truth value for a document (a nested element inside `Nested`).

    For a field clause: `field` (full name), `getter` (the document's values for it) and `test` (values ->
    bool). `children` mirror the tree's operands; `kind` is "and", "or", "not", "nested", "all", "leaf", "free"
    (free text) or "fields" (a wildcard field name, one child per field it expands to)."""

    node: Item
    kind: str
    fn: Predicate
    children: list[CompiledNode] = field(default_factory=list)
    field: str | None = None
    getter: Getter | None = None
    test: Test | None = None
    # set on exact keyword clauses so that an OR of them on one field becomes one set lookup
    exact_key: tuple[str, Callable[[Any], str | None], str] | None = None


class Matcher:
    """`matcher(event) -> bool`; `matcher.root` is the compiled tree (for `explain`)."""

    __slots__ = ("_fn", "fields", "root", "tree")

    def __init__(self, tree: Item, root: CompiledNode, fields: FieldCatalog) -> None:
        self.tree = tree
        self.root = root
        self.fields = fields
        self._fn = root.fn

    def __call__(self, event: dict) -> bool:
        return self._fn(event)

    def filter(self, events: Iterable[dict]) -> list[dict]:
        fn = self._fn
        return [event for event in events if fn(event)]


def compile(
    tree: Item, fields: FieldCatalog | None = None, *, now: datetime | None = None, unmapped: str = "none"
) -> Matcher:
    """Compile `tree` against `fields` (None: the packaged ECS catalog).

    `now` (an aware datetime) fixes date math; by default `now` is the current UTC time at each match.
    `unmapped`: "none" (Elasticsearch: a field absent from the mapping matches nothing) or "keyword".
    Raises `KqlTypeError` for a value the field's type rejects (A3.11's "error" cells)."""
    if unmapped not in ("none", "keyword"):
        raise ValueError(f"unmapped must be 'none' or 'keyword', not {unmapped!r}")
    catalog = load_ecs() if fields is None else fields
    root = _Compiler(catalog, now, unmapped == "keyword").node(tree, "")
    return Matcher(tree, root, catalog)


def _const(result: bool) -> Predicate:
    return (lambda doc: True) if result else (lambda doc: False)


class _Compiler:
    def __init__(self, catalog: FieldCatalog, now: datetime | None, unmapped_keyword: bool) -> None:
        self.catalog = catalog
        self.now = now
        self.unmapped_keyword = unmapped_keyword

    # tree nodes

    def node(self, node: Item, prefix: str) -> CompiledNode:
        if isinstance(node, AndOperation):
            return self._and(node, prefix)
        if isinstance(node, OrOperation):
            return self._or(node, prefix)
        if isinstance(node, Not):
            child = self.node(node.a, prefix)
            inner = child.fn
            return CompiledNode(node, "not", lambda doc: not inner(doc), [child])
        if isinstance(node, MatchAll):
            return CompiledNode(node, "all", _const(True))
        if isinstance(node, Nested):
            return self._nested(node, prefix)
        if isinstance(node, Is | Exists | Range):
            if node.field is None:
                return self._free_text(node, prefix)
            if isinstance(node.field, Wildcard):
                return self._field_pattern(node, prefix)
            return self._leaf(node, prefix, str(node.field))
        raise TypeError(f"not a KQL tree node: {node!r}")

    def _and(self, node: AndOperation, prefix: str) -> CompiledNode:
        children = [self.node(op, prefix) for op in node.operands]
        fns = tuple(c.fn for c in children)
        if len(fns) == 2:
            a, b = fns
            fn = lambda doc: a(doc) and b(doc)  # noqa: E731
        else:

            def fn(doc: dict) -> bool:
                for f in fns:  # noqa: SIM110 - a loop is faster than all() on the hot path
                    if not f(doc):
                        return False
                return True

        return CompiledNode(node, "and", fn, children)

    def _or(self, node: OrOperation, prefix: str) -> CompiledNode:
        children = [self.node(op, prefix) for op in node.operands]
        keys = {(c.exact_key[0], c.field) if c.exact_key else None for c in children}  # a .caseless view differs
        if len(keys) == 1 and None not in keys and len(children) > 1:
            # every operand is an exact keyword clause on the same field: one set lookup (same semantics)
            getter, key = children[0].getter, children[0].exact_key[1]  # type: ignore[index]
            targets = frozenset(c.exact_key[2] for c in children)  # type: ignore[index]

            plain = getattr(key, "plain", False)

            def fn(doc: dict) -> bool:
                for value in getter(doc):  # type: ignore[misc]
                    if plain and type(value) is str:
                        if value in targets:
                            return True
                    elif key(value) in targets:
                        return True
                return False

            return CompiledNode(node, "or", fn, children)
        fields = {c.field if c.kind == "leaf" and c.test is not None else None for c in children}
        if len(fields) == 1 and None not in fields and len(children) > 1:
            # clauses on one field (`f:(*a* or *b*)`): read the field once, try each clause's test on its values
            getter, tests = children[0].getter, tuple(c.test for c in children)
            merged = _merge_keyword_tests(tests)  # type: ignore[arg-type]
            if merged is not None:
                tests = (merged,)

            def read_once(doc: dict) -> bool:
                values = getter(doc)  # type: ignore[misc]
                for test in tests:  # noqa: SIM110 - a loop is faster than any() on the hot path
                    if test(values):  # type: ignore[misc]
                        return True
                return False

            return CompiledNode(node, "or", read_once, children)
        fns = tuple(c.fn for c in children)

        def fn(doc: dict) -> bool:
            for f in fns:  # noqa: SIM110 - a loop is faster than any() on the hot path
                if f(doc):
                    return True
            return False

        return CompiledNode(node, "or", fn, children)

    def _nested(self, node: Nested, prefix: str) -> CompiledNode:
        full = prefix + node.path
        info = self.catalog.resolve(full)
        if (info is None and not self.unmapped_keyword) or (info is not None and info.type != "nested"):
            raise KqlTypeError(
                f"{full} is not mapped as nested: Elasticsearch fails a nested query on it (A2.5)",
                field=full,
                node=node,
            )
        child = self.node(node.query, full + ".")
        inner, objects = child.fn, make_object_getter(node.path)
        return CompiledNode(
            node, "nested", lambda doc: any(inner(element) for element in objects(doc)), [child], field=full
        )

    def _field_pattern(self, node: Is | Exists | Range, prefix: str) -> CompiledNode:
        """`process.*:x`: one clause per leaf field the pattern matches in the catalog (A2.2), OR'ed; fields whose
        type rejects the value are skipped. No field: unmapped, false."""
        segments = _segments(node.field.parts)  # type: ignore[union-attr]
        children = []
        for name in self.catalog.names():
            if not name.startswith(prefix) or not glob_match(segments, name[len(prefix) :]):
                continue
            info = self.catalog.get(name)
            if info is None or info.is_object:
                continue
            try:
                children.append(self._leaf(node, prefix, name[len(prefix) :]))
            except KqlTypeError:
                continue
        fns = tuple(c.fn for c in children)
        return CompiledNode(node, "fields", lambda doc: any(f(doc) for f in fns), children)

    def _free_text(self, node: Is, prefix: str) -> CompiledNode:
        """Free text (A3.9): lenient `multi_match`/`query_string` over every mapped field (default_field `*`):
        true if any field of the document (or one of its multi-fields) matches under its own type's semantics;
        fields whose type rejects the value are skipped."""
        cache: dict[str, Test | None] = {}

        def test_for(name: str) -> Test | None:
            if name not in cache:
                info = self._resolve(name)
                test = None
                if info is not None and not info.is_object:
                    try:
                        test = self._test(node, info, name, wildcard_split=True)
                    except KqlTypeError:
                        test = None
                cache[name] = test
            return cache[name]

        def fn(doc: dict) -> bool:
            for path, values in flatten(doc).items():
                name = prefix + path
                test = test_for(name)
                if test is not None and test(values):
                    return True
                info = self.catalog.get(name)
                for sub in info.multi_fields if info is not None else ():
                    test = test_for(sub)
                    if test is not None and test(values):
                        return True
            return False

        return CompiledNode(node, "free", fn)

    def _resolve(self, name: str) -> FieldInfo | None:
        info = self.catalog.resolve(name)
        if info is None and self.unmapped_keyword:
            return FieldInfo(name, "keyword", None, None, "unmapped")
        return info

    def _leaf(self, node: Is | Exists | Range, prefix: str, relative: str) -> CompiledNode:
        name = prefix + relative
        info = self._resolve(name)
        if info is None:  # unmapped: every positive clause is false (A2.5)
            return CompiledNode(node, "leaf", _const(False), field=name, getter=make_getter(relative), test=None)
        source = relative
        if info.multi_field_of is not None and info.multi_field_of.startswith(prefix):
            source = info.multi_field_of[len(prefix) :]  # a multi-field indexes its parent's source value
        if info.is_object:
            if isinstance(node, Exists):  # exists on an object: any leaf below it (Elasticsearch's exists query)
                below = source + "."

                def has_leaf(doc: dict) -> bool:  # whatever the spelling: `{"process": {...}}`, `{"process.name": x}`
                    return any(path.startswith(below) for path in flatten(doc))

                return CompiledNode(node, "leaf", has_leaf, field=name, getter=make_getter(source))
            return CompiledNode(node, "leaf", _const(False), field=name, getter=make_getter(source))
        getter = make_getter(source)
        test = self._test(node, info, name, wildcard_split=info.type != "keyword")
        compiled = CompiledNode(node, "leaf", lambda doc: test(getter(doc)), field=name, getter=getter, test=test)
        exact = getattr(test, "exact_key", None)
        if exact is not None:
            key, target = exact
            compiled.exact_key = (source, key, target)
            fast = _exact_fn(getter, key, target)
            compiled.fn = fast
        return compiled

    # value tests

    def _test(self, node: Is | Exists | Range, info: FieldInfo, name: str, wildcard_split: bool) -> Test:
        ftype = info.type
        if isinstance(node, Exists):
            return _exists_test(info)
        family = _family(ftype)
        if isinstance(node, Range):
            if isinstance(node.value, Wildcard):
                raise KqlTypeError(
                    f"{name} {node.op} …: a range bound cannot contain a wildcard", field=name, node=node
                )
            return self._range_test(node, info, name, family)
        value = node.value
        if isinstance(value, Wildcard):
            if family in ("keyword", "text"):
                return _wildcard_test(info, value, split=wildcard_split, text=family == "text")
            raise KqlTypeError(
                f"{name} is a {ftype} field: Elasticsearch rejects a wildcard value on it", field=name, node=node
            )
        if family == "keyword":
            return _keyword_exact(info, _as_string(value.value))
        if family == "text":
            return _text_exact(_as_string(value.value), quoted=value.quoted)
        if family == "number":
            number = _query_number(value.value, info, name, node)
            if info.type in _INTEGER_TYPES and number != int(number):
                return lambda values: False  # a long never equals 5.5 (Elasticsearch: match no documents)
            integer = info.type in _INTEGER_TYPES
            return lambda values: any(_as_number(v, integer) == number for v in values)
        if family == "ip":
            interval = _ip_interval(value.value) if isinstance(value.value, str) else None
            if interval is None:
                raise KqlTypeError(
                    f"{name} is an ip field: {value.value!r} is not an IP address or CIDR block", field=name, node=node
                )
            low, high = interval

            def ip_test(values: Values) -> bool:
                for v in values:
                    address = _as_ip(v)
                    if address is not None and low <= address <= high:
                        return True
                return False

            return ip_test
        if family == "date":
            text = self._date_text(value.value, name, node)
            return self._date_range(text, ">=", text, "<=")
        if family == "boolean":
            wanted = _query_bool(value.value, name, node)
            return lambda values: any(_as_bool(v) is wanted for v in values)
        raise AssertionError(family)  # pragma: no cover

    def _date_text(self, value: Any, name: str, node: Item) -> str:
        if not isinstance(value, str):
            raise KqlTypeError(f"{name} is a date field: {value!r} is not a date", field=name, node=node)
        try:
            _date_bound(value, datetime(2000, 1, 1, tzinfo=UTC), False)
        except (datemath.DateMathError, ValueError, OverflowError):
            raise KqlTypeError(
                f"{name} is a date field: {value!r} is not a date or date math", field=name, node=node
            ) from None
        return value

    def _date_range(self, low: str | None, low_op: str, high: str | None, high_op: str) -> Test:
        """Values within the bounds (`>`/`>=` on `low`, `<`/`<=` on `high`); `gt`/`lte` round up (ES)."""

        def bounds(now: datetime) -> tuple[datetime | None, datetime | None]:
            lo = None if low is None else _date_bound(low, now, round_up=low_op == ">")
            hi = None if high is None else _date_bound(high, now, round_up=high_op == "<=")
            return lo, hi

        fixed = bounds(self.now) if self.now is not None else None
        strict_low, strict_high = low_op == ">", high_op == "<"

        def test(values: Values) -> bool:
            lo, hi = fixed if fixed is not None else bounds(datetime.now(UTC))
            for v in values:
                moment = _as_date(v)
                if moment is None:
                    continue
                if lo is not None and (moment <= lo if strict_low else moment < lo):
                    continue
                if hi is not None and (moment >= hi if strict_high else moment > hi):
                    continue
                return True
            return False

        return test

    def _range_test(self, node: Range, info: FieldInfo, name: str, family: str) -> Test:
        raw = node.value.value
        op = node.op
        if family == "date":
            text = self._date_text(raw, name, node)
            if op in (">", ">="):
                return self._date_range(text, op, None, "<=")
            return self._date_range(None, ">=", text, op)
        if family == "number":
            bound: Any = _query_number(raw, info, name, node)
            integer = info.type in _INTEGER_TYPES
            convert: Callable[[Any], Any] = lambda v: _as_number(v, integer)  # noqa: E731
        elif family == "ip":
            bound = _as_ip(raw) if isinstance(raw, str) else None
            if bound is None:
                raise KqlTypeError(f"{name} is an ip field: {raw!r} is not an IP address", field=name, node=node)
            convert = _as_ip
        elif family == "boolean":  # Elasticsearch orders false < true (A3.11 says n/a; we follow ES)
            bound = _query_bool(raw, name, node)
            convert = _as_bool
        elif family == "keyword":  # lexicographic on the indexed terms (A3.2)
            bound = _normalize(info)(_as_string(raw))
            norm, limit = _normalize(info), info.ignore_above

            def convert(v: Any) -> str | None:
                text = _as_string(v)
                return None if limit is not None and len(text) > limit else norm(text)

        else:  # text: on the tokens (A3.11: avoid)
            tokens = tokenize(_as_string(raw))
            bound = tokens[0] if tokens else ""
            compare = _COMPARE[op]
            return lambda values: any(compare(t, bound) for v in values for t in tokenize(_as_string(v)))
        compare = _COMPARE[op]

        def test(values: Values) -> bool:
            for v in values:
                converted = convert(v)
                if converted is not None and compare(converted, bound):
                    return True
            return False

        return test


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _family(ftype: str) -> str:
    if ftype in NUMERIC_TYPES:
        return "number"
    if ftype in ("text", "match_only_text"):
        return "text"
    if ftype == "ip":
        return "ip"
    if ftype in _DATE_TYPES:
        return "date"
    if ftype == "boolean":
        return "boolean"
    return "keyword"  # keyword, constant_keyword, wildcard, flattened keys; other types approximated as keyword


def _normalize(info: FieldInfo) -> Callable[[str], str]:
    return str.lower if info.normalizer else (lambda s: s)


def _keyword_key(info: FieldInfo) -> Callable[[Any], str | None]:
    """A source value -> its indexed term (None when not indexed: over ignore_above)."""
    limit, lower = info.ignore_above, bool(info.normalizer)

    def key(value: Any) -> str | None:
        text = value if type(value) is str else _as_string(value)
        if limit is not None and len(text) > limit:
            return None
        return text.lower() if lower else text

    key.plain = not lower  # type: ignore[attr-defined]  # a string is its own term (when not over the limit)
    return key


def _exact_fn(getter: Getter, key: Callable[[Any], str | None], target: str) -> Predicate:
    if getattr(key, "plain", False):  # without a normalizer an equal string is the term (`target` is indexable)

        def plain(doc: dict) -> bool:
            values = getter(doc)
            if target in values:
                return True
            for value in values:  # noqa: SIM110 - a loop is faster than any() on the hot path
                if type(value) is not str and key(value) == target:
                    return True
            return False

        return plain

    def fn(doc: dict) -> bool:
        for value in getter(doc):  # noqa: SIM110 - a loop is faster than any() on the hot path
            if key(value) == target:
                return True
        return False

    return fn


def _keyword_exact(info: FieldInfo, text: str) -> Test:
    key = _keyword_key(info)
    target = text.lower() if info.normalizer else text
    if info.ignore_above is not None and len(text) > info.ignore_above:
        return lambda values: False  # nothing that long is indexed

    def test(values: Values) -> bool:
        return any(key(v) == target for v in values)

    test.exact_key = (key, target)  # type: ignore[attr-defined]
    return test


def _text_exact(text: str, quoted: bool) -> Test:
    wanted = tokenize(text)
    if not wanted:
        return lambda values: False  # no tokens: the match query matches nothing
    if not quoted:
        wanted_set = frozenset(wanted)
        return lambda values: any(not wanted_set.isdisjoint(tokenize(_as_string(v))) for v in values)
    size = len(wanted)

    def phrase(values: Values) -> bool:
        for v in values:
            tokens = tokenize(_as_string(v))
            for i in range(len(tokens) - size + 1):
                if tokens[i : i + size] == wanted:
                    return True
        return False

    return phrase


def _wildcard_test(info: FieldInfo, value: Wildcard, split: bool, text: bool) -> Test:
    """A wildcard value: on a keyword-only field a whole-value glob; otherwise `query_string` clauses (split at
    whitespace around wildcard terms, OR'ed). Text fields: lowercased, each glob against single tokens."""
    clauses = _query_string_words(value.parts) if split else [(True, value.parts)]
    if text:
        globs = [_segments(parts, lower=True) for wild, parts in clauses if wild]
        words = frozenset(t for wild, parts in clauses if not wild for t in tokenize(parts[0]))

        def text_test(values: Values) -> bool:
            for v in values:
                for token in tokenize(_as_string(v)):
                    if token in words or any(glob_match(g, token) for g in globs):
                        return True
            return False

        return text_test
    lower = bool(info.normalizer)
    globs = tuple(_glob_predicate(_segments(parts, lower=lower)) for wild, parts in clauses if wild)
    exact = frozenset((p[0].lower() if lower else p[0]) for wild, p in clauses if not wild)
    return _keyword_terms_test(info, exact, globs)


def _keyword_terms_test(info: FieldInfo, exact: frozenset[str], globs: tuple[Callable[[str], bool], ...]) -> Test:
    """True when some indexed term of the values is one of `exact` or satisfies one of `globs`. The test carries
    `keyword_terms` so that an `or` of such clauses on one field merges into one test (one pass over the values)."""
    key = _keyword_key(info)

    plain = getattr(key, "plain", False)
    limit = info.ignore_above if info.ignore_above is not None else float("inf")

    def keyword_test(values: Values) -> bool:
        for v in values:
            if plain and type(v) is str:
                if len(v) > limit:
                    continue
                term = v
            else:
                term = key(v)
                if term is None:
                    continue
            if term in exact:
                return True
            for matches in globs:
                if matches(term):
                    return True
        return False

    keyword_test.keyword_terms = (info, exact, globs)  # type: ignore[attr-defined]
    return keyword_test


def _merge_keyword_tests(tests: tuple[Test, ...]) -> Test | None:
    """One keyword test for an `or` of keyword tests on the same field, or None when they are not all such."""
    parts = [getattr(test, "keyword_terms", None) for test in tests]
    if any(p is None for p in parts) or len({p[0] for p in parts}) != 1:  # type: ignore[index]
        return None
    info = parts[0][0]  # type: ignore[index]
    exact = frozenset().union(*(p[1] for p in parts))  # type: ignore[index]
    globs = tuple(g for p in parts for g in p[2])  # type: ignore[index]
    return _keyword_terms_test(info, exact, globs)


def _glob_predicate(segments: tuple[str, ...]) -> Callable[[str], bool]:
    """`glob_match` for these segments, with the common shapes (`*x*`, `x*`, `*x`, `*`) as plain string tests."""
    if len(segments) == 2:
        head, tail = segments
        if not tail:
            return lambda term: term.startswith(head)
        if not head:
            return lambda term: term.endswith(tail)
    if len(segments) == 3 and not segments[0] and not segments[2]:
        middle = segments[1]
        return lambda term: middle in term
    return lambda term: glob_match(segments, term)


def _exists_test(info: FieldInfo) -> Test:
    family = _family(info.type)
    if family == "keyword":
        key = _keyword_key(info)
        return lambda values: any(key(v) is not None for v in values)
    if family == "number":
        integer = info.type in _INTEGER_TYPES
        return lambda values: any(_as_number(v, integer) is not None for v in values)
    if family == "ip":
        return lambda values: any(_as_ip(v) is not None for v in values)
    if family == "date":
        return lambda values: any(_as_date(v) is not None for v in values)
    if family == "boolean":
        return lambda values: any(_as_bool(v) is not None for v in values)
    return lambda values: bool(values)  # text: any value, "" included


def _query_number(value: Any, info: FieldInfo, name: str, node: Item) -> int | float:
    number = _as_number(value, integer=False) if isinstance(value, str) else None
    if number is None:
        raise KqlTypeError(f"{name} is a {info.type} field: {value!r} is not a number", field=name, node=node)
    return number


def _query_bool(value: Any, name: str, node: Item) -> bool:
    wanted = _as_bool(value) if isinstance(value, bool | str) else None
    if wanted is None:
        raise KqlTypeError(f"{name} is a boolean field: {value!r} is not true or false", field=name, node=node)
    return wanted


# --- what aggregations see (the engine's new_terms and threshold) -----------------------------------------------


def date_millis(value: Any) -> int | None:
    """A date field's source value (ISO-8601 or epoch milliseconds) as epoch milliseconds, as Elasticsearch
    stores a `date` (sub-millisecond digits dropped), or None when it does not parse."""
    moment = None
    if type(value) is str and value[4:5] == "-":  # the common `2026-03-24T12:00:00.000Z`: the stdlib parser alone
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    if moment is None:
        moment = _as_date(value)
        if moment is None:
            return None
    try:
        delta = moment - _EPOCH
    except OverflowError:
        return None
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def term_reader(info: FieldInfo | None, name: str) -> Getter:
    """`terms(doc)`: the distinct indexed terms of field `name`, in source order, as a terms or composite
    aggregation buckets them: keyword values normalized and dropped over `ignore_above`, ip addresses in canonical
    form, numbers coerced (integers truncated), dates as epoch milliseconds, booleans as bool. Values the type
    rejects are not indexed. A field missing from the mapping (`info` None) has no terms."""
    if info is None:
        return lambda doc: []
    getter = make_getter(info.multi_field_of or name)
    family = _family(info.type)
    convert: Callable[[Any], Any]
    if family == "keyword":
        convert = _keyword_key(info)
    elif family == "number":
        integer = info.type in _INTEGER_TYPES
        convert = lambda value: _as_number(value, integer)  # noqa: E731
    elif family == "ip":
        convert = _canonical_ip
    elif family == "date":
        convert = date_millis
    elif family == "boolean":
        convert = _as_bool
    else:  # text: not aggregatable (the engine refuses such a rule before reading terms)
        convert = lambda value: None  # noqa: E731

    plain_strings = family == "keyword" and not info.normalizer
    limit = info.ignore_above if info.ignore_above is not None else float("inf")

    def terms(doc: dict) -> Values:
        values = getter(doc)
        if len(values) == 1:  # the common single value
            value = values[0]
            if plain_strings and type(value) is str:
                return [value] if len(value) <= limit else []
            term = convert(value)
            return [] if term is None else [term]
        out: Values = []
        for value in values:
            term = convert(value)
            if term is not None and term not in out:
                out.append(term)
        return out

    return terms


def _canonical_ip(value: Any) -> str | None:
    """The term of an ip value as Elasticsearch prints it: IPv4 (also IPv4-mapped IPv6) dotted, IPv6 compressed."""
    position = _as_ip(value)
    if position is None:
        return None
    address = ipaddress.IPv6Address(position)
    return str(address.ipv4_mapped or address)
