"""Declared properties: what each generator draws, the failure report, and its pasted case reproducing the failure."""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from rule_kit.engine import RulePlan, plan_rule, run
from rule_kit.fixtures import FixtureFile, fixtures_path, load_fixtures
from rule_kit.fixtures.model import Generator, Property
from rule_kit.fixtures.writer import toml_value
from rule_kit.kql.matcher import date_millis
from rule_kit.rules import Rule, read_rule
from rule_kit.testing import properties
from rule_kit.testing.properties import (
    MISSING,
    PropertyFailed,
    check_property,
    event_strategy,
    field_strategy,
    query_words,
)
from tests.conftest import SEED

ROOT = Path(__file__).resolve().parents[2]
SEED_RULE = ROOT / "rules" / "macos" / "execution_first_time_python_spawned_a_shell_on_host.toml"
NOW = datetime(2026, 3, 24, 12, 0, tzinfo=UTC)
HEAD = """\
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
events = [{ template = "python_shell", "@timestamp" = "now-2m", "event.ingested" = "now-2m" }]

[[case]]
name = "pip is excluded"
expect = "no_alert"
events = [{ template = "python_shell", "@timestamp" = "now-2m", "process.command_line" = "sh -c pip install x" }]
"""
CAPITAL = """
[[property]]
name = "any python* parent spawning bash -c alerts"
expect = "alert"
template = "python_shell"

[property.given]
"process.parent.name" = { regex = "[Pp]ython[0-9]?" }
"process.name" = "bash"
"process.args" = { contains = "-c" }
"""
PACKAGE_MANAGERS = """
[[property]]
name = "package-manager command lines never alert"
expect = "no_alert"
template = "python_shell"
examples = 30

[property.given]
"process.command_line" = { regex = "(?s).*(pip|conda|brew|jupyter).*" }
"""
ANY_COMMAND_LINE = """
[[property]]
name = "no python shell ever alerts"
expect = "no_alert"
template = "python_shell"

[property.given]
"process.command_line" = { text = true }
"""


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Rule:
    path = tmp_path_factory.mktemp("rules") / "rule.toml"
    path.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    return read_rule(path)


@pytest.fixture(scope="module")
def plan(seed: Rule) -> RulePlan:
    return plan_rule(seed)


@pytest.fixture
def load(seed: Rule) -> Callable[[str], FixtureFile]:
    def write_and_load(text: str) -> FixtureFile:
        path = fixtures_path(seed.path)
        path.write_text(text, encoding="utf-8")
        loaded = load_fixtures(path, rule=seed)
        assert loaded.diagnostics == [], [d.message for d in loaded.diagnostics]
        return loaded

    return write_and_load


def prop_of(load: Callable[[str], FixtureFile], text: str) -> Property:
    (prop,) = load(HEAD + text).properties
    return prop


def failure(plan: RulePlan, prop: Property) -> PropertyFailed:
    with pytest.raises(PropertyFailed) as caught:
        check_property(plan, prop)
    return caught.value


# --- generators ---------------------------------------------------------------------------------------------------


def gen(**keys: Any) -> Generator:
    return Generator(keys=keys)


@settings(max_examples=30)
@given(st.data())
def test_each_generator_draws_what_the_docs_say(data: st.DataObject) -> None:
    draw = data.draw
    assert draw(field_strategy(Generator(literal=["a", 1]))) == ["a", 1]
    assert draw(field_strategy(gen(missing=True))) is MISSING
    assert draw(field_strategy(gen(one_of=["bash", "zsh", ["x"]]))) in ("bash", "zsh", ["x"])
    assert re.fullmatch("python[0-9.]{0,5}", draw(field_strategy(gen(regex="python[0-9.]{0,5}"))))
    assert "-c" in draw(field_strategy(gen(contains="-c")))
    assert draw(field_strategy(gen(prefix="host-"))).startswith("host-")
    assert draw(field_strategy(gen(suffix=".sh"))).endswith(".sh")
    both = draw(field_strategy(gen(prefix="/tmp/", contains="x", suffix=".sh", text=True)))
    assert both.startswith("/tmp/") and both.endswith(".sh") and "x" in both[5:-3]
    assert isinstance(draw(field_strategy(gen(text=True))), str)
    listed = draw(field_strategy(Generator(keys={"contains": "-c"}, array=True)))
    assert isinstance(listed, list) and "-c" in listed and len(listed) <= 7
    numbers = draw(field_strategy(Generator(keys={"contains": 7}, array=True)))
    assert 7 in numbers and all(type(n) is int for n in numbers)
    assert 1 <= draw(field_strategy(gen(integers={"min": 1, "max": 5}))) <= 5
    assert draw(field_strategy(gen(integers={"min": 10}))) >= 10
    assert ipaddress.ip_address(draw(field_strategy(gen(ip="10.0.0.0/8")))) in ipaddress.ip_network("10.0.0.0/8")
    assert ipaddress.ip_address(draw(field_strategy(gen(ip="fd00::/8")))) in ipaddress.ip_network("fd00::/8")


