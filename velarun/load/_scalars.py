"""Scalars: what a plain one means (yaml.v3's YAML 1.2 core schema) and where substitution
will read them."""

from __future__ import annotations

import re
from typing import Any

from velarun.diagnostics import Pos
from velarun.load._yaml import YNode, YScalar, YSeq

TRUE_WORDS = frozenset({"true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON"})
FALSE_WORDS = frozenset(
    {"false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF"}
)
NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
INT_RE = re.compile(r"[-+]?(0|[1-9][0-9_]*)")
PREFIXED_INT_RE = re.compile(r"[-+]?0([xX][0-9a-fA-F_]+|[oO][0-7_]+|[bB][01_]+|[0-7_]+)")
FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?")
SPECIAL_FLOATS = {
    ".inf": float("inf"),
    ".Inf": float("inf"),
    ".INF": float("inf"),
    "+.inf": float("inf"),
    "+.Inf": float("inf"),
    "+.INF": float("inf"),
    "-.inf": float("-inf"),
    "-.Inf": float("-inf"),
    "-.INF": float("-inf"),
    ".nan": float("nan"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
}


def resolve_scalar(node: YScalar) -> Any:
    """A scalar's value as yaml.v3 decodes it into ``any`` (YAML 1.2 core schema)."""
    if not node.plain:
        return node.value
    text = node.value
    if text in NULL_WORDS:
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if INT_RE.fullmatch(text):
        return int(text.replace("_", ""))
    if PREFIXED_INT_RE.fullmatch(text):
        digits = text.replace("_", "")
        sign = -1 if digits.startswith("-") else 1
        digits = digits.lstrip("+-")
        body = digits[1:]
        base = {"x": 16, "X": 16, "o": 8, "O": 8, "b": 2, "B": 2}.get(body[:1], 8)
        if base != 8 or body[:1] in ("o", "O"):
            body = body[1:]
        return sign * int(body or "0", base)
    if FLOAT_RE.fullmatch(text):
        return float(text.replace("_", ""))
    if text in SPECIAL_FLOATS:
        return SPECIAL_FLOATS[text]
    return text


def texts_at(node: YNode | None) -> dict[str, Pos]:
    """Where each scalar under ``node`` that substitution may change (it has a `$` or a
    backslash) is first written; a `KEY=VALUE` item also gives its value's position."""
    out: dict[str, Pos] = {}
    stack: list[YNode] = [] if node is None else [node]
    pop, push = stack.pop, stack.extend
    while stack:
        n = pop()
        if isinstance(n, YScalar):
            value = n.value
            if "$" in value or "\\" in value:
                out.setdefault(value, n.pos)
                if "=" in value:
                    out.setdefault(value.partition("=")[2], n.pos)
        elif isinstance(n, YSeq):
            push(n.items[::-1])
        else:  # a mapping: its values (keys are never substituted)
            push([value for _, value in n.items[::-1]])
    return out
