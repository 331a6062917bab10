"""Field catalogs: which fields exist for a rule's indices, with their Elasticsearch mapping types.

- `load_ecs()` is the packaged Elastic Common Schema (`rule_kit/data/ecs/ecs_fields.json`, written by
  `python -m rule_kit.fields.build_ecs`): every ECS field, its `.text` multi-fields and the object paths above them.
- `catalog_for_indices(indices, extra)` is ECS, plus the `.caseless` multi-fields that Elastic Defend maps when an
  index pattern can reach Defend's indices, plus the team's own fields (`extra`).
- `load_catalog_file(path)` reads a team catalog: a YAML or TOML file mapping field name -> type.

What is known: a name is known when the catalog holds it exactly: a field, a multi-field (`process.name.text`) or
an object path above fields (`process`, `process.parent`, known with type `object`, not as a leaf). `resolve()`
also types the children of dynamically mapped parents (`labels.*`, `container.labels.*` under an ECS object with
`object_type`, and keys under a `flattened` field); `is_known()` does not count those.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

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

NUMERIC_TYPES = frozenset(
    {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long"}
)
KEYWORD_TYPES = frozenset({"keyword", "constant_keyword", "wildcard"})
TEXT_TYPES = frozenset({"text", "match_only_text"})
OBJECT_TYPES = frozenset({"object", "nested"})
# What a terms/composite aggregation (new_terms, threshold, alert suppression) can group by.
AGGREGATABLE_TYPES = KEYWORD_TYPES | NUMERIC_TYPES | {"ip", "date", "date_nanos", "boolean", "version"}
# Every mapping type a catalog may name: ECS's types and the common Elasticsearch field types.
FIELD_TYPES = (
    AGGREGATABLE_TYPES
    | TEXT_TYPES
    | OBJECT_TYPES
    | {"flattened", "geo_point", "geo_shape", "point", "shape", "binary", "ip_range", "date_range", "long_range"}
    | {"integer_range", "float_range", "double_range", "dense_vector", "sparse_vector", "semantic_text"}
)
_IGNORE_ABOVE_TYPES = frozenset({"keyword", "wildcard", "flattened"})
_NORMALIZER_TYPES = frozenset({"keyword"})

# Elastic Defend (Elastic Endpoint) writes to these indices; the legacy Endgame platform to endgame-*.
DEFEND_INDEX_PATTERNS: tuple[str, ...] = ("logs-endpoint.*", "endgame-*", ".ds-logs-endpoint*")

_LEADERS = ("process", "process.parent", "process.entry_leader", "process.session_leader", "process.group_leader")
# The fields that Defend maps with a `.caseless` keyword multi-field (normalizer `lowercase`, ignore_above 1024)
# and a `.text` multi-field of type `text`: kql.md A3.10 (process.*, host.os.*), checked against
# elastic/endpoint-package `data_stream/process/fields/fields.yml` (which adds process.previous.executable) and
# `data_stream/file/fields/fields.yml` (file.path, file.target_path; not file.name, not user.name).
DEFEND_CASELESS_FIELDS: tuple[str, ...] = (
    *(
        f"{leader}.{name}"
        for leader in _LEADERS
        for name in ("command_line", "executable", "name", "working_directory")
    ),
    "process.previous.executable",
    "file.path",
    "file.target_path",
    "host.os.full",
    "host.os.name",
)
DEFEND_SOURCE = "Elastic Defend"

_DATA_FILE = ("data", "ecs", "ecs_fields.json")


class CatalogError(ValueError):
    """A field catalog cannot be used (a configuration error for the caller): `path`, `line` and `key` say where."""

    def __init__(
        self, message: str, *, path: str | Path | None = None, line: int | None = None, key: str | None = None
    ):
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.key = key
        where = self.path or ""
        if where and line is not None:
            where += f":{line}"
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One field as Elasticsearch maps it.

    `ignore_above`: keyword values longer than this are not indexed. `normalizer`: a keyword normalizer
    (`lowercase` for Defend's `.caseless`). `source`: where the definition comes from ("ECS 9.5.0-dev",
    "Elastic Defend", a team catalog's path). `normalize`: ECS's expectations on the value (`("array",)`).
    `multi_fields`: the full names of this field's multi-fields; `multi_field_of`: for a multi-field, its parent.
    `indexed`/`doc_values`: False when ECS maps the field `index: false` / `doc_values: false`.
    """

    name: str
    type: str
    ignore_above: int | None = None
    normalizer: str | None = None
    source: str = ""
    normalize: tuple[str, ...] = ()
    multi_fields: tuple[str, ...] = ()
    multi_field_of: str | None = None
    indexed: bool = True
    doc_values: bool = True
    scaling_factor: float | None = None
    object_type: str | None = None

    @property
    def aggregatable(self) -> bool:
        """Usable as a terms/composite aggregation source (new_terms, threshold): keyword family, ip, numbers,
        dates and booleans with doc values. Text, objects, nested and flattened parents, geo types are not."""
        return self.type in AGGREGATABLE_TYPES and (self.doc_values or self.type == "constant_keyword")

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def is_keyword_like(self) -> bool:
        """keyword, constant_keyword or wildcard: whole-value, case-sensitive unless there is a normalizer."""
        return self.type in KEYWORD_TYPES

    @property
    def is_text(self) -> bool:
        """text or match_only_text: analyzed into lowercased word tokens."""
        return self.type in TEXT_TYPES

    @property
    def is_object(self) -> bool:
        """An object or nested path: holds fields, has no value of its own."""
        return self.type in OBJECT_TYPES

    @property
    def is_leaf(self) -> bool:
        return self.type not in OBJECT_TYPES

    @property
    def is_array(self) -> bool:
        """ECS expects an array of values (`normalize: array`), e.g. event.category."""
        return "array" in self.normalize

    @property
    def is_multi_field(self) -> bool:
        return self.multi_field_of is not None

    @property
    def searchable(self) -> bool:
        """Elasticsearch can query it: indexed, or at least with doc values."""
        return self.indexed or self.doc_values


