"""``velarun bench``: N trivial steps per phase on the local engine, beside the bare floor."""

from __future__ import annotations

import os
import signal

from velarun.cli.args import Args, Command, Opt
from velarun.cli.boundary import echo, guarded
from velarun.errors import ExitCode

OPTIONS = (
    Opt("steps", ("--steps", "-n"), "Trivial steps to run.", kind="int", default=10, minimum=1),
    Opt(
        "image",
        ("--image",),
        "Image for the steps (pulled if not present).",
        default="velarun-test/busybox:latest",
        metavar="IMAGE",
    ),
)


@guarded
def bench(args: Args) -> None:
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
    steps = args.number("steps")
    assert steps is not None  # it has a default
    try:
        result = run_bench(steps, args.text("image"))  # an unreachable engine: exit 3
    except KeyboardInterrupt:
        echo("velarun: bench interrupted; what it created is removed", err=True)
        raise SystemExit(ExitCode.INTERRUPTED) from None
    echo(render(result))


COMMAND = Command("bench", bench.__doc__ or "", OPTIONS, bench)
