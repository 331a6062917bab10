"""RK6xx: KQL semantics and pitfalls (design kql.md A4). Each check reads the tree that RK501 parsed once
(`query_of`) and, where a pitfall depends on the mapping, the field catalog for the rule's indices.

Every finding points at the offending token inside the query: a query offset becomes a line and column of the
query string (`line_column`), then a file position (`Rule.locate_in_string`).
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from luqum.tree import AndOperation, Item, Not, OrOperation

from rule_kit.checks.context import CheckContext
from rule_kit.checks.kql_syntax import QUERY, parsed_query
from rule_kit.checks.registry import Finding, rule_check
from rule_kit.diagnostics import Edit, Fix, Severity
from rule_kit.fields import FieldCatalog, FieldInfo
from rule_kit.kql.logic import Analysis, analyze
from rule_kit.kql.nodes import STAR, Exists, Is, Literal, Nested, Range, Wildcard, walk
from rule_kit.rules.model import Rule
from rule_kit.rules.positions import Span, line_column

__all__ = [
    "case_sensitive_value",
    "dead_clause",
    "duplicate_or_contradictory_clause",
    "free_text",
    "ignore_above",
    "leading_wildcard_on_keyword",
    "mixed_and_or",
    "query_never_matches",
    "question_mark",
    "quoted_wildcard",
    "type_misuse",
    "unknown_field",
    "unquoted_multi_word",
    "uppercase_operator",
    "value_runs_onto_next_line",
    "wildcard_on_text",
    "windows_path_escape",
]

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
_DRIVE = re.compile(r"(?<![A-Za-z])[A-Za-z]:")
_OPERATOR = re.compile(r"(?<=\s)(and|or)(?=\s)", re.IGNORECASE)
_CONTROL_ESCAPES = {"t": "a TAB", "n": "a line break", "r": "a carriage return"}
#: Keyword fields whose values vary in case in real data (Windows names and paths, user names): L1.
_CASE_VARYING_ROOTS = frozenset({"process", "file", "dll", "user", "group", "registry", "service", "driver"})
_CASE_VARYING_LEAVES = frozenset(
    {"name", "executable", "path", "target_path", "working_directory", "command_line", "args", "original_file_name"}
)
#: Fields whose values are routinely longer than a keyword's ignore_above (1024 in ECS): L17.
_LONG_VALUE_LEAVES = frozenset({"command_line", "script_block_text", "strings"})


# --- walking the tree -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Clause:
    """A field clause (`Is`, `Range`, `Exists`) with its full field name (a nested path prepended) and where the
    field name is written in the query (`field_at`, -1 for free text)."""

    node: Is | Range | Exists
    field: str | None
    field_at: int
    field_size: int


def _field_offset(text: str, node: Item, name: str) -> tuple[int, int]:
    """Offset and length of the field name of a clause. A clause from an expanded group `f:(a or b)` starts at
    its value; its field is the last `name:` written before it."""
    if text.startswith(name, node.pos):
        return node.pos, len(name)
    if text.startswith(f'"{name}"', node.pos):
        return node.pos, len(name) + 2
    after = re.compile(r'"?\s*:')
    at = text.rfind(name, 0, node.pos)
    while at >= 0:  # the last `name:` (or `"name":`) written before the value
        if after.match(text, at + len(name)):
            return at, len(name)
        at = text.rfind(name, 0, at)
    return node.pos, max(node.size, 1)


def _clauses(text: str, node: Item, prefix: str = "") -> Iterator[_Clause]:
    if isinstance(node, Nested):
        yield from _clauses(text, node.query, f"{prefix}{node.path}.")
        return
    if isinstance(node, Is | Range | Exists):
        field = node.field
        if field is None:
            yield _Clause(node, None, -1, 0)
        elif isinstance(field, str):
            at, size = _field_offset(text, node, field)
            yield _Clause(node, prefix + field, at, size)
        return  # a wildcard field pattern (`process.*:x`) is resolved by Kibana against the data view: skipped
    for child in node.children:
        yield from _clauses(text, child, prefix)


@dataclass(slots=True)
class _Walk:
    """One walk of a query tree, shared by every RK6xx check of the rule being checked (rules are checked one
    at a time, so one slot is enough): its nodes, its field clauses, and their catalog entries."""

    tree: Item | None = None
    nodes: tuple[Item, ...] = ()
    clauses: tuple[_Clause, ...] = ()
    catalog: FieldCatalog | None = None
    typed: tuple[FieldInfo | None, ...] = ()


_WALK = _Walk()


def _walk(text: str, tree: Item) -> _Walk:
    if _WALK.tree is not tree:
        _WALK.tree, _WALK.catalog, _WALK.typed = tree, None, ()
        _WALK.nodes = tuple(walk(tree))
        _WALK.clauses = tuple(_clauses(text, tree))
    return _WALK


def _query(rule: Rule) -> tuple[str, Item] | None:
    parsed = parsed_query(rule)
    if parsed is None or parsed.tree is None:
        return None
    return parsed.text, parsed.tree


def _span(rule: Rule, text: str, start: int, end: int) -> Span:
    """The file span of query offsets [start, end), cut at the end of the start's line."""
    line_end = text.find("\n", start)
    if line_end != -1:
        end = min(end, line_end)
    end = max(end, start + 1)
    line, column = line_column(text, start)
    return rule.locate_in_string(QUERY, line, column, column + (end - start))


