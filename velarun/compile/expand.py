"""Phase 2, expand: templated steps become plain steps before anything is compiled, in the
server's order (``compiler/native/expand.go``, ``ExpandSteps`` and ``ExpandStages``).

For each step that names a template: the step's ruleset is checked first, as it is written
(a step the rule data prunes is left in place unrendered, and the compiler reports it pruned);
the template is fetched (once per source), rendered with the step's ``vars`` plus
``VELA_TEMPLATE_NAME`` and the platform variables of the step's environment, and loaded like a
pipeline file. Its steps replace the step, named ``<step>_<template step>``; its secrets,
services and environment are added where the pipeline has none of the same name; templates it
declares are expanded in turn, up to the server's depth of 3. Whole files rendered as
templates (``render_inline``, Go and Starlark pipelines) are in :mod:`velarun.compile.inline`.

Fetching is the caller's (:data:`Fetch`); rendering or loading problems become positioned
diagnostics in the template or in what it rendered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from velarun.compile.env import default_env, merge, parameter_env
from velarun.compile.ruledata import RuleData, build_ruledata
from velarun.compile.verdict import verdict
from velarun.diagnostics import Diagnostic, Pos, error
from velarun.load import load_bytes
from velarun.load.model import Pipeline, Secret, Service, Stage, Step, Template

MAX_DEPTH = 3
"""The server's default ``max-template-depth``: templates that call templates, three deep."""
MAX_RENDERS = 2000
"""Templates rendered for one pipeline: each nested template multiplies them (a template of a
hundred steps that each use one of a hundred steps...), so velarun stops there."""
MAX_RENDERED = 8 * 1024 * 1024
"""Text rendered for one pipeline, all templates together (one may render 4 MiB)."""

GO_FORMATS = ("go", "golang", "")


@dataclass(frozen=True, slots=True)
class Fetched:
    text: bytes
    where: str
    """Where the text came from, for people (``file templates/go.yml``)."""
    label: str
    """What positions in the template are called (a path, or the source)."""


Fetch = Callable[[Template], Fetched]
"""A template's text; raises a ``VelarunError`` (exit 3 when it cannot be had)."""


@dataclass(frozen=True, slots=True)
class ExpandOptions:
    extra_env: Mapping[str, str] = field(default_factory=dict)
    """``--env K=V``: part of a non-detached step's environment, as the host's is in
    ``vela exec``."""


@dataclass(slots=True)
class _Build:
    """What ``ExpandSteps`` works on: steps, and what templates may add to."""

    steps: tuple[Step, ...]
    secrets: list[Secret]
    services: list[Service]
    environment: dict[str, str]
    text_pos: dict[str, Pos]
    templates: list[Template]
    render_inline: bool
    steps_env: Mapping[str, str]
    """The environment the platform variables of a templated step see: see :func:`_steps_env`."""

    @classmethod
    def of(cls, p: Pipeline, steps: tuple[Step, ...]) -> _Build:
        """What ``p`` (the pipeline, or what a template rendered) gives ``ExpandSteps``."""
        environment = dict(p.environment)
        return cls(
            steps=steps,
            secrets=list(p.secrets),
            services=list(p.services),
            environment=environment,
            text_pos=dict(p.text_pos),
            templates=list(p.templates),
            render_inline=p.metadata.render_inline,
            steps_env=_steps_env(environment, p.metadata.environment),
        )


