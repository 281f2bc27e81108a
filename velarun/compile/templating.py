"""The expand phase's entry: the expansion a pipeline gets (``render_inline``, or its
templated steps), then the checks the server's ``ValidateYAML`` makes of the result."""

from __future__ import annotations

from dataclasses import dataclass

from velarun.compile.expand import Expander, ExpandOptions, Fetch, expand_steps
from velarun.compile.inline import render_inline
from velarun.compile.ruledata import RuleData
from velarun.diagnostics import Diagnostic, has_errors, sort_diagnostics
from velarun.load import check
from velarun.load.model import Pipeline


@dataclass(frozen=True, slots=True)
class Expansion:
    pipeline: Pipeline | None
    diagnostics: tuple[Diagnostic, ...]
    """What expanding found, and the checks of the expanded pipeline that loading the file
    alone could not make (each said once)."""

    @property
    def ok(self) -> bool:
        return self.pipeline is not None and not has_errors(self.diagnostics)


def uses_templates(pipeline: Pipeline) -> bool:
    return pipeline.metadata.render_inline or any(
        s.template is not None for s in pipeline.all_steps()
    )


def expand_pipeline(
    pipeline: Pipeline,
    data: RuleData | None,
    fetch: Fetch,
    options: ExpandOptions | None = None,
    *,
    loaded: tuple[Diagnostic, ...] = (),
) -> Expansion:
    """``pipeline`` with its templates expanded. ``data`` None expands every templated step,
    as the server's ``CompileLite`` does without rule data (``validate``). ``loaded`` are the
    diagnostics of loading the file; the result's diagnostics hold them, with those of the
    expanded pipeline's checks that are new."""
    if not uses_templates(pipeline):
        return Expansion(pipeline, loaded)
    diags: list[Diagnostic] = []
    expander = Expander(data, fetch, options or ExpandOptions(), diags)
    if pipeline.metadata.render_inline:
        expanded = render_inline(pipeline, expander)
    else:
        expanded = expand_steps(pipeline, expander)
    out = [*loaded, *diags]
    if expanded is not None:
        seen = {(d.pos, d.message) for d in out}
        out += [d for d in check(expanded) if (d.pos, d.message) not in seen]
    return Expansion(expanded, tuple(sort_diagnostics(out)))
