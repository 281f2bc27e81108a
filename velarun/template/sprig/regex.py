"""sprig's regex.go over Go's ``regexp`` semantics: Go's rules for empty matches in
``FindAll``, ``ReplaceAll`` and ``Split``, ``$1``/``${name}`` expansion, ``$`` only at the end
of the text. Patterns run on Python's ``re`` after a translation of RE2's syntax (ASCII
``\\d \\w \\s \\b``, POSIX classes, ``\\Q..\\E``, ``\\z``, ``\\pL``); other Unicode classes,
the ``U`` flag and Go's wording of a bad pattern's error are not reproduced."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from velarun.template.gotemplate.funcs import FuncError, GoFunc
from velarun.template.gotemplate.values import StringSlice

_META = set("\\.+*?()|[]{}^$")


_WORD = "0-9A-Za-z_"
_OUTSIDE = {"d": "[0-9]", "D": "[^0-9]", "w": f"[{_WORD}]", "W": f"[^{_WORD}]",
            "s": "[\\t\\n\\f\\r ]", "S": "[^\\t\\n\\f\\r ]", "z": "\\Z",
            "b": f"(?:(?<=[{_WORD}])(?![{_WORD}])|(?<![{_WORD}])(?=[{_WORD}]))",
            "B": f"(?:(?<=[{_WORD}])(?=[{_WORD}])|(?<![{_WORD}])(?![{_WORD}]))",
            "pL": "[^\\W\\d_]", "p{L}": "[^\\W\\d_]"}  # fmt: skip
_INSIDE = {"d": "0-9", "w": _WORD, "s": "\\t\\n\\f\\r "}
_POSIX = {"alpha": "A-Za-z", "digit": "0-9", "alnum": "0-9A-Za-z", "upper": "A-Z",
          "lower": "a-z", "space": "\\t\\n\\v\\f\\r ", "word": _WORD, "xdigit": "0-9A-Fa-f",
          "blank": "\\t ", "cntrl": "\\x00-\\x1f\\x7f", "print": " -~", "graph": "!-~",
          "ascii": "\\x00-\\x7f", "punct": "!-/:-@[-`{-~"}  # fmt: skip


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """One escape of a Go pattern (at ``pattern[i] == "\\"``) in Python's syntax."""
    nxt = pattern[i + 1]
    if nxt == "Q":
        end = pattern.find("\\E", i + 2)
        end = len(pattern) if end < 0 else end
        return re.escape(pattern[i + 2 : end]), min(end + 2, len(pattern))
    table = _INSIDE if in_class else _OUTSIDE
    for key in (pattern[i + 1 : i + 5], pattern[i + 1 : i + 3], nxt):
        if key in table:
            return table[key], i + 1 + len(key)
    return pattern[i : i + 2], i + 2


def _translate(pattern: str) -> str:
    """Go's RE2 syntax as Python's: ASCII ``\\d \\w \\s \\b``, POSIX classes, ``\\Q..\\E``,
    ``\\z``, ``\\pL``, and ``$`` at the end of the text only (without the m flag)."""
    out, i, in_class = [], 0, False
    multiline = re.search(r"\(\?[a-zA-Z]*m", pattern) is not None
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            text, i = _escape(pattern, i, in_class)
            out.append(text)
            continue
        if in_class and pattern.startswith("[:", i):
            end = pattern.find(":]", i)
            if end > 0 and pattern[i + 2 : end] in _POSIX:
                out.append(_POSIX[pattern[i + 2 : end]])
                i = end + 2
                continue
        if in_class:
            in_class = c != "]" or out[-1] in ("[", "[^")
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "^":
                out.append("[^")
                i += 2
                continue
        elif c == "$" and not multiline:
            c = "(?!(?s:.))"
        out.append(c)
        i += 1
    return "".join(out)


