"""KQL tree -> the Elasticsearch query DSL that Kibana's detection engine sends (kql.md A2).

`to_dsl(tree, fields)` follows `kbn-es-query`'s `toElasticsearchQuery` (is.ts, range.ts, and.ts, or.ts, not.ts,
nested.ts, wildcard.ts) with the configuration of detection rules (A2.1): fields loaded from the mappings
(`loadFields: true`; `fields` is the catalog standing in for the data view), leading wildcards allowed, no
`caseInsensitive`, `dateFormatTZ` 'Zulu' (UTC), no `filtersInMustClause`, no `nestedIgnoreUnmapped`.

- `and` -> `bool.filter`, `or` -> `bool.should` + `minimum_should_match: 1`, `not` -> `bool.must_not` (one object).
  Kibana simplifies nothing: every field clause is wrapped in its own `bool.should` (msm 1), even for one field.
- A field clause expands to one query per field the name resolves to (a wildcard name matches every leaf field of
  the catalog); a name the catalog does not know is sent as-is with no type (A2.5), so it never gets `term`,
  `wildcard` or a `time_zone`.
- `fields=None` is Kibana without a data view: every name is sent as-is, as an unknown field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rule_kit.fields.catalog import FieldCatalog
from rule_kit.kql.nodes import (
    STAR,
    AndOperation,
    Exists,
    Is,
    Item,
    Literal,
    MatchAll,
    Nested,
    Not,
    OrOperation,
    Range,
    Wildcard,
)

__all__ = ["DEFAULT_TIME_ZONE", "DslError", "escape_query_string", "to_dsl", "wildcard_query_string"]

# The detection engine's dateFormatTZ (A2.1); Kibana passes it through to `time_zone` unchanged.
DEFAULT_TIME_ZONE = "Zulu"

_RANGE_OPS = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_QUERY_STRING_SPECIAL = re.compile(r'[+\-=&|><!(){}\[\]^"~*?:\\/]')
_EPOCH = re.compile(r"\d+")
# Kibana's data view type `date` covers both mapping types.
_DATE_TYPES = frozenset({"date", "date_nanos"})
# Not fields of a data view: an object path has no value; a nested path only groups fields.
_NOT_DATA_VIEW_FIELDS = frozenset({"object", "nested"})


class DslError(ValueError):
    """The tree cannot be translated (Kibana throws too, e.g. a nested field queried outside its nested group)."""


@dataclass(frozen=True, slots=True)
class _Field:
    """One data-view field a clause resolves to: `es_type` is '' for a name the catalog does not know."""

    name: str
    es_type: str
    nested_path: str | None = None

    @property
    def keyword_only(self) -> bool:
        # Kibana: `esTypes.length === 1 && esTypes.includes('keyword')`; wildcard, constant_keyword and unknown
        # types are not keyword-only. A keyword field's multi-fields (`.text`, `.caseless`) are separate fields.
        return self.es_type == "keyword"

    @property
    def is_date(self) -> bool:
        return self.es_type in _DATE_TYPES


def escape_query_string(text: str) -> str:
    """Escape Lucene query_string's reserved characters (Kibana wildcard.ts `escapeQueryString`); whitespace is
    not escaped."""
    return _QUERY_STRING_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def wildcard_query_string(value: Wildcard) -> str:
    """Kibana's `toQueryStringQuery`: each literal segment escaped, the segments joined by `*` (used for both the
    `wildcard` and the `query_string` query)."""
    return "".join("*" if part is STAR else escape_query_string(str(part)) for part in value.parts)


def _raw_wildcard(value: Wildcard) -> str:
    """Kibana's `wildcard.toElasticsearchQuery`: the segments joined by `*`, nothing escaped."""
    return "".join("*" if part is STAR else str(part) for part in value.parts)


def _is_lone_star(value: object) -> bool:
    return isinstance(value, Wildcard) and len(value.parts) > 0 and all(part is STAR for part in value.parts)


def _value(value: Literal | Wildcard) -> Any:
    return _raw_wildcard(value) if isinstance(value, Wildcard) else value.value


def to_dsl(tree: Item, fields: FieldCatalog | None = None, *, time_zone: str = DEFAULT_TIME_ZONE) -> dict[str, Any]:
    """The Elasticsearch query (the object under `"query"`) that Kibana builds for `tree` against `fields`.

    Raises `DslError` for a node that is not part of the KQL tree contract, or a field queried in the wrong
    nested group (Kibana's error messages).
    """
    return _Translator(fields, time_zone).query(tree, None)