@settings(max_examples=30)
@given(st.data())
def test_any_draws_the_fields_type(data: st.DataObject) -> None:
    def draw_any(field_type: str, array: bool = False) -> Any:
        return data.draw(field_strategy(Generator(keys={"any": True}, field_type=field_type, array=array)))

    assert isinstance(draw_any("keyword"), str)
    assert isinstance(draw_any("wildcard"), str)
    long = draw_any("long")
    assert type(long) is int and -(2**63) <= long < 2**63
    assert 0 <= draw_any("unsigned_long") < 2**64
    assert -128 <= draw_any("byte") <= 127
    assert isinstance(draw_any("double"), float)
    ipaddress.ip_address(draw_any("ip"))
    assert date_millis(draw_any("date")) is not None
    assert type(draw_any("boolean")) is bool
    many = draw_any("keyword", array=True)
    assert isinstance(many, str) or (isinstance(many, list) and 1 <= len(many) <= 3)


def test_any_array_draws_lists_too() -> None:
    strategy = field_strategy(Generator(keys={"any": True}, field_type="long", array=True))
    assert find(strategy, lambda value: isinstance(value, list)) == [0]


def test_arbitrary_text_is_spliced_with_the_querys_words(plan: RulePlan) -> None:
    words = query_words(plan)
    assert {"pip", "Pip", "PIP", "python", "-c", "bash", "macos"} <= set(words)
    assert "*" not in "".join(words)
    assert find(field_strategy(gen(text=True), words), lambda text: "conda" in text) == "conda"
    assert find(field_strategy(gen(prefix="sh "), words), lambda text: "jupyter" in text) == "sh jupyter"


def test_the_minimal_draws_are_simple() -> None:
    assert find(field_strategy(gen(regex="[Pp]ython[0-9]?")), lambda s: s[0] == "P") == "Python"
    assert find(field_strategy(Generator(keys={"contains": "-c"}, array=True)), lambda _: True) == ["-c"]
    assert find(field_strategy(gen(one_of=["bash", "zsh"])), lambda _: True) == "bash"
    assert find(field_strategy(gen(text=True)), lambda _: True) == ""


# --- events -------------------------------------------------------------------------------------------------------


def test_events_start_from_the_template_and_get_timestamps(load, plan: RulePlan) -> None:
    prop = prop_of(
        load,
        """
[[property]]
name = "p"
expect = "alert"
template = "python_shell"

[property.given]
process = { name = { one_of = ["zsh"] } }
"process.args" = { missing = true }
""",
    )
    event = find(event_strategy(plan, prop), lambda _: True)
    assert event["@timestamp"] == event["event.ingested"] == "2026-03-24T11:59:00.000Z"  # now-1m, both
    assert event["process.name"] == "zsh" and "process" not in event  # replaced in the template's spelling
    assert "process.args" not in event
    assert event["host.id"] == "host-1"


def test_timestamps_given_or_missing_are_kept(load, plan: RulePlan) -> None:
    prop = prop_of(
        load,
        """
[[property]]
name = "p"
expect = "alert"

[property.given]
"@timestamp" = { missing = true }
"event.ingested" = "now-5m"
""",
    )
    assert find(event_strategy(plan, prop), lambda _: True) == {"event.ingested": "2026-03-24T11:55:00.000Z"}


# --- running properties -------------------------------------------------------------------------------------------


def test_a_property_the_rule_keeps_passes(load, plan: RulePlan) -> None:
    check_property(plan, prop_of(load, PACKAGE_MANAGERS))


