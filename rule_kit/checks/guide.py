"""RK7xx: the investigation guide (`rule.note`) and the setup notes (`rule.setup`), read as Markdown.

Kibana renders the guide in the alert flyout and the docs site renders it into a page, so it is checked as a
document: the sections a triage reader needs, the rule's own name in `### Investigating`, the placeholders of the
[transform] plugins, Markdown that does not render as written, and what must never reach a page (scripts, event
handlers, `javascript:` links). Each text is parsed once per rule (CommonMark and GFM tables, markdown-it-py);
positions inside it are mapped back to the file and checked against the file's text, so a finding points at the
heading or link itself, or at the whole value when the string's escapes make that mapping inexact.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from rule_kit.checks.registry import Finding, rule_check
from rule_kit.diagnostics import Edit, Fix, Severity
from rule_kit.rules.model import Rule
from rule_kit.rules.positions import KeyPath, Span, line_column

NOTE: KeyPath = ("rule", "note")
SETUP: KeyPath = ("rule", "setup")
HIGH_SEVERITIES = frozenset({"high", "critical"})


def _every_link(url: str) -> bool:
    return True


def _markdown() -> MarkdownIt:
    parser = MarkdownIt("commonmark").enable("table")
    # markdown-it refuses to make links of `javascript:`, `vbscript:`, `file:` and most `data:` URLs and leaves their
    # text as is; letting every URL through gives RK707 the link tokens to judge, whatever the source spelling.
    parser.validateLink = _every_link
    return parser


_PARSER = _markdown()


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of the guide: level, its text as written, where that text stands (1-based, end exclusive)."""

    level: int
    text: str
    line: int
    column: int
    end_column: int

    @property
    def normalised(self) -> str:
        return " ".join(self.text.split()).lower()

    @property
    def source(self) -> str:
        return f"{'#' * self.level} {self.text}"


@dataclass(frozen=True, slots=True)
class Guide:
    """One Markdown text of a rule: its key path, its lines and markdown-it's tokens."""

    key_path: KeyPath
    text: str
    lines: tuple[str, ...]
    tokens: tuple[Token, ...]
    headings: tuple[Heading, ...]


@dataclass(slots=True)
class _Parsed:
    text: str
    guides: dict[KeyPath, Guide | None] = field(default_factory=dict)
    _file_lines: list[str] | None = None

    @property
    def file_lines(self) -> list[str]:
        if self._file_lines is None:  # only when a finding needs a position
            self._file_lines = self.text.split("\n")
        return self._file_lines


_CACHE: weakref.WeakKeyDictionary[Rule, _Parsed] = weakref.WeakKeyDictionary()


def _parsed(rule: Rule) -> _Parsed:
    parsed = _CACHE.get(rule)
    if parsed is None:
        parsed = _Parsed(rule.text or "")
        _CACHE[rule] = parsed
    return parsed


def guide_of(rule: Rule, key_path: KeyPath = NOTE) -> Guide | None:
    """The parsed Markdown at `key_path` (parsed once per rule), or None when it is absent or not a string."""
    parsed = _parsed(rule)
    if key_path not in parsed.guides:
        value = rule.get(key_path)
        parsed.guides[key_path] = _parse(key_path, value) if isinstance(value, str) else None
    return parsed.guides[key_path]


def _guides(rule: Rule) -> Iterator[Guide]:
    for key_path in (NOTE, SETUP):
        guide = guide_of(rule, key_path)
        if guide is not None:
            yield guide


# A guide with none of these is headings, lists, paragraphs and code spans only: its headings can be read line by
# line, exactly as markdown-it reads them (a property test compares the two), at a fraction of the cost. Anything
# else (HTML, links, tables, fences, escapes, setext underlines, indented or nested headings) takes the full parse.
_NEEDS_FULL_PARSE = re.compile(
    r"[<\\|\t&]|\]\(|\]:|```|~~~|^ {0,3}(?:=+|-+)[ \t]*$|^ {1,3}#|^ {0,3}#{1,6}[^ \n#]"
    r"|^ {0,3}>|^ {0,3}(?:[-+*]|\d{1,9}[.)])[ \t]+#",
    re.MULTILINE,
)
_ATX = re.compile(r"^(#{1,6})(?:[ ]+(.*?))?(?:[ ]+#+)?[ ]*$")


