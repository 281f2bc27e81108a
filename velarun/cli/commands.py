"""The typer app: the root options and one command per module."""

from __future__ import annotations

from typing import Annotated

import typer

from velarun import __version__
from velarun.cli.bench import bench
from velarun.cli.boundary import guarded
from velarun.cli.clean import clean
from velarun.cli.exec import exec_
from velarun.cli.plan import plan
from velarun.cli.render import render
from velarun.cli.validate import validate
from velarun.errors import UsageError

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
@guarded
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    log_format: Annotated[
        str,
        typer.Option(
            "--log-format",
            help="velarun's own messages on stderr: console (plain lines) or json.",
        ),
    ] = "console",
) -> None:
    """Run Vela CI pipelines locally, with the Vela server's semantics."""
    from velarun import log

    if log_format not in ("console", "json"):
        raise UsageError(f"--log-format `{log_format}` is not console or json")
    log.configure(log_format)


app.command()(validate)
app.command()(plan)
app.command()(render)
app.command("exec")(exec_)
app.command()(bench)
app.command()(clean)
