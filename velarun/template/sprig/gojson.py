"""Go's ``encoding/json`` for the values templates hold: ``Marshal`` (sorted map keys, HTML
escaping, Go's float format), ``MarshalIndent`` and ``Unmarshal`` into ``interface {}``, with
Go's syntax errors (a port of ``encoding/json``'s scanner) for ``mustFromJson``."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from velarun.template.gotemplate.funcs import FuncError
from velarun.template.gotemplate.gofmt import shortest_float
from velarun.template.gotemplate.quote import go_quote
from velarun.template.gotemplate.values import GoStruct, sort_keys

_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
          "\f": "\\f"}  # fmt: skip


def _string(s: str, html: bool) -> str:
    out = ['"']
    for c in s:
        if "\udc80" <= c <= "\udcff":  # a byte that is not UTF-8: v1 writes its replacement escaped
            out.append("\\ufffd")
        elif c in _SHORT:
            out.append(_SHORT[c])
        elif c < " " or c in "\u2028\u2029":
            out.append(f"\\u{ord(c):04x}")
        elif html and c in _HTML:
            out.append(_HTML[c])
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def _float(f: float) -> str:
    if math.isnan(f) or math.isinf(f):
        raise FuncError(f"json: unsupported value: {shortest_float(f)}")
    a = abs(f)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        text = shortest_float(f, "e")
        mantissa, exp = text.split("e")
        sign, digits = exp[0], exp[1:].lstrip("0") or "0"
        return f"{mantissa}e{'-' if sign == '-' else '+'}{digits}"
    return format(Decimal(repr(f)).normalize(), "f")


def marshal(value: Any, html: bool = True, indent: str | None = None, depth: int = 0) -> str:
    """``json.Marshal`` (or ``MarshalIndent`` with ``indent``) of the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _string(value, html)
    if isinstance(value, GoStruct):
        return marshal(value.go_marshal("json"), html, indent, depth)
    if isinstance(value, list | tuple):
        items = [marshal(v, html, indent, depth + 1) for v in value]
        return _join("[", items, "]", indent, depth)
    if isinstance(value, dict):
        items = [
            _string(str(k), html) + (": " if indent is not None else ":")
            + marshal(value[k], html, indent, depth + 1)
            for k in sort_keys(value)
        ]  # fmt: skip
        return _join("{", items, "}", indent, depth)
    raise FuncError(f"json: unsupported type: {type(value).__name__}")


def _join(open_: str, items: list[str], close: str, indent: str | None, depth: int) -> str:
    if indent is None or not items:
        return open_ + ",".join(items) + close
    inner = "\n" + indent * (depth + 1)
    return open_ + inner + ("," + inner).join(items) + "\n" + indent * depth + close


def unmarshal(text: str) -> Any:
    """``json.Unmarshal`` into ``interface {}``: every number is a float64 (nil when out of
    float64's range, as Go's encoding/json v1 leaves it)."""
    try:
        return json.loads(text, parse_int=_number, parse_float=_number,
                          parse_constant=_no_constant)  # fmt: skip
    except (ValueError, RecursionError) as err:
        raise FuncError(str(err)) from None


def _number(text: str) -> float | None:
    f = float(text)
    return f if math.isfinite(f) else None


def _no_constant(name: str) -> Any:
    raise ValueError(f"invalid character {name[0]!r} looking for beginning of value")


# --- encoding/json's scanner (scanner.go), for Unmarshal's syntax errors ---

_DIGITS = frozenset(b"0123456789")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_LITERALS = {ord("t"): b"rue", ord("f"): b"alse", ord("n"): b"ull"}
_LITERAL_NAMES = {ord("t"): "true", ord("f"): "false", ord("n"): "null"}


def _quote_char(c: int) -> str:
    if c == ord("'"):
        return "'\\''"
    if c == ord('"'):
        return "'\"'"
    return "'" + go_quote(chr(c))[1:-1] + "'"


class _SyntaxError(Exception):
    pass


