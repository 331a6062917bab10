"""The propositional logic of a KQL query: can any event match it, and does every clause matter?

Each distinct field clause (`process.name:bash`, `process.pid > 5`, `host.name:*`) is a boolean atom; a repeated
clause is the same atom. The query is a function of its atoms, held as a reduced ordered binary decision diagram
(a small one: rule queries have tens of atoms, and an `and` of `or`s stays linear). The atoms of one field are not
independent, and the *domain* says how, in Elasticsearch's any-value semantics (a field may hold several values):

- a value clause implies that the field exists (`f:x` -> `f:*`);
- on a keyword (or `wildcard`) field, an exact value implies every clause on the same field whose pattern matches
  that value (`f:bash` -> `f:ba*`, and `f:Bash` -> `f:bash` under a lowercase normalizer), and a pattern implies
  a wider one (`python*` -> `py*`); values with spaces are left out (on `wildcard` fields spaces split them).

- on a keyword field that ECS expects to hold one value (no `normalize: array`: `host.os.type`, `process.name`,
  unlike `event.category` or `process.args`), an exact value excludes every clause on the field that does not
  match it (`host.os.type:macos` -> `not host.os.type:linux`).

On array fields two different values do not exclude each other (`f:a and f:b` matches `{"f": ["a", "b"]}`), and
two ranges never do; apart from ECS's one-value expectation, every verdict holds for any data.

- **Unsatisfiable**: no assignment of the atoms allowed by the domain makes the query true.
- **Dead clause**: the clause can be replaced by `true` (or by `false`) and the query matches exactly the same
  documents, whatever the data (`b:y` in `a:x and (a:x or b:y)`; `f:*` next to `f:x`): it never decides anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from luqum.tree import AndOperation, Item, Not, OrOperation

from rule_kit.fields.catalog import FieldCatalog
from rule_kit.kql.matcher import _keyword_key, _segments, glob_match
from rule_kit.kql.nodes import STAR, Exists, Is, Literal, MatchAll, Range, Wildcard

__all__ = ["Analysis", "analyze"]

FALSE, TRUE = 0, 1


class _Bdd:
    """A reduced ordered BDD: node 0 is false, 1 is true, others `(var, low, high)` in a unique table."""

    def __init__(self) -> None:
        self.nodes: list[tuple[int, int, int]] = [(1 << 30, 0, 0), (1 << 30, 1, 1)]
        self.unique: dict[tuple[int, int, int], int] = {}
        self.memo: dict[tuple[str, int, int], int] = {}

    def make(self, var: int, low: int, high: int) -> int:
        if low == high:
            return low
        key = (var, low, high)
        found = self.unique.get(key)
        if found is None:
            found = self.unique[key] = len(self.nodes)
            self.nodes.append(key)
        return found

    def var(self, index: int) -> int:
        return self.make(index, FALSE, TRUE)

    def apply(self, op: str, u: int, v: int) -> int:
        if op == "and":
            if u == FALSE or v == FALSE:
                return FALSE
            if u == TRUE:
                return v
            if v == TRUE or u == v:
                return u
        elif op == "or":
            if u == TRUE or v == TRUE:
                return TRUE
            if u == FALSE:
                return v
            if v == FALSE or u == v:
                return u
        elif op == "xor":
            if u == v:
                return FALSE
            if u == FALSE:
                return v
            if v == FALSE:
                return u
        if u > v:  # every operation here is commutative: one memo entry per pair
            u, v = v, u
        key = (op, u, v)
        found = self.memo.get(key)
        if found is not None:
            return found
        (uv, ul, uh), (vv, vl, vh) = self.nodes[u], self.nodes[v]
        top = min(uv, vv)
        low = self.apply(op, ul if uv == top else u, vl if vv == top else v)
        high = self.apply(op, uh if uv == top else u, vh if vv == top else v)
        found = self.memo[key] = self.make(top, low, high)
        return found

    def negate(self, u: int) -> int:
        return self.apply("xor", u, TRUE)

    def restrict(self, u: int, var: int, value: bool) -> int:
        memo: dict[int, int] = {}

        def go(n: int) -> int:
            if n <= TRUE:
                return n
            if n in memo:
                return memo[n]
            v, low, high = self.nodes[n]
            if v > var:
                result = n
            elif v == var:
                result = high if value else low
            else:
                result = self.make(v, go(low), go(high))
            memo[n] = result
            return result

        return go(u)


@dataclass(frozen=True)
class Analysis:
    """`satisfiable`; `conflict`: when not, the fewest top-level clauses that already contradict each other;
    `always`: the query matches every document; `dead`: the field clauses that never change the outcome (first
    occurrence of each atom, in query order; empty when `always`, where every clause is dead)."""

    satisfiable: bool
    conflict: tuple[Item, ...] = ()
    dead: tuple[Item, ...] = ()
    always: bool = False


@dataclass(frozen=True)
class _Atom:
    index: int
    field: str | None
    node: Item  # the first occurrence


class _Builder:
    def __init__(self, fields: FieldCatalog) -> None:
        self.fields = fields
        self.bdd = _Bdd()
        self.atoms: dict[tuple[str, str], _Atom] = {}
        self.groups: dict[int, int] = {}  # atom index -> the `or` it is an operand of

    def atom(self, key_field: str | None, node: Item) -> int:
        key = (key_field or "", repr(node))  # nodes compare by structure but do not hash
        found = self.atoms.get(key)
        if found is None:
            found = self.atoms[key] = _Atom(len(self.atoms), key_field, node)
        return self.bdd.var(found.index)

    def build(self, node: Item, prefix: str = "") -> int:
        bdd = self.bdd
        if isinstance(node, AndOperation | OrOperation):
            op = "and" if isinstance(node, AndOperation) else "or"
            parts = [self.build(child, prefix) for child in node.children]
            result = parts[0]
            for part in parts[1:]:
                result = bdd.apply(op, result, part)
            return result
        if isinstance(node, Not):
            return bdd.negate(self.build(node.children[0], prefix))
        if isinstance(node, MatchAll):
            return TRUE
        if isinstance(node, Is | Range | Exists) and isinstance(node.field, str):
            return self.atom(prefix + node.field, node)
        return self.atom(None, node)  # free text, a wildcard field name, nested: one opaque atom each

    def scan(self, node: Item, prefix: str = "", group: int | None = None) -> bool:
        """Register every atom in query order; True when the query is read-once (each atom once, no `*:*`).
        Atoms that are operands of one `or` are noted as one sibling group."""
        if isinstance(node, AndOperation | OrOperation | Not):
            inner = id(node) if isinstance(node, OrOperation) else None
            results = [self.scan(child, prefix, inner) for child in node.children]
            return all(results)
        if isinstance(node, MatchAll):
            return False
        before = len(self.atoms)
        if isinstance(node, Is | Range | Exists) and isinstance(node.field, str):
            self.atom(prefix + node.field, node)
        else:
            self.atom(None, node)
        if len(self.atoms) == before:
            return False
        if group is not None:
            self.groups[len(self.atoms) - 1] = group
        return True

    def implications(self) -> list[tuple[int, int]]:
        """`(a, b)`: atom a implies atom b, between the atoms of one field (see the module docstring)."""
        found: list[tuple[int, int]] = []
        by_field: dict[str, list[_Atom]] = {}
        for atom in self.atoms.values():
            if atom.field is not None:
                by_field.setdefault(atom.field, []).append(atom)
        for name, atoms in by_field.items():
            if len(atoms) < 2:
                continue
            exists = [a for a in atoms if isinstance(a.node, Exists)]
            values = [a for a in atoms if not isinstance(a.node, Exists)]
            found += [(value.index, whole.index) for value in values for whole in exists]
            info = self.fields.resolve(name)
            if info is None or info.type not in ("keyword", "constant_keyword", "wildcard"):
                continue
            values = [v for v in values if not _has_space(v.node)]  # on `wildcard` fields spaces split the value
            key = _keyword_key(info)
            lower = bool(info.normalizer)
            single = "array" not in info.normalize  # ECS expects one value: distinct values exclude each other
            for value in values:
                term = _exact_term(value.node, key)
                for other in values:
                    if other is value:
                        continue
                    if (term is not None and _covers(other.node, term, key, lower)) or (
                        term is None and _pattern_implies(value.node, other.node, lower)
                    ):
                        found.append((value.index, other.index))
                    elif single and term is not None and _decided(other.node):
                        found.append((value.index, -1 - other.index))  # the one value is `term`: `other` is false
        return found

    def domain(self, implications: list[tuple[int, int]]) -> int:
        result = TRUE
        for a, b in implications:
            result = self.bdd.apply("and", result, _implies(self.bdd, a, b))
        return result


def _has_space(node: Item) -> bool:
    value = getattr(node, "value", None)
    parts = value.parts if isinstance(value, Wildcard) else (value.value,) if isinstance(value, Literal) else ()
    return any(isinstance(part, str) and any(c.isspace() for c in part) for part in parts)


def _implies(bdd: _Bdd, a: int, b: int) -> int:
    """a -> b; a negative `b` (-1 - index) means a -> not atom(index)."""
    target = bdd.negate(bdd.var(-1 - b)) if b < 0 else bdd.var(b)
    return bdd.apply("or", bdd.negate(bdd.var(a)), target)


def _decided(node: Item) -> bool:
    """A keyword value clause whose truth on one known value `_covers` decides (exact values and patterns)."""
    return isinstance(node, Is) and (
        isinstance(node.value, Wildcard) or (isinstance(node.value, Literal) and isinstance(node.value.value, str))
    )


def _exact_term(node: Item, key: object) -> str | None:
    if isinstance(node, Is) and isinstance(node.value, Literal) and isinstance(node.value.value, str):
        return key(node.value.value)  # type: ignore[operator]
    return None


def _covers(node: Item, term: str, key: object, lower: bool) -> bool:
    """Whether a keyword clause is true of a document whose field holds `term`."""
    if not isinstance(node, Is):
        return False
    if isinstance(node.value, Literal) and isinstance(node.value.value, str):
        return key(node.value.value) == term  # type: ignore[operator]
    if isinstance(node.value, Wildcard):
        return glob_match(_segments(node.value.parts, lower=lower), term)
    return False


def _pattern_implies(narrow: Item, wide: Item, lower: bool) -> bool:
    """Whether every value matching the keyword pattern `narrow` matches `wide` (sound, not complete): `wide`
    matches `narrow` written with each `*` as a character no literal of `wide` contains, so each of `narrow`'s
    stars falls inside one of `wide`'s and any text there is absorbed (`python*` -> `py*`, `*pip*` -> `*pi*`)."""
    if not (isinstance(narrow, Is) and isinstance(wide, Is)):
        return False
    if not (isinstance(narrow.value, Wildcard) and isinstance(wide.value, Wildcard)):
        return False
    skeleton = "".join("\x00" if part is STAR else str(part) for part in narrow.value.parts)
    skeleton = skeleton.lower() if lower else skeleton
    segments = _segments(wide.value.parts, lower=lower)
    return not any("\x00" in s for s in segments) and glob_match(segments, skeleton)


