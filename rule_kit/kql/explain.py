"""Why a KQL query does or does not match an event: the tree with each clause marked true or false.

`explain(tree, event, fields=None, now=None)` compiles the tree with `rule_kit.kql.matcher.compile` and evaluates
each compiled node on the event (the matcher's own per-node logic: one implementation of matching). A clause
group on one field (`process.name:(bash or sh)`) is shown as one line, with the event's values for the field:

    ✓ and
      ✓ event.category:process
      ✗ process.name:(bash or sh)  [process.name = "zsh"]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rule_kit.fields.catalog import FieldCatalog
from rule_kit.kql.matcher import CompiledNode, compile
from rule_kit.kql.nodes import STAR, Exists, Is, Item, Literal, Nested, Range, Wildcard

__all__ = ["Explanation", "explain"]

_SPECIAL = set('\\():<>"*{}')


@dataclass
class Explanation:
    """`node` (the tree node), `result` (its truth value for the event), `children` (operands), `label` (KQL text
    of the clause), `values` (for a field clause: the event's values for `field`; None when not a field clause)."""

    node: Item
    result: bool
    label: str
    children: list[Explanation] = field(default_factory=list)
    field: str | None = None
    values: list[Any] | None = None

    def render(self, indent: int = 0) -> str:
        mark = "✓" if self.result else "✗"
        line = f"{'  ' * indent}{mark} {self.label}"
        if self.values is not None and self.field is not None:
            line += f"  [{_show_values(self.field, self.values)}]"
        lines = [line]
        for child in self.children:
            lines.append(child.render(indent + 1))
        return "\n".join(lines)

    def failing(self) -> list[Explanation]:
        """The leaf clauses (lines without children) whose result is false."""
        if not self.children:
            return [] if self.result else [self]
        return [leaf for child in self.children for leaf in child.failing()]

    def find(self, label: str) -> Explanation | None:
        """The first line (depth first) with this label."""
        if self.label == label:
            return self
        for child in self.children:
            found = child.find(label)
            if found is not None:
                return found
        return None


def explain(
    tree: Item, event: dict, fields: FieldCatalog | None = None, *, now: datetime | None = None, unmapped: str = "none"
) -> Explanation:
    """`tree` evaluated on `event`, clause by clause (raises `KqlTypeError` like `compile`)."""
    matcher = compile(tree, fields, now=now, unmapped=unmapped)
    return _explain(matcher.root, event)


def _explain(compiled: CompiledNode, doc: dict) -> Explanation:
    result = bool(compiled.fn(doc))
    group = _field_group(compiled)
    if group is not None:
        name, getter = group
        return Explanation(compiled.node, result, _label(compiled.node), [], name, getter(doc))
    if compiled.kind == "nested":
        # children are evaluated per nested element; show the group as one line with the element count
        objects = compiled.node.path  # type: ignore[attr-defined]
        return Explanation(compiled.node, result, _label(compiled.node), [], objects, None)
    children = [_explain(child, doc) for child in compiled.children]
    label = compiled.kind if compiled.kind in ("and", "or", "not") else _label(compiled.node)
    return Explanation(compiled.node, result, label, children)


def _field_group(compiled: CompiledNode) -> tuple[str, Any] | None:
    """A leaf, or an and/or/not of leaves on one field: (field, getter) to show it as one line."""
    if compiled.kind == "leaf":
        return (compiled.field, compiled.getter) if compiled.getter is not None else None  # type: ignore[return-value]
    if compiled.kind not in ("and", "or", "not") or not compiled.children:
        return None
    groups = [_field_group(child) for child in compiled.children]
    if any(g is None for g in groups):
        return None
    names = {g[0] for g in groups}  # type: ignore[index]
    if len(names) != 1:
        return None
    return groups[0]


# --- KQL text of a node ---------------------------------------------------------------------------------------


def _label(node: Item) -> str:
    if type(node).__name__ == "Not":
        return f"not {_label(node.a)}"  # type: ignore[attr-defined]
    name = _field_of(node)
    if name is not None and not isinstance(node, Range | Exists | Is | Nested):
        return f"{_field_text(name)}:({_values_text(node)})"
    return _text(node, top=True)


def _field_of(node: Item) -> Any:
    """The one field every clause under `node` is on (for `f:(a or b)`), or None."""
    if isinstance(node, Is):
        return node.field
    children = getattr(node, "operands", None) or getattr(node, "children", None)
    if not children or isinstance(node, Range | Exists | Nested):
        return None
    names = {repr(_field_of(child)) for child in children}
    if len(names) != 1 or "None" in names:
        return None
    return _field_of(children[0])


def _values_text(node: Item) -> str:
    if isinstance(node, Is):
        return _value_text(node.value)
    kind = type(node).__name__
    if kind == "Not":
        inner = _values_text(node.a)  # type: ignore[attr-defined]
        return f"not {inner}" if isinstance(node.a, Is) else f"not ({inner})"  # type: ignore[attr-defined]
    joiner = " or " if kind == "OrOperation" else " and "
    parts = []
    for child in node.operands:  # type: ignore[attr-defined]
        text = _values_text(child)
        parts.append(f"({text})" if not isinstance(child, Is) else text)
    return joiner.join(parts)


def _text(node: Item, top: bool = False) -> str:
    if isinstance(node, Is):
        value = _value_text(node.value)
        return value if node.field is None else f"{_field_text(node.field)}:{value}"
    if isinstance(node, Exists):
        return f"{_field_text(node.field)}:*"
    if isinstance(node, Range):
        return f"{_field_text(node.field)} {node.op} {_value_text(node.value)}"
    if isinstance(node, Nested):
        return f"{_field_text(node.path)}:{{ {_text(node.query, True)} }}"
    kind = type(node).__name__
    if kind == "MatchAll":
        return "*:*"
    if kind == "Not":
        return f"not {_text(node.a)}"  # type: ignore[attr-defined]
    if kind in ("OrOperation", "AndOperation"):
        name = _field_of(node)
        if name is not None:
            return f"{_field_text(name)}:({_values_text(node)})"
        joiner = " or " if kind == "OrOperation" else " and "
        text = joiner.join(_text(child) for child in node.operands)  # type: ignore[attr-defined]
        return text if top else f"({text})"
    return repr(node)


def _field_text(name: Any) -> str:
    if isinstance(name, Wildcard):
        return _value_text(name)
    return _escape(str(name))


def _value_text(value: Any) -> str:
    if isinstance(value, Wildcard):
        return "".join("*" if part is STAR else _escape(str(part)) for part in value.parts)
    if isinstance(value, Literal):
        raw = value.value
        if raw is None or isinstance(raw, bool):
            return json.dumps(raw)
        if value.quoted:
            return '"' + raw.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return _escape(raw)
    return repr(value)


def _escape(text: str) -> str:
    out = "".join("\\" + c if c in _SPECIAL else c for c in text)
    return out.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _show_values(name: str, values: list[Any]) -> str:
    if not values:
        return f"{name} missing"
    shown = [json.dumps(v, ensure_ascii=False) for v in values]
    if len(shown) == 1:
        return f"{name} = {shown[0]}"
    return f"{name} = [{', '.join(shown)}]"
