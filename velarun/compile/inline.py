"""Whole files rendered as templates, as the server does before it compiles:

- a Go or Starlark *pipeline file* (``--pipeline-type go|starlark``, or a ``.star``/``.py``
  file) is rendered first, with the build's platform variables and no ``vars``
  (``Parse``/``RenderBuild``);
- ``metadata.render_inline: true`` renders each of the pipeline's ``templates`` as a whole
  pipeline and adds what it returns to the file's own (``compileInline``): steps and stages
  named ``<template>_<name>``, environment, services and secrets; templates that render inline
  in turn, up to the depth of 3.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from velarun.compile.env import default_env, merge
from velarun.compile.expand import GO_FORMATS, MAX_DEPTH, Expander, template_error
from velarun.compile.ruledata import RuleData
from velarun.diagnostics import Diagnostic, Pos, error
from velarun.load import LoadResult, load_bytes, load_file
from velarun.load.model import Pipeline, Template

PIPELINE_TYPES = ("yaml", "go", "golang", "starlark")


def pipeline_type_for(path: str) -> str:
    """The server takes the type from the repository's settings; a local file's extension
    says it (``.star`` and ``.py`` are Starlark), else YAML."""
    return "starlark" if path.endswith((".star", ".py")) else "yaml"


def load_pipeline(
    path: Path,
    pipeline_type: str | None,
    rule_data: RuleData,
    extra_env: Mapping[str, str] | None = None,
) -> LoadResult:
    """The pipeline file loaded, rendered first when it is written in a template language
    (the build's platform variables, no ``vars``, as the server's ``Parse``)."""
    kind = pipeline_type or pipeline_type_for(str(path))
    if kind == "yaml":
        return load_file(path)
    where = str(path)
    if kind not in PIPELINE_TYPES:
        choices = ", ".join(PIPELINE_TYPES)
        hint = f"use one of {choices}"
        return LoadResult(where, None, (error(Pos(1, 1), f"unknown pipeline type {kind}", hint),))
    try:
        data = path.read_bytes()
    except OSError:
        return load_file(path)  # says what is wrong with the file
    from velarun.template.engines import TemplateError, render_go_build, render_starlark_build

    text = data.decode("utf-8", errors="replace")
    env = build_env(default_env(rule_data), extra_env or {})
    try:
        if kind == "starlark":
            rendered = render_starlark_build(text, filename=where, environment=env, variables=None)
        else:
            rendered = render_go_build(text, template_name="", environment=env, variables=None)
    except TemplateError as exc:
        problem = template_error(
            exc, where, "", "", what=f"the {kind} pipeline", hint="fix the pipeline file"
        )
        return LoadResult(where, None, (replace(problem, pos=replace(problem.pos, file="")),))
    return load_bytes(rendered.encode(), where, origin=f"{where} (rendered)")


def build_env(defaults: Mapping[str, str], extra_env: Mapping[str, str]) -> dict[str, str]:
    """The server's ``EnvironmentBuild``, what a whole file rendered as a template reads: Vela's
    defaults, then (locally) the host's variables, which velarun takes from ``--env``."""
    return merge(defaults, extra_env)


def render_inline(
    pipeline: Pipeline, expander: Expander, depth: int = MAX_DEPTH
) -> Pipeline | None:
    """The server's ``compileInline``: ``pipeline`` with what its templates render added."""
    diags = expander.diags
    if depth == 0:
        diags.append(
            error(
                pipeline.metadata.render_inline_pos or Pos(1, 1),
                f"max template depth of {MAX_DEPTH} exceeded",
                "templates that render inline may nest at most three deep",
            )
        )
        return None
    hint = "list the template under `templates:` so it renders inline, or drop `render_inline`"
    if not _no_step_templates(pipeline, diags, hint):
        return None
    out = pipeline
    for tmpl in pipeline.templates:
        parsed = _parse(tmpl, expander)
        if parsed is None:
            return None
        if not (parsed.templates and parsed.metadata.render_inline) and not _no_step_templates(
            parsed,
            diags,
            f"template `{tmpl.name}` renders inline, so its steps are the pipeline's: write them"
            " out, or give the template `metadata.render_inline` and list the one it uses",
            prefix=tmpl.name + "_",
        ):
            return None
        if parsed.templates and parsed.metadata.render_inline:
            nested = render_inline(parsed, expander, depth - 1)
            if nested is None:
                return None
            parsed = nested
            out = dataclasses.replace(out, templates=(*out.templates, *parsed.templates))
        merged = _add(out, parsed, tmpl, diags)
        if merged is None:
            return None
        out = merged
    return dataclasses.replace(out, metadata=dataclasses.replace(out.metadata, render_inline=False))


