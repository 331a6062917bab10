"""The guide's fast path (headings read line by line) agrees with markdown-it wherever it is taken."""

from __future__ import annotations

import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from rule_kit.checks.guide import _NEEDS_FULL_PARSE, _parse
from tests.conftest import SEED

NOTE = ("rule", "note")
_LINES = st.sampled_from(
    [
        "",
        "## Triage and analysis",
        "### Investigating First Time Python Spawned a Shell on Host",
        "#### Possible investigation steps ####",
        "### False positive analysis #",
        "## ",
        "#",
        "### trailing spaces   ",
        "####### seven hashes",
        "##\u00a0non-breaking",
        "#tag without space",
        "- a list item with `code` and **bold**",
        "  continued list text",
        "    indented four",
        "1. numbered",
        "- ## heading in a list item",
        "> ## heading in a quote",
        "Some paragraph text that goes on.",
        "---",
        "===",
        "* * *",
        "``` fenced",
        "a | table | row",
        "<b>html</b>",
        "[a link](https://example.com)",
        "   ## indented heading",
        "text with a \\# escape",
        "tab\there",
        "## heading with `code` and $osquery_0",
    ]
)


def _markdown_it_headings(key_path: tuple, text: str) -> list[tuple]:
    guide = _parse(key_path, text + "\n<!-- force the full parse -->")
    return [(h.level, h.text, h.line, h.column, h.end_column) for h in guide.headings]


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINES, max_size=12))
def test_fast_headings_equal_markdown_it_headings(lines: list[str]) -> None:
    text = "\n".join(lines)
    if _NEEDS_FULL_PARSE.search(text):
        return
    fast = _parse(NOTE, text)
    assert fast.tokens == ()  # the fast path was taken
    assert [(h.level, h.text, h.line, h.column, h.end_column) for h in fast.headings] == _markdown_it_headings(
        NOTE, text
    )


def test_the_seed_guide_takes_the_fast_path() -> None:
    note = tomllib.loads(SEED.read_text(encoding="utf-8"))["rule"]["note"]
    fast = _parse(NOTE, note)
    assert fast.tokens == ()
    assert [h.text for h in fast.headings] == [h[1] for h in _markdown_it_headings(NOTE, note)]
