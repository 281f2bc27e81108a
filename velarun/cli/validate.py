"""``velarun validate``: every problem of a pipeline with its position."""

from __future__ import annotations

from velarun.cli.args import Args, Command
from velarun.cli.boundary import echo, guarded
from velarun.cli.options import FILE_ARG, FILE_OPT, PIPELINE_TYPE, TEMPLATE_FILE, pipeline_path
from velarun.errors import ExitCode


@guarded
def validate(args: Args) -> None:
    """Check a pipeline and print every problem with its position. Exit 0 if valid, 2 if not.

    Templates are expanded (every templated step, as no rule data prunes any) and checked
    with the pipeline."""
    from velarun.compile.eval_check import eval_diagnostics
    from velarun.compile.patterns import pipeline_pattern_errors
    from velarun.diagnostics import has_errors, render_all
    from velarun.prepare import InvalidPipelineError, load_and_expand

    try:
        loaded, expansion = load_and_expand(
            pipeline_path(args.path("file"), args.path("file_opt")),
            None,
            pipeline_type=args.maybe_text("pipeline_type"),
            template_files=tuple(args.texts("template_file")),
        )
    except InvalidPipelineError as exc:
        echo(exc.message)
        raise SystemExit(ExitCode.INVALID) from None
    p = expansion.pipeline
    assert p is not None
    diags = list(expansion.diagnostics)
    diags += pipeline_pattern_errors(p)  # as `plan` reports them
    diags += eval_diagnostics(p)
    echo(render_all(diags, loaded.path))
    if has_errors(diags):
        raise SystemExit(ExitCode.INVALID)
    parts = [f"{len(p.stages)} stages"] if p.stages else []
    parts.append(f"{len(p.all_steps())} steps")
    if p.services:
        parts.append(f"{len(p.services)} services")
    echo(f"{loaded.path} is valid: {', '.join(parts)}")


COMMAND = Command(
    "validate",
    validate.__doc__ or "",
    (FILE_ARG, FILE_OPT, TEMPLATE_FILE, PIPELINE_TYPE),
    validate,
)
