"""``velarun exec`` on a pseudo-terminal whose output is read by a terminal emulator (pyte):
every screen it showed, and the last one, as a person would have seen them."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT
from tests.screens import replay


@dataclass(frozen=True)
class Screens:
    code: int
    frames: list[list[str]]
    """Every screen shown, as it was before each carriage return (where every redraw and
    every line begins): its lines, right-stripped, trailing blank lines cut."""
    raw: bytes

    @property
    def final(self) -> list[str]:
        return self.frames[-1] if self.frames else []


def run_on_screen(
    cwd: Path, args: list[str], rows: int = 50, columns: int = 120, timeout: float = 120
) -> Screens:
    """Run ``velarun exec ARGS`` with a terminal as stdin, stdout and stderr until it ends."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VELARUN_NO_GIT": "1", "TERM": "xterm"}
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "velarun", "exec", *args],
        cwd=cwd,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        env=env,
    )
    os.close(slave)
    raw = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # the other side closed
                break
            if not data:
                break
            raw += data
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return Screens(code, replay(raw, rows, columns), raw)
