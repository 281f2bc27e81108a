"""Positions moved into another file: what a template rendered is loaded like a pipeline, and
every position in it then names the template instead of the pipeline file."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from velarun.diagnostics import Pos

T = TypeVar("T")


def relocate(value: T, file: str) -> T:
    """``value`` with every :class:`Pos` in it (in dataclasses, mappings and tuples) set to
    ``file``; everything else is returned as it is."""
    out: T = _move(value, file)
    return out


def _move(value: Any, file: str) -> Any:
    if isinstance(value, Pos):
        return Pos(value.line, value.column, file)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _move(getattr(value, f.name), file) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(_move(item, file) for item in value)
    if isinstance(value, Mapping) and any(isinstance(v, Pos) for v in value.values()):
        return {k: _move(v, file) for k, v in value.items()}
    if isinstance(value, Mapping) and any(dataclasses.is_dataclass(v) for v in value.values()):
        return {k: _move(v, file) for k, v in value.items()}
    return value
