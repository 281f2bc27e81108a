"""The command line: ``velarun validate | plan | exec | clean | bench`` and ``--version``.

One module per command; the options ``plan`` and ``exec`` share are declared once
(:mod:`~velarun.cli.options`); the app is put together in :mod:`~velarun.cli.commands`, imported
only when a command runs, so ``velarun --version`` answers at once; options are parsed by
:mod:`~velarun.cli.args`. Exit codes are
:class:`velarun.errors.ExitCode`. No traceback reaches the user: velarun's errors are printed
by :func:`~velarun.cli.boundary.guarded`, and an unexpected exception is written to a file and
reported in one line with exit 4. Stop signals are held from the first instant
(:mod:`velarun.startsignals`) until the command, once known and its arguments parsed, takes
them over: ``exec`` in its run (:func:`velarun.lifecycle.execute`), the others by ending with
exit 130 as Ctrl-C does.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from velarun import __version__, startsignals
from velarun.errors import ExitCode


def __getattr__(name: str) -> Any:
    """``velarun.cli.app``, the app (:mod:`~velarun.cli.commands`), loaded when asked for."""
    if name == "app":
        from velarun.cli.commands import app

        return app
    raise AttributeError(name)


def main() -> None:
    """Entry point: ``velarun`` and ``python -m velarun``."""
    if sys.argv[1:] in (["--version"], ["-V"]):  # fast path: no command machinery needed
        print(f"velarun {__version__}")
        return
    startsignals.hold()  # before the heavy imports: a stop from now on is held, not fatal
    try:
        from velarun.cli.commands import app

        app.main()
    except KeyboardInterrupt:
        sys.exit(ExitCode.INTERRUPTED)
    except BrokenPipeError:  # the reader went away (`velarun plan | head`): exit 1, quietly
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (the interpreter flushes it at exit)
        sys.exit(ExitCode.FAILED)
    except Exception:  # the boundary: an internal error is reported, never dumped
        import tempfile
        import traceback

        with tempfile.NamedTemporaryFile(
            "w", prefix="velarun-crash-", suffix=".log", delete=False
        ) as log:
            traceback.print_exc(file=log)
        print(
            f"velarun: internal error; details in {log.name}. Please report it with that file.",
            file=sys.stderr,
        )
        sys.exit(ExitCode.INTERNAL)