def _parse(key_path: KeyPath, value: str) -> Guide:
    text = re.sub(r"\r\n?", "\n", value).replace("\0", "\ufffd")  # as markdown-it normalises its input
    lines = tuple(text.split("\n"))
    if not _NEEDS_FULL_PARSE.search(text):
        return Guide(key_path, text, lines, (), tuple(_plain_headings(lines)))
    tokens = tuple(_PARSER.parse(text))
    headings = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or not token.map or index + 1 >= len(tokens):
            continue
        content = tokens[index + 1].content
        line = token.map[0] + 1
        raw = lines[line - 1] if line <= len(lines) else ""
        hashes = re.match(r"\s*(?:>\s?)*\s*#{1,6}", raw)
        first = content.split("\n")[0]
        start = raw.find(first, hashes.end() if hashes else 0) if first else -1
        column = start + 1 if start >= 0 else 1
        headings.append(Heading(int(token.tag[1]), content, line, column, column + len(first)))
    return Guide(key_path, text, lines, tokens, tuple(headings))


def _plain_headings(lines: tuple[str, ...]) -> Iterator[Heading]:
    """ATX headings of a guide that `_NEEDS_FULL_PARSE` let through: every line starting with `#`."""
    for number, raw in enumerate(lines, start=1):
        if not raw.startswith("#"):
            continue
        match = _ATX.match(raw)
        if match is None:
            continue
        content = (match.group(2) or "").strip(" ")
        if content and set(content) == {"#"}:  # `## ##`: the closing sequence alone, an empty heading
            content = ""
        column = raw.find(content, len(match.group(1))) + 1 if content else 1
        yield Heading(len(match.group(1)), content, number, column, column + len(content))


# Positions -------------------------------------------------------------------------------------------------------


def _exact_span(rule: Rule, guide: Guide, line: int, column: int, end_column: int) -> Span | None:
    """The file span of columns [column, end_column) on `line` of the guide, when the file holds exactly that text
    there (it does not where an escape sequence stands earlier on the line, or in a one-line string)."""
    if rule.text is None or not 1 <= line <= len(guide.lines):
        return None
    span = rule.locate_in_string(guide.key_path, line, column, end_column)
    file_lines = _parsed(rule).file_lines
    if not 1 <= span.line <= len(file_lines):
        return None
    expected = guide.lines[line - 1][column - 1 : end_column - 1]
    actual = file_lines[span.line - 1][span.column - 1 : span.end_column - 1]
    return span if actual == expected else None


def _span(rule: Rule, guide: Guide, line: int, column: int, end_column: int) -> Span:
    """Like `_exact_span`, falling back to the span of the whole value."""
    return _exact_span(rule, guide, line, column, max(end_column, column)) or rule.locate(guide.key_path)


def _find(guide: Guide, needle: str, start: tuple[int, int], last_line: int) -> tuple[int, int] | None:
    """Where the first line of `needle` first occurs (case-insensitively) at or after `start`, up to `last_line`."""
    needle = needle.split("\n")[0]
    if not needle:
        return None
    pattern = re.compile(re.escape(needle), re.IGNORECASE)  # keeps columns, where str.lower() may not
    line, column = start
    while line <= min(last_line, len(guide.lines)):
        found = pattern.search(guide.lines[line - 1], column - 1)
        if found:
            return line, found.start() + 1
        line, column = line + 1, 1
    return None


def _block_start(guide: Guide, line: int) -> tuple[int, int, int]:
    raw = guide.lines[line - 1] if 1 <= line <= len(guide.lines) else ""
    column = len(raw) - len(raw.lstrip()) + 1
    return line, column, max(len(raw) + 1, column + 1)


