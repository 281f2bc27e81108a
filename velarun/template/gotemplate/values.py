"""How Python values stand for Go values, and Go's names for their types.

Data reaches templates as a YAML or JSON decoder gives it to Go: ``None`` is nil, ``bool``,
``int`` (Go ``int``), ``float`` (``float64``), ``str``, ``list`` (``[]interface {}``) and
``dict`` with string keys (``map[string]interface {}``). :class:`Uint8` is a byte taken out of
a string by ``index``. A missing map key and nil are both ``None`` (Go's "no value").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Iface:
    """A value seen through ``interface {}`` (an element of a list or map, as Go holds it)."""

    value: Any


def bare(value: Any) -> Any:
    """The value without its ``interface {}``."""
    return value.value if isinstance(value, Iface) else value


class Uint8(int):
    """A Go ``uint8`` (a byte of a string): an int that names its type as Go does."""


class Uint64(int):
    """A Go ``uint64`` (what semver's ``Major`` returns)."""


class StringSlice(list):  # type: ignore[type-arg]
    """A Go ``[]string`` (what sprig's ``splitList`` returns); prints as any list does."""


class IntSlice(list):  # type: ignore[type-arg]
    """A Go ``[]int`` (what sprig's ``until`` returns)."""


class StringMap(dict):  # type: ignore[type-arg]
    """A Go ``map[string]string`` (what sprig's ``split`` returns)."""


class Int64(int):
    """A Go ``int64`` (what sprig's arithmetic returns): an int that names its type as Go does."""


NO_FIELD: Any = object()


class GoStruct:
    """A Go struct value with a ``String`` method (``time.Time``): ``go_type`` names its type,
    ``go_string`` is what ``%v`` and ``%s`` print; templates cannot build one from a literal."""

    go_type = ""
    go_fields: frozenset[str] = frozenset()  # the struct's unexported fields

    def go_method(self, name: str) -> Any:
        """The ``GoFunc`` of the method called ``name`` (receiver bound), or None."""
        return None

    def go_field(self, name: str) -> Any:
        """The exported field called ``name``; :data:`NO_FIELD` when there is none."""
        return NO_FIELD

    def go_string(self) -> str:
        raise NotImplementedError

    def go_text(self) -> str:
        """``MarshalText``: how JSON and YAML encoders write it (a string)."""
        raise NotImplementedError

    def go_marshal(self, encoding: str) -> Any:
        """What the ``json`` or ``yaml`` encoder writes in its place (its text by default; a
        struct without one gives its fields as a map)."""
        return self.go_text()


def is_int(value: object) -> bool:
    """A Go integer (``int`` or ``uint8``), never a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def type_name(value: object) -> str:
    """Go's ``reflect.Type.String()`` of the value."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Uint8):
        return "uint8"
    if isinstance(value, Uint64):
        return "uint64"
    if isinstance(value, Int64):
        return "int64"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, StringSlice):
        return "[]string"
    if isinstance(value, IntSlice):
        return "[]int"
    if isinstance(value, list | tuple):
        return "[]interface {}"
    if isinstance(value, StringMap):
        return "map[string]string"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, GoStruct):
        return value.go_type
    if callable(value):
        return "func(...interface {}) interface {}"
    return type(value).__name__


def truth(value: object) -> bool:
    """Go's ``isTrue``: false for nil, false, 0, 0.0 and empty strings, lists and maps."""
    if value is None:
        return False
    if isinstance(value, bool | int | float | str | list | tuple | dict):
        return bool(value)
    return True


def sort_keys(mapping: dict[Any, Any]) -> list[Any]:
    """Go's ``fmtsort`` order of map keys (strings by bytes, numbers by value)."""
    keys = list(mapping)
    if all(isinstance(k, str) for k in keys):
        return sorted(keys, key=lambda k: k.encode("utf-8", "surrogateescape"))
    return sorted(keys)
