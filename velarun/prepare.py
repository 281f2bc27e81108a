"""What ``plan``, ``render``, ``validate`` and ``exec`` share before anything runs: rule data,
host inputs, the pipeline loaded and expanded, compiled and selected.

Kept apart from :mod:`velarun.lifecycle` (which runs a plan) so that the commands that only
read a pipeline import none of the scheduler, the runtime or the reporters.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from velarun.compile.compiler import CompileOptions, CompileResult, compile_pipeline
from velarun.compile.expand import ExpandOptions, Fetch, Fetched
from velarun.compile.inline import load_pipeline
from velarun.compile.plan import Plan
from velarun.compile.ruledata import RuleData, build_ruledata
from velarun.compile.select import select, skip_warnings
from velarun.compile.templating import Expansion, expand_pipeline
from velarun.diagnostics import Diagnostic, render_all
from velarun.errors import UsageError
from velarun.gitinfo import repository_root
from velarun.inputs import (
    HostInputs,
    PrepareRequest,
    ResolvedRuleData,
    host_inputs,
    resolve_ruledata,
)
from velarun.load import LoadResult, find_pipeline
from velarun.load.model import Template

if TYPE_CHECKING:
    from velarun.cibuild.server import Reproduced


class InvalidPipelineError(UsageError):
    """The pipeline has errors: shown as its positioned diagnostics, nothing else."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...], path: str) -> None:
        super().__init__(render_all(diagnostics, path))
        self.diagnostics = diagnostics

    def render(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Prepared:
    loaded: LoadResult
    compiled: CompileResult
    plan: Plan
    """The compiled plan after ``--stage``/``--step``/``--skip-step``."""
    ruledata: ResolvedRuleData
    host: HostInputs
    expansion: Expansion
    ci: Reproduced | None = None
    """The server build given with ``--build``."""
    warnings: tuple[str, ...] = ()
    """The rule data's warnings, then the selection's (a ``--skip-step`` with nothing to skip)."""


def prepare(request: PrepareRequest) -> Prepared:
    """Rule data (with sources; a ``--build`` fetched from the server first), host inputs,
    load, compile, select; raises UsageError (an InvalidPipelineError for a pipeline with
    errors) on any problem, an EnvironmentFailureError when the server cannot be reached."""
    ci = None
    if request.build is not None:
        from velarun.cibuild.server import load_build

        ci = load_build(request.build, os.environ, Path.home())
    resolved = resolve_ruledata(request.rules, Path.cwd(), ci.build if ci else None)
    host = host_inputs(
        env=list(request.env),
        env_files=list(request.env_files),
        secrets=list(request.secrets),
        secret_files=list(request.secret_files),
        local_env=request.local_env,
    )
    loaded, expansion = load_and_expand(
        request.path or default_pipeline(Path("."), request.rules.use_git),
        resolved.data,
        pipeline_type=request.pipeline_type,
        template_files=request.template_files,
        extra_env=host.env,
    )
    assert expansion.pipeline is not None
    result = compile_pipeline(
        expansion.pipeline,
        resolved.data,
        CompileOptions(extra_env=host.env),
        load_diagnostics=expansion.diagnostics,
    )
    if not result.ok or result.plan is None:
        raise InvalidPipelineError(result.diagnostics, loaded.path)
    chosen = select(
        result.plan, skip_steps=request.skip_steps, stages=request.stages, steps=request.steps
    )
    warnings = resolved.warnings + skip_warnings(result.plan, request.skip_steps)
    return Prepared(loaded, result, chosen, resolved, host, expansion, ci, warnings)


def load_and_expand(
    path: Path | None,
    data: RuleData | None,
    *,
    pipeline_type: str | None = None,
    template_files: tuple[str, ...] = (),
    extra_env: Mapping[str, str] | None = None,
) -> tuple[LoadResult, Expansion]:
    """The pipeline file loaded (rendered first for a Go or Starlark pipeline) and its
    templates expanded; ``data`` None expands without pruning (``validate``). Raises
    InvalidPipelineError, or the template source's error (exit 3 when it cannot be had)."""
    path = path or default_pipeline(Path("."))
    try:
        loaded = load_pipeline(path, pipeline_type, data or build_ruledata(), extra_env)
        if not loaded.ok or loaded.pipeline is None:
            raise InvalidPipelineError(loaded.diagnostics, loaded.path)
        fetch = template_fetcher(template_files, path)
        expansion = expand_pipeline(
            loaded.pipeline,
            data,
            fetch,
            ExpandOptions(extra_env=extra_env or {}),
            loaded=loaded.diagnostics,
        )
    finally:
        _stop_starlark()
    if not expansion.ok:
        raise InvalidPipelineError(expansion.diagnostics, loaded.path)
    return loaded, expansion


def _stop_starlark() -> None:
    """The child that rendered Starlark templates is not needed after the expansion."""
    worker = sys.modules.get("velarun.template.starlark_worker")
    if worker is not None:
        worker.stop()


def template_fetcher(overrides: tuple[str, ...], pipeline: Path) -> Fetch:
    """Templates from ``--template-file``, the repository (``type: file``, relative to the
    root of the pipeline's git repository, else to the pipeline's directory) or GitHub.
    Nothing is imported or looked up until a template is wanted."""
    roots: list[Path] = []
    given: dict[str, str] = {}

    def fetch(tmpl: Template) -> Fetched:
        from velarun.template.sources import parse_overrides, resolve_template

        if not roots:  # the first template wanted
            roots.append(repository_root(pipeline.parent) or pipeline.parent)
            given.update((name.lower(), path) for name, path in parse_overrides(overrides))
        got = resolve_template(
            tmpl.name, tmpl.source, tmpl.type, root=roots[0], overrides=overrides
        )
        return Fetched(got.content, got.origin, given.get(tmpl.name.lower(), tmpl.source))

    return fetch


def default_pipeline(cwd: Path, use_git: bool = True) -> Path:
    """``.vela.yml``/``.vela.yaml`` here, else at the root of the git repository that holds
    the current directory (as CI reads it), said relative to ``cwd`` when it can be."""
    here = find_pipeline(cwd)
    if here.exists() or not use_git:
        return here
    root = repository_root(cwd)
    if root is None or root == cwd.resolve():
        return here
    found = find_pipeline(root)
    if not found.exists():
        return here
    try:
        return Path(os.path.relpath(found, cwd))
    except ValueError:
        return found