class Expander:
    def __init__(
        self,
        data: RuleData | None,
        fetch: Fetch,
        options: ExpandOptions,
        diags: list[Diagnostic],
    ) -> None:
        self.data = data
        self.fetch = fetch
        self.options = options
        self.diags = diags
        self.defaults = default_env(data or build_ruledata())
        self._fetched: dict[str, Fetched] = {}
        self.renders = 0
        self.rendered_text = 0

    def count(self, text: str, at: Pos, name: str) -> bool:
        """Count a render and its text; False (and the error said, at ``at``, where the
        template is used) past velarun's limits for the whole pipeline."""
        self.renders += 1
        self.rendered_text += len(text)
        if self.renders <= MAX_RENDERS and self.rendered_text <= MAX_RENDERED:
            return True
        if self.renders > MAX_RENDERS:
            what = f"more than {MAX_RENDERS} template renders"
            hint = "templates that use templates multiply: render fewer steps that use templates"
        else:
            what = f"more than {MAX_RENDERED // (1024 * 1024)} MiB of rendered text"
            hint = "make the templates render less, or use them in fewer steps"
        self.diags.append(
            error(
                at,
                f"template `{name}`: the pipeline's templates made {what}, velarun's limit for"
                " one pipeline",
                f"{hint} (the Vela server has no such limit)",
            )
        )
        return False

    def fetched(self, tmpl: Template) -> Fetched:
        """The server caches templates by source for the whole compile."""
        if (got := self._fetched.get(tmpl.source)) is None:
            got = self._fetched[tmpl.source] = self.fetch(tmpl)
        return got

    # -- ExpandSteps -------------------------------------------------------------------------

    def steps(
        self, build: _Build, tmpls: Mapping[str, Template], depth: int, chain: tuple[str, ...]
    ) -> bool:
        """Expand ``build.steps`` in place; False when a problem stopped it."""
        if not tmpls:
            return True
        if depth == 0:
            return self._too_deep(build, chain)
        out: list[Step] = []
        for step in build.steps:
            if step.template is None:
                out.append(step)
                continue
            produced = self._step(step, build, tmpls, depth, chain)
            if produced is None:
                return False
            out.extend(produced)
        build.steps = tuple(out)
        return True

    def _too_deep(self, build: _Build, chain: tuple[str, ...]) -> bool:
        step = next((s for s in build.steps if s.template is not None), None)
        at = step.key_pos.get("template", step.pos) if step else Pos(1, 1)
        use = step.template if step is not None else None
        circular = use is not None and use.name in chain
        path = " -> ".join(f"`{name}`" for name in chain)
        self.diags.append(
            error(
                at,
                f"max template depth of {MAX_DEPTH} exceeded (templates {path}"
                + (", which is circular)" if circular else ")"),
                "templates may call templates at most three deep; the server stops there too"
                if not circular
                else "a template must not use itself, directly or through another",
            )
        )
        return False

    def _step(
        self,
        step: Step,
        build: _Build,
        tmpls: Mapping[str, Template],
        depth: int,
        chain: tuple[str, ...],
    ) -> list[Step] | None:
        assert step.template is not None
        use = step.template
        at = step.key_pos.get("template", step.pos)
        tmpl = tmpls.get(use.name)
        if tmpl is None:
            declared = ", ".join(f"`{n}`" for n in tmpls) or "none"
            self.diags.append(
                error(
                    at,
                    f"missing template source for template `{use.name}` in pipeline for step"
                    f" `{step.name}` (declared: {declared})",
                    "declare it under `templates:` with its `name`, `source` and `type`",
                )
            )
            return None
        if self.data is not None:
            kept = verdict(step.ruleset, self.data, f"step `{step.name}`", self.diags)
            if kept is None:
                return None
            if not kept.keep:
                return [step]  # the compiler reports it pruned, with the same verdict
        environment = self._environment(step, build.steps_env)
        got = self.fetched(tmpl)
        variables = {**use.vars, "VELA_TEMPLATE_NAME": use.name}
        text = self._render(tmpl, got, step, environment, variables)
        if text is None or not self.count(text, at, use.name):
            return None
        origin = f"template `{use.name}` ({got.where}) of step `{step.name}`"
        sub = self._load(text, got, step, origin)
        if sub is None:
            return None
        # the templates this one calls see its environment, not the pipeline's
        inner = _Build.of(
            sub,
            tuple(
                dataclasses.replace(s, name=f"{step.name}_{s.name}", origin=origin)
                for s in sub.steps
            ),
        )
        if sub.templates and tmpl.format not in ("starlark",):
            if sub.metadata.render_inline and not build.render_inline:
                self.diags.append(
                    error(
                        at,
                        f"cannot use render_inline inside a called template (`{use.name}`)",
                        "remove `metadata.render_inline` from the template",
                    )
                )
                return None
            build.templates.extend(sub.templates)
            nested = {t.name: t for t in sub.templates}
            if not self.steps(inner, nested, depth - 1, (*chain, use.name)):
                return None
        _merge(build, inner)
        return list(inner.steps)

    def _environment(self, step: Step, steps_env: Mapping[str, str]) -> dict[str, str]:
        """The server's ``EnvironmentStep``: what the template's platform variables read."""
        return merge(
            steps_env,
            step.environment,
            self.defaults,
            {} if step.detach else self.options.extra_env,
            parameter_env(step.parameters),
        )

    def _render(
        self,
        tmpl: Template,
        got: Fetched,
        step: Step,
        environment: Mapping[str, str],
        variables: Mapping[str, object],
    ) -> str | None:
        from velarun.template.engines import TemplateError, render_go, render_starlark

        text = got.text.decode("utf-8", errors="replace")
        try:
            if tmpl.format in GO_FORMATS:
                return render_go(text, name=step.name, environment=environment, variables=variables)
            if tmpl.format == "starlark":
                return render_starlark(
                    text,
                    filename=got.label,
                    name=step.name,
                    template_name=tmpl.name,
                    environment=environment,
                    variables=variables,
                )
        except TemplateError as exc:
            call = step.key_pos.get("template", step.pos)
            self.diags.append(
                template_error(exc, got.label, f"step `{step.name}`", tmpl.name, call=call)
            )
            return None
        self.diags.append(
            error(
                tmpl.pos,
                f"format of {tmpl.format} is unsupported (template `{tmpl.name}`)",
                "use `format: go` (the default) or `format: starlark`",
            )
        )
        return None

    def _load(self, text: str, got: Fetched, step: Step, origin: str) -> Pipeline | None:
        loaded = load_bytes(
            text.encode(), got.label, origin=f"{got.label} (rendered)", fragment=True
        )
        self.diags.extend(loaded.diagnostics)
        if not loaded.ok or loaded.pipeline is None:
            self.diags.append(
                error(
                    step.key_pos.get("template", step.pos),
                    f"step `{step.name}`: what {origin} rendered is not a valid pipeline",
                    "see the errors above; `velarun render` prints what it rendered",
                )
            )
            return None
        return loaded.pipeline