# A catalog entry before it is first looked up: (type, ignore_above, extras, source, multi_field_of). The packaged
# ECS is ~3,400 names; building a FieldInfo for each on load would cost more than reading the JSON, so entries
# become FieldInfo objects when first asked for.
_Raw = tuple[str, "int | None", "Mapping[str, Any]", str, "str | None"]
_NO_EXTRAS: Mapping[str, Any] = {}


def _materialize(name: str, raw: _Raw) -> FieldInfo:
    ftype, ignore_above, extras, source, multi_field_of = raw
    subs = extras.get("multi_fields")
    return FieldInfo(
        name,
        ftype,
        ignore_above,
        extras.get("normalizer"),
        source,
        tuple(extras.get("normalize", ())),
        tuple(f"{name}.{sub}" for sub in subs) if subs else (),
        multi_field_of,
        extras.get("index", True),
        extras.get("doc_values", True),
        extras.get("scaling_factor"),
        extras.get("object_type"),
    )


class FieldCatalog:
    """Field name -> `FieldInfo`, with O(1) lookups. Object paths above fields are implied (type `object`)."""

    __slots__ = ("_explicit", "_fields", "_names", "source", "version")

    def __init__(self, fields: Iterable[FieldInfo] = (), *, source: str = "", version: str | None = None) -> None:
        self._setup({info.name: info for info in fields}, source, version)

    def _setup(self, explicit: dict[str, FieldInfo | _Raw], source: str, version: str | None) -> None:
        self._explicit = explicit
        self._fields: dict[str, FieldInfo | _Raw] = _with_parents(explicit)
        self._names: tuple[str, ...] | None = None
        self.source = source
        self.version = version

    @classmethod
    def _from_entries(cls, explicit: dict[str, FieldInfo | _Raw], source: str, version: str | None) -> FieldCatalog:
        catalog = cls.__new__(cls)
        catalog._setup(explicit, source, version)
        return catalog

    def get(self, name: str) -> FieldInfo | None:
        value = self._fields.get(name)
        if value is None or type(value) is FieldInfo:
            return value  # type: ignore[return-value]
        info = self._fields[name] = _materialize(name, value)  # type: ignore[arg-type]
        return info

    def __contains__(self, name: object) -> bool:
        return name in self._fields

    def __len__(self) -> int:
        return len(self._fields)

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def values(self) -> Iterator[FieldInfo]:
        """Every entry's `FieldInfo` (fields, multi-fields, object paths)."""
        for name in list(self._fields):
            yield self.get(name)  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"<FieldCatalog {self.source or 'custom'}: {len(self._fields)} names>"

    def names(self) -> tuple[str, ...]:
        """Every known name (fields, multi-fields, object paths), sorted."""
        if self._names is None:
            self._names = tuple(sorted(self._fields))
        return self._names

    def suggest(self, name: str) -> str | None:
        """The known field closest to a misspelt `name` (siblings first), for a did-you-mean."""
        parent = name.rsplit(".", 1)[0]
        candidates = [n for n in self.names() if n.startswith(parent)] or list(self.names())
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.8)
        return close[0] if close else None

    def type_of(self, name: str) -> str | None:
        value = self._fields.get(name)
        if value is None:
            return None
        return value.type if type(value) is FieldInfo else value[0]  # type: ignore[union-attr,index]

    def is_known(self, name: str) -> bool:
        """Exactly a field, a multi-field or an object path of this catalog (dynamic children are not counted)."""
        return name in self._fields

    def resolve(self, name: str) -> FieldInfo | None:
        """`get(name)`, or a typed child of a dynamically mapped parent: `labels.env` (ECS `labels` is an object
        with `object_type: keyword`) is a keyword; a key under a `flattened` field is keyword-like."""
        info = self.get(name)
        if info is not None:
            return info
        cut = name.rfind(".")
        while cut > 0:
            parent = self.get(name[:cut])
            if parent is not None:
                if parent.type == "flattened":
                    source = f"{parent.source} (flattened {parent.name})"
                    return FieldInfo(name, "keyword", None, None, source)
                if parent.object_type is not None:
                    return FieldInfo(name, parent.object_type, None, None, f"{parent.source} ({parent.name}.*)")
                return None
            cut = name.rfind(".", 0, cut)
        return None

    def nested_path(self, name: str) -> str | None:
        """The closest `nested` object above `name` (KQL needs `path:{ ... }` to query inside it), or None."""
        cut = name.rfind(".")
        while cut > 0:
            if self.type_of(name[:cut]) == "nested":
                return name[:cut]
            cut = name.rfind(".", 0, cut)
        return None

    def merged(self, other: FieldCatalog) -> FieldCatalog:
        """A new catalog: this one's fields, then `other`'s (a field in both gets `other`'s definition)."""
        source = " + ".join(s for s in (self.source, other.source) if s)
        return FieldCatalog._from_entries({**self._explicit, **other._explicit}, source, self.version or other.version)


