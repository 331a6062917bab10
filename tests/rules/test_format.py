"""`rule-kit fmt`: the seed is already canonical, formatting is idempotent, keeps data and comments."""

from __future__ import annotations

import tomllib

import tomlkit
from hypothesis import given, settings

from rule_kit.rules.format import format_rule
from tests.conftest import SEED
from tests.rules.test_positions import _documents

MESSY = """[rule]
# the name, with a comment
name = "x"
author = ["a"]  # trailing
query = "process.name : bash"
tags = ["Domain: Endpoint", "OS: macOS", "Use Case: Threat Detection", "Tactic: Execution", "Data Source: Elastic Defend"]
index = [
  "logs-endpoint.events.process-*",
]
type = "query"

[[rule.threat]]
framework = "MITRE ATT&CK"
[rule.threat.tactic]
id = "TA0002"
[[rule.threat.technique]]
id = "T1059"

[metadata]
updated_date = "2026/03/24"
creation_date = "2026/02/23"   # first
"""

CANONICAL = """[metadata]
creation_date = "2026/02/23"   # first
updated_date = "2026/03/24"

[rule]
author = ["a"]  # trailing
index = ["logs-endpoint.events.process-*"]
# the name, with a comment
name = "x"
tags = [
    "Domain: Endpoint",
    "OS: macOS",
    "Use Case: Threat Detection",
    "Tactic: Execution",
    "Data Source: Elastic Defend",
]
type = "query"
query = '''
process.name : bash
'''

[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1059"

[rule.threat.tactic]
id = "TA0002"
"""


def test_the_seed_is_canonical() -> None:
    text = SEED.read_text(encoding="utf-8")
    assert format_rule(text) == text


def test_messy_rule_gets_the_canonical_layout() -> None:
    assert format_rule(MESSY) == CANONICAL
    assert format_rule(CANONICAL) == CANONICAL


def test_comments_in_arrays_keep_the_array_as_written() -> None:
    text = '[rule]\ntags = [\n  "a",  # why a\n  "b",\n]\n'
    assert format_rule(text) == text


@settings(max_examples=150, deadline=None)
@given(_documents)
def test_idempotent_and_keeps_every_value(document: dict) -> None:
    text = tomlkit.dumps(document)
    once = format_rule(text)
    assert format_rule(once) == once
    assert tomllib.loads(once) == tomllib.loads(text)
