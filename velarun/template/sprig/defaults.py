"""sprig's defaults.go: ``default``, ``empty``, ``coalesce``, ``all``, ``any``, the JSON
functions, ``ternary``, ``deepCopy``, and flow control's ``fail``."""

from __future__ import annotations

import copy
from typing import Any

from velarun.template.gotemplate.funcs import FuncError, GoFunc
from velarun.template.sprig._go import empty
from velarun.template.sprig.gojson import marshal, must_unmarshal, unmarshal


def default(d: Any, *given: Any) -> Any:
    if not given or empty(given[0]):
        return d
    return given[0]


def coalesce(*values: Any) -> Any:
    return next((v for v in values if not empty(v)), None)


def all_(*values: Any) -> bool:
    return all(not empty(v) for v in values)


def any_(*values: Any) -> bool:
    return any(not empty(v) for v in values)


def from_json(text: str) -> Any:
    try:
        return unmarshal(text)
    except FuncError:
        return None


def _swallow(fn: Any) -> Any:
    def swallowed(value: Any) -> str:
        try:
            return str(fn(value))
        except FuncError:
            return ""

    return swallowed


def to_json(value: Any) -> str:
    return marshal(value)


def to_pretty_json(value: Any) -> str:
    return marshal(value, indent="  ")


def to_raw_json(value: Any) -> str:
    return marshal(value, html=False)


def ternary(vt: Any, vf: Any, cond: bool) -> Any:
    return vt if cond else vf


def deep_copy(value: Any) -> Any:
    if value is None:
        raise FuncError("reflect: call of reflect.Value.Type on zero Value")
    return copy.deepcopy(value)


def fail(msg: str) -> str:
    raise FuncError(msg)


FUNCS: dict[str, GoFunc] = {
    "default": GoFunc(default, ("any",), "any"),
    "empty": GoFunc(empty, ("any",), None),
    "coalesce": GoFunc(coalesce),
    "all": GoFunc(all_),
    "any": GoFunc(any_),
    "fromJson": GoFunc(from_json, ("string",), None),
    "mustFromJson": GoFunc(must_unmarshal, ("string",), None),
    "toJson": GoFunc(_swallow(to_json), ("any",), None),
    "mustToJson": GoFunc(to_json, ("any",), None),
    "toPrettyJson": GoFunc(_swallow(to_pretty_json), ("any",), None),
    "mustToPrettyJson": GoFunc(to_pretty_json, ("any",), None),
    "toRawJson": GoFunc(to_raw_json, ("any",), None),
    "mustToRawJson": GoFunc(to_raw_json, ("any",), None),
    "ternary": GoFunc(ternary, ("any", "any", "bool"), None),
    "deepCopy": GoFunc(deep_copy, ("any",), None),
    "mustDeepCopy": GoFunc(deep_copy, ("any",), None),
    "fail": GoFunc(fail, ("string",), None),
}