def _source_of(value: FieldInfo | _Raw) -> str:
    return value.source if type(value) is FieldInfo else value[3]  # type: ignore[union-attr,index]


def _with_parents(explicit: Mapping[str, FieldInfo | _Raw]) -> dict[str, FieldInfo | _Raw]:
    """The explicit fields plus an `object` entry for every path above them that is not itself a field."""
    fields = dict(explicit)
    objects: dict[str, _Raw] = {}
    for name, value in explicit.items():
        cut = name.rfind(".")
        while cut > 0:
            parent = name[:cut]
            if parent in fields:
                break
            source = _source_of(value)
            raw = objects.get(source)
            if raw is None:
                raw = objects[source] = ("object", None, _NO_EXTRAS, source, None)
            fields[parent] = raw
            cut = name.rfind(".", 0, cut)
    return fields


# --- ECS ------------------------------------------------------------------------------------------------------


def _add_entry(out: dict[str, FieldInfo | _Raw], name: str, entry: list[Any], source: str, parent: str | None) -> None:
    """One packaged entry `[type, ignore_above?, extras?]` -> the field and its multi-fields, unmaterialized."""
    size = len(entry)
    extras = entry[2] if size > 2 else _NO_EXTRAS
    out[name] = (entry[0], entry[1] if size > 1 else None, extras, source, parent)
    subs = extras.get("multi_fields")
    if subs:
        for sub, sub_entry in subs.items():
            _add_entry(out, f"{name}.{sub}", sub_entry, source, name)


def read_packaged_ecs() -> dict[str, Any]:
    """The packaged ECS document as stored: version, source, fields."""
    data = resources.files("rule_kit").joinpath(*_DATA_FILE).read_bytes()
    return json.loads(data)


@functools.cache
def load_ecs() -> FieldCatalog:
    """The packaged ECS catalog (loaded once per process)."""
    doc = read_packaged_ecs()
    source = f"ECS {doc['version']}"
    explicit: dict[str, FieldInfo | _Raw] = {}
    for name, entry in doc["fields"].items():
        _add_entry(explicit, name, entry, source, None)
    return FieldCatalog._from_entries(explicit, source, doc["version"])


# --- Elastic Defend and index patterns --------------------------------------------------------------------------


def _globs_intersect(a: str, b: str) -> bool:
    """Whether two index patterns (`*` is the only wildcard) can match a common index name.

    `meets[i][j]`: the suffixes a[i:] and b[j:] can match a common string. A `*` may match nothing, or take the
    other side's next symbol (a character, or whatever the other side's `*` produces) and stay.
    """
    n, m = len(a), len(b)
    meets = [[False] * (m + 1) for _ in range(n + 1)]
    meets[n][m] = True
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            if i < n and a[i] == "*":
                meets[i][j] = meets[i + 1][j] or (j < m and meets[i][j + 1])
            elif j < m and b[j] == "*":
                meets[i][j] = meets[i][j + 1] or (i < n and meets[i + 1][j])
            else:
                meets[i][j] = i < n and j < m and a[i] == b[j] and meets[i + 1][j + 1]
    return meets[0][0]


