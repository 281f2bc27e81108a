"""sprig's strings.go (and the string functions of functions.go): trimming, case, quoting,
splitting and joining, as Go's ``strings`` package and Masterminds/goutils do them.

Go's strings are bytes: lengths and offsets (``trunc``, ``substr``, ``abbrev``) count bytes of
the UTF-8 text, as Go does."""

from __future__ import annotations

import unicodedata
from typing import Any

from velarun.template.gotemplate.funcs import FuncError, GoFunc
from velarun.template.gotemplate.gofmt import Spec, fmt_value
from velarun.template.gotemplate.quote import go_quote
from velarun.template.gotemplate.values import StringMap, StringSlice
from velarun.template.sprig._go import GO_SPACE, strval, to_lower, to_upper


def _b(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def _s(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def trim_space(s: str) -> str:
    return s.strip("".join(GO_SPACE))


def go_trim(b: str, cutset: str) -> str:
    return b.strip(cutset) if cutset else b


def trim_prefix(prefix: str, s: str) -> str:
    return s[len(prefix) :] if prefix and s.startswith(prefix) else s


def trim_suffix(suffix: str, s: str) -> str:
    return s[: -len(suffix)] if suffix and s.endswith(suffix) else s


def _is_separator(c: str) -> bool:
    """Go's ``strings.Title`` word boundary."""
    if c < "\x80":
        return not (c.isalnum() or c == "_")
    if c.isalpha() or unicodedata.category(c) == "Nd":
        return False
    return c in GO_SPACE


def title(s: str) -> str:
    out, prev = [], " "
    for c in s:
        out.append(_to_title(c) if _is_separator(prev) else c)
        prev = c
    return "".join(out)


def _to_title(c: str) -> str:
    t = c.title()
    return t if len(t) == 1 else c.upper() if len(c.upper()) == 1 else c


_to_lower, _to_upper = to_lower, to_upper


def upper(s: str) -> str:
    if s.isascii():
        return s.upper()  # Go's mapping and Python's agree on ASCII
    return "".join(_to_upper(c) for c in s)


def lower(s: str) -> str:
    if s.isascii():
        return s.lower()
    return "".join(_to_lower(c) for c in s)


def untitle(s: str) -> str:
    out, next_lower = [], True
    for c in s:
        if c in GO_SPACE:
            next_lower = True
            out.append(c)
        elif next_lower:
            out.append(_to_lower(c))
            next_lower = False
        else:
            out.append(c)
    return "".join(out)


def swapcase(s: str) -> str:
    out, space = [], True
    for c in s:
        if c.isupper() or c.istitle():
            out.append(_to_lower(c))
            space = False
        elif c.islower():
            out.append(_to_title(c) if space else _to_upper(c))
            space = False
        else:
            out.append(c)
            space = c in GO_SPACE
    return "".join(out)


def repeat(count: int, s: str) -> str:
    if count < 0:
        raise FuncError("strings: negative Repeat count")
    total = len(_b(s)) * count
    if total > 2**63 - 1:
        raise FuncError("strings: Repeat output length overflow")
    if total > 2**40:  # Go's allocation fails; Python's would exhaust memory first
        raise FuncError("runtime error: makeslice: len out of range")
    return s * count


def substr(start: int, end: int, s: str) -> str:
    data = _b(s)
    if start < 0:
        return _s(_slice(data, 0, end))
    if end < 0 or end > len(data):
        return _s(_slice(data, start, len(data)))
    return _s(_slice(data, start, end))


def _slice(data: bytes, lo: int, hi: int) -> bytes:
    if lo < 0 or hi < lo or hi > len(data):
        raise FuncError(f"runtime error: slice bounds out of range [{_bounds(lo, hi, len(data))}]")
    return data[lo:hi]


def _bounds(lo: int, hi: int, n: int) -> str:
    if hi < 0 or hi > n:
        return f":{hi}] with length {n}" if hi > n else f":{hi}]"
    return f"{lo}:{hi}"


def nospace(s: str) -> str:
    """goutils' ``DeleteWhiteSpace`` reads bytes as runes: past ASCII, a string with a space
    comes back with each byte as a Latin-1 character, as Go gives it."""
    data = _b(s)
    kept = [chr(b) for b in data if chr(b) not in GO_SPACE]
    return s if len(kept) == len(data) else "".join(kept)


def trunc(c: int, s: str) -> str:
    data = _b(s)
    if c < 0 and len(data) + c > 0:
        return _s(data[len(data) + c :])
    if c >= 0 and len(data) > c:
        return _s(data[:c])
    return s


def abbrev(width: int, s: str) -> str:
    if width < 4:
        return s
    data = _b(s)
    if len(data) <= width:
        return s
    return _s(data[: width - 3]) + "..."


def initials(s: str) -> str:
    out, gap = [], True
    for byte in _b(s):
        c = chr(byte)
        if c in GO_SPACE:
            gap = True
        elif gap:
            out.append(c)
            gap = False
    return "".join(out)


def quote(*values: Any) -> str:
    return " ".join(go_quote(strval(v)) for v in values if v is not None)


def squote(*values: Any) -> str:
    return " ".join(f"'{fmt_value(v, Spec('v'))}'" for v in values if v is not None)


def cat(*values: Any) -> str:
    return " ".join(fmt_value(v, Spec("v")) for v in values if v is not None)


def indent(spaces: int, s: str) -> str:
    pad = repeat(spaces, " ")
    return pad + s.replace("\n", "\n" + pad)


def nindent(spaces: int, s: str) -> str:
    return "\n" + indent(spaces, s)


def replace(old: str, new: str, src: str) -> str:
    if old == "":  # Go inserts ``new`` before each rune and at the end
        return new + new.join(src) + new if src else new
    return src.replace(old, new)


def plural(one: str, many: str, count: int) -> str:
    return one if count == 1 else many


def go_split(s: str, sep: str, n: int = -1) -> list[str]:
    """Go's ``strings.SplitN`` (``Split`` when n is -1)."""
    if n == 0:
        return []
    if sep == "":
        chars = list(s)
        if 0 < n < len(chars):
            return [*chars[: n - 1], "".join(chars[n - 1 :])]
        return chars
    return s.split(sep, n - 1 if n > 0 else -1)


def split_list(sep: str, s: str) -> list[str]:
    return StringSlice(go_split(s, sep))


def split(sep: str, s: str) -> dict[str, str]:
    return StringMap((f"_{i}", v) for i, v in enumerate(go_split(s, sep)))


def splitn(sep: str, n: int, s: str) -> dict[str, str]:
    return StringMap((f"_{i}", v) for i, v in enumerate(go_split(s, sep, n)))


def to_strings(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return StringSlice(strval(v) for v in value if v is not None)
    if value is None:
        return StringSlice()
    return StringSlice([strval(value)])


def join(sep: str, value: Any) -> str:
    return sep.join(to_strings(value))


def sort_alpha(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return StringSlice(sorted(to_strings(value), key=_b))
    return StringSlice([strval(value)])


def contains(sub: str, s: str) -> bool:
    return sub in s


def has_prefix(prefix: str, s: str) -> bool:
    return s.startswith(prefix)


def has_suffix(suffix: str, s: str) -> bool:
    return s.endswith(suffix)


FUNCS: dict[str, GoFunc] = {
    "trim": GoFunc(trim_space, ("string",), None),
    "trimAll": GoFunc(lambda a, b: go_trim(b, a), ("string", "string"), None),
    "trimall": GoFunc(lambda a, b: go_trim(b, a), ("string", "string"), None),
    "trimPrefix": GoFunc(trim_prefix, ("string", "string"), None),
    "trimSuffix": GoFunc(trim_suffix, ("string", "string"), None),
    "upper": GoFunc(upper, ("string",), None),
    "lower": GoFunc(lower, ("string",), None),
    "title": GoFunc(title, ("string",), None),
    "untitle": GoFunc(untitle, ("string",), None),
    "swapcase": GoFunc(swapcase, ("string",), None),
    "repeat": GoFunc(repeat, ("int", "string"), None),
    "substr": GoFunc(substr, ("int", "int", "string"), None),
    "nospace": GoFunc(nospace, ("string",), None),
    "trunc": GoFunc(trunc, ("int", "string"), None),
    "abbrev": GoFunc(abbrev, ("int", "string"), None),
    "initials": GoFunc(initials, ("string",), None),
    "contains": GoFunc(contains, ("string", "string"), None),
    "hasPrefix": GoFunc(has_prefix, ("string", "string"), None),
    "hasSuffix": GoFunc(has_suffix, ("string", "string"), None),
    "quote": GoFunc(quote),
    "squote": GoFunc(squote),
    "cat": GoFunc(cat),
    "indent": GoFunc(indent, ("int", "string"), None),
    "nindent": GoFunc(nindent, ("int", "string"), None),
    "replace": GoFunc(replace, ("string", "string", "string"), None),
    "plural": GoFunc(plural, ("string", "string", "int"), None),
    "splitList": GoFunc(split_list, ("string", "string"), None),
    "split": GoFunc(split, ("string", "string"), None),
    "splitn": GoFunc(splitn, ("string", "int", "string"), None),
    "toStrings": GoFunc(to_strings, ("any",), None),
    "toString": GoFunc(strval, ("any",), None),
    "join": GoFunc(join, ("string", "any"), None),
    "sortAlpha": GoFunc(sort_alpha, ("any",), None),
}


def _abbreviate_full(data: bytes, offset: int, width: int) -> bytes:
    """goutils' ``AbbreviateFull`` over bytes (its errors give an empty string)."""
    if not data:
        return b""
    if width < 4:
        return b""
    if len(data) <= width:
        return data
    offset = min(offset, len(data))
    if len(data) - offset < width - 3:
        offset = len(data) - (width - 3)
    if offset <= 4:
        return data[: width - 3] + b"..."
    if width < 7:
        return b""
    if offset + width - 3 < len(data):
        return b"..." + _abbreviate_full(data[offset:], 0, width - 3)
    return b"..." + data[len(data) - (width - 3) :]


def abbrevboth(left: int, right: int, s: str) -> str:
    if right < 4 or (left > 0 and right < 7):
        return s
    return _s(_abbreviate_full(_b(s), left, right))


FUNCS["abbrevboth"] = GoFunc(abbrevboth, ("int", "int", "string"), None)