class _Translator:
    def __init__(self, fields: FieldCatalog | None, time_zone: str) -> None:
        self.catalog = fields
        self.time_zone = time_zone

    # --- tree walk ------------------------------------------------------------------------------------------

    def query(self, node: Item, nested: str | None) -> dict[str, Any]:
        if isinstance(node, AndOperation):
            return {"bool": {"filter": [self.query(child, nested) for child in node.children]}}
        if isinstance(node, OrOperation):
            return {
                "bool": {"should": [self.query(child, nested) for child in node.children], "minimum_should_match": 1}
            }
        if isinstance(node, Not):
            return {"bool": {"must_not": self.query(node.a, nested)}}
        if isinstance(node, MatchAll):
            return {"match_all": {}}
        if isinstance(node, Nested):
            path = f"{nested}.{node.path}" if nested else node.path
            return {"nested": {"path": path, "query": self.query(node.query, path), "score_mode": "none"}}
        if isinstance(node, Exists):
            return self.is_query(node.field, Wildcard((STAR,)), nested)
        if isinstance(node, Is):
            return self.is_query(node.field, node.value, nested)
        if isinstance(node, Range):
            return self.range_query(node, nested)
        raise DslError(f"not a KQL node: {node!r}")

    # --- is.ts --------------------------------------------------------------------------------------------

    def is_query(self, field: str | Wildcard | None, value: Literal | Wildcard, nested: str | None) -> dict[str, Any]:
        is_exists = _is_lone_star(value)
        if is_exists and _is_lone_star(field):
            return {"match_all": {}}
        if field is None:
            if isinstance(value, Wildcard):
                return {"query_string": {"query": wildcard_query_string(value)}}
            kind = "phrase" if value.quoted else "best_fields"
            return {"multi_match": {"type": kind, "query": value.value, "lenient": True}}

        queries = []
        for target in self.fields_for(field, nested):
            if is_exists:
                query: dict[str, Any] = {"exists": {"field": target.name}}
            elif isinstance(value, Wildcard):
                pattern = wildcard_query_string(value)
                if target.keyword_only:
                    query = {"wildcard": {target.name: {"value": pattern}}}
                else:
                    query = {"query_string": {"fields": [target.name], "query": pattern}}
            elif target.is_date:
                bounds: dict[str, Any] = {"gte": value.value, "lte": value.value}
                bounds.update(self.time_zone_for(value.value))
                query = {"range": {target.name: bounds}}
            elif target.keyword_only:
                query = {"term": {target.name: {"value": value.value}}}
            else:
                query = {("match_phrase" if value.quoted else "match"): {target.name: value.value}}
            queries.append(self.wrap_nested(query, field, target, nested))
        return {"bool": {"should": queries, "minimum_should_match": 1}}

    # --- range.ts -----------------------------------------------------------------------------------------

    def range_query(self, node: Range, nested: str | None) -> dict[str, Any]:
        op = _RANGE_OPS.get(node.op)
        if op is None:
            raise DslError(f"not a range operator: {node.op!r}")
        value = _value(node.value)
        queries = []
        for target in self.fields_for(node.field, nested):
            params: dict[str, Any] = {op: value}
            if target.is_date:
                params.update(self.time_zone_for(value))
            queries.append(self.wrap_nested({"range": {target.name: params}}, node.field, target, nested))
        return {"bool": {"should": queries, "minimum_should_match": 1}}

    # --- fields ---------------------------------------------------------------------------------------------

    def time_zone_for(self, value: Any) -> dict[str, str]:
        """`time_zone` unless the value is epoch-like (a number, or a string of digits): Kibana is.ts/range.ts."""
        is_epoch = (isinstance(value, int | float) and not isinstance(value, bool)) or (
            isinstance(value, str) and _EPOCH.fullmatch(value) is not None
        )
        return {} if is_epoch or not self.time_zone else {"time_zone": self.time_zone}

    @staticmethod
    def wrap_nested(query: dict[str, Any], field: str | Wildcard, target: _Field, nested: str | None) -> dict[str, Any]:
        """A wildcard field name outside a nested group that reaches a nested field gets its own `nested` query."""
        if not isinstance(field, Wildcard) or target.nested_path is None or nested:
            return query
        return {"nested": {"path": target.nested_path, "query": query, "score_mode": "none"}}

    def fields_for(self, field: str | Wildcard, nested: str | None) -> list[_Field]:
        """Kibana's getFullFieldNameNode + getFields: the data-view fields a clause's field name resolves to, or
        the name itself as an untyped field when none does."""
        if isinstance(field, Wildcard):
            full: str | Wildcard = Wildcard((f"{nested}.", *field.parts)) if nested else field
        else:
            full = f"{nested}.{field}" if nested else field
        found = self.lookup(full)
        if nested is not None or not isinstance(full, Wildcard):
            errors = [self.nested_error(target, nested) for target in found]
            if any(errors):
                raise DslError("\n".join(error for error in errors if error))
        if not found:
            name = _raw_wildcard(full) if isinstance(full, Wildcard) else full
            return [_Field(name, "")]
        return found

    def lookup(self, name: str | Wildcard) -> list[_Field]:
        catalog = self.catalog
        if catalog is None:
            return []
        if isinstance(name, Wildcard):
            regex = re.compile(
                "".join("[\\s\\S]*" if part is STAR else re.escape(str(part)) for part in name.parts), re.DOTALL
            )
            names = sorted(n for n in catalog.names() if regex.fullmatch(n))
        else:
            names = [name]
        out = []
        for candidate in names:
            info = catalog.resolve(candidate)
            if info is None or info.type in _NOT_DATA_VIEW_FIELDS:
                continue
            out.append(_Field(candidate, info.type, catalog.nested_path(candidate)))
        return out

    @staticmethod
    def nested_error(target: _Field, nested: str | None) -> str | None:
        """Kibana's checks that a field is queried inside its own nested group (getFullFieldNameNode)."""
        if nested and not target.nested_path:
            return f'{target.name} is not a nested field but is in nested group "{nested}" in the KQL expression.'
        if target.nested_path and not nested:
            return f"{target.name} is a nested field, but is not in a nested group in the KQL expression."
        if target.nested_path != nested:
            return (
                f"Nested field {target.name} is being queried with the incorrect nested path. "
                f"The correct path is {target.nested_path}."
            )
        return None