def _located_inline(
    guide: Guide, needles_of: Callable[[list[Token], int], list[str]]
) -> Iterator[tuple[Token, int, int, int]]:
    """Inline tokens for which `needles_of(siblings, index)` gives texts to look for, each with the line and columns
    of the first of those texts found after the previous one (or the start of its block when none is found, e.g.
    a URL written with entities)."""
    cursor = (1, 1)
    for token in guide.tokens:
        if token.type != "inline" or not token.map or not token.children:
            continue
        first, last = token.map[0] + 1, token.map[1]
        cursor = max(cursor, (first, 1))
        children = token.children
        for index, child in enumerate(children):
            if child.type == "code_inline":  # step over code spans so that their text is not taken for a link
                found = _find(guide, child.content, cursor, last)
                if found:
                    cursor = (found[0], found[1] + len(child.content))
                continue
            needles = needles_of(children, index)
            if not needles:
                continue
            for needle in needles:
                found = _find(guide, needle, cursor, last)
                if found:
                    length = len(needle.split("\n")[0])
                    cursor = (found[0], found[1] + length)
                    yield child, found[0], found[1], found[1] + length
                    break
            else:
                yield child, *_block_start(guide, first)


# RK701 / RK702: sections ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Section:
    title: str
    levels: tuple[int, ...]

    def matches(self, heading: Heading) -> bool:
        text = heading.normalised
        if self.title == "Investigating":
            return text == "investigating" or text.startswith("investigating ")
        return text == self.title.lower()

    def label(self, rule: Rule) -> str:
        title = self.title
        if title == "Investigating":
            title += f" {rule.name}" if rule.name else " <rule name>"
        return f"{'#' * self.levels[0]} {title}"


SECTIONS = (
    _Section("Triage and analysis", (2,)),
    _Section("Investigating", (3,)),
    _Section("Possible investigation steps", (3, 4)),
    _Section("False positive analysis", (3,)),
    _Section("Response and remediation", (3,)),
)


def _is_high(rule: Rule) -> bool:
    return rule.section.get("severity") in HIGH_SEVERITIES


def _section_findings(rule: Rule) -> Iterator[Finding]:
    if not isinstance((rule.data or {}).get("rule"), dict):
        return  # no [rule] table: the schema reports it
    if "building_block_type" in rule.section:  # building blocks raise no alert of their own: nobody triages them
        return
    note = rule.section.get("note")
    severity = rule.section.get("severity")
    kind = f"a {severity} rule" if isinstance(severity, str) and severity else "a rule"
    if note is None:
        needs = "needs" if _is_high(rule) else "should have"
        yield Finding(NOTE, f"{kind} {needs} an investigation guide: add `note` with the triage sections")
        return
    if not isinstance(note, str):
        return  # the schema reported it
    if not note.strip():
        yield Finding(NOTE, "the investigation guide is empty")
        return
    guide = guide_of(rule)
    assert guide is not None
    for section in SECTIONS:
        headings = [h for h in guide.headings if section.matches(h)]
        if any(h.level in section.levels for h in headings):
            continue
        label = section.label(rule)
        if headings:
            heading = headings[0]
            yield Finding(
                NOTE,
                f"`{heading.source}` should be a level-{section.levels[0]} heading: `{label}`",
                span=_span(rule, guide, heading.line, heading.column, heading.end_column),
            )
        else:
            yield Finding(NOTE, f"the investigation guide has no `{label}` section")


@rule_check("RK701", "guide-missing-section", Severity.ERROR)
def guide_missing_section(rule: Rule) -> Iterator[Finding]:
    """
    A high or critical rule's investigation guide lacks a section a triage reader needs (or the rule has no guide).

    An analyst who opens a high or critical alert reads `note` first. Every guide has the same sections, so that
    the answer to "what do I check, what is normal, what do I do" is always in the same place:
    `## Triage and analysis`, `### Investigating <exact rule name>`, `### Possible investigation steps`
    (`####` also accepted), `### False positive analysis` and `### Response and remediation`. Titles are compared
    ignoring case and extra spaces; a title at the wrong heading level is reported at that heading.

    This check covers rules with `severity = "high"` or `"critical"`; RK702 reports the same for other rules, as a
    warning. Building-block rules (`building_block_type`) are exempt: they raise no alert of their own.

    Example: a critical rule whose guide has no `### False positive analysis` heading.

    Fix: add the missing section (a short paragraph is better than none); see the investigation guide page.
    """
    if _is_high(rule):
        yield from _section_findings(rule)


