"""``velarun bench``: N trivial steps per phase on the local engine, beside the bare floor."""

from __future__ import annotations

import os
import signal
from typing import Annotated

import typer

from velarun.cli.boundary import guarded
from velarun.errors import ExitCode

StepsOpt = Annotated[int, typer.Option("--steps", "-n", min=1, help="Trivial steps to run.")]
ImageOpt = Annotated[
    str, typer.Option("--image", help="Image for the steps (pulled if not present).")
]


@guarded
def bench(steps: StepsOpt = 10, image: ImageOpt = "velarun-test/busybox:latest") -> None:
    """Time N trivial steps per phase on the local engine, next to bare Docker SDK cycles."""
    from velarun.bench import render, run_bench
    from velarun.interrupts import stop_signals

    # SIGTERM and SIGHUP as Ctrl-C: whichever SIGINT handler is active then (the event loop's
    # during velarun's run) cancels, and what was created is removed. A SIGINT ignored from
    # the start (a background job of a script) would swallow them: it interrupts here too.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in stop_signals()[1:]:
        signal.signal(signum, lambda *_: os.kill(os.getpid(), signal.SIGINT))
    try:
        result = run_bench(steps, image)  # an unreachable engine: its own error, exit 3
    except KeyboardInterrupt:
        typer.echo("velarun: bench interrupted; what it created is removed", err=True)
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    typer.echo(render(result))
