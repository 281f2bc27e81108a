"""``velarun exec`` on a pseudo-terminal, driven as a person would: wait for text, type."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from tests.conftest import ROOT


class Terminal:
    """velarun with a pseudo-terminal (``rows`` x ``columns``) as stdin, stdout and stderr."""

    def __init__(self, cwd: Path, args: list[str], rows: int = 40, columns: int = 120) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.saved = termios.tcgetattr(slave)
        self.slave = slave
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "velarun", "exec", *args],
            cwd=cwd,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), "VELARUN_NO_GIT": "1", "NO_COLOR": "1"},
        )
        self.seen = ""
        self.last = ""

    def expect(self, text: str, timeout: float = 30.0) -> None:
        """Read until ``text`` has appeared since the last match."""
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                raise AssertionError(f"{text!r} never came; the terminal shows:\n{self.seen}")
        at = self.seen.index(text)
        self.last = self.seen[:at]
        """What came before the match (since the previous one)."""
        self.seen = self.seen[at + len(text) :]

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], min(timeout, 1.0))
        if not ready:
            return self.proc.poll() is None
        try:
            data = os.read(self.master, 65536)
        except OSError:  # the other side closed
            return False
        text = data.decode(errors="replace")
        if "\x1b[6n" in text:  # busybox's line editor asks where the cursor is: answer
            os.write(self.master, b"\x1b[1;1R")
        self.seen += text
        return bool(data)

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def resize(self, rows: int, columns: int) -> None:
        """The window changes size: the terminal's new size, and SIGWINCH to velarun (its
        terminal is not its controlling one, so the kernel would not send it)."""
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.proc.send_signal(signal.SIGWINCH)

    def interrupt(self) -> None:
        """SIGINT to velarun itself (``kill -INT``), not through the terminal."""
        self.proc.send_signal(signal.SIGINT)

    def finish(self, timeout: float = 60.0) -> tuple[int, str]:
        """velarun's exit code and everything it printed after the last match."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.2)
        while self._read(0.1):
            pass
        code = self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        return code, self.seen

    def restored(self) -> bool:
        """Whether the terminal is back in the mode it was in before velarun (not raw)."""
        return termios.tcgetattr(self.slave)[3] == self.saved[3]

    def close(self) -> None:
        """A test that failed half-way: velarun is interrupted, so it cleans up."""
        if self.proc.poll() is None:
            self.interrupt()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.close(self.master)
        os.close(self.slave)
