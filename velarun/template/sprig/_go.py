"""What sprig's functions share: Go's view of a value (kind, emptiness, ``strval``), and
``spf13/cast``'s conversions to ``int64`` and ``float64`` that sprig's arithmetic uses."""

from __future__ import annotations

from typing import Any

from velarun.template.gotemplate.funcs import FuncError
from velarun.template.gotemplate.gofmt import Spec, fmt_value
from velarun.template.gotemplate.numbers import parse_go_float, parse_go_int
from velarun.template.gotemplate.values import GoStruct, Int64, type_name

GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)
NIL_KIND = "runtime error: invalid memory address or nil pointer dereference"


_SCALAR_KINDS = frozenset({"bool", "uint8", "uint64", "int64", "int", "float64", "string"})


def kind(value: Any) -> str:
    """Go's ``reflect.Kind`` name of the value (``invalid`` for nil), from its type."""
    name = type_name(value)
    if name == "<nil>":
        return "invalid"
    if name.startswith("[]"):
        return "slice"
    if name.startswith("map["):
        return "map"
    if isinstance(value, GoStruct):
        return "ptr" if value.go_type.startswith("*") else "struct"
    return name if name in _SCALAR_KINDS else "func"


def list_kind(value: Any, what: str) -> list[Any]:
    """The elements of a slice; sprig's ``Cannot WHAT on type KIND`` error otherwise."""
    if value is None:
        raise FuncError(NIL_KIND)
    if isinstance(value, list | tuple):
        return list(value)
    raise FuncError(f"Cannot {what} on type {kind(value)}")


def empty(value: Any) -> bool:
    """sprig's ``empty``: nil, false, zero, or an empty string, slice or map."""
    if value is None:
        return True
    if isinstance(value, bool | int | float | str | list | tuple | dict):
        return not value
    return False


def strval(value: Any) -> str:
    """sprig's ``strval``: a string as is, anything else as ``%v`` prints it."""
    return value if isinstance(value, str) else fmt_value(value, Spec("v"))


def go_repr(value: Any) -> str:
    """Go's ``%#v`` for cast's error messages."""
    return fmt_value(value, Spec("v", sharp=True))


def _trim_zero_decimal(s: str) -> str:
    found_zero = False
    for i in range(len(s), 0, -1):
        c = s[i - 1]
        if c == ".":
            if found_zero:
                return s[: i - 1]
        elif c == "0":
            found_zero = True
        else:
            return s
    return s


def wrap64(value: int) -> int:
    """Go's int64 overflow: wrap around."""
    return (value + 2**63) % 2**64 - 2**63


def _float_to_int(f: float) -> int:
    if f != f or f in (float("inf"), float("-inf")) or not -(2**63) <= f < 2**63:
        return -(2**63)  # Go's conversion of an out-of-range float on amd64
    return int(f)


def to_int64(value: Any) -> Int64:
    """``cast.ToInt64`` without its error: what cannot be converted is 0."""
    if value is None or isinstance(value, list | tuple | dict):
        return Int64(0)
    if isinstance(value, bool):
        return Int64(1 if value else 0)
    if isinstance(value, int):
        return Int64(value)
    if isinstance(value, float):
        return Int64(_float_to_int(value))
    if isinstance(value, str):
        parsed = parse_go_int(_trim_zero_decimal(value))
        if parsed is None or not -(2**63) <= parsed < 2**63:
            return Int64(0)
        return Int64(parsed)
    return Int64(0)


def to_float64(value: Any) -> float:
    """``cast.ToFloat64`` without its error: what cannot be converted is 0."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        parsed = parse_go_float(value)
        if parsed is None:
            parsed = _parse_special_float(value)
        return 0.0 if parsed is None else parsed
    return 0.0


def _parse_special_float(s: str) -> float | None:
    low = s.lower()
    if low in ("inf", "+inf", "infinity", "+infinity"):
        return float("inf")
    if low in ("-inf", "-infinity"):
        return float("-inf")
    if low == "nan":
        return float("nan")
    return None


def deep_equal(a: Any, b: Any) -> bool:
    """Go's ``reflect.DeepEqual``: same types and equal contents (``1`` is not ``1.0``)."""
    if type_name(a) != type_name(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(deep_equal(a[k], b[k]) for k in a)
    return bool(a == b) or (a is None and b is None)


def to_lower(c: str) -> str:
    """Go's ``unicode.ToLower`` of one rune (the simple mapping: ``İ`` gives ``i``)."""
    low = c.lower()
    if len(low) == 1:
        return low
    return "i" if c == "\u0130" else c


def to_upper(c: str) -> str:
    """Go's ``unicode.ToUpper`` of one rune (a rune whose upper case is longer is kept)."""
    up = c.upper()
    return up if len(up) == 1 else c


def parse_int10(s: str) -> int:
    """The value Go's ``strconv.ParseInt(s, 10, 64)`` returns, its error ignored: 0 for bad
    syntax, the int64 bound once the digits read so far overflow (what follows is not read)."""
    neg = s[:1] == "-"
    body = s[1:] if s[:1] in ("+", "-") else s
    if not body:
        return 0
    n = 0
    for c in body:
        if not "0" <= c <= "9":
            return 0
        n = n * 10 + ord(c) - 48
        if n > 2**64 - 1:
            break
    if not neg:
        return min(n, 2**63 - 1)
    return max(-n, -(2**63))
