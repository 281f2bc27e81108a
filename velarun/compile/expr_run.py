"""Running a checked ``eval`` tree with the run-time semantics of expr-lang/expr v1.17.8's VM.

Values are ``None`` (Go ``nil``), ``bool``, ``int`` (Go's 64-bit int, wrapping), ``float``
(float64), ``str``, ``list`` and ``dict``. A name that is not in the environment reads as
``""``, the zero value of the server's ``map[string]string``. Operators follow expr's
``vm/runtime``: ``==`` compares numbers across int and float and is false across other types;
``<``, ``+``, ``-``... fail with ``invalid operation: string - string`` on types they do not
take; ``/`` and ``**`` give floats; ``contains``, ``startsWith``, ``endsWith`` and
``matches`` are false when a side is nil; strings are indexed, sliced and measured in bytes,
as in Go.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from velarun.compile.expr import ExprError, Node
from velarun.compile.expr_builtins import BUILTINS
from velarun.compile.expr_values import (
    Panic,
    assert_type,
    go_float,
    go_string,
    go_type,
    is_number,
    regexp_or_error,
)

_INT_MIN = -(2**63)


def _wrap(value: int) -> int:
    """Go's int64 overflow."""
    return ((value - _INT_MIN) % 2**64) + _INT_MIN


def equal(a: object, b: object) -> bool:
    """expr's ``runtime.Equal``."""
    if is_number(a) and is_number(b):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(
            type(x) is type(y) and equal(x, y) for x, y in zip(a, b, strict=True)
        )
    return a == b