@rule_check("RK702", "guide-missing-recommended-section", Severity.WARNING)
def guide_missing_recommended_section(rule: Rule) -> Iterator[Finding]:
    """
    A low or medium rule's investigation guide lacks one of the standard sections (or the rule has no guide).

    The same sections as RK701 (`## Triage and analysis`, `### Investigating <exact rule name>`,
    `### Possible investigation steps`, `### False positive analysis`, `### Response and remediation`), for rules
    that are not high or critical, where a missing section is a warning rather than an error. Kept as its own code
    so that a team can require guides on serious rules only: `ignore = ["RK702"]`.

    Example: a medium rule whose guide starts with `### How to investigate` instead of
    `### Investigating <rule name>`.

    Fix: add the missing section, or write a guide (`note`) when there is none.
    """
    if not _is_high(rule):
        yield from _section_findings(rule)


# RK703: the name in `### Investigating` ---------------------------------------------------------------------------

_PLAIN_NAME = re.compile(r"^[^\\\"'\x00-\x1f\x7f]+$")


@rule_check("RK703", "investigating-heading-name", Severity.WARNING)
def investigating_heading_name(rule: Rule) -> Iterator[Finding]:
    """
    The `### Investigating` heading does not name the rule exactly.

    The heading tells the analyst which rule the guide belongs to. A different name is almost always a guide copied
    from another rule, or a rule renamed without its guide, and then the steps below it may not fit the alert.
    The text after `Investigating` must be the rule's `name`, character for character.

    Example: in "First Time Python Spawned a Shell on Host", `### Investigating First Time Python Spawned a Shell`
    -> the heading should read `### Investigating First Time Python Spawned a Shell on Host`.

    Fix: a safe fix rewrites the heading with the rule's name, when the heading's text stands in the file as written
    (no escape sequences on its line) and the name needs no escaping.
    """
    name = rule.name
    guide = guide_of(rule)
    if guide is None or not name:
        return
    for heading in guide.headings:
        if heading.level != 3 or not SECTIONS[1].matches(heading):
            continue
        named = heading.text[len("investigating") :].strip()
        if named == name:
            continue
        expected = f"Investigating {name}"
        span = _exact_span(rule, guide, heading.line, heading.column, heading.end_column)
        fix = None
        if span is not None and heading.text == heading.text.split("\n")[0] and _PLAIN_NAME.match(name):
            edit = Edit(span.line, span.column, span.end_line, span.end_column, expected)
            fix = Fix(f"rename the heading to `### {expected}`", (edit,))
        what = f"names `{named}`, not this rule" if named else "names no rule"
        yield Finding(
            NOTE,
            f"`### Investigating` {what}: expected `### {expected}`",
            span=span or rule.locate(NOTE),
            fix=fix,
        )


# RK704: setup in the guide ----------------------------------------------------------------------------------------


@rule_check("RK704", "setup-in-note", Severity.WARNING)
def setup_in_note(rule: Rule) -> Iterator[Finding]:
    """
    The investigation guide has a `## Setup` section; setup instructions belong in `rule.setup`.

    Kibana shows `setup` on its own (in the rule's details and when the rule is installed), and the guide is read
    during triage. Setup steps in the guide are in the wrong place, and when `setup` is set as well the two copies
    drift apart.

    Example: `note` ends with `## Setup` and the steps to enable the integration, while `setup` holds the same.

    Fix: move the section to `setup` (or delete it from `note` when `setup` already has it).
    """
    guide = guide_of(rule)
    if guide is None:
        return
    setup = rule.section.get("setup")
    for heading in guide.headings:
        if heading.level != 2 or heading.normalised != "setup":
            continue
        if isinstance(setup, str) and setup.strip():
            message = "`## Setup` is in the investigation guide and `setup` is set too: keep it in `setup` only"
        else:
            message = "`## Setup` belongs in `rule.setup`, not in the investigation guide: move it there"
        yield Finding(NOTE, message, span=_span(rule, guide, heading.line, heading.column, heading.end_column))


