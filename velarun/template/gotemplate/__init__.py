"""A Go ``text/template`` engine in Python, faithful to Go's output and error messages.

:func:`render` parses and executes a template the way Vela's server does with Go's standard
library (default options: ``missingkey=default``). Functions beyond Go's builtins (sprig,
Vela's ``vela`` and ``toYaml``) are given through ``funcs`` as :class:`GoFunc` signatures.
Modules: ``lexer`` → ``parser`` (tree in ``nodes``, constants in ``numbers``, literals in
``quote``) → ``execute``/``evaluate`` with ``funcs`` (builtins) and ``gofmt`` (Go's fmt).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from velarun.template.gotemplate.errors import TemplateError
from velarun.template.gotemplate.execute import execute
from velarun.template.gotemplate.funcs import BUILTINS, NO_VALUE, FuncError, GoFunc
from velarun.template.gotemplate.nodes import ListNode
from velarun.template.gotemplate.parser import parse

__all__ = ["NO_VALUE", "FuncError", "GoFunc", "TemplateError", "render"]


def render(
    text: str,
    data: object = None,
    *,
    name: str = "template",
    funcs: Mapping[str, GoFunc | Callable[..., Any]] | None = None,
) -> str:
    """Render ``text`` over ``data`` as Go's ``template.New(name).Funcs(funcs).Parse(text)``
    followed by ``Execute`` would; raise :class:`TemplateError` with Go's message.

    A plain callable in ``funcs`` is taken as ``func(...interface {}) interface {}``.
    """
    table = {k: v if isinstance(v, GoFunc) else GoFunc(v) for k, v in (funcs or {}).items()}
    return execute(text, name, _parsed(text, name, table), table, data)


_PARSED: dict[tuple[str, frozenset[str]], tuple[str, dict[str, ListNode]]] = {}
"""Parse trees by text and function names: a template used by many steps is parsed once."""


def _parsed(text: str, name: str, table: Mapping[str, GoFunc]) -> dict[str, ListNode]:
    key = (text, frozenset(table))
    cached = _PARSED.get(key)
    if cached is not None:
        first, trees = cached
        if first == name:
            return trees
        if len(trees) == 1:  # no define or block: only the name differs, in no node
            return {name: trees[first]}
    try:
        trees = parse(text, name, {**BUILTINS, **table})
    except RecursionError:  # Go allows 10000 nested parentheses; Python's stack ends sooner
        raise TemplateError(
            f"template: {name}: max expression depth exceeded (Python's recursion limit)"
        ) from None
    if len(_PARSED) >= 64:
        _PARSED.clear()
    _PARSED[key] = (name, trees)
    return trees
