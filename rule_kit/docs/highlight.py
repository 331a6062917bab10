"""KQL as highlighted HTML for the rule pages.

Pygments has no KQL lexer, so the query is tokenized here. The text it gets is `format_lines`' canonical KQL, where
every keyword-like value is escaped or quoted, so a bare `and`/`or`/`not` is always an operator and a word followed
by `:` or a range operator is always a field. Token classes are Pygments' short names, which mkdocs-material
colours in both of its schemes. Stripping the tags and unescaping gives back the exact text.
"""

from __future__ import annotations

import html
import re

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<string>"(?:[^"\\]|\\.)*"?)
    | (?P<range><=|>=|<|>)
    | (?P<punct>[(){}:])
    | (?P<word>(?:\\.|[^\s\\():<>"{}])+|\\)
    """,
    re.VERBOSE | re.DOTALL,
)
_FIELD_FOLLOWS = re.compile(r"\s*(?::|<=|>=|<|>)")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_KEYWORDS = ("and", "or", "not")
_CONSTANTS = ("null", "true", "false")


def _kind(match: re.Match[str], text: str) -> str | None:
    """The Pygments class of one token, or None for whitespace."""
    group, value = match.lastgroup, match.group()
    if group == "space":
        return None
    if group == "range":
        return "o"
    if group == "punct":
        return "o" if value == ":" else "p"
    if _FIELD_FOLLOWS.match(text, match.end()):
        return "nv"  # a field name, quoted or not
    if group == "string":
        return "s2"
    if value.lower() in _KEYWORDS:
        return "ow"
    if value in _CONSTANTS:
        return "kc"
    if value == "*":
        return "o"
    return "m" if _NUMBER.fullmatch(value) else "s"


def highlight_kql(text: str) -> str:
    """`text` as HTML spans with Pygments' token classes (no wrapper element)."""
    out: list[str] = []
    for match in _TOKEN.finditer(text):
        kind, escaped = _kind(match, text), html.escape(match.group(), quote=False)
        out.append(escaped if kind is None else f'<span class="{kind}">{escaped}</span>')
    return "".join(out)


def code_block(inner_html: str, language: str) -> str:
    """A code block in the shape mkdocs-material styles (and gives a copy button with `content.code.copy`)."""
    return f'<div class="language-{language} highlight"><pre><span></span><code>{inner_html}</code></pre></div>'
