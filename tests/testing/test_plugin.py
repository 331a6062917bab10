"""The pytest plugin, run for real with pytester: collection, selection, reports, JUnit, xdist, broken files."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import tomlkit

from tests.conftest import SEED

pytest_plugins = ["pytester"]

SEED_RULE = Path(__file__).parents[2] / "rules" / "macos" / "execution_first_time_python_spawned_a_shell_on_host.toml"
SEED_FIXTURES = SEED_RULE.with_name(SEED_RULE.stem + ".fixtures.toml")
RULE_NAME = "First Time Python Spawned a Shell on Host"

SMALL_FIXTURES = """\
now = "2026-03-24T12:00:00Z"

[template.python_shell]
"event.category" = "process"
"event.type" = "start"
"event.action" = "exec"
"host.os.type" = "macos"
"host.id" = "host-1"
"process.name" = "bash"
"process.args" = ["bash", "-c", "id"]
"process.command_line" = "bash -c id"
"process.parent.name" = "python3.12"
"process.parent.executable" = "/usr/local/bin/python3.12"

[[case]]
name = "first occurrence alerts"
expect = "alert"
events = [{ template = "python_shell", "@timestamp" = "now-2m" }]

[[case]]
name = "pip is excluded"
expect = "no_alert"
events = [{ template = "python_shell", "@timestamp" = "now-2m", "process.command_line" = "sh -c pip install x" }]
"""


@pytest.fixture
def rules(pytester: pytest.Pytester) -> Path:
    """A rules folder with the seed rule and its real fixture file."""
    folder = pytester.path / "rules" / "macos"
    folder.mkdir(parents=True)
    shutil.copy(SEED_RULE, folder / SEED_RULE.name)
    shutil.copy(SEED_FIXTURES, folder / SEED_FIXTURES.name)
    return folder


def _case_names() -> list[str]:
    return [case["name"] for case in tomlkit.parse(SEED_FIXTURES.read_text(encoding="utf-8"))["case"]]


def _property_items() -> list[str]:
    document = tomlkit.parse(SEED_FIXTURES.read_text(encoding="utf-8"))
    return [f"property: {prop['name']}" for prop in document.get("property", [])]


#: Most tests are about cases: they leave out the declared properties (hypothesis runs, tested on their own).
CASES_ONLY = ("-k", "not property")


def test_every_case_is_an_item_named_path_rule_case(pytester: pytest.Pytester, rules: Path) -> None:
    result = pytester.runpytest("--rule-kit", "--rule-kit-no-auto", "rules", "--collect-only", "-q")
    ids = [line for line in result.outlines if "::" in line]
    expected = [f"rules/macos/{SEED_RULE.name}::{RULE_NAME}::{name}" for name in _case_names() + _property_items()]
    assert ids == expected
    assert len(_case_names()) >= 15 and len(_property_items()) >= 2


def test_the_seed_cases_and_properties_all_pass(pytester: pytest.Pytester, rules: Path) -> None:
    result = pytester.runpytest("--rule-kit", "--rule-kit-no-auto", "rules", "--rule-kit-profile", "ci")
    result.assert_outcomes(passed=len(_case_names()) + len(_property_items()))


def test_the_plugin_is_dormant_without_rule_kit(pytester: pytest.Pytester, rules: Path) -> None:
    result = pytester.runpytest("rules", "--rule-kit-no-auto")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_the_ini_option_turns_collection_on(pytester: pytest.Pytester, rules: Path) -> None:
    pytester.makeini("[pytest]\nrule_kit = true\n")
    result = pytester.runpytest("rules", "--rule-kit-no-auto", *CASES_ONLY)
    result.assert_outcomes(passed=len(_case_names()))


def test_flipping_any_expectation_fails_with_the_explain_view(pytester: pytest.Pytester, rules: Path) -> None:
    path = rules / SEED_FIXTURES.name
    original = path.read_text(encoding="utf-8")
    for index, name in enumerate(_case_names()):
        document = tomlkit.parse(original)
        case = document["case"][index]
        if "alerts" in case:
            case["alerts"] = int(case["alerts"]) + 1
        else:
            case["expect"] = "no_alert" if case["expect"] == "alert" else "alert"
            case.pop("alert", None)
        path.write_text(tomlkit.dumps(document), encoding="utf-8")
        result = pytester.runpytest("--rule-kit", "--rule-kit-no-auto", "rules", "-q", *CASES_ONLY)
        result.assert_outcomes(passed=len(_case_names()) - 1, failed=1)
        output = result.stdout.str()
        assert f"case: {name}" in output, name
        assert "query matches" in output or "query does not match" in output, name
        assert "✓" in output or "✗" in output, name


def test_k_selects_cases_by_name(pytester: pytest.Pytester, rules: Path) -> None:
    result = pytester.runpytest("--rule-kit", "--rule-kit-no-auto", "rules", "-k", "pip", "-v")
    selected = [n for n in _case_names() if "pip" in n.lower()]
    assert selected
    result.assert_outcomes(passed=len(selected))
    for name in selected:
        result.stdout.fnmatch_lines([f"*::{name} PASSED*"])


def test_junit_names_each_case(pytester: pytest.Pytester, rules: Path) -> None:
    report = pytester.path / "junit.xml"
    pytester.runpytest("--rule-kit", "--rule-kit-no-auto", "rules", f"--junitxml={report}", *CASES_ONLY)
    cases = ET.parse(report).getroot().iter("testcase")
    names = sorted(case.get("name") for case in cases)
    assert names == sorted(_case_names())


def test_xdist_runs_the_cases_in_parallel(pytester: pytest.Pytester, rules: Path) -> None:
    result = pytester.runpytest_subprocess("--rule-kit", "--rule-kit-no-auto", "rules", "-n", "2", *CASES_ONLY)
    result.assert_outcomes(passed=len(_case_names()))
    result.stdout.fnmatch_lines(["*2 workers*"])


def test_a_failing_case_reports_expected_got_events_and_clauses(pytester: pytest.Pytester) -> None:
    folder = pytester.path / "rules"
    folder.mkdir()
    shutil.copy(SEED, folder / "seed.toml")
    text = SMALL_FIXTURES.replace('expect = "no_alert"', 'expect = "alert"')
    (folder / "seed.fixtures.toml").write_text(text, encoding="utf-8")
    result = pytester.runpytest("--rule-kit", "--rule-kit-no-auto", "rules")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*case: pip is excluded",
            "  - expected at least one alert, got none",
            "alerts: none",
            "event 1 @ 2026-03-24T11:58:00.000Z (in the window)",
            '*"process.command_line": "sh -c pip install x"*',
            "  query does not match:",
            "    ✗ and",
            "*✗ not process.command_line:(*pip* or *conda* or *brew* or *jupyter*)*",
        ]
    )


def test_a_broken_fixture_file_is_a_failing_item_with_its_diagnostic(pytester: pytest.Pytester) -> None:
    folder = pytester.path / "rules"
    folder.mkdir()
    shutil.copy(SEED, folder / "seed.toml")
    (folder / "seed.fixtures.toml").write_text('now = "2026-03-24T12:00:00Z"\n[[case]\nname = "x"\n', encoding="utf-8")
    result = pytester.runpytest("--rule-kit", "--rule-kit-no-auto", "rules", "-v")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*seed.toml::*::fixtures FAILED*", "*seed.fixtures.toml:2:*RK801*"])


def test_an_unknown_template_fails_the_file_and_keeps_the_good_cases(pytester: pytest.Pytester) -> None:
    folder = pytester.path / "rules"
    folder.mkdir()
    shutil.copy(SEED, folder / "seed.toml")
    text = SMALL_FIXTURES.replace(
        'template = "python_shell", "@timestamp" = "now-2m" }]\n\n[[case]]\nname = "pip',
        'template = "python_shel", "@timestamp" = "now-2m" }]\n\n[[case]]\nname = "pip',
    )
    (folder / "seed.fixtures.toml").write_text(text, encoding="utf-8")
    result = pytester.runpytest("--rule-kit", "--rule-kit-no-auto", "rules", "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*::fixtures FAILED*", "*RK802*python_shel*"])


def test_a_rule_without_fixtures_is_skipped_or_failed_when_required(pytester: pytest.Pytester) -> None:
    folder = pytester.path / "rules"
    folder.mkdir()
    shutil.copy(SEED, folder / "seed.toml")
    result = pytester.runpytest("--rule-kit", "--rule-kit-no-auto", "rules", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no fixture file seed.fixtures.toml*"])
    result = pytester.runpytest("--rule-kit", "--rule-kit-no-auto", "rules", "--rule-kit-require-fixtures")
    result.assert_outcomes(failed=1)
    pytester.makefile(".toml", **{"rule-kit": "require-fixtures = true\n"})
    result = pytester.runpytest("--rule-kit", "--rule-kit-no-auto", "rules")
    result.assert_outcomes(failed=1)


def test_a_rule_that_cannot_run_yet_is_skipped_not_passed(pytester: pytest.Pytester) -> None:
    folder = pytester.path / "rules"
    folder.mkdir()
    eql = (
        SEED.read_text(encoding="utf-8")
        .replace('type = "new_terms"', 'type = "eql"')
        .replace('language = "kuery"', 'language = "eql"')
    )
    (folder / "seed.toml").write_text(eql, encoding="utf-8")
    (folder / "seed.fixtures.toml").write_text(SMALL_FIXTURES, encoding="utf-8")
    result = pytester.runpytest("--rule-kit", "--rule-kit-no-auto", "rules", "-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*not executable yet: eql rules*"])


def test_an_orphan_fixture_file_fails(pytester: pytest.Pytester) -> None:
    folder = pytester.path / "rules"
    folder.mkdir()
    (folder / "gone.fixtures.toml").write_text(SMALL_FIXTURES, encoding="utf-8")
    result = pytester.runpytest("--rule-kit", "--rule-kit-no-auto", "rules")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no rule file gone.toml beside this fixture file*"])


def test_other_toml_files_are_not_rules(pytester: pytest.Pytester, rules: Path) -> None:
    (pytester.path / "rules" / "catalog.toml").write_text('[fields."okta.actor"]\ntype = "keyword"\n')
    result = pytester.runpytest("--rule-kit", "--rule-kit-no-auto", "rules", *CASES_ONLY)
    result.assert_outcomes(passed=len(_case_names()))


def test_every_executable_rule_gets_four_automatic_properties(pytester: pytest.Pytester) -> None:
    folder = pytester.path / "rules"
    folder.mkdir()
    shutil.copy(SEED, folder / "seed.toml")
    result = pytester.runpytest("--rule-kit", "rules", "--rule-kit-profile", "ci", "-v")
    result.assert_outcomes(passed=4, skipped=1)
    for name in ("satisfiable", "alerts", "ignores", "robust"):
        result.stdout.fnmatch_lines([f"*seed.toml::{RULE_NAME}::auto: {name} PASSED*"])


def test_a_query_that_can_never_match_fails_satisfiable_with_the_reason(pytester: pytest.Pytester) -> None:
    folder = pytester.path / "rules"
    folder.mkdir()
    text = SEED.read_text(encoding="utf-8").replace(
        "process.parent.name:python* and", "process.parent.name:python* and not process.parent.name:py* and"
    )
    (folder / "seed.toml").write_text(text, encoding="utf-8")
    result = pytester.runpytest("--rule-kit", "rules", "--rule-kit-profile", "ci", "-k", "satisfiable")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*automatic property satisfiable: no event can match the query*", "*process.parent.name*"]
    )


def test_the_ci_profile_is_deterministic(pytester: pytest.Pytester, rules: Path) -> None:
    """Two runs under `ci`: the same items with the same outcomes (derandomized hypothesis, fixed run instants)."""
    runs = [
        pytester.runpytest("--rule-kit", "rules", "--rule-kit-profile", "ci", "-v", "-p", "no:randomly")
        for _ in range(2)
    ]
    lines = [
        sorted(line for line in run.outlines if "::" in line and ("PASSED" in line or "FAILED" in line)) for run in runs
    ]
    assert lines[0] == lines[1] and len(lines[0]) == len(_case_names()) + len(_property_items()) + 4
