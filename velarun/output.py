"""Writing to stdout and stderr when their reader may go away (`velarun exec | head`).

A closed pipe is not an internal error: the write reports it, the stream's descriptor is
pointed at /dev/null (so no later write, the interpreter's own flush at exit included, fails
again), and the caller decides what it means (``exec`` cancels the build).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TextIO


def write_to(stream: TextIO, text: str, *, flush: bool = True) -> bool:
    """Write ``text`` (and flush); False when the reader has gone away."""
    try:
        if text:
            stream.write(text)
        if flush:
            stream.flush()
    except BrokenPipeError:
        silence(stream)
        return False
    return True


def silence(stream: TextIO) -> None:
    """Point ``stream``'s descriptor at /dev/null; nothing for a stream without one."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class Closable:
    """The build's output stream: writes stop at the first closed pipe, which is reported
    once to ``on_closed``."""

    def __init__(self, stream: TextIO, on_closed: Callable[[], None] | None = None) -> None:
        self.stream = stream
        self.closed = False
        self._on_closed = on_closed

    def put(self, text: str, *, flush: bool = True) -> None:
        if not self.closed and not write_to(self.stream, text, flush=flush):
            self.closed = True
            if self._on_closed is not None:
                self._on_closed()


class OutputGone:
    """Called when the reader of the build's output has gone away: runs ``then`` once. Set
    ``then`` after the fact and it runs at once (the pipe closed before the run began)."""

    def __init__(self) -> None:
        self.gone = False
        self._then: Callable[[], None] | None = None

    def __call__(self) -> None:
        if self.gone:
            return
        self.gone = True
        if self._then is not None:
            self._then()

    def then(self, action: Callable[[], None]) -> None:
        self._then = action
        if self.gone:
            action()


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal (a closed one is not)."""
    try:
        return stream.isatty()
    except ValueError:
        return False


def use_color(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """Colour for a terminal, unless ``NO_COLOR`` is set (no-color.org); ``FORCE_COLOR``
    asks for it anyway (a pager that shows colour, CI logs); never for ``TERM=dumb``."""
    env = os.environ if env is None else env
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty() and env.get("TERM") != "dumb"
    except ValueError:  # a closed stream
        return False
