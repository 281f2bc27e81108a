"""The template engines as the server calls them: a template's text in, the YAML text it
renders out (the caller loads it like a pipeline file).

``render_go`` is the server's ``native.Render`` for a templated step and ``render_go_build``
its ``RenderBuild`` for a whole file (``render_inline``, a Go pipeline); ``render_starlark`` and
``render_starlark_build`` are their Starlark counterparts. Every failure is a
:class:`TemplateError` with Go's (or Starlark's) message and, where known, its line and column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from velarun.template.gotemplate import GoFunc, TemplateError, render

__all__ = [
    "TemplateError",
    "go_funcs",
    "render_go",
    "render_go_build",
    "render_starlark",
    "render_starlark_build",
]


_SPRIG: list[dict[str, GoFunc]] = []
"""sprig's map, built on first use (it is the same for every template)."""

INT64 = range(-(2**63), 2**63)
UINT64_MAX = 2**64 - 1


def go_data(value: Any) -> Any:
    """``value`` as yaml.v3 gives it to Go in an ``interface {}``: an integer that fits no
    ``int64`` is a ``uint64`` when it can be (written the same), else a ``float64``
    (``99999999999999999999`` is ``1e+20``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if value in INT64 or 0 <= value <= UINT64_MAX else float(value)
    if isinstance(value, dict):
        return {k: go_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [go_data(v) for v in value]
    return value


def go_funcs(environment: Mapping[str, str], name: str) -> dict[str, GoFunc]:
    """sprig's ``TxtFuncMap`` without ``env``/``expandenv`` (built once), then Vela's ``vela``
    (the platform variables of ``environment``) and ``toYaml``."""
    from velarun.template.sprig import txt_func_map
    from velarun.template.sprig.vela import convert_platform_vars, vela_func_map

    if not _SPRIG:
        _SPRIG.append(txt_func_map())
    return {**_SPRIG[0], **vela_func_map(convert_platform_vars(environment, name))}


def render_go(
    text: str,
    *,
    name: str,
    environment: Mapping[str, str],
    variables: Mapping[str, Any],
) -> str:
    """A templated step's template: Go names the template after the step (``name``)."""
    data = go_data(dict(variables))
    return render(text, data, name=name, funcs=go_funcs(environment, name))


def render_go_build(
    text: str,
    *,
    template_name: str,
    environment: Mapping[str, str],
    variables: Mapping[str, Any] | None,
) -> str:
    """A whole pipeline file rendered as a Go template, named after the template (``""`` for
    a Go pipeline file); ``variables`` None is Go's nil data."""
    data = None if variables is None else go_data(dict(variables))
    funcs = go_funcs(environment, template_name)
    return render(text, data, name=template_name, funcs=funcs)


def render_starlark(
    text: str,
    *,
    filename: str,
    name: str,
    template_name: str,
    environment: Mapping[str, str],
    variables: Mapping[str, Any],
) -> str:
    from velarun.template import starlark

    return starlark.render_starlark(
        text,
        filename=filename,
        name=name,
        template_name=template_name,
        environment=environment,
        variables=go_data(dict(variables)),
    )


def render_starlark_build(
    text: str,
    *,
    filename: str,
    environment: Mapping[str, str],
    variables: Mapping[str, Any] | None,
    template_name: str = "",
) -> str:
    """A Starlark pipeline file (``template_name`` empty) or a template rendered inline."""
    from velarun.template import starlark

    return starlark.render_starlark_build(
        text,
        filename=filename,
        environment=environment,
        variables=go_data(dict(variables or {})),
        template_name=template_name,
    )
