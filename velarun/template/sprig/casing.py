"""sprig's case conversions, ported from huandu/xstrings (``camelcase``, ``snakecase``,
``kebabcase``) and Masterminds/goutils (``wrap``, ``wrapWith``): xstrings splits a string into
words (upper-case runs, letters, numbers, connectors ``-``, ``_`` and spaces, punctuation)."""

from __future__ import annotations

import unicodedata

from velarun.template.gotemplate.funcs import GoFunc
from velarun.template.sprig._go import GO_SPACE, to_lower, to_upper

INVALID, NUMBER, UPPER, ALPHA, CONNECTOR, PUNCT, OTHER = range(7)


def _is_connector(c: str) -> bool:
    return c in "-_" or c in GO_SPACE


def _is_letter(c: str) -> bool:
    return unicodedata.category(c).startswith("L")


def _is_upper(c: str) -> bool:
    return unicodedata.category(c) == "Lu"


def _is_number(c: str) -> bool:
    return unicodedata.category(c) in ("Nd", "Nl", "No")


def _is_punct(c: str) -> bool:
    return unicodedata.category(c).startswith("P")


def _is_alphabet(c: str) -> bool:
    if not _is_letter(c):
        return False
    o = ord(c)
    return not (0x4E00 <= o <= 0x9FCC or 0x3400 <= o <= 0x4D85 or 0x20000 <= o <= 0x2B81D)


_lower, _upper = to_lower, to_upper


def camelcase(s: str) -> str:
    if not s:
        return ""
    out: list[str] = []
    i = 0
    r0 = ""
    while i < len(s):
        r0 = s[i]
        i += 1
        if not _is_connector(r0):
            r0 = _upper(r0)
            break
        out.append(r0)
    if i >= len(s):  # xstrings writes the last rune once more, even a connector
        out.append(r0)
        return "".join(out)
    while i < len(s):
        r1, r0 = r0, s[i]
        i += 1
        if _is_connector(r0) and _is_connector(r1):
            out.append(r1)
            continue
        if _is_connector(r1):
            r0 = _upper(r0)
        else:
            r0 = _lower(r0)
            out.append(r1)
    out.append(r0)
    return "".join(out)


def _run(s: str, i: int, pred: object) -> int:
    while i < len(s) and pred(s[i]):  # type: ignore[operator]
        i += 1
    return i


def next_word(s: str) -> tuple[int, str, str]:
    """xstrings' ``nextWord``: the type of the first word, the word, the rest."""
    if not s:
        return INVALID, "", ""
    r = s[0]
    if _is_connector(r):
        wt, end = CONNECTOR, _run(s, 1, _is_connector)
    elif _is_punct(r):
        wt, end = PUNCT, _run(s, 1, _is_punct)
    elif _is_upper(r):
        wt, end = UPPER, _upper_end(s)
    elif _is_alphabet(r):
        wt, end = ALPHA, _run(s, 1, lambda c: _is_alphabet(c) and not _is_upper(c))
    elif _is_number(r):
        wt, end = NUMBER, _run(s, 1, _is_number)
    else:
        wt = OTHER
        end = _run(s, 1, lambda c: not (
            _is_connector(c) or _is_alphabet(c) or _is_number(c) or _is_punct(c)))  # fmt: skip
    return wt, s[:end], s[end:]


def _upper_end(s: str) -> int:
    if len(s) == 1:
        return 1
    if _is_upper(s[1]):
        end = _run(s, 2, _is_upper)
        if end < len(s) and _is_alphabet(s[end]):
            end -= 1
        return end
    if _is_alphabet(s[1]):
        return _run(s, 2, lambda c: _is_alphabet(c) and not _is_upper(c))
    return 1


def _to_lower(out: list[str], wt: int, word: str, connector: str) -> None:
    if wt not in (UPPER, CONNECTOR):
        out.append(word)
        return
    for c in word:
        out.append(connector if _is_connector(c) else _lower(c) if _is_upper(c) else c)


def _after_number(out: list[str], state: list[object], connector: str) -> None:
    wt, word, rest = state
    while wt in (ALPHA, NUMBER):
        _to_lower(out, wt, word, connector)  # type: ignore[arg-type]
        wt, word, rest = next_word(rest)  # type: ignore[arg-type]
    if wt not in (INVALID, PUNCT, CONNECTOR):
        out.append(connector)
    state[:] = [wt, word, rest]


def _after_word(out: list[str], state: list[object], connector: str) -> None:
    wt, word, rest = state
    if wt != NUMBER:
        if wt not in (CONNECTOR, PUNCT):
            out.append(connector)
        return
    if not rest:
        return
    last = word
    wt, word, rest = next_word(rest)  # type: ignore[arg-type]
    state[:] = [wt, word, rest]
    if wt != ALPHA:
        _to_lower(out, NUMBER, last, connector)  # type: ignore[arg-type]
        if wt not in (CONNECTOR, PUNCT):
            out.append(connector)
        return
    out.append(connector)
    _to_lower(out, NUMBER, last, connector)  # type: ignore[arg-type]
    _after_number(out, state, connector)


def lower_case_words(s: str, connector: str) -> str:
    """xstrings' ``camelCaseToLowerCase``."""
    if not s:
        return ""
    out: list[str] = []
    wt, word, rest = next_word(s)
    while rest:
        if wt != CONNECTOR:
            _to_lower(out, wt, word, connector)
        prev, last = wt, word
        state: list[object] = list(next_word(rest))
        if prev == NUMBER:
            _after_number(out, state, connector)
        elif prev == CONNECTOR:
            _to_lower(out, prev, last, connector)
        elif prev != PUNCT:
            _after_word(out, state, connector)
        wt, word, rest = state  # type: ignore[assignment]
    _to_lower(out, wt, word, connector)
    return "".join(out)


def wrap_custom(s: str, length: int, newline: str, long_words: bool) -> str:
    """goutils' ``WrapCustom`` (over bytes, as Go's)."""
    data = s.encode("utf-8", "surrogateescape")
    if not data:
        return ""
    nl = (newline or "\n").encode("utf-8", "surrogateescape")
    length = max(length, 1)
    out, offset = bytearray(), 0
    while len(data) - offset > length:
        if data[offset] == 0x20:
            offset += 1
            continue
        space = data.rfind(b" ", offset, min(length + offset + 1, len(data)))
        if space >= offset:
            out += data[offset:space] + nl
            offset = space + 1
        elif long_words:
            out += data[offset : offset + length] + nl
            offset += length
        else:
            index = data.find(b" ", length + offset)
            if index == -1:
                out += data[offset:]
                offset = len(data)
            else:
                out += data[offset:index] + nl
                offset = index + 1
    out += data[offset:]
    return out.decode("utf-8", "surrogateescape")


FUNCS: dict[str, GoFunc] = {
    "camelcase": GoFunc(camelcase, ("string",), None),
    "snakecase": GoFunc(lambda s: lower_case_words(s, "_"), ("string",), None),
    "kebabcase": GoFunc(lambda s: lower_case_words(s, "-"), ("string",), None),
    "wrap": GoFunc(lambda n, s: wrap_custom(s, n, "", False), ("int", "string"), None),
    "wrapWith": GoFunc(
        lambda n, sep, s: wrap_custom(s, n, sep, True), ("int",) + ("string",) * 2, None
    ),
}
