"""Text from rule files on pages: rule files come from pull requests, so nothing in them may become active HTML.

Guides, descriptions and false-positive notes are Markdown written for Kibana (CommonMark). They are rendered here
with markdown-it (CommonMark, tables) with raw HTML off, so `<script>` shows as text, and with links and images
allowed only for `http`, `https`, `mailto` and relative targets, so `javascript:` and `data:` stay text. The
result goes into the page as a raw HTML block that Python-Markdown passes through untouched; only the guide's
headings are written as Markdown headings (plain, escaped text), so the page's table of contents and mkdocs' search
sections follow the guide. Short values (names, tags, ids) go into Markdown through `md_escape`.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_CONTROL_TO_SPACE = {code: " " for code in (*range(0x20), 0x7F)}
_MD_INLINE = str.maketrans(
    {**_CONTROL_TO_SPACE, "&": "&amp;", "<": "&lt;", ">": "&gt;", **{c: "\\" + c for c in "\\`*_{}[]()#+-.!|"}}
)


def safe_url(url: str) -> bool:
    """Whether a link target may be followed: `http`, `https`, `mailto`, or no scheme (relative, `#anchor`).

    Browsers drop ASCII whitespace and control characters anywhere in a URL, so they are dropped before the
    scheme is read (`java\\tscript:` is `javascript:` to a browser)."""
    match = _SCHEME.match(_CONTROL.sub("", url).lower())
    return match is None or match.group(1) in ALLOWED_SCHEMES


def md_escape(text: str) -> str:
    """Plain text as Python-Markdown inline text (a rule name in a heading, a table cell or link text).

    `&`, `<`, `>` become entities, so no HTML gets through; Markdown's specials get a backslash (which
    Python-Markdown removes again), so nothing starts emphasis, code, a link or a new table cell (`|`, with the
    `tables` extension); control characters, line breaks included, become spaces so the text stays on its line."""
    return text.translate(_MD_INLINE)


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """`1 rule`, `2 rules`, `0 properties` (with `plural_form`): the counts every page writes."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"


def page_link(source: str, target: str) -> str:
    """A Markdown link target from page `source` to page or file `target` (site source paths), percent-encoded so
    no character of a file name (a space, a parenthesis, `|`) can end the link or a table cell; mkdocs decodes it to
    find the file."""
    return quote(posixpath.relpath(target, posixpath.dirname(source) or "."))


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    md.validateLink = safe_url  # type: ignore[method-assign]
    return md


_MD = _markdown()


def render_markdown(text: str) -> str:
    """Untrusted CommonMark as safe HTML (raw HTML shown as text, unsafe links left as text)."""
    return _MD.render(text)


def html_block(inner: str, css_class: str) -> str:
    """A raw HTML block Python-Markdown passes through as is: it starts a line, after and before a blank line."""
    return f'\n<div class="{css_class}" markdown="0">\n{inner.strip()}\n</div>\n'


@dataclass(frozen=True)
class GuideHeading:
    level: int
    text: str


def _plain(inline: Token) -> str:
    return "".join(child.content for child in inline.children or () if child.type in ("text", "code_inline"))


def guide_markdown(text: str, *, top_level: int = 2) -> tuple[str, list[GuideHeading]]:
    """An investigation guide as page Markdown: each heading a Markdown heading (shifted so the guide's highest
    level is `top_level`, at most h6), every run of blocks between headings safe HTML. Also returns the headings."""
    tokens = _MD.parse(text)
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open" and t.level == 0]
    shift = top_level - min(levels) if levels else 0
    parts: list[str] = []
    headings: list[GuideHeading] = []
    start = 0

    def flush(end: int) -> None:
        if end > start:
            rendered = _MD.renderer.render(tokens[start:end], _MD.options, {})
            if rendered.strip():
                parts.append(html_block(rendered, "rk-guide"))

    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open" and token.level == 0:
            flush(i)
            level = min(6, max(top_level, int(token.tag[1]) + shift))
            heading = GuideHeading(level, " ".join(_plain(tokens[i + 1]).split()))
            headings.append(heading)
            parts.append(f"\n{'#' * level} {md_escape(heading.text) or '&nbsp;'}\n")
            i += 3  # heading_open, inline, heading_close
            start = i
            continue
        i += 1
    flush(len(tokens))
    return "".join(parts), headings
