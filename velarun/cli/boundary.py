"""The command line's boundary: velarun's errors become their message, hint and exit code;
nothing else of them reaches the user (an unexpected exception is handled in ``main``)."""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

from velarun.errors import VelarunError

P = ParamSpec("P")
R = TypeVar("R")


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """``text`` on stdout (stderr with ``err``), flushed, as ``click.echo`` wrote it."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n" if nl else text)
    stream.flush()


def guarded(command: Callable[P, R]) -> Callable[P, R]:
    """A command whose :class:`VelarunError` is printed (``error: ...`` and the hint) and
    ends it with the error's exit code."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except VelarunError as exc:
            echo(exc.render(), err=True)
            raise SystemExit(int(exc.exit_code)) from None

    return run


def exit_now(code: int) -> NoReturn:
    """Exit with ``code``, even when a worker thread is still blocked in an engine call that
    the run abandoned (a pull that never answers): the interpreter would wait for it."""
    main = threading.main_thread()
    if any(t is not main and t.is_alive() and not t.daemon for t in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    raise SystemExit(code)
