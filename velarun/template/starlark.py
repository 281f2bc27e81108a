"""Starlark templates and Starlark pipelines, rendered as the Vela server renders them.

The server (``compiler/template/starlark``) executes the file with go.starlark.net, calls its
``main(ctx)`` and writes the returned value as JSON text (``writeJSON``), which it parses as
YAML. This module does the same on go.starlark.net through the ``starlark-go`` binding and
returns that text; the caller parses it with velarun's own loader.

:func:`render_starlark` is the server's ``Render`` (a step's ``template:`` with ``format:
starlark``), :func:`render_starlark_build` its ``RenderBuild`` (a Starlark pipeline file, or
a template rendered inline). Both render in a child process (:mod:`starlark_worker`), which
:func:`render_here` runs in. Where velarun cannot do what the server does (see
``docs/architecture.md``): there is no ``struct`` builtin (calling it fails with a clear
message), and no execution-step limit: the binding cannot set go.starlark.net's
``SetMaxExecutionSteps``, so where the server cancels a template after 7500 steps (its
``--compiler-starlark-exec-limit``), velarun stops it only at the child's limits: 5 s, 512 MiB
of memory, 4 MiB of returned text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from velarun.template.gotemplate.gofmt import Spec, fmt_float
from velarun.template.gotemplate.limits import MAX_TEXT
from velarun.template.gotemplate.quote import go_quote
from velarun.template.sprig.gojson import marshal
from velarun.template.starlark_worker import StarlarkError, StarlarkLimitError, too_large

if TYPE_CHECKING:
    import starlark_go

__all__ = ["StarlarkError", "render_starlark", "render_starlark_build"]

BUILD_NAME = "templated-base"
"""The name the server gives a Starlark pipeline in its messages (and its thread)."""

_OWN = "<velarun>"
_RESULT = "__velarun_result__"
NO_STRUCT = (
    "velarun's Starlark has no struct(): use a dict instead "
    '(struct(name="x") → {"name": "x"}, and s.name → s["name"])'
)
_PRELUDE = f"def struct(*args, **kwargs):\n    fail({NO_STRUCT!r})\n"
_CALLABLE = ("function", "builtin_function_or_method")
_SCALARS = ("NoneType", "bool", "int", "float", "string")
_SEQUENCES = ("list", "tuple", "range")
_MAX_DEPTH = 200
_FRAME = re.compile(r"^  (.*):(\d+):(\d+): in .*$", re.MULTILINE)


def render_starlark(
    source: str,
    *,
    filename: str,
    name: str,
    template_name: str,
    environment: Mapping[str, str],
    variables: Mapping[str, Any],
) -> str:
    """Render a step's Starlark template as the server's ``Render`` does; return the YAML text.

    ``name`` is the step's name (``ctx["vela"]["system"]["template_name"]``, as the server
    sets it), ``template_name`` the template's (in messages). Steps are not renamed here.
    """
    return _render(
        source,
        filename=filename,
        label=template_name,
        platform_name=name,
        environment=environment,
        variables=variables,
    )


def render_starlark_build(
    source: str,
    *,
    filename: str,
    environment: Mapping[str, str],
    variables: Mapping[str, Any],
    template_name: str = "",
) -> str:
    """Render a Starlark pipeline as the server's ``RenderBuild`` does; return the YAML text.

    Messages name the pipeline ``templated-base``, as the server's do. ``template_name`` is
    what the server puts in ``ctx["vela"]["system"]["template_name"]``: empty for a pipeline
    file, the template's name when a template is rendered inline.
    """
    return _render(
        source,
        filename=filename,
        label=BUILD_NAME,
        platform_name=template_name,
        environment=environment,
        variables=variables,
    )


def _render(
    source: str,
    *,
    filename: str,
    label: str,
    platform_name: str,
    environment: Mapping[str, str],
    variables: Mapping[str, Any],
) -> str:
    """Render in the bounded child process (:mod:`starlark_worker`)."""
    from velarun.template import starlark_worker

    request = {
        "source": source,
        "filename": filename,
        "label": label,
        "platform_name": platform_name,
        "environment": dict(environment),
        "variables": dict(variables),
    }
    return starlark_worker.render(render_here, request)


def render_here(
    source: str,
    *,
    filename: str,
    label: str,
    platform_name: str,
    environment: Mapping[str, str],
    variables: Mapping[str, Any],
    print: Callable[[str], None],
) -> str:
    """Render in this process (the child's work); ``print`` is Starlark's ``print``."""
    import starlark_go

    starlark_go.configure_starlark(
        allow_set=False, allow_global_reassign=False, allow_recursion=False
    )  # syntax.LegacyFileOptions() with the resolver's defaults, as the server runs
    interpreter = starlark_go.Starlark(print=print)
    with _translated(filename):
        interpreter.exec(_PRELUDE, filename=_OWN)
        interpreter.exec(source, filename=filename)
    if "main" not in interpreter.globals():
        raise StarlarkError(f"unable to find main function in template: {label}")
    if interpreter.eval("type(main)") not in _CALLABLE:
        raise StarlarkError(f"invalid main function (main must be a function) in template: {label}")
    ctx = {
        "vela": platform_vars(environment, platform_name),
        "vars": template_vars(variables),
    }
    with _translated(filename):
        # The context is written as a literal so that main gets it mutable, as on the server
        # (values given to the interpreter from Python are frozen).
        interpreter.exec(f"{_RESULT} = main({starlark_literal(ctx)})", filename=_OWN)
    # its size before Python holds a copy of it (one call: each costs a parse)
    kind, size = interpreter.eval(f"(type({_RESULT}), len(str({_RESULT})))")
    if kind not in ("list", "dict"):
        raise StarlarkError(f"invalid pipeline return in template: {kind}")
    if size > MAX_TEXT:
        raise StarlarkLimitError(too_large(size))
    documents = _written(interpreter, kind)
    _check_first_document(interpreter, kind)
    # The server writes a document for each item of a list; yaml.Unmarshal reads the first.
    return "---\n" + documents[0] + ("\n" if kind == "list" else "")


def _check_first_document(interpreter: starlark_go.Starlark, kind: str) -> None:
    """What the server's ``ParseYAML`` checks before it unmarshals the pipeline: the first
    document is a mapping, and its version is not ``legacy``."""
    first = f"{_RESULT}[0]" if kind == "list" else _RESULT
    if kind == "list" and not interpreter.eval(f"len({_RESULT}) > 0 and type({first}) == 'dict'"):
        raise StarlarkError("unable to unmarshal yaml: unable to find pipeline version in yaml")
    if interpreter.eval(f'{first}.get("version") == "legacy"'):
        raise StarlarkError(
            "unable to unmarshal yaml: version 'legacy' is no longer supported, "
            "please update your pipeline to use version '1'"
        )


@contextmanager
def _translated(filename: str) -> Iterator[None]:
    """Turns starlark-go's errors into :class:`StarlarkError` with the file's line and column."""
    import starlark_go

    try:
        yield
    except starlark_go.StarlarkError as error:
        raise _translate(error, filename) from None


def _translate(error: starlark_go.StarlarkError, filename: str) -> StarlarkError:
    import starlark_go

    if isinstance(error, starlark_go.SyntaxError):
        return StarlarkError(error.error, line=error.line, col=error.column)
    if isinstance(error, starlark_go.ResolveError):
        first = error.errors[0] if error.errors else None
        return StarlarkError(
            error.error, line=first.line if first else None, col=first.column if first else None
        )
    if isinstance(error, starlark_go.EvalError):
        message = str(error.args[0])
        if message == f"fail: {NO_STRUCT}":
            message = NO_STRUCT
        frames = [m for m in _FRAME.finditer(error.backtrace) if m.group(1) == filename]
        if not frames:
            return StarlarkError(message)
        return StarlarkError(message, line=int(frames[-1].group(2)), col=int(frames[-1].group(3)))
    return StarlarkError(str(error))


# --- ctx: the server's convertPlatformVars and convertTemplateVars ---------------------------


def platform_vars(environment: Mapping[str, str], name: str) -> dict[str, dict[str, str]]:
    """``ctx["vela"]``: the ``VELA_*`` and ``DEPLOYMENT_PARAMETER_*`` variables, by group.

    As the server's ``convertPlatformVars``: keys are lowercased; ``vela_build_*``,
    ``vela_repo_*`` and ``vela_user_*`` go to ``build``, ``repo`` and ``user`` without that
    prefix, any other ``vela_*`` to ``system``; ``deployment_parameter_*`` to ``deployment``
    (and, when the rest starts with ``vela_``, to its group as well). Values stay strings.
    ``system.template_name`` is ``name`` unless a variable sets it.
    """
    groups: dict[str, dict[str, str]] = {
        "build": {},
        "deployment": {},
        "repo": {},
        "user": {},
        "system": {"template_name": name},
    }
    for original, value in environment.items():
        key = original.lower()
        for prefix in ("deployment_parameter_", "vela_"):
            if not key.startswith(prefix):
                continue
            key = key[len(prefix) :]
            if prefix == "deployment_parameter_":
                groups["deployment"][key] = value
                continue
            for group in ("build", "repo", "user"):
                if key.startswith(group + "_"):
                    groups[group][key[len(group) + 1 :]] = value
                    break
            else:
                groups["system"][key] = value
    return groups


def template_vars(variables: Mapping[str, Any]) -> dict[str, Any]:
    """``ctx["vars"]``: the template's variables as the server's ``toStarlark`` converts
    them: sequences become tuples, bytes strings, mappings dicts (keys converted too)."""
    return {key: _to_starlark(value) for key, value in variables.items()}


def _to_starlark(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list | tuple):
        return tuple(_to_starlark(item) for item in value)
    if isinstance(value, Mapping):
        return {_to_starlark(k): _to_starlark(v) for k, v in value.items()}
    raise StarlarkError(f"unable to convert to starlark type: {value!r}")


def starlark_literal(value: Any) -> str:
    """Starlark source for a value of ``None``, bool, int, float, str, tuple or dict."""
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        # IEEE arithmetic on literals, so that no name is looked up (a file may define float)
        if math.isnan(value):
            return "((1e308 * 10) - (1e308 * 10))"
        return "(1e308 * 10)" if value > 0 else "(-1e308 * 10)"
    if isinstance(value, str):
        return _string_literal(value)
    if isinstance(value, tuple):
        items = [starlark_literal(item) for item in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(value, dict):
        pairs = (f"{starlark_literal(k)}: {starlark_literal(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(f"no Starlark literal for {type(value).__name__}")


def _string_literal(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif 0xD800 <= code < 0xE000:  # a lone surrogate (undecodable bytes): not a rune
            out.append("\\ufffd")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


# --- the returned value: the server's writeJSON ------------------------------------------------


class _Unconvertible(Exception):
    """A converted value the server's ``writeJSON`` does not write (a set, non-empty bytes)."""


def _written(interpreter: starlark_go.Starlark, kind: str) -> list[str]:
    """Each document of the value ``main`` returned (the dict, or each item of the list) as
    the server's ``writeJSON`` writes it; its error for the first value it cannot write.

    The value is converted to Python data in one call, unless Python data cannot stand for
    it: a value that is not data, a cycle (the server never finishes writing one), or a dict
    with keys other than strings, two of which Python may take for one (``True`` and ``1``).
    Then each value is read on its own from the interpreter, in the order the server writes
    them.
    """
    import starlark_go

    shown = str(interpreter.eval(_RESULT, convert=False))
    if "[...]" not in shown and "{...}" not in shown:  # Starlark's marks of a cycle
        try:
            value = interpreter.eval(_RESULT)
            items = value if kind == "list" else [value]
            if not any(_has_other_keys(item) for item in items):
                return [write_json(item) for item in items]
        except (starlark_go.ConversionToPythonFailed, _Unconvertible):
            pass
    count = interpreter.eval(f"len({_RESULT})") if kind == "list" else 0
    exprs = [f"{_RESULT}[{i}]" for i in range(count)] if kind == "list" else [_RESULT]
    return [_write_from(interpreter, expr, 0) for expr in exprs]


def _has_other_keys(value: Any) -> bool:
    """Whether a dict in ``value`` has a key other than a string: Python may have merged two
    of them into one (``True`` and ``1``, ``(0,)`` and ``(False,)``), Starlark does not."""
    if isinstance(value, dict):
        return any(not isinstance(k, str) or _has_other_keys(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_other_keys(item) for item in value)
    return False


def _write_from(interpreter: starlark_go.Starlark, expr: str, depth: int) -> str:
    """``writeJSON`` of the value of ``expr``, read from the interpreter piece by piece."""
    if depth > _MAX_DEPTH:
        raise StarlarkError("unable to convert to json: the value main returned contains itself")
    kind = interpreter.eval(f"type({expr})")
    if kind in _SCALARS:
        return write_json(interpreter.eval(expr))
    length = interpreter.eval(f"len({expr})") if kind in (*_SEQUENCES, "dict", "bytes") else 0
    if kind in _SEQUENCES:
        items = []
        for i in range(length):  # a loop, not a generator: one Python frame for each level
            items.append(_write_from(interpreter, f"{expr}[{i}]", depth + 1))
        return "[" + ", ".join(items) + "]"
    if kind == "dict":
        pairs = []
        for i in range(length):
            key = _write_from(interpreter, f"{expr}.items()[{i}][0]", depth + 1)
            value = _write_from(interpreter, f"{expr}.items()[{i}][1]", depth + 1)
            pairs.append(f"{key}: {value}")
        return "{" + ", ".join(pairs) + "}"
    if kind == "bytes" and length == 0:
        return "[]"
    raise StarlarkError(f"unable to convert to json: {interpreter.eval(expr, convert=False)}")


def write_json(value: Any) -> str:
    """The server's ``writeJSON`` of a converted value: Go's ``%g`` floats, ``%q`` strings
    (``json.Marshal`` for those with control characters or runes past U+FFFF), ``", "`` and
    ``": "`` separators, keys of any type written as values."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return fmt_float(value, Spec(verb="g"))
    if isinstance(value, str):
        safe = all(0x20 <= ord(c) < 0x10000 for c in value)
        return go_quote(value) if safe else marshal(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(write_json(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{write_json(k)}: {write_json(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    if value == b"":  # bytes are indexable; the empty ones are written as a list
        return "[]"
    raise _Unconvertible
