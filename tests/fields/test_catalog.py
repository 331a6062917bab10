"""The field catalog: packaged ECS types, Defend's `.caseless` multi-fields, team catalogs, the builder."""

from __future__ import annotations

import collections
import fnmatch
import json
import time
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rule_kit.fields import (
    DEFEND_CASELESS_FIELDS,
    CatalogError,
    FieldCatalog,
    FieldInfo,
    build_ecs,
    catalog_for_indices,
    is_defend_pattern,
    load_catalog_file,
    load_catalogs,
    load_ecs,
)
from rule_kit.fields.catalog import FIELD_TYPES, _globs_intersect

ROOT = Path(__file__).resolve().parents[2]
ECS_DIR = ROOT.parent / "shared" / "data" / "ecs"
ECS_FLAT = ECS_DIR / "ecs_flat.yml"
PACKAGED = resources.files("rule_kit").joinpath("data", "ecs", "ecs_fields.json")
needs_shared = pytest.mark.skipif(not ECS_FLAT.is_file(), reason="needs ../shared/data/ecs/ecs_flat.yml")

DEFEND = ["logs-endpoint.events.process-*"]
CLOUDTRAIL = ["logs-aws.cloudtrail-*"]


@pytest.fixture(scope="module")
def ecs() -> FieldCatalog:
    return load_ecs()


# --- ECS types (kql.md A2.6, A3.2-A3.10) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "type_", "ignore_above"),
    [
        ("process.name", "keyword", 1024),
        ("process.executable", "keyword", 1024),
        ("process.parent.executable", "keyword", 1024),
        ("process.args", "keyword", 1024),
        ("host.id", "keyword", 1024),
        ("user.name", "keyword", 1024),
        ("file.path", "keyword", 1024),
        ("event.category", "keyword", 1024),
        ("process.command_line", "wildcard", None),
        ("url.full", "wildcard", None),
        ("url.original", "wildcard", None),
        ("registry.data.strings", "wildcard", None),
        ("message", "match_only_text", None),
        ("source.ip", "ip", None),
        ("event.ingested", "date", None),
        ("@timestamp", "date", None),
        ("process.pid", "long", None),
        ("event.original", "keyword", None),
        ("data_stream.dataset", "constant_keyword", None),
        ("file.drive_letter", "keyword", 1),
        ("url.query", "keyword", 2083),
    ],
)
def test_ecs_types(ecs: FieldCatalog, name: str, type_: str, ignore_above: int | None) -> None:
    info = ecs.get(name)
    assert info is not None, name
    assert (info.type, info.ignore_above, info.normalizer) == (type_, ignore_above, None)
    assert ecs.type_of(name) == type_
    assert info.source == "ECS 9.5.0-dev"
    assert info.is_leaf and not info.is_multi_field


def test_text_multi_fields(ecs: FieldCatalog) -> None:
    for parent in ("process.command_line", "process.name", "process.executable", "process.working_directory"):
        assert ecs.get(parent).multi_fields == (f"{parent}.text",)
        text = ecs.get(f"{parent}.text")
        assert (text.type, text.multi_field_of, text.is_text) == ("match_only_text", parent, True)
    for parent in ("file.path", "user.name", "url.full", "url.original"):
        assert ecs.type_of(f"{parent}.text") == "match_only_text"
    assert "url.path.text" not in ecs
    assert ecs.get("process.args").multi_fields == ()
    assert ecs.get("message").multi_fields == ()
    # ECS itself has no .caseless multi-fields: those are Elastic Defend's
    assert not [name for name in ecs.names() if name.endswith(".caseless")]


def test_a_field_called_text_is_not_a_multi_field(ecs: FieldCatalog) -> None:
    io_text = ecs.get("process.io.text")
    assert (io_text.type, io_text.multi_field_of) == ("wildcard", None)


def test_normalize_array(ecs: FieldCatalog) -> None:
    assert ecs.get("event.category").normalize == ("array",)
    assert ecs.get("event.category").is_array
    assert ecs.get("event.type").is_array
    assert not ecs.get("process.name").is_array


