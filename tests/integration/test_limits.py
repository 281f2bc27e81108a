"""`--timeout`, `--parallel` and `--pull` on the real engine, with the locally built test image:
a hung step ends at the time limit as the worker ends it and leaves nothing; stages take turns
under `--parallel`; `--pull never` holds over a step's own policy."""

from __future__ import annotations

import itertools
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.integration.test_exec import IMG, report, velarun

pytestmark = pytest.mark.docker


def test_a_hung_step_ends_at_the_timeout_with_the_worker_s_statuses(workspace: Path) -> None:
    pipeline = f"""version: "1"
steps:
  - {{name: hang, image: {IMG}, pull: never, commands: [sleep 60]}}
  - {{name: after, image: {IMG}, pull: never, commands: ['true']}}
"""
    began = time.monotonic()
    proc = velarun(workspace, pipeline, "--timeout", "2s")
    took = time.monotonic() - began
    assert proc.returncode == 1, proc.stderr
    assert took < 10, f"took {took:.1f}s"  # a bound on a hang, not a speed check
    rep = report(workspace)
    assert (rep["status"], rep["exit_code"], rep["error"]) == (
        "error",
        1,
        "the build timed out after 2s",
    )
    assert [(s["name"], s["status"], s["exit_code"], s["reason"]) for s in rep["steps"]] == [
        (
            "hang",
            "failure",
            137,
            "the build timed out after 2s: killed (context deadline exceeded)",
        ),
        ("after", "killed", 137, "not run: the build timed out after 2s"),
    ]
    assert "build error in" in proc.stderr and "the build timed out after 2s" in proc.stderr


def spans(rep: dict[str, object]) -> list[tuple[datetime, datetime]]:
    stages = rep["stages"]
    assert isinstance(stages, list)
    return sorted(
        (datetime.fromisoformat(st["started_at"]), datetime.fromisoformat(st["finished_at"]))
        for st in stages
    )


FOUR = 'version: "1"\nstages:\n' + "".join(
    f"  s{i}:\n    steps:\n      - {{name: x, image: {IMG}, pull: never, commands: [sleep 1]}}\n"
    for i in range(4)
)


def most_at_once(times: list[tuple[datetime, datetime]]) -> int:
    edges = sorted([(a, 1) for a, _ in times] + [(b, -1) for _, b in times])
    running = peak = 0
    for _, change in edges:  # an end sorts before a start at the same instant
        running += change
        peak = max(peak, running)
    return peak


@pytest.mark.parametrize("limit", [1, 2])
def test_parallel_runs_at_most_n_stages_at_once(workspace: Path, limit: int) -> None:
    proc = velarun(workspace, FOUR, "--parallel", str(limit))
    assert proc.returncode == 0, proc.stderr
    times = spans(report(workspace))
    assert most_at_once(times) == limit
    if limit == 1:
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(times))


def test_pull_never_holds_over_a_step_s_own_policy(workspace: Path) -> None:
    pipeline = """version: "1"
steps:
  - {name: build, image: "velarun-test/does-not-exist:1", pull: always, commands: [echo]}
"""
    proc = velarun(workspace, pipeline, "--pull", "never")
    assert proc.returncode == 3
    assert report(workspace)["steps"][0]["reason"] == (
        "step `build`: image `velarun-test/does-not-exist:1` is not present locally and its"
        " pull policy is `never`"
    )
