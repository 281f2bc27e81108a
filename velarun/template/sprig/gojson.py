"""Go's ``encoding/json`` for the values templates hold: ``Marshal`` (sorted map keys, HTML
escaping, Go's float format), ``MarshalIndent`` and ``Unmarshal`` into ``interface {}``."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from velarun.template.gotemplate.funcs import FuncError
from velarun.template.gotemplate.gofmt import shortest_float
from velarun.template.gotemplate.values import sort_keys

_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
          "\f": "\\f"}  # fmt: skip


def _string(s: str, html: bool) -> str:
    out = ['"']
    for c in s.encode("utf-8", "surrogateescape").decode("utf-8", "replace"):
        if c in _SHORT:
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
    """``json.Unmarshal`` into ``interface {}``: every number is a float64 (0 when out of
    float64's range, as Go leaves it)."""
    try:
        return json.loads(text, parse_int=_number, parse_float=_number,
                          parse_constant=_no_constant)  # fmt: skip
    except (ValueError, RecursionError) as err:
        raise FuncError(str(err)) from None


def _number(text: str) -> float:
    f = float(text)
    return f if math.isfinite(f) else 0.0


def _no_constant(name: str) -> Any:
    raise ValueError(f"invalid character {name[0]!r} looking for beginning of value")
