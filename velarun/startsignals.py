"""Stop signals from the first instant, before any command's own handling exists.

The entry point calls :func:`hold` first thing: from then on Ctrl-C, SIGTERM and SIGHUP (each
unless it was ignored from the start, as SIGHUP is under ``nohup``) are recorded instead of
killing the process while the interpreter imports the command and parses its arguments.
Whoever takes over installs its own handling first and only then calls :func:`raise_held`:
a signal that came before is acted on there, one that comes after meets the new handler, and
none is lost in between. Commands with no handling of their own call :func:`release`.

Imports nothing but :mod:`signal` (and :mod:`typing`, loaded already): it runs before
everything else.
"""

from __future__ import annotations

import signal
from typing import Any

STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_held: list[int] = []
_replaced: dict[int, Any] = {}
"""The handlers :func:`hold` replaced, by signal number."""


def _record(signum: int, _frame: object) -> None:
    _held.append(signum)


def hold() -> None:
    """From now on a stop signal is held as pending, not acted on (main thread only)."""
    _held.clear()
    _replaced.clear()
    for signum in STOPS:
        if signal.getsignal(signum) is not signal.SIG_IGN:  # ignored from the start: stays so
            _replaced[signum] = signal.signal(signum, _record)


def holding(signum: int) -> bool:
    """Whether ``signum`` is still held by :func:`hold` (no handling has taken it over)."""
    return signal.getsignal(signum) is _record


def held() -> tuple[signal.Signals, ...]:
    """The stop signals held so far, in order of arrival."""
    return tuple(signal.Signals(signum) for signum in _held)


def raise_held() -> None:
    """A stop held until now interrupts here as Ctrl-C does (``KeyboardInterrupt``). Call it
    after installing the handling that takes over."""
    if _held:
        _held.clear()
        raise KeyboardInterrupt


def release() -> None:
    """The handlers the process started with, back; then a stop held meanwhile is raised
    (``KeyboardInterrupt``): for a command with no handling of its own."""
    for signum, handler in _replaced.items():
        if holding(signum) and handler is not None:  # None: not set from Python; left alone
            signal.signal(signum, handler)
    _replaced.clear()
    raise_held()
