"""sprig's regex.go over Go's ``regexp`` semantics: Go's rules for empty matches in
``FindAll``, ``ReplaceAll`` and ``Split``, ``$1``/``${name}`` expansion, ``$`` only at the end
of the text. Patterns are run by Python's ``re`` after a small translation; RE2-only syntax
(``[[:alpha:]]``, ``\\pL``) and Go's wording of a bad pattern's error are not reproduced."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from velarun.template.gotemplate.funcs import FuncError, GoFunc
from velarun.template.gotemplate.values import StringSlice

_META = set("\\.+*?()|[]{}^$")


def _translate(pattern: str) -> str:
    out, i, in_class = [], 0, False
    multiline = "(?m" in pattern or re.search(r"\(\?[a-z]*m", pattern) is not None
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append("\\Z" if nxt == "z" and not in_class else c + nxt)
            i += 2
            continue
        if in_class:
            in_class = c != "]" or out[-1] == "[" or out[-1] == "[^"
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


def regex_match(pattern: str, s: str) -> bool:
    return compile_go(pattern).search(s) is not None


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
    "mustRegexMatch": GoFunc(regex_match, ("string", "string"), None),
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
