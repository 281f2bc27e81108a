"""``exec --shell-on-failure``, ``--break-before``, ``--shell`` on the FakeRuntime: refusals
before anything runs (exit 2, a report all the same), and the shell's notices in a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from velarun.cli import app
from velarun.cli.exec import Deps
from velarun.lifecycle import Engine
from velarun.runtime.fake import FakeRuntime, FakeStep

runner = CliRunner()
PIPELINE = """version: "1"
steps:
  - {name: one, image: alpine, commands: [a]}
  - {name: two, image: alpine, commands: [b]}
"""


def invoke(
    tmp: Path, args: list[str], terminal: bool, fake: FakeRuntime | None = None
) -> tuple[int, str, str]:
    path = tmp / ".vela.yml"
    path.write_text(PIPELINE)

    def open_runtime(run_id: str) -> Engine:
        if fake is None:
            raise AssertionError("the engine was opened")
        return fake

    deps = Deps(open_runtime, run_id="r1", terminal=lambda: terminal)
    result = runner.invoke(app, ["exec", str(path), *args], obj=deps)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "terminal", "stderr"),
    [
        (
            ["--shell-on-failure"],
            False,
            "error: --shell-on-failure needs a terminal on stdin, and stdin is not one\n"
            "  hint: run velarun from an interactive terminal, or leave the flag out\n",
        ),
        (
            ["--break-before", "two", "--shell-on-failure"],
            False,
            "error: --shell-on-failure and --break-before needs a terminal on stdin, and stdin"
            " is not one\n"
            "  hint: run velarun from an interactive terminal, or leave the flag out\n",
        ),
        (
            ["--shell", "/bin/bash"],
            True,
            "error: --shell is used only with --shell-on-failure or --break-before\n"
            "  hint: add one of them, or leave --shell out\n",
        ),
        (
            ["--break-before", "three"],
            True,
            "error: --break-before: no step `three` in the plan\n  hint: steps: `one`, `two`\n",
        ),
    ],
)
def test_refused_before_the_run(
    tmp_path: Path, args: list[str], terminal: bool, stderr: str
) -> None:
    report = tmp_path / "r.json"
    code, out, err = invoke(tmp_path, [*args, "--report", str(report)], terminal)
    assert (code, out, err) == (2, "", stderr)
    assert json.loads(report.read_text())["exit_code"] == 2


def test_a_run_with_shells_says_when_each_opens_and_closes(tmp_path: Path) -> None:
    fake = FakeRuntime({"two": FakeStep(exit_code=4, shell_exit=0)}, run_id="r1")
    args = ["--shell-on-failure", "--break-before", "two"]
    code, _, err = invoke(tmp_path, args, True, fake)
    assert code == 1
    assert [r.failed is not None for r in fake.shells] == [False, True]
    shell_lines = [line for line in err.splitlines() if " shell " in line]
    assert shell_lines == [
        "velarun: a shell (/bin/sh) in step two, before it starts: `exit` or Ctrl-D leaves it"
        " and the build goes on",
        "velarun: the shell in step two ended (exit 0); the build goes on",
        "velarun: a shell (/bin/sh) in step two, where it failed with exit code 4: `exit` or"
        " Ctrl-D leaves it and the build goes on",
        "velarun: the shell in step two ended (exit 0); the build goes on",
    ]