def analyze(tree: Item, fields: FieldCatalog) -> Analysis:
    """Satisfiability and dead clauses of `tree` (see the module docstring)."""
    builder = _Builder(fields)
    read_once = builder.scan(tree)
    implications = builder.implications()
    if read_once and all(_between_siblings(builder, a, b) for a, b in implications):
        # each atom once, no constant, and at most "one value of an `or` group": satisfiable, every atom matters
        return Analysis(True)
    query = builder.build(tree)
    domain = builder.domain(implications)
    bdd = builder.bdd
    possible = bdd.apply("and", query, domain)
    if possible == FALSE:
        return Analysis(False, _conflict(builder, tree, domain))
    if possible == domain:
        return Analysis(True, always=True)
    dead = []
    for atom in builder.atoms.values():
        if atom.field is None:
            continue
        for constant in (True, False):  # the clause replaced by true (or false) gives the same query on any data
            if bdd.apply("and", bdd.restrict(query, atom.index, constant), domain) == possible:
                dead.append(atom.node)
                break
    return Analysis(True, (), tuple(dead))


def _between_siblings(builder: _Builder, a: int, b: int) -> bool:
    """An exclusion between two operands of the same `or` (`f:(bash or sh)` on a one-value field)."""
    group = builder.groups.get(a)
    return b < 0 and group is not None and builder.groups.get(-1 - b) == group


def _conflict(builder: _Builder, tree: Item, domain: int) -> tuple[Item, ...]:
    """The smallest set (one or two) of top-level `and` operands already unsatisfiable with the domain."""
    operands = list(_conjuncts(tree))
    bdd = builder.bdd
    built = [builder.build(op) for op in operands]
    for op, u in zip(operands, built, strict=True):
        if bdd.apply("and", u, domain) == FALSE:
            return (op,)
    for i, u in enumerate(built):
        for j in range(i + 1, len(built)):
            if bdd.apply("and", bdd.apply("and", u, built[j]), domain) == FALSE:
                return operands[i], operands[j]
    return (tree,)


def _conjuncts(node: Item) -> Iterator[Item]:
    if isinstance(node, AndOperation):
        for child in node.children:
            yield from _conjuncts(child)
    else:
        yield node
