"""sprig's list.go: lists built, read and rebuilt (``first``, ``rest``, ``append``, ``uniq``,
``has``, ``slice``, ``concat``...). The plain functions panic where their ``must`` variant
returns an error; a template sees the same message either way."""

from __future__ import annotations

from typing import Any

from velarun.template.gotemplate.funcs import FuncError, GoFunc
from velarun.template.gotemplate.values import IntSlice, StringSlice
from velarun.template.sprig._go import NIL_KIND, deep_equal, empty, kind, list_kind, to_int64


def list_(*values: Any) -> list[Any]:
    return list(values)


def push(items: Any, value: Any) -> list[Any]:
    return [*list_kind(items, "push"), value]


def prepend(items: Any, value: Any) -> list[Any]:
    return [value, *list_kind(items, "prepend")]


def first(items: Any) -> Any:
    found = list_kind(items, "find first")
    return found[0] if found else None


def last(items: Any) -> Any:
    found = list_kind(items, "find last")
    return found[-1] if found else None


def rest(items: Any) -> list[Any]:
    return list_kind(items, "find rest")[1:]


def initial(items: Any) -> list[Any]:
    return list_kind(items, "find initial")[:-1]


def reverse(items: Any) -> list[Any]:
    return list_kind(items, "find reverse")[::-1]


def compact(items: Any) -> list[Any]:
    return [v for v in list_kind(items, "compact") if not empty(v)]


def uniq(items: Any) -> list[Any]:
    out: list[Any] = []
    for v in list_kind(items, "find uniq"):
        if not any(deep_equal(v, o) for o in out):
            out.append(v)
    return out


def without(items: Any, *omit: Any) -> list[Any]:
    return [v for v in list_kind(items, "find without") if not any(deep_equal(v, o) for o in omit)]


def has(needle: Any, haystack: Any) -> bool:
    if haystack is None:
        return False
    return any(deep_equal(needle, v) for v in list_kind(haystack, "find has"))


def slice_(items: Any, *indices: Any) -> Any:
    if items is None:
        raise FuncError(NIL_KIND)
    if not isinstance(items, list | tuple):
        raise FuncError(f"list should be type of slice or array but {kind(items)}")
    if not items:
        return None
    start = int(to_int64(indices[0])) if indices else 0
    end = int(to_int64(indices[1])) if len(indices) > 1 else len(items)
    if not 0 <= start <= end <= len(items):
        raise FuncError("reflect.Value.Slice: slice index out of bounds")
    part = items[start:end]  # a []string stays a []string
    return type(items)(part) if isinstance(items, StringSlice | IntSlice) else list(part)


def concat(*lists: Any) -> Any:
    out: list[Any] = []
    for items in lists:
        if items is None:
            raise FuncError(NIL_KIND)
        if not isinstance(items, list | tuple):
            raise FuncError(f"Cannot concat type {kind(items)} as list")
        out.extend(items)
    return out


def until(count: int) -> list[int]:
    return until_step(0, count, -1 if count < 0 else 1)


def until_step(start: int, stop: int, step: int) -> list[int]:
    if stop < start:
        return IntSlice(range(start, stop, step)) if step < 0 else IntSlice()
    return IntSlice(range(start, stop, step)) if step > 0 else IntSlice()


def seq(*params: int) -> str:
    if len(params) == 1:
        start, end, step = 1, params[0], 1
        inc = -1 if end < start else 1
        return _ints(until_step(start, end + inc, inc))
    if len(params) == 2:
        start, end = params
        step = -1 if end < start else 1
        return _ints(until_step(start, end + step, step))
    if len(params) == 3:
        start, step, end = params
        inc = 1
        if end < start:
            inc = -1
            if step > 0:
                return ""
        return _ints(until_step(start, end + inc, step))
    return ""


def _ints(values: list[int]) -> str:
    return " ".join(str(v) for v in values)


FUNCS: dict[str, GoFunc] = {
    "list": GoFunc(list_),
    "tuple": GoFunc(list_),
    "append": GoFunc(push, ("any", "any"), None),
    "push": GoFunc(push, ("any", "any"), None),
    "mustAppend": GoFunc(push, ("any", "any"), None),
    "mustPush": GoFunc(push, ("any", "any"), None),
    "prepend": GoFunc(prepend, ("any", "any"), None),
    "mustPrepend": GoFunc(prepend, ("any", "any"), None),
    "first": GoFunc(first, ("any",), None),
    "mustFirst": GoFunc(first, ("any",), None),
    "last": GoFunc(last, ("any",), None),
    "mustLast": GoFunc(last, ("any",), None),
    "rest": GoFunc(rest, ("any",), None),
    "mustRest": GoFunc(rest, ("any",), None),
    "initial": GoFunc(initial, ("any",), None),
    "mustInitial": GoFunc(initial, ("any",), None),
    "reverse": GoFunc(reverse, ("any",), None),
    "mustReverse": GoFunc(reverse, ("any",), None),
    "compact": GoFunc(compact, ("any",), None),
    "mustCompact": GoFunc(compact, ("any",), None),
    "uniq": GoFunc(uniq, ("any",), None),
    "mustUniq": GoFunc(uniq, ("any",), None),
    "without": GoFunc(without, ("any",), "any"),
    "mustWithout": GoFunc(without, ("any",), "any"),
    "has": GoFunc(has, ("any", "any"), None),
    "mustHas": GoFunc(has, ("any", "any"), None),
    "slice": GoFunc(slice_, ("any",), "any"),
    "mustSlice": GoFunc(slice_, ("any",), "any"),
    "concat": GoFunc(concat),
    "until": GoFunc(until, ("int",), None),
    "untilStep": GoFunc(until_step, ("int", "int", "int"), None),
    "seq": GoFunc(seq, (), "int"),
}


def chunk(size: int, items: Any) -> list[list[Any]]:
    if items is not None and not isinstance(items, list | tuple):
        raise FuncError(f"Cannot chunk type {kind(items)}")
    values = list_kind(items, "chunk")
    if size <= 0:
        raise FuncError("runtime error: makeslice: len out of range")
    return [values[i : i + size] for i in range(0, len(values), size)]


FUNCS.update({"chunk": GoFunc(chunk, ("int", "any"), None),
              "mustChunk": GoFunc(chunk, ("int", "any"), None)})  # fmt: skip