def _less(op: str, a: object, b: object) -> bool:
    if (is_number(a) and is_number(b)) or (isinstance(a, str) and isinstance(b, str)):
        x: Any = a
        y: Any = b
        result: bool = {"<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]
        return result
    raise Panic(f"invalid operation: {go_type(a)} {op} {go_type(b)}")


def _divide(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1, b)
    return a / b


def _power(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except OverflowError:
        return math.inf
    except ValueError:
        return math.nan


def _int_mod(a: int, b: int) -> int:
    if b == 0:
        raise Panic("runtime error: integer divide by zero")
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def _arith(op: str, a: object, b: object) -> object:
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return a + b
    if not (is_number(a) and is_number(b)):
        raise Panic(f"invalid operation: {go_type(a)} {op} {go_type(b)}")
    x: Any = a
    y: Any = b
    if op == "/":
        return _divide(float(x), float(y))
    if op in ("**", "^"):
        return _power(float(x), float(y))
    if op == "%":
        if isinstance(x, float) or isinstance(y, float):
            raise Panic(f"invalid operation: {go_type(a)} % {go_type(b)}")
        return _int_mod(x, y)
    result = {"+": x + y, "-": x - y, "*": x * y}[op]
    return _wrap(result) if isinstance(result, int) else float(result)


def _in(needle: object, haystack: object) -> bool:
    if haystack is None:
        return False
    if isinstance(haystack, list):
        return any(equal(item, needle) for item in haystack)
    if isinstance(haystack, dict):
        return needle in haystack
    raise Panic(f'operator "in" not defined on {go_type(haystack)}')


def _string_op(op: str, a: object, b: object) -> bool:
    if a is None or b is None:
        return False
    assert_type(a, "string")
    assert_type(b, "string")
    assert isinstance(a, str) and isinstance(b, str)
    if op == "contains":
        return b in a
    if op == "startsWith":
        return a.startswith(b)
    if op == "endsWith":
        return a.endswith(b)
    compiled = regexp_or_error(b)
    if isinstance(compiled, str):
        raise Panic(f"error parsing regexp: {compiled}")
    return compiled.search(a) is not None


def _string_set(node: Node) -> bool:
    """expr's optimizer turns ``x in ["a", "b"]`` (string literals only) into a map lookup."""
    return (
        node.kind == "array"
        and bool(node.children)
        and all(c.kind == "string" for c in node.children)
    )


def _in_string_set(needle: object, items: object) -> bool:
    """``in`` on that map: nil looks up ``""``; a needle that is not a string fails."""
    assert isinstance(items, list)
    if needle is None:
        needle = ""
    if not isinstance(needle, str):
        raise Panic(
            f"reflect.Value.MapIndex: value of type {go_type(needle)} is not assignable to"
            " type string"
        )
    return needle in items


def _fetch(base: object, key: object) -> object:
    """expr's ``runtime.Fetch``."""
    if isinstance(base, dict):
        return base.get(key) if isinstance(key, str) else None
    if isinstance(base, (list, str)):
        items: Any = base.encode() if isinstance(base, str) else base
        if not isinstance(key, int) or isinstance(key, bool):
            raise Panic(f"invalid operation: int({go_type(key)})")
        index = key + len(items) if key < 0 else key
        if not 0 <= index < len(items):
            raise Panic(f"index out of range: {index} (array length is {len(items)})")
        value: object = items[index]
        return value
    shown = go_float(key) if isinstance(key, float) else key
    raise Panic(f"cannot fetch {shown} from {go_type(base)}")


def _slice(base: object, start: object, end: object, given: tuple[bool, bool]) -> object:
    if not isinstance(base, (list, str)):
        raise Panic(f"cannot slice {go_type(base)}")
    items: Any = base.encode() if isinstance(base, str) else base
    length = len(items)
    low = start if given[0] and isinstance(start, int) else 0
    high = end if given[1] and isinstance(end, int) else length
    low = max(0, min(length, low + length if low < 0 else low))
    high = max(0, min(length, high + length if high < 0 else high))
    part = items[low:high] if low <= high else items[0:0]
    return part.decode(errors="replace") if isinstance(base, str) else list(part)


class _Runner:
    def __init__(self, source: str, env: Mapping[str, str]) -> None:
        self.source = source
        self.env = env

    def value(self, node: Node) -> object:
        method: Callable[[Node], object] = getattr(self, "_" + node.kind)
        try:
            return method(node)
        except Panic as exc:
            raise ExprError(str(exc), node.offset, self.source) from None

    def _int(self, node: Node) -> object:
        return node.value

    _float = _string = _bool = _int

    def _nil(self, node: Node) -> object:
        return None

    def _ident(self, node: Node) -> object:
        return self.env.get(str(node.value), "")

    def _array(self, node: Node) -> object:
        return [self.value(c) for c in node.children]

    def _map(self, node: Node) -> object:
        items = node.children
        return {
            go_string(self.value(k)): self.value(v)
            for k, v in zip(items[::2], items[1::2], strict=True)
        }

    def _unary(self, node: Node) -> object:
        operand = self.value(node.children[0])
        if node.value in ("not", "!"):
            assert_type(operand, "bool")
            return not operand
        if node.value == "+":
            return operand  # expr compiles a unary plus to nothing
        if not is_number(operand):
            raise Panic(f"invalid operation: - {go_type(operand)}")
        x: Any = operand
        return _wrap(-x) if isinstance(x, int) else -x

    def _binary(self, node: Node) -> object:
        op = str(node.value)
        left = self.value(node.children[0])
        if op in ("and", "&&", "or", "||"):
            assert_type(left, "bool")
            if left is (op in ("or", "||")):
                return left
            return self.value(node.children[1])
        if op == "??":
            return self.value(node.children[1]) if left is None else left
        right = self.value(node.children[1])
        if op == "in" and _string_set(node.children[1]):
            return _in_string_set(left, right)
        return self._operate(op, left, right)

    def _operate(self, op: str, left: object, right: object) -> object:
        if op in ("==", "!="):
            return equal(left, right) is (op == "==")
        if op in ("<", ">", "<=", ">="):
            return _less(op, left, right)
        if op == "in":
            return _in(left, right)
        if op in ("contains", "startsWith", "endsWith", "matches"):
            return _string_op(op, left, right)
        if op == "..":
            if not (isinstance(left, int) and isinstance(right, int)):
                raise Panic(f"invalid operation: {go_type(left)} .. {go_type(right)}")
            return list(range(left, right + 1))
        return _arith(op, left, right)

    def _member(self, node: Node) -> object:
        base = self.value(node.children[0])
        if base is None and node.optional:
            return None
        return _fetch(base, self.value(node.children[1]))

    def _slice(self, node: Node) -> object:
        base, start, end = (self.value(c) for c in node.children)
        given = node.value
        assert isinstance(given, tuple)
        return _slice(base, start, end, given)

    def _cond(self, node: Node) -> object:
        cond = self.value(node.children[0])
        assert_type(cond, "bool")
        return self.value(node.children[1] if cond else node.children[2])

    def _call(self, node: Node) -> object:
        name = str(node.value)
        func = BUILTINS.get(name)
        args = [self.value(c) for c in node.children]
        if func is None:  # a name of the environment, or unset: a string either way
            raise Panic("invalid operation: cannot call non-function of type string")
        return func(*args)


def execute(tree: Node, source: str, env: Mapping[str, str]) -> bool:
    """Run ``tree`` and convert its value as expr's ``AsBool`` does."""
    value = _Runner(source, env).value(tree)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise ExprError(f"invalid operation: bool({go_type(value)})", 0, source)