@functools.lru_cache(maxsize=1024)
def is_defend_pattern(pattern: str) -> bool:
    """Whether an index pattern can reach Elastic Defend's indices (`logs-endpoint.events.process-*`, and also
    `logs-*` or `*`, whose data view holds Defend's mappings). Exclusions (`-foo*`) reach nothing; a
    cross-cluster prefix (`remote:logs-endpoint.*`) is ignored."""
    pattern = pattern.strip()
    if not pattern or pattern.startswith("-"):
        return False
    pattern = pattern.rsplit(":", 1)[-1]
    return any(_globs_intersect(pattern, defend) for defend in DEFEND_INDEX_PATTERNS)


@functools.cache
def _defend_overlay(ecs: FieldCatalog) -> FieldCatalog:
    """Defend's mapping differences from ECS: `.caseless` (keyword, lowercase) and `.text` of type `text`."""
    infos: list[FieldInfo] = []
    for name in DEFEND_CASELESS_FIELDS:
        base = ecs.get(name)
        if base is None:  # pragma: no cover - guarded by a test on the packaged ECS
            continue
        caseless, text = f"{name}.caseless", f"{name}.text"
        subs = base.multi_fields + tuple(s for s in (caseless, text) if s not in base.multi_fields)
        infos.append(replace(base, multi_fields=subs))
        infos.append(FieldInfo(caseless, "keyword", 1024, "lowercase", DEFEND_SOURCE, multi_field_of=name))
        infos.append(FieldInfo(text, "text", None, None, DEFEND_SOURCE, multi_field_of=name))
    return FieldCatalog(infos, source=DEFEND_SOURCE)


@functools.cache
def _composed(ecs: FieldCatalog, defend: bool, extra: FieldCatalog | None) -> FieldCatalog:
    catalog = ecs.merged(_defend_overlay(ecs)) if defend else ecs
    return catalog if extra is None else catalog.merged(extra)


@functools.lru_cache(maxsize=4096)
def _reaches_defend(indices: tuple[str, ...]) -> bool:
    return any(is_defend_pattern(pattern) for pattern in indices)


def catalog_for_indices(indices: Iterable[str] | None, extra: FieldCatalog | None = None) -> FieldCatalog:
    """The fields a rule querying `indices` can use: ECS, Defend's `.caseless`/`.text` multi-fields when a pattern
    can reach Defend's indices, then `extra` (the team's catalogs; its definitions win).

    Cached per distinct tuple of patterns and `extra` object: load team catalogs once and pass the same object.
    `None` or `[]` (a rule on a data view) gives ECS plus `extra`.
    """
    if isinstance(indices, str):
        indices = (indices,)
    return _composed(load_ecs(), _reaches_defend(tuple(indices or ())), extra)


# --- team catalogs ------------------------------------------------------------------------------------------------

_SPEC_KEYS = ("type", "ignore_above", "normalizer")


def _suggest(word: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _field_info(
    name: Any, spec: Any, *, path: Path, line: int | None, spec_lines: Mapping[str, int] | None = None
) -> FieldInfo:
    """One team catalog entry: `name: type` or `name: {type, ignore_above, normalizer}`."""

    def fail(message: str, key: str | None = None) -> CatalogError:
        at = line if key is None or spec_lines is None else spec_lines.get(key, line)
        return CatalogError(message, path=path, line=at, key=str(name))

    if not isinstance(name, str) or not re.fullmatch(r"[^.\s*]+(\.[^.\s*]+)*", name):
        raise fail(f"'{name}' is not a field name (dotted names, no spaces, no wildcards)")
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, Mapping):
        raise fail(f"field '{name}': expected a type name or a table with 'type', got {type(spec).__name__}")
    for key in spec:
        if key not in _SPEC_KEYS:
            hint = " (quote dotted field names in TOML)" if isinstance(spec[key], Mapping) else ""
            raise fail(f"field '{name}': unknown key '{key}'{hint}; expected {', '.join(_SPEC_KEYS)}", key)
    ftype = spec.get("type")
    if not isinstance(ftype, str):
        raise fail(f"field '{name}': 'type' is required and must be a string")
    if ftype not in FIELD_TYPES:
        raise fail(f"field '{name}': unknown type '{ftype}'{_suggest(ftype, FIELD_TYPES)}", "type")
    ignore_above = spec.get("ignore_above")
    if ignore_above is not None:
        if isinstance(ignore_above, bool) or not isinstance(ignore_above, int) or ignore_above < 0:
            raise fail(f"field '{name}': ignore_above must be a non-negative integer", "ignore_above")
        if ftype not in _IGNORE_ABOVE_TYPES:
            raise fail(
                f"field '{name}': ignore_above applies to keyword, wildcard or flattened, not {ftype}", "ignore_above"
            )
    normalizer = spec.get("normalizer")
    if normalizer is not None:
        if not isinstance(normalizer, str) or not normalizer:
            raise fail(f"field '{name}': normalizer must be a name such as 'lowercase'", "normalizer")
        if ftype not in _NORMALIZER_TYPES:
            raise fail(f"field '{name}': a normalizer applies to keyword fields, not {ftype}", "normalizer")
    return FieldInfo(name, ftype, ignore_above, normalizer, str(path))