def template_error(
    exc: Exception,
    label: str,
    used_by: str,
    name: str,
    *,
    what: str = "",
    hint: str = "fix the template, or pass a local copy with --template-file NAME:PATH",
    call: Pos | None = None,
) -> Diagnostic:
    """A template that failed to parse or execute, at its own line and column; ``what`` names
    it in the message (default: template ``name`` for ``used_by``). A template stopped at one
    of velarun's limits where no place in it is known (a Starlark template is stopped from
    outside) is reported at ``call``, where the pipeline uses it, with the limit's hint."""
    from velarun.template.gotemplate.limits import LimitError

    line = getattr(exc, "line", None) or 1
    col = getattr(exc, "col", None) or 1
    message = getattr(exc, "message", None) or str(exc)
    for where in (f"{label}:{line}:{col}: ", f"{label}:{line}: "):
        message = message.removeprefix(where)  # Starlark's own position, said once
    at = Pos(line, col, label)
    what = what or f"template `{name}` for {used_by}"
    if isinstance(exc, LimitError):
        hint = exc.hint or hint
        if exc.line is None and call is not None:
            at, what = call, f"{what} ({label})"
    return error(at, f"{what}: {message}", hint)


def _steps_env(environment: dict[str, str], metadata: tuple[str, ...]) -> Mapping[str, str]:
    """What the server's ``ExpandSteps`` passes to a templated step's platform variables: the
    environment of the build it expands (the pipeline, or the template that calls templates)
    when its ``metadata.environment`` has ``steps``. It passes the map itself, to which the
    environment of each template expanded is added, so later templated steps see it; but an
    empty one is replaced by a new map for the additions, which they do not see."""
    if "steps" not in metadata or not environment:
        return {}
    return environment


def _merge(build: _Build, sub: _Build) -> None:
    """What a template adds to the pipeline: secrets, services and environment the pipeline
    does not already have (by secret name or origin name, service name, variable name)."""
    for secret in sub.secrets:
        if not any(_same_secret(secret, have) for have in build.secrets):
            build.secrets.append(secret)
    for service in sub.services:
        if not any(service.name == have.name for have in build.services):
            build.services.append(service)
    for key, value in sub.environment.items():
        if key not in build.environment:
            build.environment[key] = value
    for text, pos in sub.text_pos.items():
        build.text_pos.setdefault(text, pos)


def _same_secret(secret: Secret, have: Secret) -> bool:
    if secret.name and secret.name == have.name:
        return True
    mine, theirs = secret.origin, have.origin
    return mine is not None and theirs is not None and mine.name == theirs.name


def expand_steps(pipeline: Pipeline, expander: Expander) -> Pipeline | None:
    """``pipeline`` with every templated step expanded (None after a problem, said in
    ``expander.diags``)."""
    tmpls = {t.name: t for t in pipeline.templates}
    build = _Build.of(pipeline, pipeline.steps)
    stages: list[Stage] = []
    if pipeline.stages:
        ok = True
        for stage in pipeline.stages:
            # The server expands a stage's steps with a build that has no metadata: the
            # pipeline's environment is not part of their platform variables.
            part = dataclasses.replace(build, steps=stage.steps, steps_env={}, render_inline=False)
            ok = ok and expander.steps(part, tmpls, MAX_DEPTH, ())
            stages.append(dataclasses.replace(stage, steps=part.steps))
        if not ok:
            return None
    elif not expander.steps(build, tmpls, MAX_DEPTH, ()):
        return None
    return dataclasses.replace(
        pipeline,
        steps=build.steps if not pipeline.stages else (),
        stages=tuple(stages),
        secrets=tuple(build.secrets),
        services=tuple(build.services),
        environment=build.environment,
        text_pos=build.text_pos,
        templates=tuple(build.templates),
    )