# RK705: [transform] placeholders ----------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\$(osquery|investigate)_(\d+)(?!\w)")
TRANSFORM_KINDS = ("osquery", "investigate")


@rule_check("RK705", "transform-placeholder-mismatch", Severity.WARNING)
def transform_placeholder_mismatch(rule: Rule) -> Iterator[Finding]:
    """
    A `$osquery_N` or `$investigate_N` placeholder in the guide without its [transform] entry, or an entry never used.

    Guides show Osquery and Investigate-in-Timeline buttons through the [transform] table: `$osquery_0` in `note`
    is replaced by the first `[[transform.osquery]]` entry, `$investigate_1` by the second
    `[[transform.investigate]]` entry, and so on. A placeholder without its entry is shown to the analyst as the
    literal text `$osquery_3`; an entry that no placeholder names is never shown.

    Example: the guide says `$osquery_2` but [transform] has two osquery entries (`$osquery_0`, `$osquery_1`).

    Fix: add the missing entry or correct the number; reference or delete an unused entry.
    """
    note = rule.section.get("note")
    if note is not None and not isinstance(note, str):
        return
    transform = (rule.data or {}).get("transform")
    if transform is not None and not isinstance(transform, dict):
        return
    entries = {kind: (transform or {}).get(kind) for kind in TRANSFORM_KINDS}
    used: dict[str, set[int]] = {kind: set() for kind in TRANSFORM_KINDS}
    guide = guide_of(rule)
    if guide is not None:
        for match in _PLACEHOLDER.finditer(guide.text):
            kind, number = match.group(1), int(match.group(2))
            used[kind].add(number)
            available = entries[kind]
            if isinstance(available, list) and number < len(available):
                continue
            count = len(available) if isinstance(available, list) else 0
            have = f"has {count} `[[transform.{kind}]]` entr{'y' if count == 1 else 'ies'}" if count else "has none"
            line, column = line_column(guide.text, match.start())
            yield Finding(
                NOTE,
                f"`{match.group(0)}` has no `[[transform.{kind}]]` entry number {number} (the rule {have})",
                span=_span(rule, guide, line, column, column + len(match.group(0))),
            )
    for kind, available in entries.items():
        if not isinstance(available, list):
            continue
        for index, entry in enumerate(available):
            if index in used[kind]:
                continue
            label = entry.get("label") if isinstance(entry, dict) else None
            named = f" (`{label}`)" if isinstance(label, str) else ""
            yield Finding(
                ("transform", kind, index),
                f"`[[transform.{kind}]]` entry {index}{named} is never used: put `${kind}_{index}` in the guide",
            )


# RK706 / RK709: raw HTML ------------------------------------------------------------------------------------------

DANGEROUS_TAGS = frozenset(
    {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "link", "meta", "base", "form"}
)
_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>?")
_EVENT = re.compile(r"(?:^|[\s\"'/])(on[a-z]+)\s*=", re.IGNORECASE)
_URL_ATTRIBUTE = re.compile(
    r"(?:^|[\s\"'/])((?:href|src|action|formaction|data|xlink:href)\s*=\s*[\"']?\s*(javascript|vbscript|data|file):)",
    re.IGNORECASE,
)
_OPENING = re.compile(r"<[A-Za-z!?]")


def _dangers(html: str) -> Iterator[tuple[str, str]]:
    """(text to point at, message) for each dangerous construct in a piece of raw HTML, in order."""
    for tag in _TAG.finditer(html):
        name = tag.group(1).lower()
        if name in DANGEROUS_TAGS:
            yield f"<{tag.group(1)}", f"raw `<{name}>` in the guide: it is active content in a page"
            continue
        for event in _EVENT.finditer(tag.group(2)):
            yield event.group(1), f"event handler `{event.group(1).lower()}=` in raw HTML: it runs script"
        for url in _URL_ATTRIBUTE.finditer(tag.group(2)):
            yield url.group(1), f"`{url.group(2).lower()}:` URL in a raw HTML attribute"


