"""``velarun validate``: every problem of a pipeline with its position."""

from __future__ import annotations

import typer

from velarun.cli.boundary import guarded
from velarun.cli.options import (
    FileArg,
    FileOpt,
    PipelineTypeOpt,
    TemplateFileOpt,
    pipeline_path,
)
from velarun.errors import ExitCode


@guarded
def validate(
    file: FileArg = None,
    file_opt: FileOpt = None,
    template_file: TemplateFileOpt = None,
    pipeline_type: PipelineTypeOpt = None,
) -> None:
    """Check a pipeline and print every problem with its position. Exit 0 if valid, 2 if not.

    Templates are expanded (every templated step, as no rule data prunes any) and checked
    with the pipeline."""
    from velarun.compile.eval_check import eval_diagnostics
    from velarun.compile.patterns import pipeline_pattern_errors
    from velarun.diagnostics import has_errors, render_all
    from velarun.lifecycle import InvalidPipelineError, load_and_expand

    try:
        loaded, expansion = load_and_expand(
            pipeline_path(file, file_opt),
            None,
            pipeline_type=pipeline_type,
            template_files=tuple(template_file or ()),
        )
    except InvalidPipelineError as exc:
        typer.echo(exc.message)
        raise typer.Exit(ExitCode.INVALID) from None
    p = expansion.pipeline
    assert p is not None
    diags = list(expansion.diagnostics)
    diags += pipeline_pattern_errors(p)  # as `plan` reports them
    diags += eval_diagnostics(p)
    typer.echo(render_all(diags, loaded.path))
    if has_errors(diags):
        raise typer.Exit(ExitCode.INVALID)
    parts = [f"{len(p.stages)} stages"] if p.stages else []
    parts.append(f"{len(p.all_steps())} steps")
    if p.services:
        parts.append(f"{len(p.services)} services")
    typer.echo(f"{loaded.path} is valid: {', '.join(parts)}")
