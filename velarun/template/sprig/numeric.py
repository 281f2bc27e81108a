"""sprig's numeric.go and the arithmetic of functions.go: integer arithmetic in Go's
``int64`` (what ``add`` returns), ``max``/``min``, ``floor``/``ceil``/``round``, and the
conversions ``int``, ``int64``, ``float64``, ``atoi``, ``toDecimal`` (spf13/cast's rules)."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from velarun.template.gotemplate.funcs import FuncError, GoFunc
from velarun.template.gotemplate.gofmt import shortest_float, sprint
from velarun.template.gotemplate.values import Int64
from velarun.template.sprig._go import parse_int10, to_float64, to_int64, wrap64


def _i64(value: int) -> Int64:
    return Int64(wrap64(value))


def add(*values: Any) -> Int64:
    return _i64(sum(to_int64(v) for v in values))


def add1(value: Any) -> Int64:
    return _i64(to_int64(value) + 1)


def sub(a: Any, b: Any) -> Int64:
    return _i64(to_int64(a) - to_int64(b))


def _divisor(b: Any) -> int:
    d = int(to_int64(b))
    if d == 0:
        raise FuncError("runtime error: integer divide by zero")
    return d


def div(a: Any, b: Any) -> Int64:
    n, d = int(to_int64(a)), _divisor(b)
    q = abs(n) // abs(d)
    return _i64(q if (n < 0) == (d < 0) else -q)  # Go truncates toward zero


def mod(a: Any, b: Any) -> Int64:
    n, d = int(to_int64(a)), _divisor(b)
    return _i64(int(math.copysign(abs(n) % abs(d), n)) if n else 0)


def mul(a: Any, *values: Any) -> Int64:
    out = int(to_int64(a))
    for v in values:
        out = wrap64(out * to_int64(v))
    return Int64(out)


def max_(a: Any, *values: Any) -> Int64:
    return Int64(max([to_int64(a), *(to_int64(v) for v in values)]))


def min_(a: Any, *values: Any) -> Int64:
    return Int64(min([to_int64(a), *(to_int64(v) for v in values)]))


def maxf(a: Any, *values: Any) -> float:
    out = to_float64(a)
    for v in values:
        out = _go_max(out, to_float64(v))
    return out


def minf(a: Any, *values: Any) -> float:
    out = to_float64(a)
    for v in values:
        out = _go_min(out, to_float64(v))
    return out


def _go_max(x: float, y: float) -> float:
    """Go's ``math.Max``: NaN wins, and +0 is above -0."""
    if math.inf in (x, y):
        return math.inf
    if math.isnan(x) or math.isnan(y):
        return math.nan
    if x == 0 and y == 0:
        return x if math.copysign(1, x) > 0 else y
    return max(x, y)


def _go_min(x: float, y: float) -> float:
    """Go's ``math.Min``: NaN wins, and -0 is below +0."""
    if -math.inf in (x, y):
        return -math.inf
    if math.isnan(x) or math.isnan(y):
        return math.nan
    if x == 0 and y == 0:
        return x if math.copysign(1, x) < 0 else y
    return min(x, y)


def _keep_sign(f: float, rounded: int) -> float:
    """Go's Floor and Ceil keep -0 and give -0 for a negative result that rounds to 0."""
    return math.copysign(0.0, f) if rounded == 0 else float(rounded)


def floor(a: Any) -> float:
    f = to_float64(a)
    return _keep_sign(f, math.floor(f)) if math.isfinite(f) else f


def ceil(a: Any) -> float:
    f = to_float64(a)
    return _keep_sign(f, math.ceil(f)) if math.isfinite(f) else f


def round_(a: Any, places: int, *round_on: float) -> float:
    on = round_on[0] if round_on else 0.5
    try:
        pow_ = math.pow(10, float(places))
    except OverflowError:  # Go's math.Pow gives +Inf
        pow_ = math.inf
    digit = pow_ * to_float64(a)
    if not math.isfinite(digit):  # Go's Floor and Ceil keep NaN and infinities
        return digit / pow_
    rounded = _keep_sign(
        digit, math.ceil(digit) if math.modf(digit)[0] >= on else math.floor(digit)
    )
    if pow_ == 0:  # Go's float division by zero
        return math.nan if rounded == 0 else math.copysign(math.inf, rounded)
    return rounded / pow_


def to_int(value: Any) -> int:
    return int(to_int64(value))


def atoi(s: str) -> int:
    return parse_int10(s)  # sprig ignores Atoi's error, keeping the value it gives


def to_decimal(value: Any) -> Int64:
    text = sprint(value)
    body = text[1:] if text[:1] in "+-" else text
    if not body or not all(c in "01234567" for c in body):
        return Int64(0)
    n = int(text, 8)
    return Int64(n) if -(2**63) <= n < 2**63 else Int64(0)


FUNCS: dict[str, GoFunc] = {
    "add": GoFunc(add),
    "add1": GoFunc(add1, ("any",), None),
    "sub": GoFunc(sub, ("any", "any"), None),
    "div": GoFunc(div, ("any", "any"), None),
    "mod": GoFunc(mod, ("any", "any"), None),
    "mul": GoFunc(mul, ("any",), "any"),
    "max": GoFunc(max_, ("any",), "any"),
    "biggest": GoFunc(max_, ("any",), "any"),
    "min": GoFunc(min_, ("any",), "any"),
    "maxf": GoFunc(maxf, ("any",), "any"),
    "minf": GoFunc(minf, ("any",), "any"),
    "floor": GoFunc(floor, ("any",), None),
    "ceil": GoFunc(ceil, ("any",), None),
    "round": GoFunc(round_, ("any", "int"), "float64"),
    "int": GoFunc(to_int, ("any",), None),
    "int64": GoFunc(to_int64, ("any",), None),
    "float64": GoFunc(to_float64, ("any",), None),
    "atoi": GoFunc(atoi, ("string",), None),
    "toDecimal": GoFunc(to_decimal, ("any",), None),
}


def _decimal(value: Any) -> Decimal:
    f = to_float64(value)
    if not math.isfinite(f):
        raise FuncError(f"Cannot create a Decimal from {shortest_float(f)}")
    return Decimal(repr(f))


def _div(a: Decimal, b: Decimal) -> Decimal:
    if b == 0:
        raise FuncError("decimal division by 0")
    return (a / b).quantize(Decimal("1e-16"), rounding=ROUND_HALF_UP)


def _decimal_op(op: Callable[[Decimal, Decimal], Decimal]) -> Callable[..., float]:
    """sprig's ``execDecimalOp``: shopspring/decimal arithmetic over the float arguments."""

    def run(a: Any, *values: Any) -> float:
        with localcontext() as ctx:
            ctx.prec = 1000
            out = _decimal(a)
            for v in values:
                out = op(out, _decimal(v))
            return float(out) + 0.0  # a decimal has no negative zero

    return run


_addf = _decimal_op(lambda x, y: x + y)

FUNCS.update({
    "add1f": GoFunc(lambda a: _addf(a, 1), ("any",), None),
    "addf": GoFunc(lambda *v: _addf(0.0, *v)),
    "subf": GoFunc(_decimal_op(lambda x, y: x - y), ("any",), "any"),
    "mulf": GoFunc(_decimal_op(lambda x, y: x * y), ("any",), "any"),
    "divf": GoFunc(_decimal_op(_div), ("any",), "any"),
})  # fmt: skip
