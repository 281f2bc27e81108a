"""Functions callable from templates: the signature model and Go's builtin functions.

A :class:`GoFunc` gives a Python callable the Go signature the executor needs to check and
convert arguments as Go does. Parameter kinds are ``"any"`` (``interface {}``), ``"value"``
(``reflect.Value``: the callable sees :data:`NO_VALUE` for a missing value), ``"string"``,
``"int"``, ``"float64"``, ``"bool"`` and :data:`MAP` (``map[string]interface {}``, which nil
may be). A callable signals Go's ``error`` result by raising
:class:`FuncError` (any other exception is reported the same way, as Go's ``safeCall`` does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from velarun.template.gotemplate.gofmt import Spec, fmt_value, sprint, sprintln
from velarun.template.gotemplate.printf import sprintf
from velarun.template.gotemplate.values import (
    Iface,
    Uint8,
    Uint64,
    bare,
    is_int,
    truth,
    type_name,
)


class _NoValue:
    """Go's invalid ``reflect.Value``: a missing map key, or no data at all."""

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()


MAP = "map[string]interface {}"
SLICE = "[]interface {}"


class FuncError(Exception):
    """The error a template function returns (``error calling NAME: MESSAGE``)."""


@dataclass(frozen=True)
class GoFunc:
    """A function with Go's signature: fixed parameter kinds, then an optional variadic kind."""

    fn: Callable[..., Any]
    params: tuple[str, ...] = ()
    variadic: str | None = "any"


def _indirect(value: Any) -> Any:
    """Go's ``indirectInterface``: the value out of its interface; nil becomes no value."""
    value = bare(value)
    return NO_VALUE if value is None else value


def _index_arg(index: Any, cap: int) -> int:
    if index is NO_VALUE:
        raise FuncError("cannot index slice/array with nil")
    if isinstance(index, Iface):  # slice does not unwrap its indexes, so Go sees interface {}
        raise FuncError("cannot index slice/array with type interface {}")
    if not is_int(index):
        raise FuncError(f"cannot index slice/array with type {type_name(index)}")
    if index < 0 or index > cap:
        raise FuncError(f"index out of range: {index}")
    return int(index)


def _index_one(item: Any, index: Any) -> Any:
    index = _indirect(index)
    if item is None:
        raise FuncError("index of nil pointer")
    if isinstance(item, str):
        data = item.encode("utf-8", "surrogateescape")
        x = _index_arg(index, len(data))
        if x == len(data):
            raise FuncError("reflect: string index out of range")
        return Uint8(data[x])
    if isinstance(item, list | tuple):
        x = _index_arg(index, len(item))
        if x == len(item):
            raise FuncError("reflect: slice index out of range")
        return item[x]
    if isinstance(item, dict):
        if index is NO_VALUE:
            raise FuncError("value is nil; should be of type string")
        if not isinstance(index, str):
            raise FuncError(f"value has type {type_name(index)}; should be string")
        return item.get(index)
    raise FuncError(f"can't index item of type {type_name(item)}")


def index(item: Any, *indexes: Any) -> Any:
    """``index``: ``index x 1 2`` is ``x[1][2]``; a missing map key gives nil."""
    item = _indirect(item)
    if item is NO_VALUE:
        raise FuncError("index of untyped nil")
    for i in indexes:
        item = _index_one(item, i)
    return item


def slice_(item: Any, *indexes: Any) -> Any:
    """``slice``: ``slice x 1 2`` is ``x[1:2]`` (strings are sliced by bytes, as in Go)."""
    item = _indirect(item)
    if item is NO_VALUE:
        raise FuncError("slice of untyped nil")
    if len(indexes) > 3:
        raise FuncError(f"too many slice indexes: {len(indexes)}")
    if isinstance(item, str):
        if len(indexes) == 3:
            raise FuncError("cannot 3-index slice a string")
        data: bytes | list[Any] = item.encode("utf-8", "surrogateescape")
    elif isinstance(item, list | tuple):
        data = list(item)
    else:
        raise FuncError(f"can't slice item of type {type_name(item)}")
    idx = [0, len(data), 0]
    for i, x in enumerate(indexes):
        idx[i] = _index_arg(x, len(data))
    if idx[0] > idx[1]:
        raise FuncError(f"invalid slice index: {idx[0]} > {idx[1]}")
    if len(indexes) == 3 and idx[1] > idx[2]:
        raise FuncError(f"invalid slice index: {idx[1]} > {idx[2]}")
    part = data[idx[0] : idx[1]]
    return part.decode("utf-8", "surrogateescape") if isinstance(part, bytes) else part


def length(item: Any) -> int:
    """``len`` of a string (in bytes), list or map."""
    item = bare(item)
    if item is None:
        raise FuncError("len of nil pointer")
    if item is NO_VALUE:
        raise FuncError("reflect: call of reflect.Value.Type on zero Value")
    if isinstance(item, str):
        return len(item.encode("utf-8", "surrogateescape"))
    if isinstance(item, list | tuple | dict):
        return len(item)
    raise FuncError(f"len of type {type_name(item)}")


def not_(arg: Any) -> bool:
    return not truth(None if arg is NO_VALUE else bare(arg))


