"""Starlark templates run in a child process, bounded in time and memory.

The Vela server stops a Starlark template after a number of execution steps
(``--compiler-starlark-exec-limit``, 7500 by default: go.starlark.net's
``Thread.SetMaxExecutionSteps``). The ``starlark-go`` 1.0.1 binding velarun renders with gives
no way to set that limit, nor to cancel a running template (it holds the thread in Go until
the template ends), nor to bound the memory go.starlark.net takes. So velarun renders Starlark
in a child process it can stop: :data:`SECONDS` of wall time, :data:`MEMORY` of address space
above what the child starts with (``RLIMIT_AS``, where the system has ``/proc``), and
:data:`~velarun.template.gotemplate.limits.MAX_TEXT` of rendered text, as for Go templates.

The child is forked on first use, when velarun (which never loads go.starlark.net itself) has
no Go runtime to break: it imports the binding once and renders every Starlark template of the
run, one request at a time over two pipes; the parent stops it at exit (:func:`stop`), after
a template went past a limit, and when the expansion ends. A template that stops the child
(its time or memory ran out) is a :class:`StarlarkLimitError`; the next one starts a new child.
Where ``os.fork`` does not exist, templates render in-process, with no limit.
"""

from __future__ import annotations

import atexit
import faulthandler
import gc
import os
import pickle
import select
import signal
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from velarun.template.gotemplate.errors import TemplateError
from velarun.template.gotemplate.limits import MAX_TEXT, LimitError, mib

__all__ = ["MEMORY", "SECONDS", "StarlarkError", "StarlarkLimitError", "render", "stop"]

SECONDS = 5.0
"""A real template renders in milliseconds; the server's step limit stops one far sooner."""
MEMORY = 512 * 1024 * 1024
"""Address space the child may take above what it starts with: a real template uses a few MiB."""

START_SECONDS = 60.0
"""How long the child may take to start (a few milliseconds on an idle machine)."""

LIMIT_HINT = (
    "make the template do less: loop over fewer items, build smaller strings and lists "
    "(the Vela server stops a Starlark template after 7500 execution steps by default, "
    "its --compiler-starlark-exec-limit)"
)
_HEADER = struct.Struct("!Q")

Render = Callable[..., str]
"""The in-process renderer: ``starlark._render`` with its keyword arguments and ``print``."""


class StarlarkError(TemplateError):
    """A Starlark template failed: the server's message, and where in the file when known
    (``line`` and ``col``, 1-based; syntax and resolve errors, and failures while running,
    at the innermost call in the file)."""


class StarlarkLimitError(LimitError):
    """A Starlark template went past velarun's time, memory or size limit (no position in
    the template: the child that ran it was stopped)."""


@dataclass(slots=True)
class _Child:
    pid: int
    requests: int
    """The pipe the parent writes requests to."""
    replies: int
    """The pipe the parent reads replies from."""


_CHILD: list[_Child] = []


def render(here: Render, request: dict[str, Any]) -> str:
    """``here(**request, print=...)`` run in the child; its text, or its error raised here."""
    if not hasattr(os, "fork"):
        return here(**request, print=_print)
    child = _child(here)
    try:
        _send(child.requests, request)
        reply = _receive(child, time.monotonic() + SECONDS)
    except BaseException:
        stop()
        raise
    if reply is None:
        raise _stopped(_reap(child))
    kind, prints, *rest = reply
    for message in prints:
        _print(message)
    if kind == "ok":
        return str(rest[0])
    if kind == "limit":
        raise StarlarkLimitError(rest[0], hint=LIMIT_HINT)
    if kind == "memory":
        stop()
        raise _stopped(None)
    message, line, col = rest
    if kind == "error":
        raise StarlarkError(message, line=line, col=col)
    raise RuntimeError(f"the Starlark child failed: {message}")


