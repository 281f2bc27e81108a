"""`velarun exec --timeout/--parallel/--pull` through the command line, on the FakeRuntime:
what is refused before the run (exit 2, one line), and a build past its time limit (exit 1,
the report's statuses and reason)."""

from __future__ import annotations

import json
import re
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
  - {name: hang, image: img, pull: never, commands: [sleep 60]}
  - {name: next, image: img, pull: never, commands: ['true']}
"""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--timeout", "soon"],
            "error: --timeout `soon` is not a duration\n  hint: write minutes (`30`) or a"
            " duration such as `90s`, `10m`, `1h30m`; `0` for none\n",
        ),
        (
            ["--parallel", "0"],
            "error: --parallel 0: at least one stage must run\n"
            "  hint: leave --parallel out for no limit\n",
        ),
        (
            ["--pull", "sometimes"],
            "error: --pull `sometimes` is not always, not_present, on_start or never\n",
        ),
    ],
)
def test_limits_that_cannot_be_honoured_stop_before_the_run(
    tmp_path: Path, args: list[str], message: str
) -> None:
    pipeline = tmp_path / "p.yml"
    pipeline.write_text(PIPELINE)
    result = runner.invoke(app, ["exec", "-f", str(pipeline), "--no-git", *args])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)


def test_a_build_past_its_timeout_exits_1_with_the_worker_s_statuses(tmp_path: Path) -> None:
    pipeline = tmp_path / "p.yml"
    pipeline.write_text(PIPELINE)
    fakes: list[FakeRuntime] = []

    def open_runtime(run_id: str) -> Engine:
        fakes.append(FakeRuntime({"hang": FakeStep(delay=30)}, run_id=run_id))
        return fakes[-1]

    report = tmp_path / "r.json"
    result = runner.invoke(
        app,
        ["exec", "-f", str(pipeline), "--no-git", "--timeout", "500ms", "--report", str(report)],
        obj=Deps(open_runtime, run_id="t"),
    )
    assert result.exit_code == 1, result.stderr
    data = json.loads(report.read_text())
    assert (data["status"], data["exit_code"], data["error"]) == (
        "error",
        1,
        "the build timed out after 0.5s",
    )
    assert [(s["name"], s["status"], s["exit_code"], s["reason"]) for s in data["steps"]] == [
        (
            "hang",
            "failure",
            137,
            "the build timed out after 0.5s: killed (context deadline exceeded)",
        ),
        ("next", "killed", 137, "not run: the build timed out after 0.5s"),
    ]
    timed = re.sub(r"(  |in )\d+\.\ds", r"\1T", result.stderr)  # durations: the machine's
    assert timed.splitlines()[-5:] == [
        "STEP  STAGE  STATUS   EXIT  DURATION",
        "hang  -      failure  137   T",
        "next  -      killed   137   -",
        "build error in T (exit 1): the build timed out after 0.5s",
        "  hint: raise --timeout (30m by default, as Vela's; 0 for none), or find the step that"
        " hangs",
    ]
    assert fakes[0].leftovers() == []