def test_ignore_above_1024_on_keyword_fields(ecs: FieldCatalog) -> None:
    keywords = [info for info in ecs.values() if info.type == "keyword" and not info.is_multi_field]
    with_1024 = [info for info in keywords if info.ignore_above == 1024]
    assert len(with_1024) >= 1900
    # the exceptions are deliberate in ECS: not indexed at all, or a different limit
    odd = {info.name for info in keywords if info.ignore_above is None}
    assert odd == {"event.original", "gen_ai.agent.description"}
    assert all(not ecs.get(name).indexed and not ecs.get(name).doc_values for name in odd)


def test_counts_match_the_spec(ecs: FieldCatalog) -> None:
    """kql.md A3: ECS 9.5.0-dev has 1957 keyword, 259 long, 122 match_only_text, 98 date, 77 boolean, 22 wildcard,
    18 ip fields (fields.csv counts the `.text` multi-fields too)."""
    listed = _packaged()["fields"]
    counts = collections.Counter(info.type for info in ecs.values() if info.type != "object" or info.name in listed)
    assert counts["keyword"] == 1957
    assert counts["long"] == 259
    assert counts["match_only_text"] == 122
    assert counts["date"] == 98
    assert counts["boolean"] == 77
    assert counts["wildcard"] == 22
    assert counts["ip"] == 18


@pytest.mark.parametrize(
    ("name", "aggregatable"),
    [
        ("process.name", True),
        ("process.command_line", True),  # wildcard: keyword family
        ("data_stream.dataset", True),  # constant_keyword
        ("source.ip", True),
        ("process.pid", True),
        ("container.cpu.usage", True),  # scaled_float
        ("@timestamp", True),
        ("event.ingested", True),
        ("process.interactive", True),  # boolean
        ("process.args", True),
        ("message", False),  # match_only_text
        ("process.command_line.text", False),
        ("event.original", False),  # doc_values: false
        ("file.x509.public_key_exponent", False),  # long without doc values
        ("process", False),  # object parent
        ("process.parent", False),
        ("labels", False),  # object
        ("email.attachments", False),  # nested
        ("dll.pe.imports", False),  # flattened
        ("source.geo.location", False),  # geo_point
    ],
)
def test_aggregatable(ecs: FieldCatalog, name: str, aggregatable: bool) -> None:
    assert ecs.get(name).aggregatable is aggregatable


def test_type_families(ecs: FieldCatalog) -> None:
    assert ecs.get("process.pid").is_numeric and not ecs.get("process.pid").is_keyword_like
    assert ecs.get("container.cpu.usage").is_numeric
    assert ecs.get("container.cpu.usage").scaling_factor == 1000
    assert ecs.get("process.name").is_keyword_like and not ecs.get("process.name").is_text
    assert ecs.get("process.command_line").is_keyword_like
    assert ecs.get("data_stream.dataset").is_keyword_like
    assert ecs.get("message").is_text and not ecs.get("message").is_keyword_like
    assert not ecs.get("source.ip").is_keyword_like and not ecs.get("source.ip").is_numeric
    assert not FieldInfo("x", "text").aggregatable and FieldInfo("x", "date_nanos").aggregatable


def test_object_paths_are_objects_not_leaves(ecs: FieldCatalog) -> None:
    for name in ("process", "process.parent", "host", "host.os", "threat.enrichments.indicator.file"):
        info = ecs.get(name)
        assert info is not None and name in ecs and ecs.is_known(name), name
        assert (info.type, info.is_object, info.is_leaf) == ("object", True, False)
    assert ecs.type_of("process.io") == "object"  # explicitly an object in ECS
    assert ecs.type_of("email.attachments") == "nested"
    assert ecs.get("process.nosuchfield") is None
    assert ecs.type_of("process.nosuchfield") is None
    assert "process.nosuchfield" not in ecs
    assert "process.name" in ecs.names() and "process" in ecs.names()
    assert list(ecs.names()) == sorted(ecs.names())


