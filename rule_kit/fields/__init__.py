"""Field catalogs: ECS (packaged), Elastic Defend's `.caseless` multi-fields, and the team's own fields.

`catalog_for_indices(rule_indices, extra)` is what checks call; `load_catalogs(config_entries, base)` turns the
configured `field-catalogs` into that `extra`. See docs/fields.md.
"""

from rule_kit.fields.catalog import (
    AGGREGATABLE_TYPES,
    DEFEND_CASELESS_FIELDS,
    DEFEND_INDEX_PATTERNS,
    FIELD_TYPES,
    KEYWORD_TYPES,
    NUMERIC_TYPES,
    OBJECT_TYPES,
    TEXT_TYPES,
    CatalogError,
    FieldCatalog,
    FieldInfo,
    catalog_for_indices,
    is_defend_pattern,
    load_catalog_file,
    load_catalogs,
    load_ecs,
)

__all__ = [
    "AGGREGATABLE_TYPES",
    "DEFEND_CASELESS_FIELDS",
    "DEFEND_INDEX_PATTERNS",
    "FIELD_TYPES",
    "KEYWORD_TYPES",
    "NUMERIC_TYPES",
    "OBJECT_TYPES",
    "TEXT_TYPES",
    "CatalogError",
    "FieldCatalog",
    "FieldInfo",
    "catalog_for_indices",
    "is_defend_pattern",
    "load_catalog_file",
    "load_catalogs",
    "load_ecs",
]