@dataclass(frozen=True, slots=True)
class _Html:
    token: Token
    line: int
    column: int
    end_column: int
    last_line: int


def _html(guide: Guide) -> Iterator[_Html]:
    """Every piece of raw HTML in the guide with where it starts: blocks, then inline HTML in text order."""
    cursor = (1, 1)
    for token in guide.tokens:
        if token.type == "html_block" and token.map:
            first, last = token.map[0] + 1, token.map[1]
            cursor = max(cursor, (first, 1))
            found = _find(guide, token.content.strip(), cursor, last)
            line, column, end = (
                (found[0], found[1], found[1] + len(token.content.strip().split("\n")[0]))
                if found
                else _block_start(guide, first)
            )
            yield _Html(token, line, column, end, last)
    for child, line, column, end in _located_inline(guide, _html_needle):
        yield _Html(child, line, column, end, line + child.content.count("\n"))


def _html_needle(siblings: list[Token], index: int) -> list[str]:
    token = siblings[index]
    return [token.content] if token.type == "html_inline" else []


def _html_findings(rule: Rule, dangerous: bool) -> Iterator[Finding]:
    for guide in _guides(rule):
        for html in _html(guide):
            content = html.token.content
            dangers = list(_dangers(content))
            if dangerous:
                cursor = (html.line, html.column)
                for needle, message in dangers:
                    found = _find(guide, needle, cursor, html.last_line)
                    if found is not None:
                        cursor = (found[0], found[1] + len(needle))
                    line, column = found or (html.line, html.column)
                    yield Finding(guide.key_path, message, span=_span(rule, guide, line, column, column + len(needle)))
            elif not dangers and _OPENING.search(content):
                shown = content.strip().split("\n")[0]
                shown = shown if len(shown) <= 40 else shown[:37] + "..."
                yield Finding(
                    guide.key_path,
                    f"raw HTML `{shown}`: Kibana does not render it and the docs site escapes it; write Markdown",
                    span=_span(rule, guide, html.line, html.column, html.end_column),
                )


@rule_check("RK706", "unsafe-html", Severity.ERROR)
def unsafe_html(rule: Rule) -> Iterator[Finding]:
    """
    Active content in the guide or the setup notes: a `<script>`-like tag, an `on...=` handler or a `javascript:` URL.

    `note` and `setup` are rendered into the docs site and shown in Kibana; a rule file is code that anyone can
    send in a pull request. Raw HTML that can run script or change the page is never needed in a guide:
    the tags `script`, `iframe`, `frame`, `frameset`, `object`, `embed`, `applet`, `style`, `link`, `meta`,
    `base` and `form`, any event-handler attribute (`onerror=`, `onclick=`, ...) and `href`/`src`/`action`
    attributes with a `javascript:`, `vbscript:`, `data:` or `file:` URL. Other raw HTML is RK709 (a warning).

    Example: `<script>alert(1)</script>` or `<img src=x onerror=alert(1)>` in `note`.

    Fix: delete it. Show HTML as an example with a code span or a fenced code block, where it is plain text.
    """
    yield from _html_findings(rule, dangerous=True)


@rule_check("RK709", "raw-html", Severity.WARNING)
def raw_html(rule: Rule) -> Iterator[Finding]:
    """
    Raw HTML in the guide or the setup notes (that is not active content, which is RK706).

    Kibana's Markdown renderer does not render raw HTML and the docs site escapes it, so `<br>`, `<details>`,
    `<b>` or an HTML comment show up as literal tags. One finding per piece of HTML: an opening tag, a comment
    or a block of HTML (closing tags are not reported again).

    Example: `Check the parent process.<br>Then the user.` in `note`.

    Fix: use Markdown (a blank line for a paragraph break, `**bold**`, a list); put HTML meant as an example in a
    code span.
    """
    yield from _html_findings(rule, dangerous=False)