def test_examples_caps_the_runs(load, plan: RulePlan, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = properties.run

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(properties, "run", counting)
    prop = prop_of(load, PACKAGE_MANAGERS.replace("examples = 30", "examples = 5"))
    check_property(plan, prop, database_key=b"rule-kit test examples")
    assert 1 <= len(calls) <= 5


def test_a_failing_property_reports_the_shrunk_counterexample(load, plan: RulePlan) -> None:
    failed = failure(plan, prop_of(load, CAPITAL))
    assert failed.event["process.parent.name"] == "Python"  # shrunk: the shortest capitalised name
    assert failed.event["process.args"] == ["-c"]  # shrunk: no other arguments
    assert failed.alerts == []
    report = failed.report()
    assert report.startswith(
        "property: any python* parent spawning bash -c alerts\n"
        "  - expected every generated event to alert; this one raised none\n"
    )
    assert '"process.parent.name": "Python"' in report.split("minimal counterexample (shrunk by hypothesis):\n")[1]
    assert "alerts got: none" in report
    assert '✗ process.parent.name:python*  [process.parent.name = "Python"]' in report  # the explain view
    assert "0 of 1 events match the query; 0 alerts." in report
    block = report.split("to keep it as a curated case, paste this into the fixture file:\n\n")[1]
    assert block == failed.case_block()
    assert block.splitlines()[:4] == [
        "[[case]]",
        'name = "found by property any python* parent spawning bash -c alerts"',
        'expect = "alert"',
        'now = "2026-03-24T12:00:00.000Z"',
    ]
    assert block.splitlines()[4].startswith('events = [{ "@timestamp" = "2026-03-24T11:59:00.000Z", ')


def test_the_pasted_case_reproduces_the_failure(load, plan: RulePlan, seed: Rule) -> None:
    failed = failure(plan, prop_of(load, CAPITAL))
    loaded = load(HEAD + CAPITAL + "\n" + failed.case_block() + "\n")
    case = loaded.cases[-1]
    assert case.name == "found by property any python* parent spawning bash -c alerts"
    assert case.events == [failed.event]
    assert case.now == NOW
    assert case.verify(run(seed, case.events, case.now, case.runs)) == ["expected at least one alert, got none"]


def test_a_no_alert_property_reports_the_alerts_and_its_case_reproduces(load, plan: RulePlan, seed: Rule) -> None:
    failed = failure(plan, prop_of(load, ANY_COMMAND_LINE))
    assert failed.event["process.command_line"] == ""  # shrunk: any command line alerts
    report = failed.report()
    assert "expected no generated event to alert; this one raised 1 alert" in report
    assert 'alerts got (1):\n  event 1 at 2026-03-24T11:59:00.000Z, new terms ["host-1", ' in report
    case = load(HEAD + ANY_COMMAND_LINE + "\n" + failed.case_block() + "\n").cases[-1]
    assert case.expect == "no_alert"
    assert case.verify(run(seed, case.events, case.now, case.runs)) == ["expected no alert, got 1"]


def test_the_seed_fixture_files_properties_hold() -> None:
    rule = read_rule(SEED_RULE)
    loaded = load_fixtures(fixtures_path(SEED_RULE), rule=rule)
    assert loaded.diagnostics == []
    assert len(loaded.properties) == 2
    seed_plan = plan_rule(rule)
    for prop in loaded.properties:
        check_property(seed_plan, prop)


# --- the pasted TOML ----------------------------------------------------------------------------------------------


@given(st.text())
def test_any_text_survives_toml(text: str) -> None:
    assert tomllib.loads(f"v = {toml_value(text)}")["v"] == text


def test_events_become_one_line_inline_tables_with_dotted_keys() -> None:
    event = {"process": {"name": "sh", "args": ["-c", 'a"b\\c\n'], "pid": 3}, "x": {}, "ok": True, "n": None, "f": 1.5}
    text = toml_value(event)
    assert "\n" not in text
    assert text.startswith('{ "process.name" = "sh", "process.args" = ["-c", "a\\"b\\\\c\\n"], "process.pid" = 3')
    assert tomllib.loads(f"v = {text}")["v"] == {
        "process.name": "sh",
        "process.args": ["-c", 'a"b\\c\n'],
        "process.pid": 3,
        "x": {},
        "ok": True,
        "f": 1.5,
    }
