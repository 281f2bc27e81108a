"""The user's terminal for an interactive shell in a container: raw mode, its size, and the
byte pump between it and a container's attach socket. Standard library only; the engine's
side is :mod:`velarun.runtime.docker_shell`.

The pump is one blocking loop (``select`` on the terminal, the socket and a stop pipe), run in
a worker thread: it ends when the container closes the socket (the shell exited) or when the
stop pipe is written (the run was cancelled).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import termios
import tty
from collections.abc import Iterator

CHUNK = 65536


@contextlib.contextmanager
def raw_terminal(fd: int) -> Iterator[None]:
    """``fd`` in raw mode (every key goes to the container, Ctrl-C included), restored on
    the way out whatever happens. Output processing stays on: a line velarun writes meanwhile
    (another stage's log) still starts at the left margin. Not a terminal: left alone."""
    if not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd)
        mode = termios.tcgetattr(fd)
        mode[1] = saved[1]  # oflag: as it was (OPOST, ONLCR)
        termios.tcsetattr(fd, termios.TCSANOW, mode)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def terminal_size(fd: int) -> tuple[int, int] | None:
    """``(rows, columns)`` of the terminal on ``fd``; None when it is not one."""
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return None
    return size.lines, size.columns


def output_fd() -> int:
    """Where the shell's output goes: stdout when it is the terminal, else the terminal on
    stdin (a terminal is opened for reading and writing)."""
    return 1 if os.isatty(1) else 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def pump(fd_in: int, fd_out: int, sock: socket.socket, stop: int) -> None:
    """Blocking: copy ``fd_in`` to ``sock`` and ``sock`` to ``fd_out`` until the socket ends
    or ``stop`` (a pipe's reading end, closed here) becomes readable. End of input half-closes
    the socket, so the shell sees end of file."""
    watch: list[int | socket.socket] = [sock, stop, fd_in]
    try:
        while True:
            ready, _, _ = select.select(watch, [], [])
            if stop in ready:
                return
            if sock in ready:
                data = sock.recv(CHUNK)
                if not data:
                    return
                _write_all(fd_out, data)
            if fd_in in ready:
                data = os.read(fd_in, CHUNK)
                if data:
                    sock.sendall(data)
                else:
                    watch.remove(fd_in)
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_WR)
    finally:
        os.close(stop)
