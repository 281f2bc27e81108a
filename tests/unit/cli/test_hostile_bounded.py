"""Hostile templates in a child process with a memory limit: each case of
``hostile_cases.py`` ends in its error with 1 GiB of address space for velarun, so memory stays
bounded. The limit is a soft one: the Starlark child velarun forks sets its own (Go's runtime
reserves gigabytes of address space it never uses, so it needs one counted from where it
starts). The timeout is a guard only."""

from __future__ import annotations

import resource
import subprocess
import sys
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
