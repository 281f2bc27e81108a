"""``velarun validate``: every problem of a pipeline with its position."""

from __future__ import annotations

from pathlib import Path

import typer

from velarun.cli.boundary import guarded
from velarun.cli.options import FileArg, FileOpt, pipeline_path
from velarun.errors import ExitCode


@guarded
def validate(file: FileArg = None, file_opt: FileOpt = None) -> None:
    """Check a pipeline and print every problem with its position. Exit 0 if valid, 2 if not."""
    from velarun.compile.eval_check import eval_diagnostics
    from velarun.compile.patterns import pipeline_pattern_errors
    from velarun.diagnostics import has_errors, render_all
    from velarun.load import find_pipeline, load_file

    result = load_file(pipeline_path(file, file_opt) or find_pipeline(Path(".")))
    diags = list(result.diagnostics)
    if result.pipeline is not None:
        diags += pipeline_pattern_errors(result.pipeline)  # as `plan` reports them
        diags += eval_diagnostics(result.pipeline)
    typer.echo(render_all(diags, result.path))
    if not result.ok or result.pipeline is None or has_errors(diags):
        raise typer.Exit(ExitCode.INVALID)
    p = result.pipeline
    parts = [f"{len(p.stages)} stages"] if p.stages else []
    parts.append(f"{len(p.all_steps())} steps")
    if p.services:
        parts.append(f"{len(p.services)} services")
    typer.echo(f"{result.path} is valid: {', '.join(parts)}")