def test_known_names_and_dynamic_children(ecs: FieldCatalog) -> None:
    assert ecs.is_known("process.name") and ecs.is_known("process.name.text")
    assert not ecs.is_known("labels.env")
    labels = ecs.resolve("labels.env")
    assert (labels.type, labels.aggregatable) == ("keyword", True)
    assert ecs.resolve("container.labels.app").type == "keyword"
    assert ecs.resolve("dll.pe.imports.name").type == "keyword"
    assert ecs.resolve("process.name") is ecs.get("process.name")
    assert ecs.resolve("process.io.whatever") is None  # an object without object_type: unknown
    assert ecs.resolve("nosuch.field") is None


def test_nested_path(ecs: FieldCatalog) -> None:
    assert ecs.nested_path("email.attachments.file.name") == "email.attachments"
    assert ecs.nested_path("threat.enrichments.indicator.file.pe.sections.name") == (
        "threat.enrichments.indicator.file.pe.sections"
    )
    assert ecs.nested_path("threat.enrichments.matched.field") == "threat.enrichments"
    assert ecs.nested_path("process.name") is None


def test_every_packaged_type_is_known() -> None:
    assert {info.type for info in load_ecs().values()} <= FIELD_TYPES


def test_packaged_header_and_license() -> None:
    doc = _packaged()
    assert doc["version"] == "9.5.0-dev"
    assert doc["source"] == "elastic/ecs generated/ecs/ecs_flat.yml"
    assert doc["license"] == "Apache-2.0"
    assert len(doc["sha256"]) == 64
    assert load_ecs().version == "9.5.0-dev"
    license_text = resources.files("rule_kit").joinpath("data", "ecs", "LICENSE.txt").read_text(encoding="utf-8")
    assert "Apache License" in license_text


def test_fresh_load_is_fast() -> None:
    timings = []
    for _ in range(3):
        load_ecs.cache_clear()
        start = time.perf_counter()
        catalog = load_ecs()
        timings.append(time.perf_counter() - start)
        assert catalog.get("process.name").type == "keyword"
    assert min(timings) < 0.050, timings
    assert load_ecs() is load_ecs()


# --- Elastic Defend ----------------------------------------------------------------------------------------------


def test_caseless_for_a_defend_pattern() -> None:
    catalog = catalog_for_indices(DEFEND)
    caseless = catalog.get("process.name.caseless")
    assert caseless is not None
    assert (caseless.type, caseless.normalizer, caseless.ignore_above) == ("keyword", "lowercase", 1024)
    assert (caseless.multi_field_of, caseless.source, caseless.aggregatable) == ("process.name", "Elastic Defend", True)
    assert set(catalog.get("process.name").multi_fields) == {"process.name.text", "process.name.caseless"}
    assert catalog.type_of("process.name.text") == "text"  # Defend maps .text as text, ECS as match_only_text
    for name in ("process.command_line", "process.parent.command_line", "process.executable", "file.path"):
        assert catalog.get(f"{name}.caseless").normalizer == "lowercase", name
    assert "user.name.caseless" not in catalog
    assert "file.name.caseless" not in catalog
    # everything else is still ECS
    assert catalog.get("process.pid").type == "long"
    assert catalog.get("process.args").multi_fields == ()


def test_no_caseless_for_cloudtrail() -> None:
    catalog = catalog_for_indices(CLOUDTRAIL)
    assert "process.name.caseless" not in catalog
    assert catalog.type_of("process.name.text") == "match_only_text"
    assert catalog is load_ecs()
    assert catalog_for_indices([]) is load_ecs()
    assert catalog_for_indices(None) is load_ecs()
    load_ecs.cache_clear()  # a fresh ECS load is what catalog_for_indices hands out from then on
    assert catalog_for_indices(CLOUDTRAIL) is load_ecs()
    assert "process.name.caseless" in catalog_for_indices(DEFEND)


