"""``velarun render``: the pipeline with its templates expanded, as YAML (``vela expand``)."""

from __future__ import annotations

from velarun.cli.args import Args, Command
from velarun.cli.boundary import echo, guarded
from velarun.cli.options import PREPARE_OPTIONS, prepare_request


@guarded
def render(args: Args) -> None:
    """Print the pipeline with its templates expanded, as YAML, the way `vela expand` does.

    Every templated step is rendered, unless rule data is given (--event, --branch, ... or
    their VELA_* variables): then, as on the server, a step its ruleset prunes is left
    unrendered. Each step a template made is preceded by a comment naming the template.
    Needs no Docker. Exit 0, or 2 if the pipeline or a template is invalid, 3 if a template
    cannot be fetched.
    """
    from velarun.inputs import host_inputs, resolve_ruledata
    from velarun.load.dump import dump_pipeline
    from velarun.prepare import load_and_expand

    request = prepare_request(args)
    data = None
    rules = request.rules
    given = (rules.event, rules.branch, rules.tag, rules.target, rules.comment, rules.repo)
    if any(g.source != "default" for g in given) or rules.changeset:
        from pathlib import Path

        data = resolve_ruledata(rules, Path.cwd()).data
    host = host_inputs(
        env=list(request.env),
        env_files=list(request.env_files),
        secrets=[],
        secret_files=[],
        local_env=request.local_env,
    )
    loaded, expansion = load_and_expand(
        request.path,
        data,
        pipeline_type=request.pipeline_type,
        template_files=request.template_files,
        extra_env=host.env,
    )
    assert expansion.pipeline is not None
    from velarun.diagnostics import render_all

    if expansion.diagnostics:
        echo(render_all(expansion.diagnostics, loaded.path), err=True)
    echo(dump_pipeline(expansion.pipeline), nl=False)


COMMAND = Command("render", render.__doc__ or "", PREPARE_OPTIONS, render)
