"""sprig's dict.go: ``dict``, ``get``, ``set``, ``unset``, ``hasKey``, ``pluck``, ``keys``,
``pick``, ``omit``, ``values``, ``merge``/``mergeOverwrite`` (mergo's rules) and ``dig``."""

from __future__ import annotations

from typing import Any

from velarun.template.gotemplate.funcs import MAP, FuncError, GoFunc
from velarun.template.gotemplate.values import StringSlice, type_name
from velarun.template.sprig._go import empty, strval


def dict_(*values: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(0, len(values), 2):
        out[strval(values[i])] = values[i + 1] if i + 1 < len(values) else ""
    return out


def get(d: dict[str, Any] | None, key: str) -> Any:
    return d[key] if d is not None and key in d else ""


def _nil_map(d: dict[str, Any] | None) -> dict[str, Any]:
    if d is None:
        raise FuncError("assignment to entry in nil map")
    return d


def set_(d: dict[str, Any] | None, key: str, value: Any) -> dict[str, Any]:
    _nil_map(d)[key] = value
    assert d is not None
    return d


def unset(d: dict[str, Any] | None, key: str) -> dict[str, Any]:
    if d is None:
        return {}  # Go's nil map, which prints as map[]
    d.pop(key, None)
    return d


def has_key(d: dict[str, Any] | None, key: str) -> bool:
    return d is not None and key in d


def pluck(key: str, *dicts: dict[str, Any] | None) -> list[Any]:
    return [d[key] for d in dicts if d is not None and key in d]


def keys(*dicts: dict[str, Any] | None) -> list[str]:
    return StringSlice(k for d in dicts if d is not None for k in d)


def pick(d: dict[str, Any] | None, *names: str) -> dict[str, Any]:
    return {k: d[k] for k in names if d is not None and k in d}


def omit(d: dict[str, Any] | None, *names: str) -> dict[str, Any]:
    return {k: v for k, v in (d or {}).items() if k not in names}


def values(d: dict[str, Any] | None) -> list[Any]:
    return list((d or {}).values())


def _merge(dst: dict[str, Any], src: dict[str, Any], overwrite: bool) -> None:
    """mergo's ``deepMerge`` of two ``map[string]interface {}`` (v0.3's rules: a map or a list
    never replaces a value that is not empty, even when overwriting)."""
    for k, v in src.items():
        cur = dst.get(k)
        if v is None:
            if overwrite:
                dst[k] = None
            continue
        if isinstance(v, dict) and isinstance(cur, dict):
            _merge(cur, v, overwrite)
        if isinstance(v, dict | list | tuple) and k in dst and not empty(cur):
            if overwrite and isinstance(v, list | tuple):
                dst[k] = v
            continue
        if overwrite or k not in dst or empty(cur):
            dst[k] = v


def merge(dst: dict[str, Any] | None, *srcs: dict[str, Any] | None) -> Any:
    return _merge_all(dst, srcs, overwrite=False)


def merge_overwrite(dst: dict[str, Any] | None, *srcs: dict[str, Any] | None) -> Any:
    return _merge_all(dst, srcs, overwrite=True)


def _merge_all(dst: dict[str, Any] | None, srcs: Any, overwrite: bool) -> Any:
    if dst is None:  # a literal nil: mergo makes the map
        dst = {}
    for src in srcs:
        _merge(dst, src or {}, overwrite)
    return dst


def dig(*ps: Any) -> Any:
    if len(ps) < 3:
        raise FuncError("dig needs at least three arguments")
    d, default = ps[-1], ps[-2]
    names = ps[:-2]
    if not isinstance(d, dict):
        raise FuncError(_conversion(d, MAP))
    for name in names:
        if not isinstance(name, str):
            raise FuncError(_conversion(name, "string"))
    for i, name in enumerate(names):
        if name not in d:
            return default
        if i == len(names) - 1:
            return d[name]
        if not isinstance(d[name], dict):
            raise FuncError(_conversion(d[name], MAP))
        d = d[name]
    return default


def _conversion(value: Any, want: str) -> str:
    if value is None:
        return f"interface conversion: interface {{}} is nil, not {want}"
    return f"interface conversion: interface {{}} is {type_name(value)}, not {want}"


FUNCS: dict[str, GoFunc] = {
    "dict": GoFunc(dict_),
    "get": GoFunc(get, (MAP, "string"), None),
    "set": GoFunc(set_, (MAP, "string", "any"), None),
    "unset": GoFunc(unset, (MAP, "string"), None),
    "hasKey": GoFunc(has_key, (MAP, "string"), None),
    "pluck": GoFunc(pluck, ("string",), MAP),
    "keys": GoFunc(keys, (), MAP),
    "pick": GoFunc(pick, (MAP,), "string"),
    "omit": GoFunc(omit, (MAP,), "string"),
    "values": GoFunc(values, (MAP,), None),
    "merge": GoFunc(merge, (MAP,), MAP),
    "mustMerge": GoFunc(merge, (MAP,), MAP),
    "mergeOverwrite": GoFunc(merge_overwrite, (MAP,), MAP),
    "mustMergeOverwrite": GoFunc(merge_overwrite, (MAP,), MAP),
    "dig": GoFunc(dig),
}