def test_the_spec_list_is_covered() -> None:
    """kql.md A3.10: process.command_line (+ parent., leaders), process.name/executable/working_directory,
    host.os.name/full carry `.caseless` on Endpoint."""
    spec = {"process.command_line", "process.parent.command_line", "process.name", "process.executable"}
    spec |= {"process.working_directory", "host.os.name", "host.os.full"}
    spec |= {f"process.{leader}.command_line" for leader in ("entry_leader", "session_leader", "group_leader")}
    assert spec <= set(DEFEND_CASELESS_FIELDS)
    assert "process.args" not in DEFEND_CASELESS_FIELDS
    ecs = load_ecs()
    assert all(ecs.get(name) is not None and ecs.get(name).is_keyword_like for name in DEFEND_CASELESS_FIELDS)


@pytest.mark.parametrize(
    ("pattern", "defend"),
    [
        ("logs-endpoint.events.process-*", True),
        ("logs-endpoint.events.*", True),
        ("logs-endpoint.alerts-*", True),
        ("logs-endpoint*", True),
        ("endgame-*", True),
        (".ds-logs-endpoint.events.file-default-2024.01.01-000001", True),
        ("logs-*", True),  # the data view over logs-* holds Defend's mappings too
        ("*", True),
        ("remote:logs-endpoint.events.*", True),
        ("logs-aws.cloudtrail-*", False),
        ("logs-system.security*", False),
        ("winlogbeat-*", False),
        ("auditbeat-*", False),
        ("-logs-endpoint.alerts-*", False),  # an exclusion adds no index
        ("", False),
        ("logs-" + "x" * 5000 + "*", False),  # long patterns are fine (no recursion)
    ],
)
def test_defend_patterns(pattern: str, defend: bool) -> None:
    assert is_defend_pattern(pattern) is defend


def test_cached_per_pattern_tuple(tmp_path: Path) -> None:
    assert catalog_for_indices(DEFEND) is catalog_for_indices(tuple(DEFEND))
    assert catalog_for_indices(["logs-endpoint.events.*", "logs-aws*"]) is catalog_for_indices(DEFEND)
    assert catalog_for_indices("logs-endpoint.events.*") is catalog_for_indices(DEFEND)  # one pattern as a string
    extra = _team_yaml(tmp_path)
    assert catalog_for_indices(DEFEND, extra) is catalog_for_indices(DEFEND, extra)
    assert catalog_for_indices(DEFEND, extra) is not catalog_for_indices(DEFEND)


# --- team catalogs -----------------------------------------------------------------------------------------------

TEAM_YAML = """\
# Okta fields the team's rules use
okta.target.display_name: keyword
okta.client.ip: ip
okta.debug_context.risk_score: long
custom.long_value:
  type: keyword
  ignore_above: 256
custom.name.caseless:
  type: keyword
  normalizer: lowercase
process.name: wildcard
"""

TEAM_TOML = """\
# Okta fields the team's rules use
"okta.target.display_name" = "keyword"
"okta.client.ip" = "ip"
"custom.long_value" = { type = "keyword", ignore_above = 256 }

["custom.event_time"]
type = "date"
"""


def _team_yaml(tmp_path: Path) -> FieldCatalog:
    path = tmp_path / "fields.yml"
    path.write_text(TEAM_YAML, encoding="utf-8")
    return load_catalog_file(path)


def test_team_catalog_yaml(tmp_path: Path) -> None:
    team = _team_yaml(tmp_path)
    assert team.type_of("okta.target.display_name") == "keyword"
    assert team.get("okta.client.ip").aggregatable
    assert team.get("custom.long_value").ignore_above == 256
    assert team.get("custom.name.caseless").normalizer == "lowercase"
    assert team.type_of("okta.target") == "object"
    assert team.get("okta.client.ip").source == str(tmp_path / "fields.yml")

    catalog = catalog_for_indices(CLOUDTRAIL, team)
    assert catalog.type_of("okta.target.display_name") == "keyword"
    assert catalog.type_of("okta") == "object"
    assert catalog.type_of("source.ip") == "ip"  # ECS is still there
    assert catalog.type_of("process.name") == "wildcard"  # the team's definition wins
    assert catalog.type_of("process.name.text") == "match_only_text"
    assert "okta.target.display_name" not in load_ecs()


