"""Hostile templates through the command line (issue 17): a Go template that ranges over a
huge count, a Starlark template that loops to the limit, one that renders 1 GB of text, a
template that includes itself. ``validate``, ``plan`` and ``exec`` each end with exit 2 and
one positioned error with a hint, having started nothing (``validate`` prints its diagnostics
on standard output, the others on standard error). The cases are in ``hostile_cases.py``;
``test_hostile_bounded.py`` runs them again in a child process with a memory limit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from tests.unit.cli.hostile_cases import CASES, Case
from velarun.cli import app
from velarun.template import starlark_worker

runner = CliRunner()

RUNS = [
    pytest.param(case, command, id=f"{case.id} ({command})")
    for case in CASES
    for command in case.commands
]


def expected(case: Case, seconds: float) -> str:
    return case.stderr.replace("{seconds}", f"{seconds:g}")


def normalized(text: str) -> str:
    """The depth Python's stack allows a template calling itself varies with the caller's."""
    return re.sub(r"template depth \(\d+: Python", "template depth ({depth}: Python", text)


@pytest.mark.parametrize(("case", "command"), RUNS)
def test_a_hostile_template_ends_in_one_positioned_error(
    case: Case,
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(starlark_worker, "SECONDS", 1.0)  # quick tests; the default is 5 s
    for name, text in case.files.items():
        (tmp_path / name).write_text(text)
    result = runner.invoke(app, [command, *case.args])
    said = result.stdout + result.stderr if command == "validate" else result.stderr
    assert (result.exit_code, normalized(said)) == (2, expected(case, 1.0))
    if command != "validate":
        assert result.stdout == ""
    assert starlark_worker._CHILD == []  # stopped after the expansion
