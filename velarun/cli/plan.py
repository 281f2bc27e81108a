"""``velarun plan``: what would run for the rule data, what was pruned and why."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from velarun.cli.args import Args, Command, Opt
from velarun.cli.boundary import echo, guarded
from velarun.cli.options import PREPARE_OPTIONS, prepare_request
from velarun.errors import UsageError
from velarun.inputs import PrepareRequest

if TYPE_CHECKING:
    from velarun.load.model import Pipeline
    from velarun.prepare import Prepared

FORMATS = ("text", "json", "mermaid", "dot")
OPTIONS = (
    *PREPARE_OPTIONS,
    Opt(
        "output_format",
        ("--format",),
        "text (for people), json (the plan contract), mermaid (a flowchart for GitHub and"
        " GitLab pages) or dot (Graphviz): the graphs draw stages, steps and needs, what was"
        " pruned dashed.",
        default="text",
        metavar="FORMAT",
    ),
    Opt(
        "explain_name",
        ("--explain",),
        "Explain the verdict for one step or stage: each rule, datum and result.",
        metavar="NAME",
    ),
    Opt(
        "events",
        ("--events",),
        "Truth table: which steps each event runs, e.g. push,pull_request,tag:v1.2.3.",
        metavar="EVENTS",
    ),
)


@guarded
def plan(args: Args) -> None:
    """Compile the pipeline for the rule data and show what would run, what was pruned and why.

    Needs no Docker. Exit 0 with a plan, 2 if the pipeline or the rule data is invalid.
    """
    from velarun.gcpause import gc_paused

    request = prepare_request(args)
    output_format = args.text("output_format")
    explain_name = args.maybe_text("explain_name")
    events = args.maybe_text("events")
    if output_format not in FORMATS:
        raise UsageError(
            f"--format `{output_format}` is not one of text, json, mermaid, dot",
            "--format text|json|mermaid|dot",
        )
    # No collection from the first object to the last line (the load's and the compile's
    # own pauses end, and a collection would scan everything they made, still alive); all
    # of it is freed, in _show, before the collector is back.
    with gc_paused():
        _show(request, output_format, explain_name, events)


def _show(
    request: PrepareRequest, output_format: str, explain_name: str | None, events: str | None
) -> None:
    from velarun.prepare import prepare

    prepared = prepare(request)
    for warning in prepared.warnings:
        echo(f"warning: {warning}", err=True)
    if events is not None:
        from velarun.compile.truth import truth_table

        echo(truth_table(_all_expanded(request), prepared.ruledata.data, events))
    elif explain_name is not None:
        echo(_explain(prepared, explain_name))
    elif output_format == "json":
        _print_json(prepared)
    elif output_format in ("mermaid", "dot"):
        _print_graph(prepared, output_format)
    else:
        _print_text(prepared)


COMMAND = Command("plan", plan.__doc__ or "", OPTIONS, plan)


def _pipeline(prepared: Prepared) -> Pipeline:
    assert prepared.expansion.pipeline is not None  # prepare() refuses a pipeline with errors
    return prepared.expansion.pipeline


def _all_expanded(request: PrepareRequest) -> Pipeline:
    """Every templated step expanded, whichever event would prune it (for the table)."""
    from velarun.prepare import load_and_expand

    _, expansion = load_and_expand(
        request.path,
        None,
        pipeline_type=request.pipeline_type,
        template_files=request.template_files,
    )
    assert expansion.pipeline is not None
    return expansion.pipeline


def _explain(prepared: Prepared, name: str) -> str:
    from velarun.compile.render import explain

    pipeline = _pipeline(prepared)
    text = explain(pipeline, prepared.plan, name)
    if text is None:
        names = sorted({s.name for s in pipeline.all_steps()})
        names += sorted(st.name for st in pipeline.stages)
        raise UsageError(
            f"no step or stage is named `{name}`", "names: " + ", ".join(f"`{n}`" for n in names)
        )
    return text


def _print_json(prepared: Prepared) -> None:
    from velarun.gcpause import gc_paused
    from velarun.jsontext import dumps_indented

    for line in prepared.ruledata.header():
        echo(line, err=True)
    with gc_paused():
        echo(dumps_indented(prepared.plan.to_json(share=True)))


def _print_graph(prepared: Prepared, output_format: str) -> None:
    from velarun.compile.graph import stage_graph
    from velarun.diagnostics import render_all

    for line in prepared.ruledata.header():
        echo(line, err=True)
    if prepared.compiled.diagnostics:
        echo(render_all(prepared.compiled.diagnostics, prepared.loaded.path), err=True)
    stages = _pipeline(prepared).stages
    graph = stage_graph(
        prepared.plan,
        {stage.name: stage.needs for stage in stages},
        [stage.name for stage in stages if stage.independent],
    )
    if output_format == "mermaid":
        from velarun.compile.graph_mermaid import render_mermaid

        echo(render_mermaid(graph))
    else:
        from velarun.compile.graph_dot import render_dot

        echo(render_dot(graph))


def _print_text(prepared: Prepared) -> None:
    from velarun.compile.render import Style, render_plan
    from velarun.diagnostics import render_all
    from velarun.output import use_color

    path = prepared.loaded.path
    if prepared.compiled.diagnostics:
        echo(render_all(prepared.compiled.diagnostics, path), err=True)
    style = Style(color=use_color(sys.stdout))
    echo(render_plan(prepared.plan, path, style, header=prepared.ruledata.header()))