def test_team_catalog_toml(tmp_path: Path) -> None:
    path = tmp_path / "fields.toml"
    path.write_text(TEAM_TOML, encoding="utf-8")
    team = load_catalog_file(path)
    assert team.type_of("okta.target.display_name") == "keyword"
    assert team.type_of("okta.client.ip") == "ip"
    assert team.get("custom.long_value").ignore_above == 256
    assert team.type_of("custom.event_time") == "date"
    catalog = catalog_for_indices(DEFEND, team)
    assert catalog.type_of("okta.client.ip") == "ip"
    assert catalog.get("process.name.caseless").normalizer == "lowercase"


def test_load_catalogs_from_configuration(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "a.yml").write_text("team.a: keyword\nteam.b: keyword\n", encoding="utf-8")
    (tmp_path / "schemas" / "b.toml").write_text('"team.b" = "long"\n', encoding="utf-8")
    extra = load_catalogs(["ecs", "schemas/a.yml", "schemas/b.toml"], base=tmp_path)
    assert extra is not None
    assert (extra.type_of("team.a"), extra.type_of("team.b")) == ("keyword", "long")  # later files win
    assert load_catalogs(["ecs"], base=tmp_path) is None


@pytest.mark.parametrize(
    ("name", "text", "line", "words"),
    [
        ("bad.yml", "okta.a: keyword\nokta.b: ip\nokta.c: keywrd\n", 3, ["okta.c", "keywrd", "did you mean 'keyword'"]),
        ("bad.yml", "okta.a: keyword\nokta.b:\n  ignore_above: 10\n  type: strng\n", 4, ["okta.b", "strng"]),
        ("bad.yml", "okta.a: keyword\nokta.a: ip\n", 2, ["listed twice"]),
        ("bad.yml", "okta.a: long\nokta.b: {type: long, ignore_above: 5}\n", 2, ["ignore_above"]),
        ("bad.yml", "okta.a: keyword\nokta.b: {type: keyword, analyzer: x}\n", 2, ["unknown key 'analyzer'"]),
        ("bad.yml", "okta.a: keyword\n  okta.b: ip\n", 2, ["not valid YAML"]),
        ("bad.yml", "- okta.a\n- okta.b\n", 1, ["expected a mapping"]),
        ("bad.yml", "'okta a': keyword\n", 1, ["not a field name"]),
        ("bad.yml", "okta.a: keyword\nokta.b: !!python/name:os.system\n", 2, ["okta.b"]),
        ("bad.toml", '"okta.a" = "keyword"\n"okta.b" = "integr"\n', 2, ["okta.b", "integr", "did you mean 'integer'"]),
        ("bad.toml", '"okta.a" = "keyword"\n\n["okta.b"]\ntype = "nope"\n', 4, ["okta.b", "nope"]),
        ("bad.toml", 'okta.target.name = "keyword"\n', 1, ["unknown key 'target'", "quote dotted field names"]),
        ("bad.toml", '"okta.a" = "keyword"\n"okta.b" = \n', 2, ["not valid TOML"]),
    ],
)
def test_bad_catalog_file(tmp_path: Path, name: str, text: str, line: int, words: list[str]) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as raised:
        load_catalog_file(path)
    error = raised.value
    assert error.path == str(path)
    assert error.line == line, str(error)
    assert str(error).startswith(f"{path}:{line}: ")
    for word in words:
        assert word in str(error)