# RK707: unsafe links ----------------------------------------------------------------------------------------------

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def unsafe_scheme(url: str) -> str | None:
    """The scheme of `url` when it is not http, https or mailto; None for those and for relative URLs."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", url)  # browsers ignore tabs, newlines and spaces inside a scheme
    match = _SCHEME.match(cleaned)
    if match is None:
        return None
    scheme = match.group(1).lower()
    return None if scheme in SAFE_SCHEMES else scheme


def _link_url(token: Token) -> str | None:
    if token.type == "link_open":
        url = token.attrs.get("href")
    elif token.type == "image":
        url = token.attrs.get("src")
    else:
        return None
    return url if isinstance(url, str) else None


def _link_needles(siblings: list[Token], index: int) -> list[str]:
    """Where an unsafe link stands: its URL as written, else its text (a reference link, a URL with entities),
    else its scheme."""
    token = siblings[index]
    url = _link_url(token)
    scheme = unsafe_scheme(url) if url is not None else None
    if not scheme:
        return []
    assert url is not None
    if token.type == "image":
        label = "![" + token.content
    else:
        text = next((t.content for t in siblings[index + 1 :] if t.type in ("text", "link_close")), "")
        label = "[" + text
    return [url, label, f"{scheme}:"]


@rule_check("RK707", "unsafe-link", Severity.ERROR)
def unsafe_link(rule: Rule) -> Iterator[Finding]:
    """
    A link or image in the guide or the setup notes whose URL is not http, https, mailto or relative.

    A `javascript:` or `vbscript:` link runs script when an analyst clicks it; `data:` and `file:` URLs can carry
    a page of their own or read local files. Every kind of link counts: `[text](url)`, `<url>` autolinks,
    reference links (`[text][ref]` with `[ref]: url`) and images `![alt](url)`, however the URL is spelt
    (upper case, entities). markdown-it silently leaves such links as text, which hides them from a reviewer's
    preview: this check parses them as links to find them.

    Example: `[details](javascript:alert(1))` or `<javascript:alert(1)>` in `note`.

    Fix: link to an https page, or delete the link.
    """
    for guide in _guides(rule):
        for token, line, column, end in _located_inline(guide, _link_needles):
            url = _link_url(token) or ""
            kind = "image from" if token.type == "image" else "link to"
            scheme = unsafe_scheme(url)
            yield Finding(
                guide.key_path,
                f"{kind} a `{scheme}:` URL: only http, https, mailto and relative links are allowed",
                span=_span(rule, guide, line, column, end),
            )


# RK708: Markdown that does not render as intended -----------------------------------------------------------------

_HEADING_WITHOUT_SPACE = re.compile(r"^( {0,3}(?:> ?)*)(#{1,6})(?=[A-Za-z])")
_CONTAINER = re.compile(r"^\s*(?:>\s?)*\s*")


def _split_cells(line: str) -> int:
    """The number of cells of a table row, counted as markdown-it counts them (`escapedSplit`)."""
    text = _CONTAINER.sub("", line).strip()
    columns: list[str] = []
    start, escaped = 0, False
    for index, character in enumerate(text):
        if character == "|" and not escaped:
            columns.append(text[start:index])
            start = index + 1
        escaped = character == "\\"
    columns.append(text[start:])
    if columns and columns[0] == "":
        columns.pop(0)
    if columns and columns[-1] == "":
        columns.pop()
    return len(columns)


def _delimiter_cells(line: str) -> int | None:
    """The number of cells of a GFM delimiter row (`|---|:--:|`), or None when `line` is not one."""
    text = _CONTAINER.sub("", line).strip()
    if "|" not in text or not re.fullmatch(r"[|:\-\s]+", text) or "-" not in text:
        return None
    parts = text.split("|")
    cells = 0
    for index, part in enumerate(parts):
        part = part.strip()
        if not part:
            if index in (0, len(parts) - 1):
                continue
            return None
        if not re.fullmatch(r":?-+:?", part):
            return None
        cells += 1
    return cells


def _fence_closed(guide: Guide, token: Token) -> bool:
    assert token.map is not None
    start, end = token.map
    if end - 1 <= start or end > len(guide.lines):
        return False
    closing = _CONTAINER.sub("", guide.lines[end - 1]).strip()
    marker = token.markup
    return bool(marker) and closing.startswith(marker) and set(closing) == {marker[0]}


def _markdown_problems(rule: Rule, guide: Guide) -> Iterator[Finding]:
    tokens = guide.tokens
    for index, token in enumerate(tokens):
        if not token.map:
            continue
        first, end = token.map
        if token.type == "paragraph_open":
            for line in range(first + 1, end + 1):
                raw = guide.lines[line - 1]
                match = _HEADING_WITHOUT_SPACE.match(raw)
                if match and (len(match.group(2)) > 1 or line == first + 1):
                    yield _heading_without_space(rule, guide, line, match)
            for line in range(first + 1, end):
                header, delimiter = guide.lines[line - 1], guide.lines[line]
                delimiter_cells = _delimiter_cells(delimiter)
                if delimiter_cells is None or "|" not in header:
                    continue
                header_cells = _split_cells(header)
                if header_cells != delimiter_cells:
                    line_, column, end_column = _block_start(guide, line)
                    yield Finding(
                        guide.key_path,
                        f"the table header has {header_cells} cells and its delimiter row {delimiter_cells}: "
                        "this is not rendered as a table",
                        span=_span(rule, guide, line_, column, end_column),
                    )
        elif token.type == "fence" and not _fence_closed(guide, token):
            line, column, _ = _block_start(guide, first + 1)
            yield Finding(
                guide.key_path,
                f"the code fence opened here with {token.markup} is never closed: the rest renders as code",
                span=_span(rule, guide, line, column, column + len(token.markup)),
            )
        elif token.type == "table_open":
            header_cells = 0
            in_body = False
            for inner in tokens[index + 1 :]:
                if inner.type == "table_close":
                    break
                if inner.type == "th_open":
                    header_cells += 1
                elif inner.type == "tbody_open":
                    in_body = True
                elif inner.type == "tr_open" and in_body and inner.map:
                    line = inner.map[0] + 1
                    cells = _split_cells(guide.lines[line - 1])
                    if cells == header_cells:
                        continue
                    effect = "the extra cells are dropped" if cells > header_cells else "the missing cells are empty"
                    line_, column, end_column = _block_start(guide, line)
                    yield Finding(
                        guide.key_path,
                        f"this table row has {cells} cell{'s' if cells != 1 else ''} and the header "
                        f"{header_cells}: {effect}",
                        span=_span(rule, guide, line_, column, end_column),
                    )


def _heading_without_space(rule: Rule, guide: Guide, line: int, match: re.Match[str]) -> Finding:
    hashes = match.group(2)
    column = match.start(2) + 1
    raw = guide.lines[line - 1]
    span = _exact_span(rule, guide, line, column, column + len(hashes))
    fix = None
    if span is not None:
        edit = Edit(span.end_line, span.end_column, span.end_line, span.end_column, " ")
        fix = Fix(f"add a space after `{hashes}`", (edit,))
    shown = raw[match.start(2) :].strip()
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return Finding(
        guide.key_path,
        f"`{shown}` is not a heading: put a space after `{hashes}`",
        span=_span(rule, guide, line, column, len(raw) + 1),
        fix=fix,
    )


@rule_check("RK708", "guide-markdown-problem", Severity.WARNING)
def guide_markdown_problem(rule: Rule) -> Iterator[Finding]:
    """
    Markdown in the guide or the setup notes that does not render the way it was written.

    Only mistakes that can be told reliably from the source:
    a heading without a space after its `#` marks (`###Investigating ...` renders as a paragraph, and the section
    is then missing); a code fence that is never closed (everything after it renders as code); a GFM table row with
    more cells than the header (the extra cells are dropped) or fewer (they render empty); and a table whose
    delimiter row has a different number of cells from its header (it is not rendered as a table at all).

    Example: `###Investigating First Time Python Spawned a Shell on Host`.

    Fix: a safe fix adds the missing space after the `#` marks; close the fence; make every row of a table have as
    many cells as its header (escape a `|` inside a cell as `\\|`).
    """
    for guide in _guides(rule):
        yield from _markdown_problems(rule, guide)