def _load_yaml(path: Path, text: str) -> list[FieldInfo]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise CatalogError(
            f"not valid YAML: {exc.problem or exc}", path=path, line=mark.line + 1 if mark else None
        ) from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"not valid YAML: {exc}", path=path) from None
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        raise CatalogError("expected a mapping of field name -> type", path=path, line=root.start_mark.line + 1)
    constructor = yaml.SafeLoader("")
    infos: dict[str, FieldInfo] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        name = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if name in infos:
            raise CatalogError(f"field '{name}' is listed twice", path=path, line=line, key=name)
        spec_lines: dict[str, int] = {}
        if isinstance(value_node, yaml.MappingNode):
            spec_lines = {k.value: k.start_mark.line + 1 for k, _ in value_node.value if isinstance(k, yaml.ScalarNode)}
        try:
            spec = constructor.construct_object(value_node, deep=True)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or exc
            raise CatalogError(f"field '{name}': {problem}", path=path, line=line) from None
        infos[name] = _field_info(name, spec, path=path, line=line, spec_lines=spec_lines)
    return list(infos.values())


def _load_toml(path: Path, text: str) -> list[FieldInfo]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise CatalogError(f"not valid TOML: {exc}", path=path, line=int(found.group(1)) if found else None) from None
    positions = None

    def line_of(*key_path: str) -> int:
        nonlocal positions
        if positions is None:
            from rule_kit.rules.positions import PositionIndex

            positions = PositionIndex(text)
        span, _ = positions.nearest(key_path, prefer_key=True)
        return span.line

    infos = []
    for name, spec in doc.items():
        try:
            infos.append(_field_info(name, spec, path=path, line=None))
        except CatalogError:
            # positions only for the failing entry: run again with the lines of its key and of its table's keys
            spec_lines = {key: line_of(name, key) for key in spec} if isinstance(spec, Mapping) else None
            _field_info(name, spec, path=path, line=line_of(name), spec_lines=spec_lines)
            raise  # pragma: no cover - the second run raises the same error with its line
    return infos


def load_catalog_file(path: str | Path) -> FieldCatalog:
    """A team catalog: YAML (`.yml`/`.yaml`) or TOML (`.toml`), each key a full field name, each value a type
    (`okta.target.display_name: keyword`) or a table `{type, ignore_above, normalizer}`.

    Raises `CatalogError` (with the file, the line and the key) for an unreadable file, a syntax error, an unknown
    type or key; the caller reports it as a configuration error.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"cannot read the field catalog: {exc}", path=path) from None
    suffix = path.suffix.lower()
    if suffix in (".yml", ".yaml"):
        infos = _load_yaml(path, text)
    elif suffix == ".toml":
        infos = _load_toml(path, text)
    else:
        raise CatalogError("a field catalog is a .yml, .yaml or .toml file", path=path)
    return FieldCatalog(infos, source=str(path))


def load_catalogs(entries: Iterable[str | Path], base: str | Path | None = None) -> FieldCatalog | None:
    """The configured `field-catalogs` list as one `extra` catalog for `catalog_for_indices`: each team file
    (relative to `base`) merged in order, later files winning. The entry `"ecs"` names the packaged ECS, which
    `catalog_for_indices` always includes, so it is skipped here. None when there is no team file."""
    merged: FieldCatalog | None = None
    for entry in entries:
        if str(entry) == "ecs":
            continue
        path = Path(entry)
        if base is not None and not path.is_absolute():
            path = Path(base) / path
        catalog = load_catalog_file(path)
        merged = catalog if merged is None else merged.merged(catalog)
    return merged
