"""The command line: ``velarun validate | plan | exec | clean`` and ``--version``.

Exit codes (DESIGN.md): 0 success, 1 build failed, 2 invalid pipeline or usage, 3 environment
failure, 4 internal error, 130 interrupted. No traceback reaches the user: an unexpected exception
is written to a file and reported in one line with exit 4.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from pathlib import Path
from typing import Annotated

import typer

from velarun import __version__

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 4

app = typer.Typer(
    name="velarun",
    help="Run Vela CI pipelines locally, with the Vela server's semantics.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"velarun {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Run Vela CI pipelines locally, with the Vela server's semantics."""


FileArg = Annotated[
    Path | None,
    typer.Argument(help="Pipeline file (default: .vela.yml, then .vela.yaml).", show_default=False),
]
FileOpt = Annotated[
    Path | None,
    typer.Option("--file", "-f", help="Pipeline file (same as the argument).", show_default=False),
]


def _pipeline_path(arg: Path | None, opt: Path | None) -> Path:
    from velarun.load import find_pipeline

    if arg is not None and opt is not None and arg != opt:
        typer.echo("error: give the pipeline file once, as FILE or with --file", err=True)
        raise typer.Exit(EXIT_INVALID)
    chosen = arg or opt
    return chosen if chosen is not None else find_pipeline(Path("."))


@app.command()
def validate(file: FileArg = None, file_opt: FileOpt = None) -> None:
    """Check a pipeline and print every problem with its position. Exit 0 if valid, 2 if not."""
    from velarun.diagnostics import render_all
    from velarun.load import load_file

    path = _pipeline_path(file, file_opt)
    result = load_file(path)
    typer.echo(render_all(result.diagnostics, result.path))
    if not result.ok or result.pipeline is None:
        raise typer.Exit(EXIT_INVALID)
    p = result.pipeline
    parts = [f"{len(p.stages)} stages"] if p.stages else []
    parts.append(f"{len(p.all_steps())} steps")
    if p.services:
        parts.append(f"{len(p.services)} services")
    typer.echo(f"{result.path} is valid: {', '.join(parts)}")


def main() -> None:
    """Entry point: ``velarun`` and ``python -m velarun``."""
    if sys.argv[1:] in (["--version"], ["-V"]):  # fast path: no command machinery needed
        print(f"velarun {__version__}")
        return
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception:  # the boundary: an internal error is reported, never dumped
        with tempfile.NamedTemporaryFile(
            "w", prefix="velarun-crash-", suffix=".log", delete=False
        ) as log:
            traceback.print_exc(file=log)
        print(
            f"velarun: internal error; details in {log.name}. Please report it with that file.",
            file=sys.stderr,
        )
        sys.exit(EXIT_INTERNAL)
