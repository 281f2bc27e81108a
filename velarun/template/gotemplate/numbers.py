"""Numeric constants of the template language (``newNumber`` of node.go) and Go's int bounds.

Complex constants (``1i``, ``1+2i``) are not supported: they are refused with a parse error.
"""

from __future__ import annotations

import math
import re

from velarun.template.gotemplate.nodes import NumberNode
from velarun.template.gotemplate.quote import UnquoteError, go_quote, unquote_char

INT64_MIN, INT64_MAX, UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1
_INT = re.compile(r"[+-]?(0[xX](_?[0-9a-fA-F])+|0[bB](_?[01])+|0[oO]?(_?[0-7])+|[1-9](_?[0-9])*|0)")


def parse_go_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 0, ...)`` without the bit size: the value, or None."""
    if not _INT.fullmatch(text):
        return None
    sign = -1 if text[0] == "-" else 1
    body = text.lstrip("+-").replace("_", "").lower()
    if body.startswith(("0x", "0b", "0o")):
        return sign * int(body[2:], {"x": 16, "b": 2, "o": 8}[body[1]])
    if len(body) > 1 and body[0] == "0":
        return sign * int(body, 8)
    return sign * int(body)


def parse_go_float(text: str) -> float | None:
    """``strconv.ParseFloat(text, 64)`` for decimal and hex floats: the value, or None."""
    if re.search(r"__|_$|^[+-]?_|_\.|\._|_[eEpP]|[eEpP][+-]?_", text):
        return None  # Go allows an underscore only between digits
    body = text.replace("_", "")
    try:
        if re.fullmatch(r"[+-]?0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*[pP][+-]?[0-9]+", body):
            return float.fromhex(body)
        if re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", body):
            value = float(body)
            return value if not math.isinf(value) else None
    except (ValueError, OverflowError):
        return None
    return None


def _char_number(node: NumberNode) -> NumberNode:
    """A character constant (``'a'``) is an int, a uint and a float at once."""
    text = node.text
    try:
        rune, _, end = unquote_char(text[1:], 0, "'")
    except (UnquoteError, IndexError):
        raise ValueError("invalid syntax") from None
    if text[1 + end :] != "'":
        raise ValueError(f"malformed character constant: {text}")
    node.is_int = node.is_uint = node.is_float = True
    node.int64 = node.uint64 = rune
    node.float64 = float(rune)
    return node


def parse_number(pos: int, text: str, is_char: bool) -> NumberNode:
    """A NumberNode with each interpretation of ``text`` that Go allows; ValueError if none."""
    node = NumberNode(pos, text)
    if is_char:
        return _char_number(node)
    if text.endswith("i"):
        raise ValueError(f"complex constants are not supported: {go_quote(text)}")
    value = parse_go_int(text)
    if value is not None:
        node.is_uint = 0 <= value <= UINT64_MAX and not text.startswith("-")
        node.is_int = INT64_MIN <= value <= INT64_MAX
        node.int64 = value if node.is_int else 0
        node.uint64 = value if node.is_uint else 0
        node.is_uint = node.is_uint or (node.is_int and value == 0)
    if node.is_int or node.is_uint:
        node.is_float = True
        node.float64 = float(node.int64 if node.is_int else node.uint64)
        return node
    f = parse_go_float(text)
    if f is not None:
        if not any(c in text for c in ".eEpP"):
            raise ValueError(f"integer overflow: {go_quote(text)}")
        node.is_float = True
        node.float64 = f
        if f.is_integer() and INT64_MIN <= f <= INT64_MAX:
            node.is_int, node.int64 = True, int(f)
        if f.is_integer() and 0 <= f <= UINT64_MAX:
            node.is_uint, node.uint64 = True, int(f)
        return node
    raise ValueError(f"illegal number syntax: {go_quote(text)}")
