"""Go's ``strconv`` quoting: ``Quote`` (for ``%q`` and messages) and ``Unquote`` (literals)."""

from __future__ import annotations

_ESCAPES = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r", "\t": r"\t",
            "\v": r"\v", "\\": "\\\\"}  # fmt: skip
_UNESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}


class UnquoteError(ValueError):
    """``strconv.ErrSyntax``: the literal is not valid Go."""

    def __init__(self) -> None:
        super().__init__("invalid syntax")


def is_print(r: str) -> bool:
    """Go's ``unicode.IsPrint`` (letters, marks, numbers, punctuation, symbols, ASCII space)."""
    return r == " " or (r.isprintable() and r not in "\u00a0\u2007\u202f")


def quote_rune(r: str, quote: str, *, ascii_only: bool = False) -> str:
    """One rune as it appears inside a Go quoted literal."""
    if r == quote or r == "\\":
        return "\\" + r
    if r in _ESCAPES:
        return _ESCAPES[r]
    code = ord(r)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not valid UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if is_print(r) and not (ascii_only and code >= 0x80):
        return r
    if code < 0x80:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def go_quote(s: str, *, ascii_only: bool = False) -> str:
    """``strconv.Quote`` (or ``QuoteToASCII``)."""
    return '"' + "".join(quote_rune(r, '"', ascii_only=ascii_only) for r in s) + '"'


def go_quote_rune(code: int, *, ascii_only: bool = False) -> str:
    """``strconv.QuoteRune`` (or ``QuoteRuneToASCII``); invalid runes become U+FFFD."""
    if code < 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        code = 0xFFFD
    return "'" + quote_rune(chr(code), "'", ascii_only=ascii_only) + "'"


def _hex(text: str, i: int, n: int) -> int:
    digits = text[i : i + n]
    if len(digits) != n or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise UnquoteError
    return int(digits, 16)


def unquote_char(text: str, i: int, quote: str) -> tuple[int, bool, int]:
    """``strconv.UnquoteChar`` from ``text[i]``: (value, is a byte, next index)."""
    c = text[i]
    if c == quote and quote in "'\"":
        raise UnquoteError
    if c != "\\":
        return ord(c), False, i + 1
    if i + 1 >= len(text):
        raise UnquoteError
    c = text[i + 1]
    if c in _UNESCAPES:
        return _UNESCAPES[c], False, i + 2
    if c in "xuU":
        n = {"x": 2, "u": 4, "U": 8}[c]
        value = _hex(text, i + 2, n)
        if c != "x" and (value > 0x10FFFF or 0xD800 <= value <= 0xDFFF):
            raise UnquoteError
        return value, c == "x", i + 2 + n
    if c in "01234567":
        digits = text[i + 1 : i + 4]
        if len(digits) != 3 or any(d not in "01234567" for d in digits) or int(digits, 8) > 255:
            raise UnquoteError
        return int(digits, 8), True, i + 4
    if c in "'\"" and c == quote:
        return ord(c), False, i + 2
    raise UnquoteError


def unquote(literal: str) -> str:
    """``strconv.Unquote`` of a double-quoted or back-quoted string literal."""
    if len(literal) < 2 or literal[0] != literal[-1] or literal[0] not in "\"`'":
        raise UnquoteError
    quote, body = literal[0], literal[1:-1]
    if quote == "`":
        if "`" in body:
            raise UnquoteError
        return body.replace("\r", "")
    if quote == "'":
        value, _, end = unquote_char(body, 0, "'") if body else (0, False, -1)
        if end != len(body):
            raise UnquoteError
        return chr(value)
    out = bytearray()
    i = 0
    while i < len(body):
        if body[i] == "\n":
            raise UnquoteError
        value, is_byte, i = unquote_char(body, i, '"')
        out += bytes([value]) if is_byte else chr(value).encode("utf-8", "surrogatepass")
    return out.decode("utf-8", "surrogateescape")
