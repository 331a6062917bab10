"""KQL as Kibana parses it: a hand-written recursive descent over Kibana's PEG grammar (docs/kql.md, design A1).

Kibana's grammar is a PEG; every ordered choice in it either succeeds on the first alternative that can start at
a position or fails the whole parse, so this parser commits where Kibana would backtrack only to fail later, and
it accepts and rejects exactly the same inputs. Each character is looked at a bounded number of times (whitespace
runs are scanned once, quoted and plain runs with linear regexes), so parsing is linear in the query length. Nesting
deeper than `MAX_DEPTH` parentheses or braces is refused with a `KqlSyntaxError` instead of exhausting the stack.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from luqum.tree import AndOperation, Item, Not, OrOperation

from rule_kit.kql.nodes import STAR, Exists, Is, Literal, MatchAll, Nested, Range, Wildcard, _Star

__all__ = ["MAX_DEPTH", "WHITESPACE", "KqlSyntaxError", "parse"]

#: Kibana's `Space`: the only characters that separate operators (A1.2).
WHITESPACE = " \t\r\n\u00a0"
#: Characters an unquoted literal cannot hold unescaped (A1.3).
SPECIAL = '\\():<>"*{}'
ESCAPABLE = '\\ ( ) : < > " * { }'
#: What JavaScript's `String.prototype.trim` removes (WhiteSpace and LineTerminator).
JS_TRIM = (
    "\t\n\u000b\u000c\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
MAX_DEPTH = 100
RANGE_OPERATORS = ("<=", ">=", "<", ">")

_WS = re.compile(r"[ \t\r\n\u00a0]*")
_PLAIN = re.compile(r'[^\\*():<>"{} \t\r\n\u00a0nN]+')
_QUOTED_PLAIN = re.compile(r'[^"\\]+')
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


class KqlSyntaxError(ValueError):
    """A query Kibana would refuse. `offset` is where the problem is (0-based, in characters), `end` one past it."""

    def __init__(self, message: str, offset: int, end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.end = end if end is not None and end > offset else offset + 1

    def __reduce__(self) -> tuple[type, tuple[str, int, int]]:
        return (type(self), (self.message, self.offset, self.end))


class _Lit(NamedTuple):
    """A literal as read: where it starts, where reading stopped (`stop`, after any trailing spaces it ate), where
    its trimmed text ends, whether it was quoted, and its node."""

    start: int
    stop: int
    end: int
    quoted: bool
    node: Literal | Wildcard


def _is_word(text: str, i: int, word: str) -> bool:
    """Case-insensitive ASCII `word` at `i`."""
    piece = text[i : i + len(word)]
    return len(piece) == len(word) and piece.isascii() and piece.lower() == word


def _combine_surrogates(text: str) -> str:
    # `\uD83D\uDE00` is one character in JavaScript's UTF-16 strings; join such pairs into the code point.
    return _SURROGATE_PAIR.sub(lambda m: m.group().encode("utf-16-le", "surrogatepass").decode("utf-16-le"), text)


def _show(char: str) -> str:
    names = {"\n": "a line break", "\t": "a tab", "\r": "a carriage return", "\u00a0": "a no-break space"}
    return names.get(char, f"`{char}`")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.depth = 0
        self.last: _Lit | None = None  # the most recent literal, for the hints in `_unexpected`
        self.last_range_end = -1

    # -- helpers -------------------------------------------------------------------------------------------

    def ws(self, i: int) -> int:
        return _WS.match(self.text, i).end()  # type: ignore[union-attr]

    def found(self, i: int) -> str:
        return "end of query" if i >= self.n else _show(self.text[i])

    def error(self, message: str, offset: int, end: int | None = None) -> KqlSyntaxError:
        return KqlSyntaxError(message, offset, end)

    def starts_not(self, i: int) -> bool:
        return _is_word(self.text, i, "not") and i + 3 < self.n and self.text[i + 3] in WHITESPACE

    def operator(self, i: int, word: str) -> int:
        """`WS+ word WS+` at `i`: the position after it, or -1."""
        j = self.ws(i)
        if j == i or not _is_word(self.text, j, word):
            return -1
        k = j + len(word)
        if k < self.n and self.text[k] in WHITESPACE:
            return self.ws(k)
        return -1

    def enter(self, i: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the query nests parentheses and braces more than {MAX_DEPTH} deep", i)

    def bad_escape(self, j: int) -> KqlSyntaxError:
        text = self.text
        if j + 1 >= self.n:
            return self.error(f"a backslash can only escape one of {ESCAPABLE}, found `\\` at the end", j, j + 1)
        if text[j + 1] == "u":
            return self.error(
                f"`\\u` must be followed by 4 hex digits, found `{text[j : j + 6]}`", j, min(j + 6, self.n)
            )
        return self.error(f"a backslash can only escape one of {ESCAPABLE}, found `\\{text[j + 1]}`", j, j + 2)

    # -- literals ------------------------------------------------------------------------------------------

    def literal(self, i: int) -> _Lit | None:
        if i >= self.n:
            return None
        lit = self.quoted(i) if self.text[i] == '"' else self.unquoted(i)
        if lit is not None:
            self.last = lit
        return lit

    def quoted(self, i: int) -> _Lit:
        text, n = self.text, self.n
        out: list[str] = []
        j = i + 1
        surrogates = False
        while True:
            if j >= n:
                raise self.error('the `"` here is never closed', i, i + 1)
            c = text[j]
            if c == '"':
                break
            if c != "\\":
                m = _QUOTED_PLAIN.match(text, j)
                assert m is not None
                out.append(m.group())
                j = m.end()
                continue
            d = text[j + 1] if j + 1 < n else ""
            if d == "t":
                out.append("\t")
                j += 2
            elif d == "r":
                out.append("\r")
                j += 2
            elif d == "n":
                out.append("\n")
                j += 2
            elif d == "u" and _HEX4.match(text, j + 2):
                code = int(text[j + 2 : j + 6], 16)
                surrogates = surrogates or 0xD800 <= code <= 0xDFFF
                out.append(chr(code))
                j += 6
            elif d in ('"', "\\") and d:
                out.append(d)
                j += 2
            else:  # any other backslash is kept as it is
                out.append("\\")
                j += 1
        value = "".join(out)
        if surrogates:
            value = _combine_surrogates(value)
        return _Lit(i, j + 1, j + 1, True, Literal(value, quoted=True, pos=i, size=j + 1 - i))

    def unquoted(self, i: int) -> _Lit | None:
        text, n = self.text, self.n
        parts: list[str | _Star] = []
        j = i
        surrogates = False
        while j < n:
            c = text[j]
            if c == "\\":
                d = text[j + 1] if j + 1 < n else ""
                if d == "t":
                    parts.append("\t")
                    j += 2
                elif d == "r":
                    parts.append("\r")
                    j += 2
                elif d == "n":
                    parts.append("\n")
                    j += 2
                elif d and d in SPECIAL:
                    parts.append(d)
                    j += 2
                elif d == "u" and _HEX4.match(text, j + 2):
                    code = int(text[j + 2 : j + 6], 16)
                    surrogates = surrogates or 0xD800 <= code <= 0xDFFF
                    parts.append(chr(code))
                    j += 6
                elif _is_word(text, j + 1, "or"):
                    parts.append(text[j + 1 : j + 3])
                    j += 3
                elif _is_word(text, j + 1, "and") or _is_word(text, j + 1, "not"):
                    parts.append(text[j + 1 : j + 4])
                    j += 4
                else:
                    break  # a stray backslash: the caller reports it
            elif c == "*":
                parts.append(STAR)
                j += 1
            elif c in SPECIAL:
                break
            elif c in WHITESPACE:
                k = self.ws(j)
                if (_is_word(text, k, "or") and k + 2 < n and text[k + 2] in WHITESPACE) or (
                    _is_word(text, k, "and") and k + 3 < n and text[k + 3] in WHITESPACE
                ):
                    break
                parts.append(text[j:k])
                j = k
            elif c in "nN":
                if self.starts_not(j):
                    break
                parts.append(c)
                j += 1
            else:
                m = _PLAIN.match(text, j)
                assert m is not None
                parts.append(m.group())
                j = m.end()
        if j == i:
            return None
        end = j
        while end > i and text[end - 1] in WHITESPACE:
            end -= 1
        return _Lit(i, end, end, False, self.value_node(parts, surrogates, i, end))

    @staticmethod
    def value_node(parts: list[str | _Star], surrogates: bool, start: int, end: int) -> Literal | Wildcard:
        merged: list[str | _Star] = []
        for part in parts:
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            else:
                merged.append(part)
        if merged and isinstance(merged[0], str):
            merged[0] = merged[0].lstrip(JS_TRIM)
        if merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1].rstrip(JS_TRIM)
        if surrogates:
            merged = [_combine_surrogates(p) if isinstance(p, str) else p for p in merged]
        kept = tuple(p for p in merged if p != "")
        if STAR in kept:
            return Wildcard(kept, pos=start, size=end - start)
        value = "".join(kept)  # type: ignore[arg-type]
        keyword = {"null": None, "true": True, "false": False}
        if value in keyword:
            return Literal(keyword[value], pos=start, size=end - start)
        return Literal(value, pos=start, size=end - start)

    # -- structure -----------------------------------------------------------------------------------------

    def parse(self) -> Item:
        n = self.n
        i = self.ws(0)
        if i == n:
            return MatchAll(pos=0, size=n)
        node, e = self.or_expr(i, None)
        j = self.ws(e)
        if j < n:
            raise self.unexpected(e, j, None)
        return node

    def or_expr(self, i: int, after: str | None) -> tuple[Item, int]:
        node, e = self.and_expr(i, after)
        items = [node]
        while (k := self.operator(e, "or")) >= 0:
            node, e = self.and_expr(k, "or")
            items.append(node)
        if len(items) == 1:
            return node, e
        return OrOperation(*items, pos=i, size=e - i), e

    def and_expr(self, i: int, after: str | None) -> tuple[Item, int]:
        node, e = self.not_expr(i, after)
        items = [node]
        while (k := self.operator(e, "and")) >= 0:
            node, e = self.not_expr(k, "and")
            items.append(node)
        if len(items) == 1:
            return node, e
        return AndOperation(*items, pos=i, size=e - i), e

    def not_expr(self, i: int, after: str | None) -> tuple[Item, int]:
        if not self.starts_not(i):
            return self.sub(i, after)
        k = self.ws(i + 3)
        if self.starts_not(k):
            raise self.error("`not not` needs parentheses: write `not (not …)`", k, k + 3)
        node, e = self.sub(k, "not")
        return Not(node, pos=i, size=e - i), e

    def sub(self, i: int, after: str | None) -> tuple[Item, int]:
        if i < self.n and self.text[i] == "(":
            return self.group(i, lambda k: self.or_expr(k, None), ")", "an expression")
        return self.expression(i, after)

    def group(self, i: int, inner, close: str, what: str) -> tuple[Item, int]:
        """`( … )` or `{ … }` starting at `i`: the inner node and the position after the closer."""
        opener = self.text[i]
        self.enter(i)
        k = self.ws(i + 1)
        if k < self.n and self.text[k] == close:
            raise self.error(f"expected {what} inside `{opener} {close}`, found `{close}`", k, k + 1)
        if k >= self.n:
            raise self.error(f"the `{opener}` here is never closed: expected {what}, found end of query", i, i + 1)
        node, e = inner(k)
        j = self.ws(e)
        if j >= self.n:
            raise self.error(f"the `{opener}` here is never closed: expected `{close}`, found end of query", i, i + 1)
        if self.text[j] != close:
            raise self.unexpected(e, j, close)
        self.depth -= 1
        return node, j + 1

    def expression(self, i: int, after: str | None) -> tuple[Item, int]:
        lit = self.literal(i)
        if lit is None:
            raise self.nothing(i, "an expression", after)
        text, n = self.text, self.n
        k = self.ws(lit.stop)
        if k < n and text[k] == ":":
            v = self.ws(k + 1)
            shown = text[lit.start : lit.end]
            if v < n and text[v] == "{":
                path = self.field(lit, for_is=False)
                query, e = self.group(v, lambda m: self.or_expr(m, None), "}", "a query")
                return Nested(path, query, pos=i, size=e - i), e  # type: ignore[arg-type]
            return self.value_list(v, lit, f"`{shown}:`", top=True)
        for op in RANGE_OPERATORS:
            if text.startswith(op, k):
                v = self.ws(k + len(op))
                value = self.literal(v)
                if value is None:
                    raise self.nothing(v, "a value", f"{text[lit.start : lit.end]} {op}")
                field = self.field(lit, for_is=False)
                self.last_range_end = value.end
                node = Range(field, op, value.node, pos=i, size=value.end - i)  # type: ignore[arg-type]
                return node, value.stop
        return self.make_is(None, lit, i), lit.stop

    @staticmethod
    def field(lit: _Lit, for_is: bool) -> str | Wildcard | None:
        node = lit.node
        if isinstance(node, Wildcard):
            return node
        if node.value is None:
            # Kibana keeps an unquoted `null` field as JSON null, which is.ts treats as free text.
            return None if for_is else "null"
        if isinstance(node.value, bool):
            return "true" if node.value else "false"
        return node.value

    def make_is(self, field_lit: _Lit | None, value: _Lit, pos: int) -> Item:
        size = value.end - pos
        node = value.node
        lone = isinstance(node, Wildcard) and node.parts == (STAR,)
        if field_lit is None:
            return Is(None, node, pos=pos, size=size)
        field = self.field(field_lit, for_is=True)
        if lone and isinstance(field, Wildcard) and field.parts == (STAR,):
            return MatchAll(pos=pos, size=size)
        if field is None:
            return Is(None, node, pos=pos, size=size)
        if lone:
            return Exists(field, pos=pos, size=size)
        return Is(field, node, pos=pos, size=size)

    def value_list(self, i: int, field: _Lit, shown: str, top: bool, after: str | None = None) -> tuple[Item, int]:
        if i < self.n and self.text[i] == "(":
            return self.group(i, lambda k: self.v_or(k, field, shown), ")", "a value")
        value = self.literal(i)
        if value is None:
            if top and self.starts_not(i):
                raise self.error(f"`not` after {shown} needs parentheses: write {shown[:-1]}(not …)`", i, i + 3)
            raise self.nothing(i, "a value", after or shown[1:-1])
        return self.make_is(field, value, field.start if top else i), value.stop

    def v_or(self, i: int, field: _Lit, shown: str) -> tuple[Item, int]:
        node, e = self.v_and(i, field, shown)
        items = [node]
        while (k := self.operator(e, "or")) >= 0:
            node, e = self.v_and(k, field, shown, "or")
            items.append(node)
        return (node, e) if len(items) == 1 else (OrOperation(*items, pos=i, size=e - i), e)

    def v_and(self, i: int, field: _Lit, shown: str, after: str | None = None) -> tuple[Item, int]:
        node, e = self.v_not(i, field, shown, after)
        items = [node]
        while (k := self.operator(e, "and")) >= 0:
            node, e = self.v_not(k, field, shown, "and")
            items.append(node)
        return (node, e) if len(items) == 1 else (AndOperation(*items, pos=i, size=e - i), e)

    def v_not(self, i: int, field: _Lit, shown: str, after: str | None = None) -> tuple[Item, int]:
        if not self.starts_not(i):
            return self.value_list(i, field, shown, top=False, after=after)
        k = self.ws(i + 3)
        if self.starts_not(k):
            raise self.error("`not not` needs parentheses: write `not (not …)`", k, k + 3)
        node, e = self.value_list(k, field, shown, top=False, after="not")
        return Not(node, pos=i, size=e - i), e

    # -- errors --------------------------------------------------------------------------------------------

    def nothing(self, i: int, what: str, after: str | None) -> KqlSyntaxError:
        """Nothing that starts `what` at `i`."""
        if i < self.n and self.text[i] == "\\":
            return self.bad_escape(i)
        where = f" after `{after}`" if after else ""
        if after == "not" and self.starts_not(i):
            return self.error("`not not` needs parentheses: write `not (not …)`", i, i + 3)
        if i < self.n and self.starts_not(i):
            return self.error(f"expected {what}{where}, found `not` (it needs parentheses here)", i, i + 3)
        return self.error(f"expected {what}{where}, found {self.found(i)}", i, i + 1)

    def unexpected(self, e: int, j: int, close: str | None) -> KqlSyntaxError:
        """An expression ended at `e` and something that is no operator follows at `j`."""
        text = self.text
        c = text[j]
        lit = self.last if self.last is not None and self.last.stop == e else None
        raw = text[lit.start : lit.end] if lit is not None and not lit.quoted else ""
        if c == "\\":
            return self.bad_escape(j)
        if c in ")}":
            if close is None:
                opener = "(" if c == ")" else "{"
                return self.error(f"`{c}` without a matching `{opener}`", j, j + 1)
            return self.error(f"expected `{close}`, found `{c}`", j, j + 1)
        if c in "<>" and e == self.last_range_end:
            return self.error("a range has one bound and cannot be chained: write `a > 1 and a < 5`", j, j + 1)
        glued = j == e
        for word in ("and", "or"):
            if _is_word(text, j, word) and glued:
                return self.error(f"`{word}` needs a space on both sides", j, j + len(word))
        if raw:
            low = raw.lower()
            if glued and c in '("' and low == "not":
                return self.error("`not` needs a space after it", lit.start, lit.start + 3)  # type: ignore[union-attr]
            for word in ("and", "or"):
                if (
                    glued
                    and c in '("'
                    and low.endswith(word)
                    and (len(low) == len(word) or low[-len(word) - 1] in WHITESPACE)
                ):
                    return self.error(f"`{word}` needs a space on both sides", lit.end - len(word), lit.end)  # type: ignore[union-attr]
        if self.starts_not(j) and glued and j > 0 and text[j - 1] not in WHITESPACE:
            return self.error(
                "`not` followed by a space ends an unquoted value, even inside a word: quote the value", j, j + 3
            )
        if raw and c in ':<>("{':
            gap = max(raw.rfind(ch) for ch in WHITESPACE)
            if gap >= 0 and c in ":<>":
                word_at = lit.start + gap + 1  # type: ignore[union-attr]
                for word in ("and", "or"):
                    if _is_word(text, word_at, word):
                        return self.error(f"`{word}` needs a space on both sides", word_at, word_at + len(word))
                return self.error("two expressions need `and` or `or` between them", word_at, word_at + 1)
            if glued and text[j - 1] not in WHITESPACE:
                return self.error(
                    f"`{c}` inside an unquoted value must be escaped (`\\{c}`) or the value quoted", j, j + 1
                )
        if c in ":<>{":
            return self.error(f"unexpected {_show(c)}", j, j + 1)
        return self.error("two expressions need `and` or `or` between them", j, j + 1)


def parse(text: str) -> Item:
    """Parse a KQL query as Kibana does; raise `KqlSyntaxError` for anything Kibana would refuse."""
    if not isinstance(text, str):
        raise TypeError("parse() takes the query text")
    return _Parser(text).parse()
