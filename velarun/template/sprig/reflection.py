"""sprig's reflect.go: ``typeOf``, ``typeIs``, ``typeIsLike``, ``kindOf``, ``kindIs`` and
``deepEqual``, with Go's names for the types the engine's values stand for."""

from __future__ import annotations

from typing import Any

from velarun.template.gotemplate.funcs import GoFunc
from velarun.template.gotemplate.values import type_name
from velarun.template.sprig._go import deep_equal, kind


def type_of(value: Any) -> str:
    return type_name(value)


def type_is(target: str, value: Any) -> bool:
    return target == type_of(value)


def type_is_like(target: str, value: Any) -> bool:
    t = type_of(value)
    return target in (t, "*" + t) or "*" + target == t


def kind_is(target: str, value: Any) -> bool:
    return target == kind(value)


FUNCS: dict[str, GoFunc] = {
    "typeOf": GoFunc(type_of, ("any",), None),
    "typeIs": GoFunc(type_is, ("string", "any"), None),
    "typeIsLike": GoFunc(type_is_like, ("string", "any"), None),
    "kindOf": GoFunc(kind, ("any",), None),
    "kindIs": GoFunc(kind_is, ("string", "any"), None),
    "deepEqual": GoFunc(deep_equal, ("any", "any"), None),
}
