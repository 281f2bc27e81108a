"""Masterminds/sprig v3's template functions (``TxtFuncMap``), as Vela gives them to its
templates: without ``env`` and ``expandenv``.

:func:`txt_func_map` is the function map for ``render``'s ``funcs``. Modules follow
sprig's own files: ``defaults`` (with ``gojson``, Go's JSON), ``strings``, ``casing``, ``lists``,
``dicts``, ``numeric``, ``reflection``, ``encoding``, ``regex``, ``paths``, ``semver``
(``semverCompare``), ``dates`` (``duration``, ``durationRound``), ``urls`` (Go's ``net/url``),
``random`` (checked for shape
only); ``_go`` holds what they share (Go's kinds, ``empty``, cast's conversions). The functions
of sprig not offered yet are listed in ``tests/unit/template/sprig_missing.txt``.
:func:`vela_func_map` (module ``vela``) is Vela's own ``toYaml`` and ``vela``, added after it.
"""

from __future__ import annotations

from velarun.template.gotemplate.funcs import GoFunc
from velarun.template.sprig import (
    casing,
    certs,
    crypto,
    dates,
    defaults,
    dicts,
    encoding,
    lists,
    numeric,
    paths,
    random,
    reflection,
    regex,
    semver,
    strings,
    urls,
)
from velarun.template.sprig.vela import convert_platform_vars, vela_func_map

__all__ = ["convert_platform_vars", "txt_func_map", "vela_func_map"]

_MODULES = (
    defaults,
    strings,
    casing,
    lists,
    dicts,
    numeric,
    reflection,
    encoding,
    regex,
    paths,
    random,
    semver,
    dates,
    urls,
    crypto,
    certs,
)


def txt_func_map() -> dict[str, GoFunc]:
    """sprig's ``TxtFuncMap()`` minus ``env`` and ``expandenv`` (a new dict on each call)."""
    table: dict[str, GoFunc] = {}
    for module in _MODULES:
        table.update(module.FUNCS)
    return table