def _source(text: str, node: Item) -> str:
    return text[node.pos : node.pos + node.size]


def _value_text(value: Literal | Wildcard) -> str:
    if isinstance(value, Wildcard):
        return "".join("*" if part is STAR else str(part) for part in value.parts)
    if isinstance(value.value, bool):
        return str(value.value).lower()
    return "null" if value.value is None else value.value


def _is_unquoted(value: Item) -> bool:
    return isinstance(value, Wildcard) or (isinstance(value, Literal) and not value.quoted)


def _short(source: str, limit: int = 40) -> str:
    source = source.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return source if len(source) <= limit else source[: limit - 1] + "…"


def _typed_clauses(rule: Rule, context: CheckContext) -> Iterator[tuple[str, _Clause, FieldInfo | None, FieldCatalog]]:
    query = _query(rule)
    if query is None:
        return
    text, tree = query
    catalog = context.fields_for(rule)
    walk = _walk(text, tree)
    if walk.catalog is not catalog:
        walk.catalog = catalog
        walk.typed = tuple(catalog.resolve(c.field) if c.field else None for c in walk.clauses)
    for clause, info in zip(walk.clauses, walk.typed, strict=True):
        yield text, clause, info, catalog


def _value_finding(rule: Rule, text: str, value: Item, message: str, severity: Severity | None = None) -> Finding:
    return Finding(QUERY, message, span=_span(rule, text, value.pos, value.pos + value.size), severity=severity)


def _values(rule: Rule) -> Iterator[tuple[str, Is | Range, Literal | Wildcard]]:
    """(query text, clause, value) for every clause with a value."""
    query = _query(rule)
    if query is None:
        return
    text, tree = query
    for node in _walk(text, tree).nodes:
        if isinstance(node, Is | Range) and isinstance(node.value, Literal | Wildcard):
            yield text, node, node.value


# --- the checks -----------------------------------------------------------------------------------------------


def _hint(catalog: FieldCatalog, name: str) -> str:
    close = catalog.suggest(name)
    return f"; did you mean `{close}`?" if close else ""


