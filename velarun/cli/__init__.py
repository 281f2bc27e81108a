"""The command line: ``velarun validate | plan | exec | clean | bench`` and ``--version``.

One module per command; the options ``plan`` and ``exec`` share are declared once
(:mod:`~velarun.cli.options`). Exit codes are :class:`velarun.errors.ExitCode`. No traceback
reaches the user: velarun's errors are printed by :func:`~velarun.cli.boundary.guarded`, and
an unexpected exception is written to a file and reported in one line with exit 4.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from typing import Annotated

import typer

from velarun import __version__
from velarun.cli import bench, clean, plan, validate
from velarun.cli import exec as exec_command
from velarun.cli.boundary import guarded
from velarun.errors import ExitCode, UsageError

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


app.command()(validate.validate)
app.command()(plan.plan)
app.command("exec")(exec_command.exec_)
app.command()(bench.bench)
app.command()(clean.clean)


def main() -> None:
    """Entry point: ``velarun`` and ``python -m velarun``."""
    if sys.argv[1:] in (["--version"], ["-V"]):  # fast path: no command machinery needed
        print(f"velarun {__version__}")
        return
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(ExitCode.INTERRUPTED)
    except Exception:  # the boundary: an internal error is reported, never dumped
        with tempfile.NamedTemporaryFile(
            "w", prefix="velarun-crash-", suffix=".log", delete=False
        ) as log:
            traceback.print_exc(file=log)
        print(
            f"velarun: internal error; details in {log.name}. Please report it with that file.",
            file=sys.stderr,
        )
        sys.exit(ExitCode.INTERNAL)
