"""Investigation guide (RK7xx) and house style (RK9xx) behaviour that the data examples cannot express: severities
that depend on the rule, a rule without a guide, odd values, positions in strings with escapes, parsing once, and
paths outside a rules folder. The examples in tests/checks/examples/RK7xx.toml and RK9xx.toml cover the rest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rule_kit.checks import guide
from rule_kit.checks.run import run_checks
from rule_kit.config import Config
from rule_kit.diagnostics import Diagnostic, Severity
from rule_kit.fixes import apply_fixes
from rule_kit.rules import read_rule

GUIDE_AND_STYLE = Config(select=("RK7", "RK9"))
NOTE = re.compile(r'note = """.*?"""\n', re.DOTALL)


def _check(path: Path, config: Config = GUIDE_AND_STYLE) -> list[Diagnostic]:
    return run_checks(read_rule(path), config)


def _codes(found: list[Diagnostic]) -> list[str]:
    return [f"{d.code}@{d.line}:{d.column}" for d in found]


def _with_severity(text: str, severity: str, risk_score: int) -> str:
    return text.replace('severity = "medium"', f'severity = "{severity}"').replace(
        "risk_score = 47", f"risk_score = {risk_score}"
    )


def _without_sections(text: str) -> str:
    return text.replace("### False positive analysis", "### Notes").replace("### Response and remediation", "### Next")


# RK701 / RK702 ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("severity", "risk_score"), [("high", 73), ("critical", 99)])
def test_missing_sections_are_errors_for_high_and_critical_rules(
    seed_text: str, write_rule, severity: str, risk_score: int
) -> None:
    found = _check(write_rule(_without_sections(_with_severity(seed_text, severity, risk_score))))
    assert [(d.code, d.severity) for d in found] == [("RK701", Severity.ERROR)] * 2
    assert {d.message for d in found} == {
        "the investigation guide has no `### False positive analysis` section",
        "the investigation guide has no `### Response and remediation` section",
    }


@pytest.mark.parametrize(("severity", "risk_score"), [("low", 21), ("medium", 47)])
def test_missing_sections_are_warnings_for_low_and_medium_rules(
    seed_text: str, write_rule, severity: str, risk_score: int
) -> None:
    found = _check(write_rule(_without_sections(_with_severity(seed_text, severity, risk_score))))
    assert [(d.code, d.severity) for d in found] == [("RK702", Severity.WARNING)] * 2


def test_a_high_rule_without_a_guide_is_one_error_at_the_rule_table(seed_text: str, write_rule) -> None:
    text = NOTE.sub("", _with_severity(seed_text, "high", 73)).replace('    "Resources: Investigation Guide",\n', "")
    found = _check(write_rule(text))
    assert _codes(found) == ["RK701@7:1"]
    assert found[0].message == "a high rule needs an investigation guide: add `note` with the triage sections"
    assert found[0].key_path == "rule.note"


def test_a_medium_rule_without_a_guide_is_one_warning(seed_text: str, write_rule) -> None:
    text = NOTE.sub("", seed_text).replace('    "Resources: Investigation Guide",\n', "")
    found = _check(write_rule(text))
    assert [(d.code, d.severity, d.line) for d in found] == [("RK702", Severity.WARNING, 7)]
    assert "should have an investigation guide" in found[0].message


def test_an_empty_guide_is_one_finding_at_the_guide(seed_text: str, write_rule) -> None:
    found = _check(write_rule(NOTE.sub('note = ""\n', seed_text)))
    codes = _codes(found)
    assert "RK702@20:8" in codes and codes.count("RK702@20:8") == 1
    assert "RK904@59:8" not in codes  # the tag is there and the guide is empty: RK904 reports the tag
    assert [d.code for d in found if d.code.startswith("RK9")] == ["RK904"]


def test_building_block_rules_need_no_guide(seed_text: str, write_rule) -> None:
    text = NOTE.sub("", _with_severity(seed_text, "critical", 99)).replace(
        'type = "new_terms"', 'type = "new_terms"\nbuilding_block_type = "default"'
    )
    text = text.replace('    "Resources: Investigation Guide",\n', "")
    assert _check(write_rule(text)) == []


# Odd input never crashes ------------------------------------------------------------------------------------------


def test_a_note_that_is_not_a_string_is_left_to_the_schema(seed_text: str, write_rule) -> None:
    found = run_checks(read_rule(write_rule(NOTE.sub("note = 5\n", seed_text))), Config())
    assert [d.code for d in found] == ["RK103"]


def test_tags_and_threat_of_the_wrong_type_are_left_to_the_schema(seed_text: str, write_rule) -> None:
    text = re.sub(r"tags = \[.*?\]\n", 'tags = "OS: macOS"\n', seed_text, flags=re.DOTALL)
    found = _check(write_rule(text, name="rules/macos/execution_x.toml"))
    assert found == []


_FRAGMENTS = [
    "## Triage and analysis\n",
    "### Investigating First Time Python Spawned a Shell on Host\n",
    "### Investigating \n",
    "###Investigating\n",
    "## Setup\n",
    "```\n",
    "~~~python\n",
    "    indented\n",
    "> quote ",
    "- item ",
    "1. item ",
    "| a | b |\n",
    "|---|---|\n",
    "|---|\n",
    "| 1 | 2 | 3 |\n",
    "<script>",
    "</script>",
    "<img src=x onerror=alert(1)>",
    "<!-- c -->",
    "<details>\n",
    "[x](javascript:alert(1))",
    "<javascript:x>",
    "[r][ref]\n\n[ref]: data:x\n",
    "![i](file:///x)",
    "`code`",
    "$osquery_0 ",
    "$investigate_12 ",
    "&#106;",
    "\\",
    '"',
    "'",
    "\t",
    "\n",
    "\n\n",
    "\r\n",
    "é",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(
        st.one_of(
            st.sampled_from(_FRAGMENTS),
            st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8),
        ),
        max_size=30,
    )
)
def test_any_markdown_is_checked_without_crashing(seed_text: str, tmp_path: Path, parts: list[str]) -> None:
    document = tomlkit.parse(seed_text)
    note = "".join(parts)
    document["rule"]["note"] = note
    document["rule"]["setup"] = note
    path = tmp_path / "rules" / "macos" / "execution_fuzz.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = tomlkit.dumps(document)
    path.write_text(text, encoding="utf-8")
    found = _check(path, Config())
    assert "RK008" not in [d.code for d in found], [d.message for d in found if d.code == "RK008"]
    lines = text.split("\n")
    for diagnostic in found:
        assert 0 <= diagnostic.line <= len(lines)
    fixed, _ = apply_fixes(text, [d.fix for d in found if d.fix])  # fixes never break the file
    assert read_rule(_rewrite(path, fixed)).data is not None


def _rewrite(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# Positions and fixes inside the guide ------------------------------------------------------------------------------


def test_a_guide_in_a_one_line_string_is_reported_at_the_whole_value_without_a_fix(seed_text: str, write_rule) -> None:
    note = (
        "## Triage and analysis\\n\\n### Investigating Another Rule\\n\\n### Possible investigation steps\\n\\n"
        "### False positive analysis\\n\\n### Response and remediation\\n"
    )
    found = _check(write_rule(NOTE.sub(lambda _: f'note = "{note}"\n', seed_text)))
    assert [(d.code, d.line, d.column, d.fix) for d in found] == [("RK703", 20, 8, None)]


def test_an_escape_on_the_heading_line_gives_the_whole_guide_and_no_fix(seed_text: str, write_rule) -> None:
    text = seed_text.replace(
        "### Investigating First Time Python Spawned a Shell on Host", "### Investigating \\u0050ython Reverse Shell"
    )
    found = _check(write_rule(text))
    assert [(d.code, d.line, d.column, d.fix) for d in found] == [("RK703", 20, 8, None)]


def test_a_name_that_needs_escaping_gets_no_fix(seed_text: str, write_rule) -> None:
    text = seed_text.replace(
        'name = "First Time Python Spawned a Shell on Host"', 'name = "First Time \\"Python\\" Spawned a Shell"'
    )
    found = _check(write_rule(text))
    assert [(d.code, d.line, d.column) for d in found] == [("RK703", 22, 5)]
    assert found[0].fix is None


def test_a_link_written_with_entities_is_still_found(seed_text: str, write_rule) -> None:
    text = seed_text.replace(
        "- Review the shell command arguments", "- Review the [arguments](&#106;avascript:alert(1)) arguments"
    )
    found = _check(write_rule(text))
    assert _codes(found) == ["RK707@32:14"]  # at the link's text: the URL is not written as it is read


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("javascript:alert(1)", "javascript"),
        ("JaVaScRiPt:alert(1)", "javascript"),
        ("java\tscript:alert(1)", "javascript"),
        (" vbscript:msgbox", "vbscript"),
        ("data:text/html,<b>", "data"),
        ("file:///etc/passwd", "file"),
        ("https://attack.mitre.org/", None),
        ("http://example.com", None),
        ("mailto:soc@example.com", None),
        ("/docs/guide", None),
        ("../other.md#section", None),
        ("#anchor", None),
        ("?q=1", None),
    ],
)
def test_unsafe_schemes(url: str, scheme: str | None) -> None:
    assert guide.unsafe_scheme(url) == scheme


def test_each_text_is_parsed_once_per_rule(seed_text: str, write_rule, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    parse = guide._parse

    def counting(key_path: tuple, text: str) -> guide.Guide:
        calls.append(text)
        return parse(key_path, text)

    monkeypatch.setattr(guide, "_parse", counting)
    text = seed_text.replace("risk_score = 47", 'risk_score = 47\nsetup = "Enable [Elastic Defend](https://e.co)."')
    rule = read_rule(write_rule(text))
    assert run_checks(rule, Config()) == []
    assert len(calls) == 2  # the note and the setup notes, for all the RK7xx checks together
    assert guide.guide_of(rule) is guide.guide_of(rule)
    assert guide.guide_of(rule, guide.SETUP).tokens  # the link needs markdown-it's full parse


def test_unused_transform_entries_are_reported_when_there_is_no_guide(seed_text: str, write_rule) -> None:
    text = NOTE.sub("", seed_text).replace('    "Resources: Investigation Guide",\n', "")
    text += '\n[[transform.investigate]]\nlabel = "Alerts for the host"\nproviders = []\n'
    found = _check(write_rule(text))
    assert [d.code for d in found] == ["RK702", "RK705"]
    assert found[1].key_path == "transform.investigate[0]"


# House style -------------------------------------------------------------------------------------------------------


def test_the_guide_tag_without_a_guide(seed_text: str, write_rule) -> None:
    found = _check(write_rule(NOTE.sub("", seed_text)), Config(select=("RK9",)))
    assert _codes(found) == ["RK904@34:5"]  # the tag, 30 lines up without the guide
    assert found[0].message == "`Resources: Investigation Guide` on a rule without an investigation guide (`note`)"


def test_path_conventions_apply_only_below_a_rules_folder(seed_text: str, write_rule) -> None:
    outside = write_rule(seed_text.replace('"OS: macOS"', '"OS: Linux"'), name="linux/Some Rule.toml")
    assert _check(outside) == []
    inside = write_rule(seed_text.replace('"OS: macOS"', '"OS: Linux"'), name="rules/linux/Some Rule.toml")
    assert [d.code for d in _check(inside)] == ["RK905"]
    building_block = write_rule(seed_text, name="rules_building_block/collection_x.toml")
    assert [d.message for d in _check(building_block)] == [
        "file name `collection_x.toml` does not start with the primary tactic `execution_` (the tactic of "
        "rule.threat[0])"
    ]


def test_every_attack_tactic_needs_its_tag_but_atlas_entries_do_not(seed_text: str, write_rule) -> None:
    extra = (
        '\n[[rule.threat]]\nframework = "MITRE ATT&CK"\n\n[rule.threat.tactic]\nid = "TA0005"\n'
        'name = "Defense Evasion"\n'
        'reference = "https://attack.mitre.org/tactics/TA0005/"\n'
        '\n[[rule.threat]]\nframework = "MITRE ATLAS"\n\n[rule.threat.tactic]\nid = "AML.TA0002"\n'
        'name = "ML Attack Staging"\nreference = "https://atlas.mitre.org/tactics/AML.TA0002/"\n'
    )
    text = seed_text.replace("[rule.new_terms]\n", extra + "\n[rule.new_terms]\n")
    found = _check(write_rule(text), Config(select=("RK902",)))
    assert [d.message for d in found] == [
        "no `Tactic: Defense Evasion` tag for the tactic of rule.threat[1]: add it to `tags`"
    ]


def test_a_tag_fix_is_withheld_when_the_right_tag_is_already_there(seed_text: str, write_rule) -> None:
    found = _check(write_rule(seed_text.replace('"OS: macOS",', '"OS: macOS",\n    "os:MACOS",')))
    assert [(d.code, d.fix) for d in found] == [("RK901", None)]
    assert found[0].message == "write the tag `os:MACOS` as `OS: macOS`; the list has it already (`OS: macOS`)"


def test_house_style_turns_off_in_one_line(seed_text: str, write_rule) -> None:
    text = seed_text.replace('"OS: macOS",', '"os: macos",').replace('timestamp_override = "event.ingested"\n', "")
    path = write_rule(text, name="rules/linux/Bad Name.toml")
    assert {d.code for d in run_checks(read_rule(path), Config())} == {"RK901", "RK903", "RK905", "RK906"}
    assert run_checks(read_rule(path), Config(ignore=("RK9",))) == []