_KINDS = {bool: "bool", int: "int", float: "float", str: "string"}


def _basic_kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Uint8 | Uint64):
        return "uint"
    if isinstance(value, int):  # int64 and int are both of Go's intKind
        return "int"
    return _KINDS.get(type(value)) if value is not None else None


def _eq_one(a: Any, ka: str | None, b: Any) -> bool:
    b = _indirect(b)
    kb = _basic_kind(b)
    if ka != kb:
        if ka in ("int", "uint") and kb in ("int", "uint"):
            return bool(a == b)
        if a is not NO_VALUE and b is not NO_VALUE:
            raise FuncError(f"incompatible types for comparison: {type_name(a)} and {type_name(b)}")
        return False
    if ka is not None:
        return bool(a == b)
    if a is NO_VALUE or b is NO_VALUE:
        return a is b
    if type_name(a) != type_name(b):
        raise FuncError(
            f"non-comparable types {fmt_value(a, Spec('s'))}: {type_name(a)}, "
            f"{type_name(b)}: {fmt_value(b, Spec())}"
        )
    if isinstance(a, list | tuple | dict):
        raise FuncError(f"non-comparable type {fmt_value(b, Spec('s'))}: {type_name(b)}")
    return bool(a == b)


def eq(arg1: Any, *args: Any) -> bool:
    """``eq a b c``: a equals b or c; basic kinds only, ints and uints compare by value."""
    arg1 = _indirect(arg1)
    if not args:
        raise FuncError("missing argument for comparison")
    k1 = _basic_kind(arg1)
    return any(_eq_one(arg1, k1, b) for b in args)


def ne(arg1: Any, arg2: Any) -> bool:
    return not eq(arg1, arg2)


def lt(arg1: Any, arg2: Any) -> bool:
    """``lt``: ordered comparison of two values of one basic kind (not bool)."""
    arg1, arg2 = _indirect(arg1), _indirect(arg2)
    k1, k2 = _basic_kind(arg1), _basic_kind(arg2)
    if k1 is None or k2 is None:
        raise FuncError("invalid type for comparison")
    if k1 != k2 and not (k1 in ("int", "uint") and k2 in ("int", "uint")):
        raise FuncError(
            f"incompatible types for comparison: {type_name(arg1)} and {type_name(arg2)}"
        )
    if k1 == "bool":
        raise FuncError("invalid type for comparison")
    return bool(arg1 < arg2)


def le(arg1: Any, arg2: Any) -> bool:
    return lt(arg1, arg2) or eq(arg1, arg2)


def gt(arg1: Any, arg2: Any) -> bool:
    return not le(arg1, arg2)


def ge(arg1: Any, arg2: Any) -> bool:
    return not lt(arg1, arg2)


def _eval_args(args: tuple[Any, ...]) -> str:
    """Go's ``evalArgs``: one string as is, else ``Sprint`` with nil printed as ``<no value>``."""
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return sprint(*("<no value>" if a is None else a for a in args))


def html_escape(*args: Any) -> str:
    """``html``: Go's ``HTMLEscapeString`` of the printed arguments."""
    table = {"\0": "\ufffd", '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;"}
    return "".join(table.get(c, c) for c in _eval_args(args))


def _js_char(c: str) -> str:
    table = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E",
             "&": "\\u0026", "=": "\\u003D"}  # fmt: skip
    if c in table:
        return table[c]
    if c < " ":
        return f"\\u00{ord(c):02X}"
    if ord(c) >= 0x80 and not c.isprintable():
        return f"\\u{ord(c):04X}"
    return c


def js_escape(*args: Any) -> str:
    """``js``: Go's ``JSEscapeString`` of the printed arguments."""
    return "".join(_js_char(c) for c in _eval_args(args))


def urlquery(*args: Any) -> str:
    """``urlquery``: Go's ``url.QueryEscape`` of the printed arguments."""
    return quote_plus(_eval_args(args).encode("utf-8", "surrogateescape"), safe="-_.~")


def _special(*_: Any) -> Any:  # and, or, call: evaluated by the executor itself
    raise AssertionError("unreachable")


BUILTINS: dict[str, GoFunc] = {
    "and": GoFunc(_special, ("value",), "value"),
    "or": GoFunc(_special, ("value",), "value"),
    "call": GoFunc(_special, ("value",), "value"),
    "not": GoFunc(not_, ("value",), None),
    "len": GoFunc(length, ("value",), None),
    "index": GoFunc(index, ("value",), "value"),
    "slice": GoFunc(slice_, ("value",), "value"),
    "eq": GoFunc(eq, ("value",), "value"),
    "ne": GoFunc(ne, ("value", "value"), None),
    "lt": GoFunc(lt, ("value", "value"), None),
    "le": GoFunc(le, ("value", "value"), None),
    "gt": GoFunc(gt, ("value", "value"), None),
    "ge": GoFunc(ge, ("value", "value"), None),
    "print": GoFunc(sprint),
    "println": GoFunc(sprintln),
    "printf": GoFunc(sprintf, ("string",)),
    "html": GoFunc(html_escape),
    "js": GoFunc(js_escape),
    "urlquery": GoFunc(urlquery),
}
