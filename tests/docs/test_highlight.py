"""The highlighted query: the exact text back when the tags are stripped, and the right class per token."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings

from rule_kit.docs.highlight import highlight_kql
from rule_kit.kql import parse
from rule_kit.kql.format import format_lines
from tests.kql.test_format import trees

TAG = re.compile(r"<[^>]+>")


def _spans(highlighted: str) -> list[tuple[str, str]]:
    return [
        (m.group(1), html.unescape(m.group(2))) for m in re.finditer(r'<span class="(\w+)">([^<]*)</span>', highlighted)
    ]


def test_fields_operators_and_values_get_their_classes() -> None:
    text = "\n".join(format_lines(parse('process.name:(bash or "sh") and not user.id > 10 and a:* and b:true')))
    spans = _spans(highlight_kql(text))
    assert ("nv", "process.name") in spans and ("nv", "user.id") in spans and ("nv", "a") in spans
    assert ("s", "bash") in spans and ("s2", '"sh"') in spans and ("m", "10") in spans
    assert ("ow", "and") in spans and ("ow", "or") in spans and ("ow", "not") in spans
    assert ("o", ">") in spans and ("kc", "true") in spans


def test_escaped_keywords_are_values_not_operators() -> None:
    spans = _spans(highlight_kql(r"a:\or and b:\and"))
    assert ("s", r"\or") in spans and ("s", r"\and") in spans
    assert [kind for kind, text in spans if text.lower() in ("and", "or")] == ["ow"]


def test_html_in_a_query_is_escaped() -> None:
    highlighted = highlight_kql('a:"<script>alert(1)</script>"')
    assert "<script" not in highlighted


@settings(max_examples=150, deadline=None)
@given(trees)
def test_stripping_the_tags_gives_the_text_back(tree) -> None:
    text = "\n".join(format_lines(tree))
    assert html.unescape(TAG.sub("", highlight_kql(text))) == text
