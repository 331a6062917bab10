"""Untrusted rule text on pages: raw HTML stays text, only http/https/mailto/relative links are followed."""

from __future__ import annotations

import markdown
import pytest

from rule_kit.docs.safe import guide_markdown, md_escape, render_markdown, safe_url

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JavaScript:alert(1))",
    "[click]( java\tscript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "![pic](data:text/html;base64,PHNjcmlwdD4=)",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    "<svg onload=alert(1)>",
]


def _rendered_page(guide: str) -> str:
    """The guide as mkdocs renders the page Markdown (Python-Markdown, the extensions the site uses)."""
    text, _ = guide_markdown(guide)
    return markdown.markdown(text, extensions=["tables", "toc", "admonition"])


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://attack.mitre.org/", True),
        ("http://example.com", True),
        ("mailto:soc@example.com", True),
        ("../other/rule.md", True),
        ("#triage", True),
        ("/absolute/path", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("java\tscript:alert(1)", False),
        (" \x01javascript:alert(1)", False),
        ("vbscript:x", False),
        ("data:text/html,x", False),
        ("file:///etc/passwd", False),
    ],
)
def test_safe_url_allows_only_web_mail_and_relative_targets(url: str, allowed: bool) -> None:
    assert safe_url(url) is allowed


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_active_html_survives_in_a_guide(attack: str) -> None:
    guide = f"## Triage\n\nBefore {attack} after.\n\n- item {attack}\n"
    for html in (render_markdown(guide), _rendered_page(guide)):
        lowered = html.lower()
        assert "<script" not in lowered
        assert "<img src=x" not in lowered and "<svg" not in lowered and "<iframe" not in lowered
        assert 'href="javascript' not in lowered and 'href="vbscript' not in lowered
        assert 'src="data:' not in lowered
        assert "before" in lowered and "after" in lowered  # the text itself is kept, as text


def test_safe_links_stay_links() -> None:
    html = render_markdown("[ATT&CK](https://attack.mitre.org/) [mail](mailto:a@b.c) [rel](other.md)")
    assert '<a href="https://attack.mitre.org/">ATT&amp;CK</a>' in html
    assert 'href="mailto:a@b.c"' in html and 'href="other.md"' in html


def test_md_escape_neutralises_markdown_and_html() -> None:
    escaped = md_escape("<b>*bold*</b> [x](javascript:y) | a_b `c` #1")
    html = markdown.markdown(f"| name |\n|---|\n| {escaped} |", extensions=["tables"])
    assert "<b>" not in html and "<em>" not in html and "<a " not in html and "<code>" not in html
    assert "&lt;b&gt;*bold*&lt;/b&gt; [x](javascript:y) | a_b `c` #1" in html
    assert html.count("<td>") == 1  # the | did not open a new cell


def test_guide_headings_become_page_headings_shifted_to_h2() -> None:
    text, headings = _guide("# Triage\n\nsome text\n\n## Steps\n\n- one\n")
    assert [(h.level, h.text) for h in headings] == [(2, "Triage"), (3, "Steps")]
    html = markdown.markdown(text, extensions=["toc"])
    assert '<h2 id="triage">Triage</h2>' in html and '<h3 id="steps">Steps</h3>' in html
    assert "<li>one</li>" in html


def test_guide_heading_with_markup_is_plain_escaped_text() -> None:
    text, headings = _guide("## Look at `cmd` <script>x</script> *now*\n\nbody\n")
    assert headings[0].text == "Look at cmd <script>x</script> now"  # raw HTML is text, as in the body
    html = markdown.markdown(text, extensions=["toc"])
    assert "<script" not in html and "&lt;script&gt;x&lt;/script&gt;" in html


def test_code_blocks_with_blank_lines_pass_through_python_markdown_whole() -> None:
    html = _rendered_page("## Query\n\n```\nline one\n\nline <three>\n```\n\nafter\n")
    assert "<pre><code>line one\n\nline &lt;three&gt;\n</code></pre>" in html
    assert "<p>after</p>" in html


def _guide(text: str):
    return guide_markdown(text)