def _no_step_templates(
    pipeline: Pipeline, diags: list[Diagnostic], hint: str, prefix: str = ""
) -> bool:
    """The server's ``ValidateYAML`` of a ``render_inline`` pipeline, after ``compileInline``:
    no step, the file's own or one a template rendered (named ``prefix`` + its name), may
    reference a template. velarun says it before rendering what it need not."""
    for step in pipeline.all_steps():
        if step.template is not None:
            diags.append(
                error(
                    step.key_pos.get("template", step.pos),
                    f"step `{prefix}{step.name}`: cannot combine render_inline and a step that"
                    f" references a template (`{step.template.name}`)",
                    hint,
                )
            )
            return False
    return True


def _parse(tmpl: Template, expander: Expander) -> Pipeline | None:
    """One template rendered as a whole pipeline (the server's ``Parse`` with a template)."""
    from velarun.template.engines import TemplateError, render_go_build, render_starlark_build

    got = expander.fetched(tmpl)
    variables = {**tmpl.vars, "VELA_TEMPLATE_NAME": tmpl.name}
    text = got.text.decode("utf-8", errors="replace")
    environment = build_env(expander.defaults, expander.options.extra_env)
    try:
        if tmpl.format in GO_FORMATS:
            text = render_go_build(
                text, template_name=tmpl.name, environment=environment, variables=variables
            )
        elif tmpl.format == "starlark":
            text = render_starlark_build(
                text,
                filename=got.label,
                environment=environment,
                variables=variables,
                template_name=tmpl.name,
            )
        elif tmpl.format != "yaml":
            expander.diags.append(
                error(
                    tmpl.pos,
                    f"unable to parse config: unrecognized pipeline_type of {tmpl.format}"
                    f" (template `{tmpl.name}`)",
                    "use `format: go` (the default), `starlark` or `yaml`",
                )
            )
            return None
    except TemplateError as exc:
        expander.diags.append(
            template_error(exc, got.label, "render_inline", tmpl.name, call=tmpl.pos)
        )
        return None
    if not expander.count(text, tmpl.pos, tmpl.name):
        return None
    origin = f"template `{tmpl.name}` ({got.where}), rendered inline"
    loaded = load_bytes(text.encode(), got.label, origin=f"{got.label} (rendered)", fragment=True)
    expander.diags.extend(loaded.diagnostics)
    if not loaded.ok or loaded.pipeline is None:
        return None
    p = loaded.pipeline
    return dataclasses.replace(
        p,
        steps=tuple(dataclasses.replace(s, origin=origin) for s in p.steps),
        stages=tuple(
            dataclasses.replace(
                st, steps=tuple(dataclasses.replace(s, origin=origin) for s in st.steps)
            )
            for st in p.stages
        ),
    )


def _add(
    base: Pipeline, parsed: Pipeline, tmpl: Template, diags: list[Diagnostic]
) -> Pipeline | None:
    if not (
        parsed.environment or parsed.stages or parsed.steps or parsed.services or parsed.secrets
    ):
        diags.append(
            error(
                tmpl.pos,
                f"empty template {tmpl.name} provided: template must contain secrets, services,"
                " stages or steps",
                "make the template return at least one step",
            )
        )
        return None
    prefix = tmpl.name + "_"
    stages = tuple(
        dataclasses.replace(
            st,
            name=prefix + st.name,
            steps=tuple(dataclasses.replace(s, name=prefix + s.name) for s in st.steps),
        )
        for st in parsed.stages
    )
    steps = tuple(dataclasses.replace(s, name=prefix + s.name) for s in parsed.steps)
    environment: Mapping[str, str] = {**base.environment, **parsed.environment}
    out = dataclasses.replace(
        base,
        environment=environment,
        text_pos={**parsed.text_pos, **base.text_pos},
        stages=(*base.stages, *stages),
        steps=(*base.steps, *steps),
        services=(*base.services, *parsed.services),
        secrets=(*base.secrets, *parsed.secrets),
    )
    if out.stages and out.steps:
        diags.append(
            error(
                tmpl.pos,
                f"invalid template {tmpl.name} provided: templates cannot mix stages and steps",
                "return either `stages` or `steps` from every template",
            )
        )
        return None
    return out
