"""Values as expr-lang/expr's VM holds them, shown the way Go prints them, and its run-time
failures (Go panics, which expr turns into positioned errors)."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any


class Panic(Exception):
    """A run-time failure; the evaluator positions it at the node being run."""


def go_type(value: object) -> str:
    """Go's ``%T`` of a value as expr holds it."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "[]interface {}"
    return "map[string]interface {}"


def assert_type(value: object, want: str) -> None:
    """Go's type assertion ``value.(want)``, with its panic message."""
    have = {bool: "bool", str: "string"}.get(type(value))
    if have != want:
        shown = "nil" if value is None else go_type(value)
        raise Panic(f"interface conversion: interface {{}} is {shown}, not {want}")


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def go_float(value: float) -> str:
    """Go's ``%v`` of a float64."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    text = repr(value)
    if text.endswith(".0"):
        text = text[:-2]
    return text


def go_string(value: object) -> str:
    """Go's ``%v``."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, list):
        return "[" + " ".join(go_string(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = " ".join(f"{k}:{go_string(v)}" for k, v in sorted(value.items()))
        return f"map[{inner}]"
    return str(value)


@lru_cache(maxsize=256)
def regexp_or_error(pattern: str) -> Any:
    """The compiled RE2 regexp (Go's regexp syntax), or RE2's complaint; RE2's own logging is
    kept off the user's terminal."""
    import re2  # only `matches` in an `eval` rule needs it

    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else "invalid"
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        return str(detail)
