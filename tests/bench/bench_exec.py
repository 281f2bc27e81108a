"""Benchmark (not a test): per-step overhead of `velarun exec` against the floor, and overlap.

    .venv/bin/python -m tests.bench.bench_exec [N ...]

For each N, in one run: N bare SDK create/start/wait/remove cycles of the test image with the
same network and mounts (the floor), then velarun running a pipeline of N sequential `true`
steps on the same engine (run set-up and teardown included on both sides). Then two stages
without `needs`, each `sleep 1`, to show they overlap. Medians of 3 runs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import anyio
import docker
import docker.types

from tests.conftest import TEST_IMAGE
from velarun.compile.compiler import compile_pipeline
from velarun.compile.plan import Plan
from velarun.compile.ruledata import build_ruledata
from velarun.load import load_bytes
from velarun.runtime import ContainerSpec
from velarun.runtime.docker import DockerRuntime
from velarun.schedule import RunOutcome, StageOutcome, StepOutcome, run_plan


class Quiet:
    def stage_started(self, stage: str) -> None: ...
    def step_started(self, spec: ContainerSpec) -> None: ...
    def log(self, spec: ContainerSpec, line: str) -> None: ...
    def step_finished(self, outcome: StepOutcome) -> None: ...
    def stage_finished(self, outcome: StageOutcome) -> None: ...
    def notice(self, message: str) -> None: ...


def floor(n: int, workspace: Path) -> float:
    client = docker.from_env()
    run_id = uuid.uuid4().hex[:12]
    labels = {"io.velarun.run-id": run_id}
    t0 = time.perf_counter()
    network = client.networks.create(f"velarun-{run_id}-network", labels=labels)
    volume = client.volumes.create(f"velarun-{run_id}-vela", labels=labels)
    mounts = [
        docker.types.Mount("/vela", volume.name, type="volume"),
        docker.types.Mount("/vela/src", str(workspace), type="bind"),
    ]
    for i in range(n):
        c = client.containers.create(
            TEST_IMAGE,
            ["true"],
            name=f"velarun-{run_id}-floor-{i}",
            labels=labels,
            mounts=mounts,
            network=network.name,
            working_dir="/vela/src",
        )
        c.start()
        c.wait()
        c.remove(force=True)
    network.remove()
    volume.remove(force=True)
    elapsed = time.perf_counter() - t0
    client.close()
    return elapsed


def plan_of(text: str) -> Plan:
    loaded = load_bytes(text.encode(), "bench.yml")
    assert loaded.pipeline is not None
    result = compile_pipeline(loaded.pipeline, build_ruledata())
    assert result.plan is not None
    return result.plan


def velarun(plan: Plan, workspace: Path) -> tuple[float, RunOutcome]:
    runtime = DockerRuntime(workspace, uuid.uuid4().hex[:12])
    runtime.connect()
    t0 = time.perf_counter()
    outcome = anyio.run(run_plan, plan, runtime, Quiet())
    elapsed = time.perf_counter() - t0
    runtime.close()
    assert outcome.status.value == "success", outcome
    return elapsed, outcome


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1, 10, 50]
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        print("| N | floor (s/step) | velarun (s/step) | ratio |\n|---|---|---|---|")
        for n in sizes:
            steps = "".join(
                f"  - {{name: s{i}, image: '{TEST_IMAGE}', pull: never, commands: ['true']}}\n"
                for i in range(n)
            )
            plan = plan_of(f'version: "1"\nsteps:\n{steps}')
            floors, ours = [], []
            for _ in range(3):
                floors.append(floor(n, ws) / n)
                ours.append(velarun(plan, ws)[0] / n)
            f, v = statistics.median(floors), statistics.median(ours)
            print(f"| {n} | {f:.3f} | {v:.3f} | {v / f:.2f}x |")
        two = plan_of(
            'version: "1"\nstages:\n'
            + "".join(
                f"  {s}:\n    steps:\n      - {{name: nap, image: '{TEST_IMAGE}', pull: never,"
                " commands: ['sleep 1']}\n"
                for s in ("left", "right")
            )
        )
        elapsed, outcome = velarun(two, ws)
        left, right = outcome.stages
        assert left.started_at and right.started_at and left.finished_at and right.finished_at
        overlap = (
            min(left.finished_at, right.finished_at) - max(left.started_at, right.started_at)
        ).total_seconds()
        print(f"two stages of `sleep 1` without needs: wall {elapsed:.2f}s, overlap {overlap:.2f}s")


if __name__ == "__main__":
    main()