@rule_check("RK601", "unknown-field", Severity.WARNING)
def unknown_field(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    """A field in the KQL query that the field catalog for the rule's indices does not know.

    **What.** Every `field:value`, `field:*`, `field < value` and `path:{ … }` clause names a field; the catalog is
    ECS, the multi-fields of the rule's indices (Elastic Defend's `.caseless`) and the team's `field-catalogs`.

    **Why.** A clause on a field that is not mapped matches nothing, so a typo (`proces.name`) silently turns
    an `and` into "never" and a `not` into "always". Elastic's own validator lets a range on an unknown field
    pass; rule-kit reports it like any other clause. Integration fields beyond ECS are real, so this is a warning
    unless the team sets `unknown-fields = "error"` after listing its fields.

    **Example.** `process.nmae:bash` reports "`process.nmae` is not a known field; did you mean `process.name`?".

    **Fix.** Correct the name, or add the field to a team catalog (`field-catalogs`).
    """
    seen: set[int] = set()
    for text, clause, info, catalog in _typed_clauses(rule, context):
        if clause.field is None or info is not None or clause.field_at in seen:
            continue
        seen.add(clause.field_at)
        span = _span(rule, text, clause.field_at, clause.field_at + clause.field_size)
        message = f"`{clause.field}` is not a known field{_hint(catalog, clause.field)}"
        yield Finding(QUERY, message, span=span, severity=context.unknown_field_severity)


def _bad_value(info: FieldInfo, value: Literal | Wildcard) -> str | None:
    """Why Elasticsearch would reject `value` on a field of this type (a failing rule), or None."""
    kind = "numeric" if info.is_numeric else info.type
    if (info.is_numeric or info.type in ("ip", "boolean", "date", "date_nanos")) and isinstance(value, Wildcard):
        return f"a wildcard on the {kind} field `{info.name}` is a query error: the rule fails on every run"
    text = _value_text(value)
    if info.is_numeric and (value.value is None or isinstance(value.value, bool) or not _NUMBER.fullmatch(text)):
        return f"`{text}` is not a number: on the {kind} field `{info.name}` it is a query error"
    if info.type == "ip":
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            return f"`{text}` is not an IP address or CIDR block: on the ip field `{info.name}` it is a query error"
    if info.type == "boolean" and value.value not in (True, False, "true", "false", ""):
        return f"`{text}` is not `true` or `false`: on the boolean field `{info.name}` it is a query error"
    return None


@rule_check("RK602", "type-misuse", Severity.ERROR)
def type_misuse(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    """A value or operator that does not fit the field's type: a query error or a misleading comparison.

    **What.** A wildcard on a numeric, `ip`, `boolean` or `date` field, a value that is not a number on a numeric
    field, not an address or CIDR block on an `ip` field, not `true`/`false` on a `boolean` field, and a wildcard
    as a range bound (`a < 5*`) are errors. A range (`<`, `>`, …) on a keyword field is a warning.

    **Why.** Elasticsearch rejects a wildcard or an unparsable value on those types, and the rule fails on every
    run (design kql.md L14). A range on a keyword field compares strings (`"10" < "9"`), not numbers (L13).

    **Example.** `process.pid:12*` reports "a wildcard on the numeric field `process.pid` is a query error".

    **Fix.** Use exact values or ranges on numbers, CIDR blocks on addresses (`source.ip:"10.0.0.0/8"`); compare a
    numeric field, not a keyword one, with `<`/`>`.
    """
    for text, clause, info, _ in _typed_clauses(rule, context):
        node = clause.node
        if info is None or isinstance(node, Exists):
            continue
        value = node.value
        if isinstance(node, Range) and isinstance(value, Wildcard):
            yield _value_finding(rule, text, value, "a range bound cannot be a wildcard: `*` in it is a query error")
            continue
        if isinstance(node, Range) and info.is_keyword_like:
            message = f"a range on the keyword field `{clause.field}` compares strings, not numbers or dates"
            span = _span(rule, text, node.pos, node.pos + node.size)
            yield Finding(QUERY, message, span=span, severity=Severity.WARNING)
            continue
        if isinstance(node, Range) and info.type == "boolean":
            yield _value_finding(rule, text, value, f"a range on the boolean field `{clause.field}` is meaningless")
            continue
        if isinstance(node, Range) and info.type in ("date", "date_nanos"):
            continue  # date math and formats are for Elasticsearch to judge
        problem = _bad_value(info, value)
        if problem:
            yield _value_finding(rule, text, value, problem)


@rule_check("RK603", "wildcard-on-text", Severity.WARNING)
def wildcard_on_text(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    """A wildcard on a `text` or `match_only_text` field matches single lowercased words, not the whole value.

    **What.** `process.command_line.text:*whoami /all*` or `message:*failed*`.

    **Why.** Text fields are analyzed into lowercased word tokens; a wildcard is matched against each token
    separately, so a pattern spanning words or punctuation never matches, and case is folded (design kql.md L11).

    **Fix.** Query the keyword or `wildcard`-type parent field (`process.command_line:*whoami /all*`), or use
    exact words without wildcards on the text field.
    """
    for text, clause, info, catalog in _typed_clauses(rule, context):
        node = clause.node
        if info is None or not info.is_text or not isinstance(node, Is) or not isinstance(node.value, Wildcard):
            continue
        parent = catalog.resolve(info.multi_field_of) if info.multi_field_of else None
        hint = f"; query `{parent.name}` ({parent.type}) instead" if parent and parent.is_keyword_like else ""
        message = f"a wildcard on the {info.type} field `{clause.field}` matches single lowercased words{hint}"
        yield _value_finding(rule, text, node.value, message)


@rule_check("RK604", "leading-wildcard-on-keyword", Severity.WARNING)
def leading_wildcard_on_keyword(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    """A value starting with `*` on a `keyword` field: a slow, expensive query.

    **What.** `process.name:*powershell*` where `process.name` is mapped as `keyword`.

    **Why.** Elasticsearch must scan every term of a keyword field for a pattern with a leading wildcard ("avoid
    beginning patterns with `*`", design kql.md L2); across many shards and a short schedule this costs real
    cluster time. Fields of type `wildcard` (`process.command_line`, `url.full`) are built for such patterns.

    **Fix.** Anchor the pattern (`powershell*`), list exact values, or query the `wildcard`-type field.
    """
    for text, clause, info, _ in _typed_clauses(rule, context):
        node = clause.node
        if info is None or info.type not in ("keyword", "constant_keyword") or not isinstance(node, Is):
            continue
        value = node.value
        if isinstance(value, Wildcard) and value.parts and value.parts[0] is STAR and len(value.parts) > 1:
            message = f"a leading wildcard on the keyword field `{clause.field}` scans every term: slow and costly"
            yield _value_finding(rule, text, value, message)


def _case_varying(name: str, info: FieldInfo) -> bool:
    parts = name.split(".")
    return (
        info.type in ("keyword", "wildcard")
        and info.normalizer is None
        and parts[0] in _CASE_VARYING_ROOTS
        and parts[-1] in _CASE_VARYING_LEAVES
    )


@rule_check("RK605", "case-sensitive-value", Severity.WARNING)
def case_sensitive_value(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    """An uppercase or mixed-case value on a case-sensitive field whose data varies in case.

    **What.** A value with uppercase letters on a `keyword` or `wildcard` field without a lowercase normalizer,
    for the names and paths whose case varies in real data: `name`, `executable`, `path`, `target_path`,
    `working_directory`, `command_line`, `args`, `original_file_name` under `process`, `file`, `dll`, `user`,
    `group`, `registry`, `service` and `driver`.

    **Why.** The detection engine never sets `case_insensitive`; `process.name:CMD.EXE` does not match `cmd.exe`
    (design kql.md L1). Windows treats names case-insensitively, so attackers and tools vary the case.

    **Example.** `process.name:PowerShell.exe`.

    **Fix.** Query the `.caseless` multi-field with a lowercase value when the indices have one (Elastic Defend:
    `process.name.caseless:powershell.exe`), or list the case variants: a value whose field also has another
    spelling of it in the query (`process.args:(Delete or delete)`) is not reported.
    """
    clauses = list(_typed_clauses(rule, context))
    spellings: dict[tuple[str, str], set[str]] = {}  # (field, lowercased value) -> the spellings the query lists
    for _, clause, _, _ in clauses:
        if clause.field is not None and not isinstance(clause.node, Exists | Range):
            value = _value_text(clause.node.value)
            spellings.setdefault((clause.field, value.lower()), set()).add(value)
    for text, clause, info, catalog in clauses:
        node = clause.node
        if info is None or clause.field is None or isinstance(node, Exists | Range):
            continue
        value = _value_text(node.value)
        if value == value.lower() or not _case_varying(clause.field, info):
            continue
        if len(spellings[(clause.field, value.lower())]) > 1:  # the case variants are listed
            continue
        caseless = catalog.resolve(f"{clause.field}.caseless")
        if caseless is not None and caseless.normalizer == "lowercase":
            hint = f"; use `{caseless.name}` with a lowercase value"
        else:
            hint = "; list the case variants"
        message = f"`{clause.field}` is case-sensitive: `{_short(value)}` misses the same value in another case{hint}"
        yield _value_finding(rule, text, node.value, message)


@rule_check("RK606", "quoted-wildcard", Severity.WARNING)
def quoted_wildcard(rule: Rule) -> Iterator[Finding]:
    """A `*` inside quotes is a literal asterisk, not a wildcard.

    **What.** `process.command_line:"*whoami*"`.

    **Why.** Quoting disables wildcards in KQL: the value matches only text that contains the asterisks
    themselves (design kql.md L7, L10).

    **Fix.** Drop the quotes and escape what needs escaping (`process.command_line:*whoami*`, spaces are allowed
    unquoted); if a literal asterisk is meant, write it unquoted as `\\*`.
    """
    for text, _, value in _values(rule):
        if isinstance(value, Literal) and value.quoted and "*" in _value_text(value):
            yield _value_finding(rule, text, value, "`*` inside quotes is a literal asterisk, not a wildcard")


@rule_check("RK607", "question-mark", Severity.WARNING)
def question_mark(rule: Rule) -> Iterator[Finding]:
    """A `?` in an unquoted value: KQL has no single-character wildcard.

    **What.** `process.name:cmd.ex?` or `file.name:invoice?.pdf*`.

    **Why.** `*` is KQL's only wildcard; `?` is escaped and matches a literal question mark (design kql.md L8).

    **Fix.** Use `*` for "any characters", list the variants, or quote the value (`url.query:"?id=1"`) when a
    literal question mark is meant.
    """
    for text, _, value in _values(rule):
        if _is_unquoted(value) and "?" in _value_text(value):
            message = "`?` is a literal question mark in KQL, not a wildcard: use `*`, or quote a literal `?`"
            yield _value_finding(rule, text, value, message)


def _wrapped(text: str, node: Item) -> bool:
    before = text[: node.pos].rstrip()
    after = text[node.pos + node.size :].lstrip()
    return before.endswith("(") and after.startswith(")")


@rule_check("RK608", "mixed-and-or", Severity.WARNING)
def mixed_and_or(rule: Rule) -> Iterator[Finding]:
    """`and` and `or` mixed at one level without parentheses.

    **What.** `process.name:bash or process.name:sh and process.args:"-c"`.

    **Why.** `and` binds tighter than `or`, so this means `bash or (sh and -c)`; readers (and authors coming from
    other languages) often mean `(bash or sh) and -c` (design kql.md L9).

    **Fix.** Add parentheses that say what is meant: `(a or b) and c`, or `a or (b and c)`.
    """
    query = _query(rule)
    if query is None:
        return
    text, tree = query
    for node in _walk(text, tree).nodes:
        if not isinstance(node, OrOperation):
            continue
        bare = [o for o in node.children if isinstance(o, AndOperation) and not _wrapped(text, o)]
        if bare:  # one finding per `or`, at its first bare `and`
            message = "`and` binds tighter than `or`: add parentheses around each `and` (or around the `or`)"
            yield Finding(QUERY, message, span=_span(rule, text, bare[0].pos, bare[0].pos + bare[0].size))


@rule_check("RK609", "free-text", Severity.WARNING)
def free_text(rule: Rule) -> Iterator[Finding]:
    """A value without a field: free text searched across every default field.

    **What.** `"Accepted password"` or `process.name:bash or sh` (the `or` ends the value, so `sh` is free text).

    **Why.** Free text becomes a lenient `multi_match` over all default fields: slow, and it matches anything that
    contains the words anywhere (design kql.md L16, L5).

    **Fix.** Name the field (`message:"Accepted password"`), or group values: `process.name:(bash or sh)`.
    """
    query = _query(rule)
    if query is None:
        return
    text, tree = query
    for clause in _walk(text, tree).clauses:
        if clause.field is None and isinstance(clause.node, Is):
            message = f"`{_short(_source(text, clause.node))}` has no field: it is free text over every default field"
            yield _value_finding(rule, text, clause.node, message)


@rule_check("RK610", "unquoted-multi-word", Severity.WARNING)
def unquoted_multi_word(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    """An unquoted value with spaces: one value whose meaning depends on the field type.

    **What.** `user.name:John Smith`, `process.command_line.text:net user*`.

    **Why.** `f: a b` is the single value `"a b"`: exact on a keyword field, but any-of-the-words on a text field.
    With a `*` on a field that is not a plain `keyword`, Kibana builds a `query_string` that splits the value
    around the wildcard term, so `net user*` means `net OR user*`: an error (design kql.md L4, L10).

    **Fix.** Quote the value (`"John Smith"`) for an exact value or phrase; for a wildcard pattern with spaces,
    use a `keyword` field, or split it into clauses joined by `and`.
    """
    for text, clause, info, _ in _typed_clauses(rule, context):
        node = clause.node
        if isinstance(node, Exists) or not _is_unquoted(node.value):
            continue
        source = _source(text, node.value)
        if not re.search(r"[ \t\u00a0]", source) or "\n" in source or "\r" in source:
            continue
        splits = isinstance(node.value, Wildcard) and (clause.field is None or (info and info.type != "keyword"))
        if splits:
            message = f"`{_short(source)}` is split around the wildcard into separate terms on this field: quote it"
            message += " or use a keyword field"
            yield _value_finding(rule, text, node.value, message, Severity.ERROR)
        else:
            yield _value_finding(rule, text, node.value, f"`{_short(source)}` is one value with spaces: quote it")


def _control_escapes(raw: str, quoted: bool) -> list[str]:
    """The `\\t` `\\n` `\\r` escapes (as written) in a value's source."""
    body = raw[1:-1] if quoted else raw
    return [f"\\{m.group(1)}" for m in _ESCAPE.finditer(body) if m.group(1) in _CONTROL_ESCAPES]


@rule_check("RK611", "windows-path-escape", Severity.WARNING)
def windows_path_escape(rule: Rule) -> Iterator[Finding]:
    """A Windows path whose `\\t`, `\\n` or `\\r` became a TAB, a line break or a carriage return.

    **What.** `file.path:"C:\\temp\\x.exe"` holds `C:`, a TAB, `emp\\x.exe`; `"C:\\new"` holds a line break. Other
    backslashes in quotes stay literal (`"C:\\Windows"`), which makes the trap easy to miss. In unquoted values
    `\\t` `\\n` `\\r` are escapes too (`\\not` is a line break and `ot`).

    **Why.** No path contains a TAB: the clause never matches (design kql.md L6, L5).

    **Fix.** Double the backslash: `"C:\\\\temp\\\\x.exe"` (unquoted: `C\\:\\\\temp\\\\x.exe`).
    """
    for text, _, value in _values(rule):
        if not isinstance(value, Literal | Wildcard):
            continue
        quoted = isinstance(value, Literal) and value.quoted
        escapes = _control_escapes(_source(text, value), quoted)
        if not escapes:
            continue
        unescaped = _value_text(value)
        if "\\" in unescaped or _DRIVE.search(unescaped) or (not quoted and "\\not" in _source(text, value)):
            names = ", ".join(f"`{e}` is {_CONTROL_ESCAPES[e[1]]}" for e in dict.fromkeys(escapes))
            message = f"in this path {names}, not a backslash and a letter: write `\\\\` for a backslash"
            yield _value_finding(rule, text, value, message)


@rule_check("RK612", "value-runs-onto-next-line", Severity.ERROR)
def value_runs_onto_next_line(rule: Rule) -> Iterator[Finding]:
    """An unquoted value that continues on the next line: two values silently merged into one.

    **What.** `process.name:(bash or sh` / `zsh)` across two lines reads `sh` + line break + `zsh` as one value,
    because an unquoted value may contain whitespace, line breaks included, until an operator.

    **Why.** The merged value matches neither `sh` nor `zsh`; the query still parses, so nothing warns. This has
    happened in a production rule (design rule-format.md, "Queries").

    **Fix.** Put the missing `or`/`and` between the values, or quote the value if a line break is really meant.
    """
    for text, _, value in _values(rule):
        source = _source(text, value)
        if _is_unquoted(value) and ("\n" in source or "\r" in source):
            words = " and ".join(f"`{w}`" for w in source.split() if w)
            message = f"this unquoted value runs onto the next line: {words} became one value; add `or`/`and`"
            yield _value_finding(rule, text, value, message)


def _long_value_field(info: FieldInfo) -> bool:
    base = info.multi_field_of or info.name
    return base.rsplit(".", 1)[-1] in _LONG_VALUE_LEAVES


@rule_check("RK613", "ignore-above", Severity.INFO)
def ignore_above(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    """A wildcard on a keyword field with `ignore_above` whose values are often longer: long values are invisible.

    **What.** A wildcard value on a `keyword` field that has `ignore_above` (1024 in ECS and Elastic Defend) and
    holds long values: command lines, script blocks, registry strings (`process.command_line.caseless:*-enc*`).

    **Why.** A keyword value longer than `ignore_above` is not indexed: no query sees it, not even `field:*`
    (design kql.md L17). Long, obfuscated command lines are exactly what such a rule looks for.

    **Fix.** Query the `wildcard`-type field (`process.command_line`) or the `.text` variant.
    """
    for text, clause, info, catalog in _typed_clauses(rule, context):
        node = clause.node
        if info is None or info.type != "keyword" or info.ignore_above is None or not _long_value_field(info):
            continue
        if not isinstance(node, Is) or not isinstance(node.value, Wildcard):
            continue
        parent = catalog.resolve(info.multi_field_of) if info.multi_field_of else None
        hint = f"; query `{parent.name}` ({parent.type}) instead" if parent and parent.type == "wildcard" else ""
        message = (
            f"`{clause.field}` does not index values longer than {info.ignore_above} characters "
            f"(ignore_above): this pattern never sees them{hint}"
        )
        yield _value_finding(rule, text, node.value, message)


def _operators(text: str, tree: Item) -> Iterator[tuple[int, str]]:
    """(offset, word) of every `and`/`or`/`not` operator as written in the query."""
    for node in _walk(text, tree).nodes:
        if isinstance(node, AndOperation | OrOperation):
            operands = node.children
            for left, right in itertools.pairwise(operands):
                found = _OPERATOR.search(text, left.pos + left.size, right.pos)
                if found:
                    yield found.start(), found.group()
        elif isinstance(node, Not) and text[node.pos : node.pos + 3].lower() == "not":
            yield node.pos, text[node.pos : node.pos + 3]


@rule_check("RK614", "uppercase-operator", Severity.INFO)
def uppercase_operator(rule: Rule) -> Iterator[Finding]:
    """`AND`, `OR` or `NOT` not in lowercase.

    **What.** `process.name:bash AND process.args:"-c"`.

    **Why.** Kibana accepts operators in any case, but Elastic's Python KQL library (detection-rules) rejects
    uppercase ones unless keywords are normalized (design kql.md L18), and the house style is lowercase.

    **Fix.** `rule-kit fix` lowercases every operator (a safe fix: the query means the same).
    """
    query = _query(rule)
    if query is None:
        return
    text, tree = query
    found = sorted(op for op in _operators(text, tree) if op[1] != op[1].lower())
    if not found:
        return
    lines = (rule.text or "").split("\n")
    edits = []
    for offset, word in found:
        span = _span(rule, text, offset, offset + len(word))
        line = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
        edits.append((span, line[span.column - 1 : span.end_column - 1] == word, word))
    first = edits[0][0]
    words = ", ".join(f"`{word}`" for _, _, word in edits)
    message = f"write KQL operators in lowercase: {words}"
    fix = None
    if all(ok for _, ok, _ in edits):  # the file text is exactly the operator: safe to rewrite in place
        fix = Fix(
            "lowercase the KQL operators",
            tuple(Edit(s.line, s.column, s.end_line, s.end_column, w.lower()) for s, _, w in edits),
        )
    yield Finding(QUERY, message, span=first, fix=fix)


def _operands(node: Item) -> list[Item]:
    """The operands of an `and`/`or`, with nested operations of the same kind flattened (`(a and b) and c`)."""
    out: list[Item] = []
    for child in node.children:
        out.extend(_operands(child) if type(child) is type(node) else [child])
    return out


@rule_check("RK615", "duplicate-or-contradictory-clause", Severity.WARNING)
def duplicate_or_contradictory_clause(rule: Rule) -> Iterator[Finding]:
    """The same clause twice in one `and`/`or`, or a clause together with its negation.

    **What.** `process.name:(bash or sh or bash)`; `event.type:start and not event.type:start`.

    **Why.** A repeated clause is dead weight and usually a copy-paste slip where another value was meant.
    `x and not x` can never match (an error: the rule never alerts); `x or not x` matches every document.

    **Fix.** Remove the duplicate or write the value that was meant; rethink a clause and its negation.
    """
    query = _query(rule)
    if query is None:
        return
    text, tree = query
    flattened: set[int] = set()
    for node in _walk(text, tree).nodes:
        if not isinstance(node, AndOperation | OrOperation) or id(node) in flattened:
            continue
        flattened.update(id(n) for n in walk(node) if type(n) is type(node))
        word = "and" if isinstance(node, AndOperation) else "or"
        operands = _operands(node)
        for index, operand in enumerate(operands):
            earlier = operands[:index]
            duplicate = operand in earlier
            negation = not duplicate and isinstance(operand, Not) and operand.children[0] in operands
            if not (duplicate or negation):
                continue
            span = _span(rule, text, operand.pos, operand.pos + operand.size)  # positions only for a finding
            shown = _short(_source(text, operand))
            if duplicate:
                yield Finding(QUERY, f"`{shown}` appears twice in this `{word}`", span=span)
            else:
                if word == "and":
                    message = f"`{shown}` contradicts its own positive clause in this `and`: it can never match"
                    yield Finding(QUERY, message, span=span, severity=Severity.ERROR)
                else:
                    message = f"`{shown}` or its positive clause is always true: this `or` matches every document"
                    yield Finding(QUERY, message, span=span)


def _logic(rule: Rule, context: CheckContext) -> tuple[str, Analysis] | None:
    """The query's logic analysis, once per rule for RK616 and RK617 (same one-slot cache as the walk)."""
    query = _query(rule)
    if query is None:
        return None
    text, tree = query
    catalog = context.fields_for(rule)
    if _LOGIC[0] is not tree or _LOGIC[1] is not catalog:
        _LOGIC[:] = [tree, catalog, analyze(tree, catalog)]
    return text, _LOGIC[2]


_LOGIC: list = [None, None, None]


@rule_check("RK616", "query-never-matches", Severity.ERROR)
def query_never_matches(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    """No event can ever match the query: its clauses contradict each other.

    **What.** `process.name:bash and not process.name:ba*` (every `bash` matches `ba*`); clauses that contradict
    across groups, `not *:*`. Each field clause is treated as a true/false atom, with only the implications that
    hold in Elasticsearch whatever the data (a value implies the field exists; on a keyword field an exact value
    implies the patterns it matches; a field ECS expects to hold one value, such as `host.os.type`, cannot hold two).
    On array fields (`event.category`, `process.args`) two values do not contradict: the field can hold both.

    **Why.** A rule whose query never matches never alerts, silently.

    **Fix.** Remove or correct the clause named in the message (often a `not` that swallows the positive clause).
    """
    found = _logic(rule, context)
    if found is None or found[1].satisfiable:
        return
    text, analysis = found
    conflict = analysis.conflict
    if len(conflict) == 2 and any(isinstance(c, Not) and c.children[0] in conflict for c in conflict):
        return  # `x and not x` side by side: RK615 reports it where it is written
    first = conflict[0]
    shown = " and ".join(f"`{_short(_source(text, c))}`" for c in conflict)
    reason = "contradict each other" if len(conflict) > 1 else "can never be true"
    fields = {c.field for c in conflict if isinstance(c, Is) and isinstance(c.field, str)}
    if len(conflict) == 2 and len(fields) == 1 and all(isinstance(c, Is) for c in conflict):
        reason += f" ({fields.pop()} holds one value per event in ECS)"
    span = _span(rule, text, first.pos, first.pos + first.size)
    yield Finding(QUERY, f"the query can never match: {shown} {reason}", span=span)


@rule_check("RK617", "dead-clause", Severity.WARNING)
def dead_clause(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    """A clause that never changes whether the query matches (dead logic).

    **What.** `b:y` in `a:x and (a:x or b:y)`; `process.name:*` next to `process.name:bash`: replacing the clause
    by true (or by false) leaves a query that matches exactly the same documents, whatever the data. A query whose
    clauses cover every case (`process.name:ba* or not process.name:bash`) matches every document.

    **Why.** Dead logic reads as a condition the rule checks but does not: a reviewer trusts a filter that has no
    effect, and an intended condition (a typo for another field or value) is silently lost.

    **Fix.** Delete the clause, or write the condition that was meant (another field, `and` instead of `or`).
    """
    found = _logic(rule, context)
    if found is None or not found[1].satisfiable:
        return
    text, analysis = found
    if analysis.always:
        tree = _query(rule)[1]  # type: ignore[index]
        operands = _operands(tree) if isinstance(tree, OrOperation) else []
        if not any(isinstance(o, Not) and o.children[0] in operands for o in operands):  # else RK615 says it
            message = "the query matches every document: its clauses cover every case, so none of them filters"
            yield Finding(QUERY, message, span=_span(rule, text, tree.pos, tree.pos + tree.size))
        return
    for node in analysis.dead:
        shown = _short(_source(text, node))
        message = f"`{shown}` never changes whether the query matches: the query is the same without it"
        yield Finding(QUERY, message, span=_span(rule, text, node.pos, node.pos + node.size))
