"""The packaged ATT&CK index: its content, its load time, and that the importer reproduces it from the bundle."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rule_kit.attack import Technique, load_attack, url
from rule_kit.attack.importer import (
    INDEX_NAME,
    LICENSE_NAME,
    PACKAGED_DIR,
    AttackImportError,
    build_index,
    dumps_index,
    import_bundle,
    main,
)
from rule_kit.attack.index import read_packaged
from rule_kit.cli import cli

ROOT = Path(__file__).resolve().parents[2]
SHARED_ATTACK = ROOT.parent / "shared" / "data" / "attack"

MATRIX_ORDER = [
    ("TA0043", "Reconnaissance"),
    ("TA0042", "Resource Development"),
    ("TA0001", "Initial Access"),
    ("TA0002", "Execution"),
    ("TA0003", "Persistence"),
    ("TA0004", "Privilege Escalation"),
    ("TA0005", "Defense Evasion"),
    ("TA0006", "Credential Access"),
    ("TA0007", "Discovery"),
    ("TA0008", "Lateral Movement"),
    ("TA0009", "Collection"),
    ("TA0011", "Command and Control"),
    ("TA0010", "Exfiltration"),
    ("TA0040", "Impact"),
]


def _bundle() -> Path:
    """The bundle the packaged index says it was built from (shared data, present for developers and CI)."""
    path = SHARED_ATTACK / load_attack().source["file"]
    if not path.is_file():
        pytest.skip(f"the ATT&CK bundle is not available at {path}")
    return path


# --- content ---------------------------------------------------------------------------------------------------


def test_version_and_source_are_recorded() -> None:
    attack = load_attack()
    assert attack.version == "18.1"
    assert attack.source["file"] == "enterprise-attack-18.1.json"
    assert len(attack.source["sha256"]) == 64
    assert (PACKAGED_DIR / LICENSE_NAME).read_text(encoding="utf-8").startswith("ATT&CK")


def test_fourteen_enterprise_tactics_in_matrix_order() -> None:
    tactics = load_attack().tactics
    assert [(t.id, t.name) for t in tactics] == MATRIX_ORDER
    assert [t.order for t in tactics] == list(range(1, 15))


def test_tactic_lookups() -> None:
    attack = load_attack()
    execution = attack.tactic("TA0002")
    assert execution is not None and execution.name == "Execution" and execution.shortname == "execution"
    assert attack.tactic_by_name("Execution") is execution
    assert attack.tactic_by_shortname("defense-evasion") == attack.tactic("TA0005")
    assert attack.tactic("TA0099") is None
    assert attack.tactic_by_name("execution") is None  # names are exact


def test_technique_and_subtechnique() -> None:
    attack = load_attack()
    technique = attack.technique("T1059")
    assert technique == Technique("T1059", "Command and Scripting Interpreter", ("TA0002",))
    assert not technique.is_subtechnique and technique.live
    shell = attack.technique("T1059.004")
    assert shell is not None and shell.name == "Unix Shell" and shell.parent == "T1059" and shell.is_subtechnique
    assert [t.name for t in attack.tactics_of("T1059.004")] == ["Execution"]
    assert "T1059.004" in [t.id for t in attack.subtechniques("T1059")]
    assert attack.technique("T1999") is None and attack.tactics_of("T1999") == ()


def test_tactics_of_a_technique_in_several_tactics_are_in_matrix_order() -> None:
    assert [t.id for t in load_attack().tactics_of("T1053")] == ["TA0002", "TA0003", "TA0004"]


def test_revoked_technique_names_its_replacement() -> None:
    attack = load_attack()
    powershell = attack.technique("T1086")
    assert powershell is not None and powershell.revoked and powershell.revoked_by == "T1059.001"
    assert attack.replacement("T1086") == attack.technique("T1059.001")
    # a replacement revoked in turn: the chain is followed to the live technique
    assert [t.id for t in attack.revocations("T1150")] == ["T1547.011", "T1647"]
    assert attack.replacement("T1059") is None


def test_revoked_subtechnique_without_a_subtechnique_of_relationship_keeps_its_parent() -> None:
    at_linux = load_attack().technique("T1053.001")
    assert at_linux is not None and at_linux.revoked
    assert at_linux.parent == "T1053" and at_linux.revoked_by == "T1053.002"


def test_deprecated_technique() -> None:
    scripting = load_attack().technique("T1064")
    assert scripting is not None and scripting.deprecated and not scripting.revoked and scripting.revoked_by is None
    assert scripting.suggested == ("T1059",)  # from "Please use [Command and Scripting Interpreter](...)"


def test_technique_by_name_prefers_live_and_refuses_ambiguous_names() -> None:
    attack = load_attack()
    assert attack.technique_by_name("PowerShell") == attack.technique("T1059.001")  # not the revoked T1086
    assert attack.technique_by_name("DNS") is None  # T1071.004 and T1590.002
    assert attack.technique_by_name("DNS", parent="T1071") == attack.technique("T1071.004")


@pytest.mark.parametrize(
    ("attack_id", "expected"),
    [
        ("TA0002", "https://attack.mitre.org/tactics/TA0002/"),
        ("T1059", "https://attack.mitre.org/techniques/T1059/"),
        ("T1059.004", "https://attack.mitre.org/techniques/T1059/004/"),
    ],
)
def test_url(attack_id: str, expected: str) -> None:
    assert url(attack_id) == expected
    assert load_attack().url(attack_id) == expected


def test_url_of_a_non_id() -> None:
    with pytest.raises(ValueError):
        url("Execution")


# --- loading ---------------------------------------------------------------------------------------------------


def test_load_is_cached() -> None:
    assert load_attack() is load_attack()


def test_fresh_load_takes_well_under_50_ms() -> None:
    load_attack()  # modules imported, files warm: what is measured is the load itself
    best = float("inf")
    for _ in range(3):  # best of three: the machines are shared
        load_attack.cache_clear()
        start = time.perf_counter()
        load_attack()
        best = min(best, time.perf_counter() - start)
    assert best < 0.050, f"loading the ATT&CK index took {best * 1000:.1f} ms"


def test_packaged_file_is_compact_json() -> None:
    raw = read_packaged()
    assert b"\n" not in raw.rstrip(b"\n") and raw.endswith(b"\n")
    assert list(json.loads(raw)) == ["version", "source", "tactics", "techniques"]


# --- the importer ----------------------------------------------------------------------------------------------


def test_importer_reproduces_the_packaged_files_exactly(tmp_path: Path) -> None:
    bundle = _bundle()
    assert dumps_index(build_index(bundle)).encode("utf-8") == read_packaged(), (
        "the packaged index differs from the importer's output: run `rule-kit attack import` (never edit it by hand)"
    )
    result = import_bundle(bundle, tmp_path)
    assert (tmp_path / INDEX_NAME).read_bytes() == (PACKAGED_DIR / INDEX_NAME).read_bytes()
    assert (tmp_path / LICENSE_NAME).read_bytes() == (bundle.parent / LICENSE_NAME).read_bytes()
    assert (result.version, result.tactics, result.techniques, result.subtechniques) == ("18.1", 14, 356, 479)


def test_importer_module_entry_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(_bundle()), "--output", str(tmp_path)]) == 0
    assert "ATT&CK v18.1: 14 tactics" in capsys.readouterr().out
    assert (tmp_path / INDEX_NAME).read_bytes() == read_packaged()


def test_cli_attack_import(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["attack", "import", str(_bundle()), "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "ATT&CK v18.1: 14 tactics, 356 techniques, 479 sub-techniques" in result.output
    assert (tmp_path / INDEX_NAME).read_bytes() == read_packaged()


def _pattern(stix_id: str, external_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "attack-pattern",
        "id": stix_id,
        "name": name,
        "modified": "2025-01-01T00:00:00.000Z",
        "external_references": [{"source_name": "mitre-attack", "external_id": external_id}],
        "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "execution"}],
        **extra,
    }


def _write_bundle(folder: Path, objects: list[dict[str, Any]], bundle_id: str = "bundle--test") -> Path:
    path = folder / "bundle.json"
    path.write_text(json.dumps({"type": "bundle", "id": bundle_id, "objects": objects}), encoding="utf-8")
    (folder / LICENSE_NAME).write_text("license\n", encoding="utf-8")
    return path


TACTIC = {
    "type": "x-mitre-tactic",
    "id": "x-mitre-tactic--1",
    "name": "Execution",
    "x_mitre_shortname": "execution",
    "external_references": [{"source_name": "mitre-attack", "external_id": "TA0002"}],
}
COLLECTION = {"type": "x-mitre-collection", "id": "x-mitre-collection--1", "x_mitre_version": "99.1"}


def test_a_revoked_object_sharing_a_live_objects_id_does_not_shadow_it(tmp_path: Path) -> None:
    objects = [
        COLLECTION,
        TACTIC,
        _pattern("attack-pattern--old", "T9000", "Old Name", revoked=True),
        _pattern("attack-pattern--new", "T9000", "New Name"),
        _pattern("attack-pattern--other", "T9001", "Other"),
        {
            "type": "relationship",
            "id": "relationship--1",
            "relationship_type": "revoked-by",
            "source_ref": "attack-pattern--old",
            "target_ref": "attack-pattern--other",
        },
    ]
    index = build_index(_write_bundle(tmp_path, objects))
    assert index["version"] == "99.1" and index["source"]["version_from"] == "x-mitre-collection"
    entry = index["techniques"]["T9000"]
    assert entry["name"] == "New Name" and not entry["revoked"] and entry["revoked_by"] is None
    assert entry["collisions"] == [{"name": "Old Name", "deprecated": False, "revoked": True, "revoked_by": "T9001"}]


def test_version_from_the_bundle_id(tmp_path: Path) -> None:
    bundle = _write_bundle(tmp_path, [TACTIC], "bundle--enterprise-attack-v17.0-techniques")
    assert build_index(bundle)["version"] == "17.0"


def test_a_bundle_without_a_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AttackImportError, match="version"):
        build_index(_write_bundle(tmp_path, [TACTIC]))


def test_an_import_without_a_license_is_refused(tmp_path: Path) -> None:
    bundle = _write_bundle(tmp_path, [COLLECTION, TACTIC])
    (tmp_path / LICENSE_NAME).unlink()
    with pytest.raises(AttackImportError, match="license"):
        import_bundle(bundle, tmp_path / "out")