class _Scanner:
    """Go's JSON ``scanner``: ``step`` is the state, a method taking the next byte."""

    def __init__(self) -> None:
        self.step = self.begin_value
        self.stack: list[str] = []  # "key" / "value" (in an object), "array"
        self.end_top = False

    def error(self, c: int, context: str) -> None:
        raise _SyntaxError(f"invalid character {_quote_char(c)} {context}")

    def begin_value_or_empty(self, c: int) -> None:
        if c in b" \t\r\n":
            return
        if c == ord("]"):
            self.end_value(c)
        else:
            self.begin_value(c)

    def begin_value(self, c: int) -> None:
        if c in b" \t\r\n":
            return
        if c in b"{[":
            self.stack.append("key" if c == ord("{") else "array")
            if len(self.stack) > 10000:
                self.error(c, "exceeded max depth")
            self.step = self.begin_string_or_empty if c == ord("{") else self.begin_value_or_empty
        elif c == ord('"'):
            self.step = self.in_string
        elif c == ord("-"):
            self.step = self.neg
        elif c == ord("0"):
            self.step = self.zero
        elif c in _LITERALS:
            self.literal, self.name, self.step = _LITERALS[c], _LITERAL_NAMES[c], self.in_literal
        elif c in _DIGITS:
            self.step = self.one
        else:
            self.error(c, "looking for beginning of value")

    def begin_string_or_empty(self, c: int) -> None:
        if c in b" \t\r\n":
            return
        if c == ord("}"):
            self.stack[-1] = "value"
            self.end_value(c)
        else:
            self.begin_string(c)

    def begin_string(self, c: int) -> None:
        if c in b" \t\r\n":
            return
        if c != ord('"'):
            self.error(c, "looking for beginning of object key string")
        self.step = self.in_string

    def end_value(self, c: int) -> None:
        if not self.stack:
            self.step, self.end_top = self.end_top_value, True
            self.end_top_value(c)
            return
        if c in b" \t\r\n":
            self.step = self.end_value
            return
        state = self.stack[-1]
        if state == "key":
            if c != ord(":"):
                self.error(c, "after object key")
            self.stack[-1], self.step = "value", self.begin_value
        elif state == "value":
            if c == ord(","):
                self.stack[-1], self.step = "key", self.begin_string
            elif c == ord("}"):
                self.pop()
            else:
                self.error(c, "after object key:value pair")
        elif c == ord(","):
            self.step = self.begin_value
        elif c == ord("]"):
            self.pop()
        else:
            self.error(c, "after array element")

    def pop(self) -> None:
        self.stack.pop()
        self.step = self.end_value
        if not self.stack:
            self.step, self.end_top = self.end_top_value, True

    def end_top_value(self, c: int) -> None:
        if c not in b" \t\r\n":
            self.error(c, "after top-level value")

    def in_string(self, c: int) -> None:
        if c == ord('"'):
            self.step = self.end_value
        elif c == ord("\\"):
            self.step = self.in_string_escape
        elif c < 0x20:
            self.error(c, "in string literal")

    def in_string_escape(self, c: int) -> None:
        if c in b'bfnrt\\/"':
            self.step = self.in_string
        elif c == ord("u"):
            self.hex_left, self.step = 4, self.in_string_hex
        else:
            self.error(c, "in string escape code")

    def in_string_hex(self, c: int) -> None:
        if c not in _HEX:
            self.error(c, "in \\u hexadecimal character escape")
        self.hex_left -= 1
        if self.hex_left == 0:
            self.step = self.in_string

    def in_literal(self, c: int) -> None:
        want = self.literal[0]
        if c != want:
            self.error(c, f"in literal {self.name} (expecting {_quote_char(want)})")
        self.literal = self.literal[1:]
        if not self.literal:
            self.step = self.end_value

    def neg(self, c: int) -> None:
        if c == ord("0"):
            self.step = self.zero
        elif c in _DIGITS:
            self.step = self.one
        else:
            self.error(c, "in numeric literal")

    def one(self, c: int) -> None:
        if c not in _DIGITS:
            self.zero(c)

    def zero(self, c: int) -> None:
        if c == ord("."):
            self.step = self.dot
        elif c in b"eE":
            self.step = self.exponent
        else:
            self.end_value(c)

    def dot(self, c: int) -> None:
        if c not in _DIGITS:
            self.error(c, "after decimal point in numeric literal")
        self.step = self.dot_digits

    def dot_digits(self, c: int) -> None:
        if c in b"eE":
            self.step = self.exponent
        elif c not in _DIGITS:
            self.end_value(c)

    def exponent(self, c: int) -> None:
        if c in b"+-":
            self.step = self.exponent_sign
        else:
            self.exponent_sign(c)

    def exponent_sign(self, c: int) -> None:
        if c not in _DIGITS:
            self.error(c, "in exponent of numeric literal")
        self.step = self.exponent_digits

    def exponent_digits(self, c: int) -> None:
        if c not in _DIGITS:
            self.end_value(c)


def check_valid(data: bytes) -> str | None:
    """Go's ``checkValid``: the ``SyntaxError`` message for data that is not JSON, else None."""
    scanner = _Scanner()
    try:
        for c in data:
            scanner.step(c)
        if not scanner.end_top:
            scanner.step(ord(" "))
    except _SyntaxError as err:
        return str(err)
    return None if scanner.end_top else "unexpected end of JSON input"


def must_unmarshal(text: str) -> Any:
    """``json.Unmarshal`` into ``interface {}`` with Go's errors: a syntax error, or a number
    out of float64's range."""
    data = text.encode("utf-8", "surrogateescape")
    message = check_valid(data)
    if message is not None:
        raise FuncError(message)
    too_big: list[str] = []

    def number(literal: str) -> float:
        f = float(literal)
        if not math.isfinite(f):
            too_big.append(literal)
        return f

    value = json.loads(data.decode("utf-8", "replace"), parse_int=number, parse_float=number)
    if too_big:
        raise FuncError(f"json: cannot unmarshal number {too_big[0]} into Go value of type float64")
    return value