def stop() -> None:
    """Stop the child, if one runs (it also ends by itself when velarun exits)."""
    while _CHILD:
        child = _CHILD.pop()
        for fd in (child.requests, child.replies):
            os.close(fd)
        try:
            os.kill(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(child.pid, 0)


def too_large(size: int) -> str:
    return (
        f"the Starlark template returned {size} characters, more than velarun's limit of"
        f" {mib(MAX_TEXT)}"
    )


def _stopped(status: int | None) -> StarlarkLimitError:
    if status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
        what = f"ran for more than {SECONDS:g} s"
    else:
        what = f"took more than {mib(MEMORY)} of memory"
    return StarlarkLimitError(
        f"the Starlark template {what} and was stopped (velarun's limit)", hint=LIMIT_HINT
    )


def _print(message: str) -> None:
    """Starlark's ``print``: the server's threads print to standard error."""
    sys.stderr.write(message + "\n")


# --- the parent's side --------------------------------------------------------------------


def _child(here: Render) -> _Child:
    if _CHILD:
        return _CHILD[0]
    to_child, requests = os.pipe()
    replies, from_child = os.pipe()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child; its work is tested through the parent)
        try:
            os.close(requests)
            os.close(replies)
            _serve(here, to_child, from_child)
        finally:
            os._exit(0)
    os.close(to_child)
    os.close(from_child)
    if not _registered:
        atexit.register(stop)
        _registered.append(True)
    child = _Child(pid, requests, replies)
    _CHILD.append(child)
    # the time limit is the template's: the child's start (the import, Go's runtime) is not
    if _receive(child, time.monotonic() + START_SECONDS) != "ready":
        stop()
        raise StarlarkError(
            f"velarun's Starlark interpreter did not start within {START_SECONDS:g} s",
            hint="is the machine out of memory or processes? Try again",
        )
    return child


_registered: list[bool] = []


def _send(fd: int, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _receive(child: _Child, deadline: float) -> Any:
    """The child's reply; None when it ended first. Past the deadline, the child is killed."""
    chunks: list[bytes] = []
    want = _HEADER.size
    header = True
    while True:
        got = sum(len(c) for c in chunks)
        if got >= want:
            data = b"".join(chunks)
            if not header:
                return pickle.loads(data[:want])
            header, want = False, _HEADER.unpack(data[: _HEADER.size])[0]
            chunks = [data[_HEADER.size :]]
            continue
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([child.replies], [], [], left)[0]:
            os.kill(child.pid, signal.SIGKILL)
            return None
        chunk = os.read(child.replies, 1 << 20)
        if not chunk:
            return None
        chunks.append(chunk)


def _reap(child: _Child) -> int:
    """The child's end status (it has ended, or was killed), and it forgotten."""
    _CHILD.remove(child)
    os.close(child.requests)
    os.close(child.replies)
    return os.waitpid(child.pid, 0)[1]


# --- the child's side ---------------------------------------------------------------------


def _serve(here: Render, requests: int, replies: int) -> None:  # pragma: no cover
    """Answer requests until the parent closes its end (or dies)."""
    gc.freeze()  # what the parent made stays shared: no collection touches (copies) it
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # go.starlark.net's "fatal error: out of memory" and its dump
    faulthandler.disable()  # Go's abort there is expected: no dump of the parent's stack
    import starlark_go

    # Go's runtime starts in a thread of its own when the library loads, and reserves a large
    # address space; a first call waits for it, so that the limit is set after it.
    starlark_go.Starlark().eval("1")
    _limit_memory()
    _send(replies, "ready")
    while (request := _read(requests)) is not None:
        prints: list[str] = []
        _send(replies, _answer(here, request, prints))


def _answer(here: Render, request: dict[str, Any], prints: list[str]) -> tuple[Any, ...]:
    """What the child replies: its kind, the messages printed, then what the kind needs."""
    try:
        text = here(**request, print=prints.append)
    except StarlarkLimitError as error:
        return ("limit", prints, error.message)
    except StarlarkError as error:
        return ("error", prints, error.message, error.line, error.col)
    except MemoryError:
        return ("memory", prints)
    except Exception as error:  # velarun's own bug: said, not hidden
        return ("internal", prints, repr(error), None, None)
    if len(text) > MAX_TEXT:
        return ("limit", prints, too_large(len(text)))
    return ("ok", prints, text)


def _read(fd: int) -> Any:
    """One request; None at the end of the pipe."""
    data = b""
    want = _HEADER.size
    while len(data) < want:
        chunk = os.read(fd, max(want - len(data), 1 << 16))
        if not chunk:
            return None
        data += chunk
        if want == _HEADER.size and len(data) >= want:
            want += _HEADER.unpack(data[: _HEADER.size])[0]
    return pickle.loads(data[_HEADER.size : want])


def _die_with_parent() -> None:
    """Linux's ``PR_SET_PDEATHSIG``: killed when velarun ends, however it ends (a template
    looping in Go reads no end of pipe). Elsewhere the parent's :func:`stop` has to do."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent ended before the call
        os._exit(0)


def _limit_memory() -> None:
    """``RLIMIT_AS``: what the child has now plus :data:`MEMORY` (never above a hard limit
    it was given). Only where ``/proc`` says what it has."""
    import resource

    try:
        with open("/proc/self/status") as status:
            kib = next(int(ln.split()[1]) for ln in status if ln.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    limit = kib * 1024 + MEMORY
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
