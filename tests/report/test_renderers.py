"""The renderers, fed real `Diagnostic`s and `Check`s built by hand (no pipeline): exact output per format."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from rule_kit.checks.registry import Check
from rule_kit.diagnostics import Diagnostic, Edit, Fix, Severity
from rule_kit.report import FORMATS, Report, render
from rule_kit.report.github import escape_data, escape_property, render_github
from rule_kit.report.json_format import render_json, render_jsonl
from rule_kit.report.junit import render_junit
from rule_kit.report.sarif import FINGERPRINT_KEY, fingerprint, render_sarif
from rule_kit.report.text import render_text

SARIF_SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
WORKFLOW_COMMAND = re.compile(r"^::(error|warning|notice)( [a-zA-Z]+=[^,:]*(,[a-zA-Z]+=[^,:]*)*)?::.*$")

TOML_SYNTAX = Check(
    "RK002",
    "toml-syntax",
    Severity.ERROR,
    "The file is not valid TOML.\n\nKibana cannot import it; fix the syntax first.",
)
RISK_SCORE = Check(
    "RK204",
    "risk-score-mismatch",
    Severity.WARNING,
    'risk_score does not match severity.\n\nExample: severity = "low" with risk_score = 73.',
)
TECHNIQUE_NAME = Check(
    "RK301",
    "technique-name-mismatch",
    Severity.ERROR,
    "The technique name does not match the ATT&CK id.\n\nFix: use the name MITRE gives the id.",
)
TAG_STYLE = Check("RK901", "tag-style", Severity.INFO, "Tags should use `Domain: Value` form.")
CHECKS = (TOML_SYNTAX, RISK_SCORE, TECHNIQUE_NAME, TAG_STYLE)

RENAME = Fix(
    description="Use the ATT&CK name 'Command and Scripting Interpreter'",
    edits=(Edit(12, 9, 12, 30, '"Command and Scripting Interpreter"'),),
)

TECHNIQUE = Diagnostic(
    code="RK301",
    name="technique-name-mismatch",
    severity=Severity.ERROR,
    message="technique T1059 is named 'Command and Scripting Interpreter', not 'Scripting'",
    path="rules/a.toml",
    line=12,
    column=9,
    end_line=12,
    end_column=30,
    rule_id="92a36c98-b24a-4bf7-aac7-1eac71fa39cf",
    key_path="rule.threat[0].technique[0].name",
    fix=RENAME,
)
RISK = Diagnostic(
    code="RK204",
    name="risk-score-mismatch",
    severity=Severity.WARNING,
    message="risk_score 73 does not match severity 'low' (expected 21)",
    path="rules/a.toml",
    line=20,
    column=14,
    end_line=20,
    end_column=16,
    rule_id="92a36c98-b24a-4bf7-aac7-1eac71fa39cf",
    key_path="rule.risk_score",
)
TAGS = Diagnostic(
    code="RK901",
    name="tag-style",
    severity=Severity.INFO,
    message="tag 'windows' should be 'OS: Windows'",
    path="rules/b.toml",
    line=7,
    column=10,
    end_line=7,
    end_column=19,
    key_path="rule.tags[0]",
)
SYNTAX = Diagnostic(
    code="RK002",
    name="toml-syntax",
    severity=Severity.ERROR,
    message="the file is not valid TOML",
    path="rules/broken.toml",
)

FILES = ("rules/a.toml", "rules/b.toml", "rules/broken.toml", "rules/clean.toml")
REPORT = Report(files=FILES, diagnostics=(TECHNIQUE, RISK, TAGS, SYNTAX), checks=CHECKS, tool_version="0.1.0")
EMPTY = Report(files=("rules/clean.toml",), diagnostics=(), checks=CHECKS, tool_version="0.1.0")


def report_of(*diagnostics: Diagnostic, files: tuple[str, ...] = FILES) -> Report:
    return Report(files=files, diagnostics=diagnostics, checks=CHECKS, tool_version="0.1.0")


@pytest.fixture(scope="module")
def sarif_validator() -> Draft7Validator:
    schema = json.loads(SARIF_SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


# --- dispatcher ---------------------------------------------------------------------------------------------


def test_formats_are_the_documented_ones() -> None:
    assert FORMATS == ("text", "json", "jsonl", "sarif", "github", "junit")


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_dispatches_every_format(fmt: str) -> None:
    output = render(REPORT, fmt)
    assert isinstance(output, str)
    assert output.endswith("\n")
    assert not ANSI.search(output)


def test_render_matches_the_renderer_functions() -> None:
    assert render(REPORT, "text") == render_text(REPORT)
    assert render(REPORT, "text", color=True) == render_text(REPORT, color=True)
    assert render(REPORT, "json") == render_json(REPORT)
    assert render(REPORT, "jsonl") == render_jsonl(REPORT)
    assert render(REPORT, "sarif") == render_sarif(REPORT)
    assert render(REPORT, "github") == render_github(REPORT)
    assert render(REPORT, "junit") == render_junit(REPORT)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "text"])
def test_color_never_reaches_machine_formats(fmt: str) -> None:
    assert render(REPORT, fmt, color=True) == render(REPORT, fmt, color=False)


def test_render_rejects_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render(REPORT, "xml")


# --- text ---------------------------------------------------------------------------------------------------


def test_text_exact_lines_and_summary() -> None:
    assert render_text(REPORT).splitlines() == [
        "rules/a.toml:12:9: RK301 [error] technique T1059 is named 'Command and Scripting Interpreter', "
        "not 'Scripting' (technique-name-mismatch) [fixable]",
        "rules/a.toml:20:14: RK204 [warning] risk_score 73 does not match severity 'low' (expected 21) "
        "(risk-score-mismatch)",
        "rules/b.toml:7:10: RK901 [info] tag 'windows' should be 'OS: Windows' (tag-style)",
        "rules/broken.toml: RK002 [error] the file is not valid TOML (toml-syntax)",
        "Checked 4 files: 2 errors, 1 warning, 1 info.",
    ]


def test_text_no_findings() -> None:
    assert render_text(EMPTY) == "Checked 1 file: no findings.\n"


def test_text_summary_pluralises() -> None:
    summary = render_text(report_of(RISK, RISK, TECHNIQUE)).splitlines()[-1]
    assert summary == "Checked 4 files: 1 error, 2 warnings, 0 info."


def test_text_line_without_column() -> None:
    only_line = Diagnostic("RK204", "risk-score-mismatch", Severity.WARNING, "m", "rules/a.toml", line=3)
    assert render_text(report_of(only_line)).splitlines()[0] == (
        "rules/a.toml:3: RK204 [warning] m (risk-score-mismatch)"
    )


def test_text_without_color_has_no_ansi() -> None:
    assert not ANSI.search(render_text(REPORT, color=False))


def test_text_with_color_has_ansi_and_same_text() -> None:
    coloured = render_text(REPORT, color=True)
    assert ANSI.search(coloured)
    assert "\x1b[31m" in coloured  # errors in red
    assert ANSI.sub("", coloured) == render_text(REPORT, color=False)


# --- json / jsonl -------------------------------------------------------------------------------------------


def test_json_round_trips_with_summary_counts() -> None:
    document = json.loads(render_json(REPORT))
    assert document["version"] == "0.1.0"
    assert document["summary"] == {"files": 4, "errors": 2, "warnings": 1, "info": 1}
    assert [d["code"] for d in document["diagnostics"]] == ["RK301", "RK204", "RK901", "RK002"]


def test_json_diagnostic_shape() -> None:
    first, second, _, whole_file = json.loads(render_json(REPORT))["diagnostics"]
    assert first == {
        "code": "RK301",
        "name": "technique-name-mismatch",
        "severity": "error",
        "message": "technique T1059 is named 'Command and Scripting Interpreter', not 'Scripting'",
        "path": "rules/a.toml",
        "line": 12,
        "column": 9,
        "end_line": 12,
        "end_column": 30,
        "rule_id": "92a36c98-b24a-4bf7-aac7-1eac71fa39cf",
        "key_path": "rule.threat[0].technique[0].name",
        "fix": {
            "description": "Use the ATT&CK name 'Command and Scripting Interpreter'",
            "edits": [
                {
                    "line": 12,
                    "column": 9,
                    "end_line": 12,
                    "end_column": 30,
                    "text": '"Command and Scripting Interpreter"',
                }
            ],
        },
    }
    assert second["fix"] is None
    assert (whole_file["line"], whole_file["column"], whole_file["rule_id"]) == (0, 0, None)


def test_json_is_pretty_printed_and_empty_report_is_valid() -> None:
    output = render_json(EMPTY)
    assert output.startswith('{\n  "version": "0.1.0",\n')
    assert json.loads(output) == {
        "version": "0.1.0",
        "summary": {"files": 1, "errors": 0, "warnings": 0, "info": 0},
        "diagnostics": [],
    }


def test_jsonl_one_object_per_line() -> None:
    lines = render_jsonl(REPORT).splitlines()
    assert len(lines) == len(REPORT.diagnostics)
    objects = [json.loads(line) for line in lines]
    assert all(isinstance(obj, dict) for obj in objects)
    assert objects == json.loads(render_json(REPORT))["diagnostics"]


def test_jsonl_empty_report_is_empty_output() -> None:
    assert render_jsonl(EMPTY) == ""


def test_json_keeps_non_ascii() -> None:
    accented = Diagnostic("RK901", "tag-style", Severity.INFO, "étiquette « Windows »", "règles/é.toml")
    assert json.loads(render_jsonl(report_of(accented)))["message"] == "étiquette « Windows »"


# --- sarif --------------------------------------------------------------------------------------------------


def test_sarif_validates_against_the_schema(sarif_validator: Draft7Validator) -> None:
    log = json.loads(render_sarif(REPORT))
    errors = sorted(sarif_validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_sarif_empty_report_validates(sarif_validator: Draft7Validator) -> None:
    log = json.loads(render_sarif(EMPTY))
    sarif_validator.validate(log)
    assert log["runs"][0]["results"] == []


def test_sarif_header_and_driver() -> None:
    log = json.loads(render_sarif(REPORT))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "rule-kit"
    assert driver["version"] == "0.1.0"
    assert driver["informationUri"] == "https://github.com/rule-kit/rule-kit"
    assert [rule["id"] for rule in driver["rules"]] == ["RK002", "RK204", "RK301", "RK901"]


def test_sarif_rule_descriptors_come_from_checks() -> None:
    rules = json.loads(render_sarif(REPORT))["runs"][0]["tool"]["driver"]["rules"]
    technique = rules[2]
    assert technique["name"] == "technique-name-mismatch"
    assert technique["shortDescription"] == {"text": "The technique name does not match the ATT&CK id."}
    assert technique["fullDescription"]["text"] == TECHNIQUE_NAME.doc
    assert technique["help"] == {"text": TECHNIQUE_NAME.doc, "markdown": TECHNIQUE_NAME.doc}
    levels = [rule["defaultConfiguration"]["level"] for rule in rules]
    assert levels == ["error", "warning", "error", "note"]


def test_sarif_rule_index_points_at_the_rule() -> None:
    run = json.loads(render_sarif(REPORT))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert [r["ruleIndex"] for r in run["results"]] == [2, 1, 3, 0]
    assert [r["level"] for r in run["results"]] == ["error", "warning", "note", "error"]


def test_sarif_locations_and_regions() -> None:
    results = json.loads(render_sarif(REPORT))["runs"][0]["results"]
    technique = results[0]["locations"][0]["physicalLocation"]
    assert technique["artifactLocation"] == {"uri": "rules/a.toml", "uriBaseId": "%SRCROOT%"}
    assert technique["region"] == {"startLine": 12, "startColumn": 9, "endLine": 12, "endColumn": 30}
    whole_file = results[3]["locations"][0]["physicalLocation"]
    assert "region" not in whole_file
    assert whole_file["artifactLocation"]["uri"] == "rules/broken.toml"


def test_sarif_omits_unknown_end_positions(sarif_validator: Draft7Validator) -> None:
    start_only = Diagnostic("RK204", "risk-score-mismatch", Severity.WARNING, "m", "rules/a.toml", 4, 2)
    log = json.loads(render_sarif(report_of(start_only)))
    sarif_validator.validate(log)
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 4,
        "startColumn": 2,
    }


def test_sarif_renders_the_fix() -> None:
    technique = json.loads(render_sarif(REPORT))["runs"][0]["results"][0]
    assert technique["fixes"] == [
        {
            "description": {"text": "Use the ATT&CK name 'Command and Scripting Interpreter'"},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": "rules/a.toml", "uriBaseId": "%SRCROOT%"},
                    "replacements": [
                        {
                            "deletedRegion": {
                                "startLine": 12,
                                "startColumn": 9,
                                "endLine": 12,
                                "endColumn": 30,
                            },
                            "insertedContent": {"text": '"Command and Scripting Interpreter"'},
                        }
                    ],
                }
            ],
        }
    ]
    results = json.loads(render_sarif(REPORT))["runs"][0]["results"]
    assert all("fixes" not in result for result in results[1:])


def test_sarif_fingerprint_is_stable_across_line_moves_and_distinct_per_finding() -> None:
    moved = Diagnostic(**{**_fields(TECHNIQUE), "line": 40, "end_line": 40})
    assert fingerprint(moved) == fingerprint(TECHNIQUE)
    other_message = Diagnostic(**{**_fields(TECHNIQUE), "message": "another message"})
    assert fingerprint(other_message) != fingerprint(TECHNIQUE)
    results = json.loads(render_sarif(REPORT))["runs"][0]["results"]
    prints = [result["partialFingerprints"][FINGERPRINT_KEY] for result in results]
    assert len(set(prints)) == len(prints)
    assert json.loads(render_sarif(REPORT)) == json.loads(render_sarif(REPORT))


def test_sarif_finding_of_an_unlisted_check_gets_a_rule(sarif_validator: Draft7Validator) -> None:
    internal = Diagnostic("RK000", "internal-error", Severity.ERROR, "boom", "rules/a.toml")
    log = json.loads(render_sarif(report_of(internal, TAGS)))
    sarif_validator.validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert rules[-1]["id"] == "RK000"


def test_sarif_paths_become_uris(sarif_validator: Draft7Validator) -> None:
    spaced = Diagnostic("RK901", "tag-style", Severity.INFO, "m", "rules/my rules/a:b.toml", 1, 1)
    absolute = Diagnostic("RK901", "tag-style", Severity.INFO, "m", "/srv/rules/a.toml", 1, 1)
    log = json.loads(render_sarif(report_of(spaced, absolute)))
    sarif_validator.validate(log)
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]]
    assert locations == [
        {"uri": "rules/my%20rules/a%3Ab.toml", "uriBaseId": "%SRCROOT%"},
        {"uri": "file:///srv/rules/a.toml"},
    ]


# --- github -------------------------------------------------------------------------------------------------


def test_github_exact_commands() -> None:
    assert render_github(REPORT).splitlines() == [
        "::error file=rules/a.toml,line=12,col=9,endLine=12,endColumn=30,title=RK301 technique-name-mismatch"
        "::technique T1059 is named 'Command and Scripting Interpreter', not 'Scripting'",
        "::warning file=rules/a.toml,line=20,col=14,endLine=20,endColumn=16,title=RK204 risk-score-mismatch"
        "::risk_score 73 does not match severity 'low' (expected 21)",
        "::notice file=rules/b.toml,line=7,col=10,endLine=7,endColumn=19,title=RK901 tag-style"
        "::tag 'windows' should be 'OS: Windows'",
        "::error file=rules/broken.toml,title=RK002 toml-syntax::the file is not valid TOML",
    ]


def test_github_escapes_properties_and_data() -> None:
    awkward = Diagnostic(
        "RK301",
        "technique-name-mismatch",
        Severity.ERROR,
        "100% wrong: a, b\nsecond line\r\nthird",
        "rules/50%: a,b.toml",
        line=1,
        column=2,
    )
    assert render_github(report_of(awkward)) == (
        "::error file=rules/50%25%3A a%2Cb.toml,line=1,col=2,title=RK301 technique-name-mismatch"
        "::100%25 wrong: a, b%0Asecond line%0D%0Athird\n"
    )


def test_github_escape_helpers_follow_actions_core() -> None:
    assert escape_data("%\r\n:,") == "%25%0D%0A:,"
    assert escape_property("%\r\n:,") == "%25%0D%0A%3A%2C"
    assert escape_property("%3A") == "%253A"  # `%` first, so an already-escaped-looking value survives


def test_github_every_line_is_a_workflow_command() -> None:
    awkward = Diagnostic("RK204", "risk-score-mismatch", Severity.WARNING, "a:b,c\n::x", "p:a,t h.toml", 3)
    output = render_github(report_of(*REPORT.diagnostics, awkward))
    lines = output.splitlines()
    assert len(lines) == len(REPORT.diagnostics) + 1
    for line in lines:
        assert WORKFLOW_COMMAND.match(line), line


def test_github_empty_report_is_empty_output() -> None:
    assert render_github(EMPTY) == ""


# --- junit --------------------------------------------------------------------------------------------------


def _cases(root: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in root.iter("testcase")}


def test_junit_counts_and_structure() -> None:
    root = ET.fromstring(render_junit(REPORT))
    assert root.tag == "testsuites"
    assert root.attrib == {"name": "rule-kit", "tests": "4", "failures": "2", "errors": "0"}
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "rule-kit check"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "2", "0")
    cases = _cases(root)
    assert list(cases) == list(FILES)
    assert {case.get("classname") for case in cases.values()} == {"rule-kit.check"}


def test_junit_failure_for_a_file_with_an_error() -> None:
    cases = _cases(ET.fromstring(render_junit(REPORT)))
    failure = cases["rules/a.toml"].find("failure")
    assert failure is not None
    assert failure.get("message") == "2 findings"
    assert failure.get("type") == "RK301 RK204"
    assert failure.text is not None
    assert failure.text.splitlines() == render_text(REPORT).splitlines()[:2]
    whole_file = cases["rules/broken.toml"].find("failure")
    assert whole_file is not None
    assert whole_file.get("message") == "1 finding"
    assert whole_file.text == "rules/broken.toml: RK002 [error] the file is not valid TOML (toml-syntax)"


def test_junit_clean_file_and_info_only_file_pass() -> None:
    cases = _cases(ET.fromstring(render_junit(REPORT)))
    clean = cases["rules/clean.toml"]
    assert list(clean) == []
    info_only = cases["rules/b.toml"]
    assert info_only.find("failure") is None
    out = info_only.find("system-out")
    assert out is not None
    assert out.text == "rules/b.toml:7:10: RK901 [info] tag 'windows' should be 'OS: Windows' (tag-style)"


def test_junit_survives_markup_and_non_ascii() -> None:
    nasty = "expected <b> & \"quoted\" 'single' — naïve 日本語 🚀 ]]> \x01 control"
    diagnostic = Diagnostic("RK301", "technique-name-mismatch", Severity.ERROR, nasty, 'rules/<&">.toml', 1, 1)
    info = Diagnostic("RK901", "tag-style", Severity.INFO, nasty, 'rules/<&">.toml', 2, 1)
    output = render_junit(report_of(diagnostic, info, files=('rules/<&">.toml',)))
    assert output.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(output.encode("utf-8"))
    (case,) = root.iter("testcase")
    assert case.get("name") == 'rules/<&">.toml'
    failure = case.find("failure")
    assert failure is not None and failure.text is not None
    assert "expected <b> & \"quoted\" 'single' — naïve 日本語 🚀 ]]> \ufffd control" in failure.text
    out = case.find("system-out")
    assert out is not None and out.text is not None and "日本語" in out.text


def test_junit_lists_files_with_findings_that_were_not_listed() -> None:
    stray = Diagnostic("RK002", "toml-syntax", Severity.ERROR, "m", "elsewhere.toml")
    root = ET.fromstring(render_junit(report_of(stray, files=("rules/clean.toml",))))
    assert list(_cases(root)) == ["rules/clean.toml", "elsewhere.toml"]
    assert root.get("tests") == "2" and root.get("failures") == "1"


def test_junit_empty_report() -> None:
    root = ET.fromstring(render_junit(Report((), (), CHECKS, "0.1.0")))
    assert root.attrib == {"name": "rule-kit", "tests": "0", "failures": "0", "errors": "0"}


def _fields(diagnostic: Diagnostic) -> dict[str, object]:
    return {name: getattr(diagnostic, name) for name in Diagnostic.__dataclass_fields__}


def test_with_a_docs_url_findings_link_to_their_check_page() -> None:
    linked = Report(
        files=FILES,
        diagnostics=REPORT.diagnostics,
        checks=CHECKS,
        tool_version="0.1.0",
        docs_url="https://detections.example.com/",
    )
    sarif = json.loads(render_sarif(linked))
    rules = {rule["id"]: rule for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules[TECHNIQUE.code]["helpUri"] == f"https://detections.example.com/checks/{TECHNIQUE.code}/"
    github = render_github(linked).splitlines()
    assert github[0].endswith(f"::{TECHNIQUE.message} (https://detections.example.com/checks/{TECHNIQUE.code}/)")
    plain = json.loads(render_sarif(REPORT))
    assert all("helpUri" not in rule for rule in plain["runs"][0]["tool"]["driver"]["rules"])