def compile_go(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(_translate(pattern))
    except re.error as err:
        raise FuncError(f"error parsing regexp: {err}: `{pattern}`") from None


def _matches(rx: re.Pattern[str], s: str, n: int) -> Iterator[re.Match[str]]:
    """Go's ``allMatches``: no empty match right after a match."""
    pos, count, prev_end = 0, 0, -1
    while (n < 0 or count < n) and pos <= len(s):
        m = rx.search(s, pos)
        if m is None:
            return
        accept = True
        if m.end() == pos:
            accept = m.start() != prev_end
            pos += 1
        else:
            pos = m.end()
        prev_end = m.end()
        if accept:
            count += 1
            yield m


def must_regex_match(pattern: str, s: str) -> bool:
    return compile_go(pattern).search(s) is not None


def regex_match(pattern: str, s: str) -> bool:
    """sprig's ``regexMatch`` swallows a bad pattern's error: false."""
    try:
        return must_regex_match(pattern, s)
    except FuncError:
        return False


def regex_find_all(pattern: str, s: str, n: int) -> list[str]:
    if n == 0:
        return StringSlice()
    return StringSlice(m.group() for m in _matches(compile_go(pattern), s, n))


def regex_find(pattern: str, s: str) -> str:
    m = compile_go(pattern).search(s)
    return m.group() if m else ""


def _expand(template: str, m: re.Match[str]) -> str:
    out, i = [], 0
    while i < len(template):
        c = template[i]
        if c != "$" or i + 1 >= len(template):
            out.append(c)
            i += 1
            continue
        if template[i + 1] == "$":
            out.append("$")
            i += 2
            continue
        name, end = _group_name(template, i + 1)
        if name is None:
            out.append("$")
            i += 1
            continue
        out.append(_group(m, name))
        i = end
    return "".join(out)


def _group_name(t: str, i: int) -> tuple[str | None, int]:
    if t[i] == "{":
        close = t.find("}", i)
        name = t[i + 1 : close] if close > 0 else ""
        if close < 0 or not re.fullmatch(r"\w+", name, re.ASCII):
            return None, i
        return name, close + 1
    found = re.match(r"\w+", t[i:], re.ASCII)
    return (found.group(), i + found.end()) if found else (None, i)


def _group(m: re.Match[str], name: str) -> str:
    try:
        value = m.group(int(name) if name.isdigit() else name)
    except IndexError:  # no such group: Go expands it to nothing
        return ""
    return value or ""


def _replace(pattern: str, s: str, repl: Any) -> str:
    rx = compile_go(pattern)
    out, last, pos = [], 0, 0
    while pos <= len(s):
        m = rx.search(s, pos)
        if m is None:
            break
        out.append(s[last : m.start()])
        if m.end() > last or m.start() == 0:
            out.append(repl(m))
        last = m.end()
        pos = pos + 1 if pos + 1 > m.end() else m.end()
    out.append(s[last:])
    return "".join(out)


def regex_replace_all(pattern: str, s: str, repl: str) -> str:
    return _replace(pattern, s, lambda m: _expand(repl, m))


def regex_replace_all_literal(pattern: str, s: str, repl: str) -> str:
    return _replace(pattern, s, lambda m: repl)


def regex_split(pattern: str, s: str, n: int) -> list[str]:
    if n == 0:
        return StringSlice()
    if pattern and not s:
        return StringSlice([""])
    parts: list[str] = StringSlice()
    beg = end = 0
    for m in _matches(compile_go(pattern), s, n):
        if n > 0 and len(parts) == n - 1:
            break
        end = m.start()
        if m.end() != 0:
            parts.append(s[beg:end])
        beg = m.end()
    if end != len(s):
        parts.append(s[beg:])
    return parts


def quote_meta(s: str) -> str:
    return "".join("\\" + c if c in _META else c for c in s)


FUNCS: dict[str, GoFunc] = {
    "regexMatch": GoFunc(regex_match, ("string", "string"), None),
    "mustRegexMatch": GoFunc(must_regex_match, ("string", "string"), None),
    "regexFindAll": GoFunc(regex_find_all, ("string", "string", "int"), None),
    "mustRegexFindAll": GoFunc(regex_find_all, ("string", "string", "int"), None),
    "regexFind": GoFunc(regex_find, ("string", "string"), None),
    "mustRegexFind": GoFunc(regex_find, ("string", "string"), None),
    "regexReplaceAll": GoFunc(regex_replace_all, ("string", "string", "string"), None),
    "mustRegexReplaceAll": GoFunc(regex_replace_all, ("string", "string", "string"), None),
    "regexReplaceAllLiteral": GoFunc(regex_replace_all_literal, ("string",) * 3, None),
    "mustRegexReplaceAllLiteral": GoFunc(regex_replace_all_literal, ("string",) * 3, None),
    "regexSplit": GoFunc(regex_split, ("string", "string", "int"), None),
    "mustRegexSplit": GoFunc(regex_split, ("string", "string", "int"), None),
    "regexQuoteMeta": GoFunc(quote_meta, ("string",), None),
}
