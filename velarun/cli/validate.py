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
    from velarun.diagnostics import render_all
    from velarun.load import find_pipeline, load_file

    result = load_file(pipeline_path(file, file_opt) or find_pipeline(Path(".")))
    typer.echo(render_all(result.diagnostics, result.path))
    if not result.ok or result.pipeline is None:
        raise typer.Exit(ExitCode.INVALID)
    p = result.pipeline
    parts = [f"{len(p.stages)} stages"] if p.stages else []
    parts.append(f"{len(p.all_steps())} steps")
    if p.services:
        parts.append(f"{len(p.services)} services")
    typer.echo(f"{result.path} is valid: {', '.join(parts)}")
