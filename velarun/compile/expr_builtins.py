"""The expr-lang/expr v1.17.8 builtins ``eval`` rules can call, with their run-time behaviour:
``len``, ``lower``, ``upper``, ``trim``, ``trimPrefix``, ``trimSuffix``, ``hasPrefix``,
``hasSuffix``, ``indexOf``, ``lastIndexOf``, ``split``, ``replace``, ``join``, ``string``,
``int``, ``float``, ``abs``. Strings are measured and indexed in bytes, as in Go."""

from __future__ import annotations

import re
from collections.abc import Callable

from velarun.compile.expr_values import Panic, assert_type, go_string, go_type, is_number

_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

_DECIMAL = re.compile(r"[+-]?[0-9]+")


def _str(value: object) -> str:
    assert_type(value, "string")
    assert isinstance(value, str)
    return value


def _len(value: object) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, (list, dict)):
        return len(value)
    raise Panic(f"invalid argument for len (type {go_type(value)})")


def _trim(value: object, cutset: object = None) -> str:
    if cutset is None:
        return _str(value).strip(_GO_SPACE)
    return _str(value).strip(_str(cutset))


def _trim_prefix(value: object, prefix: object = " ") -> str:
    return _str(value).removeprefix(_str(prefix))


def _trim_suffix(value: object, suffix: object = " ") -> str:
    return _str(value).removesuffix(_str(suffix))


def _byte_index(value: object, sub: object, last: bool) -> int:
    text, part = _str(value).encode(), _str(sub).encode()
    return text.rfind(part) if last else text.find(part)


def _split(value: object, sep: object, n: object = -1) -> list[object]:
    """Go's ``strings.Split``/``SplitN``: at most ``n`` parts (all when negative, none at 0)."""
    text, separator = _str(value), _str(sep)
    limit = n if isinstance(n, int) and not isinstance(n, bool) else -1
    if limit == 0:
        return []
    if not separator:
        parts = list(text)
        if 0 < limit < len(parts):
            parts = [*parts[: limit - 1], "".join(parts[limit - 1 :])]
        return list(parts)
    return list(text.split(separator, limit - 1 if limit > 0 else -1))


def _replace(value: object, old: object, new: object, n: object = -1) -> str:
    """Go's ``strings.Replace``/``ReplaceAll``."""
    count = n if isinstance(n, int) and not isinstance(n, bool) else -1
    return _str(value).replace(_str(old), _str(new), count)


def _join(items: object, glue: object = "") -> str:
    if not isinstance(items, list):
        raise Panic(f"invalid argument for join (type {go_type(items)})")
    return _str(glue).join(_str(item) for item in items)


def _int(value: object) -> int:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise Panic(f"invalid operation: int({go_type(value)})")
    if isinstance(value, float):
        return int(value)
    if isinstance(value, int):
        return value
    assert isinstance(value, str)
    if _DECIMAL.fullmatch(value):
        number = int(value)
        if -(2**63) <= number < 2**63:
            return number
        raise Panic(f'strconv.Atoi: parsing "{value}": value out of range')
    raise Panic(f'strconv.Atoi: parsing "{value}": invalid syntax')


def _float(value: object) -> float:
    if is_number(value):
        assert isinstance(value, (int, float))
        return float(value)
    if isinstance(value, str):
        try:
            if value.strip() != value or "_" in value:
                raise ValueError
            return float(value)
        except ValueError:
            raise Panic(f'strconv.ParseFloat: parsing "{value}": invalid syntax') from None
    raise Panic(f"invalid operation: float({go_type(value)})")


def _abs(value: object) -> object:
    if not is_number(value):
        raise Panic(f"invalid argument for abs (type {go_type(value)})")
    assert isinstance(value, (int, float))
    return abs(value)


BUILTINS: dict[str, Callable[..., object]] = {
    "len": _len,
    "lower": lambda v: _str(v).lower(),
    "upper": lambda v: _str(v).upper(),
    "trim": _trim,
    "trimPrefix": _trim_prefix,
    "trimSuffix": _trim_suffix,
    "hasPrefix": lambda v, p: _str(v).startswith(_str(p)),
    "hasSuffix": lambda v, s: _str(v).endswith(_str(s)),
    "indexOf": lambda v, s: _byte_index(v, s, last=False),
    "lastIndexOf": lambda v, s: _byte_index(v, s, last=True),
    "split": _split,
    "replace": _replace,
    "join": _join,
    "string": go_string,
    "int": _int,
    "float": _float,
    "abs": _abs,
}
