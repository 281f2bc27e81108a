"""Hostile templates in a child process with a memory limit: each case of
``hostile_cases.py`` ends in its error with 1 GiB of address space for velarun, so memory stays
bounded. The limit is a soft one: the Starlark child velarun forks sets its own (Go's runtime
reserves gigabytes of address space it never uses, so it needs one counted from where it
starts). The timeout is a guard only."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.unit.cli.hostile_cases import CASES, Case
from tests.unit.cli.test_hostile_templates import expected, normalized

GIB = 1 << 30
COMMANDS = ("validate", "plan", "exec")


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (GIB, resource.RLIM_INFINITY))


@pytest.mark.parametrize(
    ("case", "command"),
    [
        pytest.param(case, COMMANDS[i % 3], id=f"{case.id} ({COMMANDS[i % 3]})")
        for i, case in enumerate(CASES)
        if case.bounded
    ],
)
def test_a_hostile_template_ends_within_bounded_memory(
    case: Case, command: str, tmp_path: Path
) -> None:
    for name, text in case.files.items():
        (tmp_path / name).write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "velarun", command, *case.args],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limited,
        check=False,
    )
    said = done.stdout + done.stderr if command == "validate" else done.stderr
    assert (done.returncode, normalized(said)) == (2, expected(case, 5.0))


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def ended(pid: int) -> bool:
    """Gone, or a zombie waiting for its new parent."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT])
def test_the_starlark_child_ends_with_velarun(tmp_path: Path, signum: signal.Signals) -> None:
    """velarun stopped while a Starlark template loops (in Go, reading nothing): the child that
    runs it is killed with it, by the kernel when velarun gets no chance to stop it."""
    case = next(c for c in CASES if c.id == "starlark loop to the limit")
    for name, text in case.files.items():
        (tmp_path / name).write_text(text)
    velarun = subprocess.Popen(
        [sys.executable, "-m", "velarun", "plan"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        restore_signals=True,
    )
    guard = time.monotonic() + 30
    while not (kids := children(velarun.pid)) and time.monotonic() < guard:
        time.sleep(0.05)
    assert len(kids) == 1
    velarun.send_signal(signum)
    assert velarun.wait(timeout=30) == (130 if signum == signal.SIGINT else -signal.SIGKILL)
    while not ended(kids[0]) and time.monotonic() < guard:
        time.sleep(0.05)
    assert ended(kids[0])