def test_catalog_file_errors_without_a_line(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog_file(tmp_path / "missing.yml")
    other = tmp_path / "fields.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"\.yml, \.yaml or \.toml"):
        load_catalog_file(other)
    assert isinstance(CatalogError("x"), ValueError)
    empty = tmp_path / "empty.yml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    assert len(load_catalog_file(empty)) == 0


# --- index patterns ---------------------------------------------------------------------------------------------

_WORD = st.text(alphabet="ab.-", min_size=0, max_size=8)


@given(_WORD, st.lists(st.tuples(st.integers(0, 8), st.integers(0, 3)), max_size=3), st.integers(0, 8))
def test_patterns_matching_one_name_intersect(name: str, cuts: list[tuple[int, int]], cut: int) -> None:
    """Two patterns made from one index name (parts replaced by `*`) always share that name."""

    def starred(text: str, at: int, length: int) -> str:
        at = min(at, len(text))
        return text[:at] + "*" + text[at + length :]

    first = name
    for at, length in cuts:
        first = starred(first, at, length)
    second = starred(name, cut, 2)
    assert fnmatch.fnmatchcase(name, first.replace("[", "[[]")) and fnmatch.fnmatchcase(name, second)
    assert _globs_intersect(first, second) and _globs_intersect(second, first)


@given(_WORD, _WORD)
def test_literal_patterns_intersect_only_when_equal(a: str, b: str) -> None:
    assert _globs_intersect(a, b) is (a == b)


# --- the builder -------------------------------------------------------------------------------------------------


def _packaged() -> dict:
    return json.loads(PACKAGED.read_bytes())


@needs_shared
def test_builder_reproduces_the_packaged_file(tmp_path: Path) -> None:
    assert build_ecs.main([str(ECS_FLAT), "--output", str(tmp_path)]) == 0
    assert (tmp_path / "ecs_fields.json").read_bytes() == PACKAGED.read_bytes()
    assert (tmp_path / "LICENSE.txt").read_bytes() == (ECS_DIR / "LICENSE.txt").read_bytes()


def _flat(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ecs_flat.yml"
    path.write_text(text, encoding="utf-8")
    return path


SMALL_FLAT = """\
host.name: {flat_name: host.name, type: keyword, ignore_above: 1024, normalize: []}
tags: {flat_name: tags, type: keyword, ignore_above: 1024, normalize: [array]}
process.title:
  flat_name: process.title
  type: keyword
  ignore_above: 1024
  normalize: []
  multi_fields: [{flat_name: process.title.text, name: text, type: match_only_text}]
"""


def test_builder_needs_a_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _flat(tmp_path, SMALL_FLAT)
    assert build_ecs.main([str(path), "--output", str(tmp_path / "out")]) == 1
    assert "pass --ecs-version" in capsys.readouterr().err
    assert build_ecs.main([str(path), "--output", str(tmp_path / "out"), "--ecs-version", "8.17.0"]) == 0
    doc = json.loads((tmp_path / "out" / "ecs_fields.json").read_text(encoding="utf-8"))
    assert doc["version"] == "8.17.0"
    assert doc["fields"] == {
        "host.name": ["keyword", 1024],
        "process.title": ["keyword", 1024, {"multi_fields": {"text": ["match_only_text"]}}],
        "tags": ["keyword", 1024, {"normalize": ["array"]}],
    }
    (tmp_path / "version").write_text("8.18.1\n", encoding="utf-8")
    assert json.loads(build_ecs.build(path))["version"] == "8.18.1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a.b: {flat_name: a.b, type: keyward}\n", "unknown field type 'keyward'"),
        ("a.b: {flat_name: a.c, type: keyword}\n", "flat_name"),
        (
            "a.b: {flat_name: a.b, type: keyword, multi_fields: [{name: c, type: keyword}]}\n"
            "a.b.c: {flat_name: a.b.c, type: keyword}\n",
            "both a field and a multi-field",
        ),
        ("[]\n", "expected a mapping"),
    ],
)
def test_builder_rejects_surprises(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(build_ecs.BuildError, match=message):
        build_ecs.build(_flat(tmp_path, text), "0.0.0")
