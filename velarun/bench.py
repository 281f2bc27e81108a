"""``velarun bench``: per-phase timings of N trivial steps next to the floor, in one run.

The floor is N bare SDK create/start/wait/remove cycles of the same image with the same network
and mounts (:func:`floor_cycles`, on :class:`velarun.runtime.docker_bench.Floor`), each container
in one sandbox's network namespace as velarun's steps are; a second floor gives each container
its own endpoint on the network (velarun's ``--network-mode endpoint``, and what a bare `docker
run` on a user network does). Both sides report their phases to a :class:`PhaseTimings`
observer and include their run set-up and teardown; velarun also pays for image resolution and
log draining, which the floors skip.
"""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from velarun import __version__
from velarun.compile.compiler import compile_pipeline
from velarun.compile.plan import Plan
from velarun.compile.ruledata import build_ruledata
from velarun.load import load_bytes
from velarun.schedule.reporter import RecordingReporter
from velarun.schedule.scheduler import run_plan

PHASES = (
    "image resolution",
    "run set-up",
    "container create",
    "container start",
    "wait",
    "log drain",
    "remove",
    "teardown",
)


@dataclass(frozen=True, slots=True)
class BenchResult:
    n: int
    velarun: dict[str, list[float]]
    floor: dict[str, list[float]]
    velarun_total: float
    floor_total: float
    """The floor in a shared network namespace (a sandbox's)."""
    host: str
    endpoint_total: float | None = None
    """The floor with an endpoint per container; None when not measured."""


def trivial_plan(n: int, image: str, pull: str = "not_present") -> Plan:
    steps = "".join(
        f"  - {{name: step{i}, image: '{image}', pull: {pull}, commands: ['true']}}\n"
        for i in range(n)
    )
    loaded = load_bytes(f'version: "1"\nsteps:\n{steps}'.encode(), "bench.yml")
    assert loaded.pipeline is not None, loaded.diagnostics
    result = compile_pipeline(loaded.pipeline, build_ruledata())
    assert result.plan is not None, result.diagnostics
    return result.plan


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def host_line(engine: str) -> str:
    return (
        f"host {platform.node()}: {os.cpu_count()} cores ({_cpu_model()}), "
        f"{platform.system()} {platform.release()}; Docker Engine {engine}; "
        f"velarun {__version__}; Python {platform.python_version()}"
    )


class PhaseTimings:
    """A :class:`velarun.runtime.PhaseObserver` that keeps every phase's seconds."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {}
        self._lock = threading.Lock()  # told from worker threads

    def phase(self, name: str, seconds: float) -> None:
        with self._lock:
            self.seconds.setdefault(name, []).append(seconds)


@contextlib.contextmanager
def _interrupts_between_calls() -> Iterator[Callable[[], None]]:
    """Ctrl-C held back while a blocking Docker call is in flight (a create interrupted
    mid-request may still create, after any sweep), raised at the next ``checkpoint()``."""
    pending = False

    def hold(_signum: int, _frame: Any) -> None:
        nonlocal pending
        pending = True

    def checkpoint() -> None:
        nonlocal pending
        if pending:
            pending = False
            raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, hold)
    except ValueError:  # not the main thread: nothing to hold back
        yield lambda: None
        return
    try:
        yield checkpoint
    finally:
        signal.signal(signal.SIGINT, previous)
    checkpoint()


def floor_cycles(
    image: str, n: int, workspace: Path, *, shared: bool = True
) -> dict[str, list[float]]:
    """The floor: ``n`` bare create/start/wait/remove cycles of ``image`` running ``true``,
    with the same network and mounts a run uses, in one sandbox's network namespace
    (``shared``) or each with its own endpoint. Seconds per phase. Interrupted (Ctrl-C
    between two calls), it removes what it created and re-raises."""
    from velarun.runtime.docker_bench import Floor

    timings = PhaseTimings()
    floor = Floor(workspace, timings, shared=shared)
    try:
        with _interrupts_between_calls() as checkpoint:
            floor.set_up()
            for i in range(n):
                checkpoint()
                floor.cycle(image, i)
            floor.tear_down()
    except BaseException:  # interrupted or failed: remove whatever carries the label
        floor.remove_everything()
        raise
    finally:
        floor.close()
    return timings.seconds


def run_bench(n: int, image: str) -> BenchResult:
    """Blocking: velarun's run of ``n`` steps, then the floor, on the same engine."""
    from velarun.runtime.docker import DockerRuntime
    from velarun.runtime.docker_bench import engine_version

    with tempfile.TemporaryDirectory(prefix="velarun-bench-") as tmp:
        workspace = Path(tmp)
        timings = PhaseTimings()
        runtime = DockerRuntime(workspace, uuid.uuid4().hex[:12], observer=timings)
        runtime.connect()
        plan = trivial_plan(n, image)
        started = time.perf_counter()
        outcome = anyio.run(run_plan, plan, runtime, RecordingReporter(keep_logs=False))
        velarun_total = time.perf_counter() - started
        runtime.close()
        if outcome.status.value != "success":
            raise RuntimeError(f"the bench pipeline did not succeed: {outcome.error}")
        started = time.perf_counter()
        floor = floor_cycles(image, n, workspace)
        floor_total = time.perf_counter() - started
        started = time.perf_counter()
        floor_cycles(image, n, workspace, shared=False)
        endpoint_total = time.perf_counter() - started
        host = host_line(engine_version())
        return BenchResult(
            n, timings.seconds, floor, velarun_total, floor_total, host, endpoint_total
        )


def _stats(values: list[float] | None) -> tuple[str, str]:
    if not values:
        return "-", "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) * 1000:.1f}", f"{p95 * 1000:.1f}"


def render(result: BenchResult) -> str:
    rows = [("phase (ms)", "velarun median", "p95", "floor median", "p95")]
    for phase in PHASES:
        rows.append((phase, *_stats(result.velarun.get(phase)), *_stats(result.floor.get(phase))))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [
        result.host,
        f"{result.n} sequential steps of `true`; floor: bare cycles in one shared network"
        " namespace",
        "",
    ]
    lines += [
        "  ".join(c.rjust(widths[i]) if i else c.ljust(widths[i]) for i, c in enumerate(r))
        for r in rows
    ]
    per_v = result.velarun_total / result.n
    per_f = result.floor_total / result.n
    lines += [
        "",
        f"per step, everything included: velarun {per_v * 1000:.0f} ms, floor {per_f * 1000:.0f}"
        f" ms, ratio {per_v / per_f:.2f}x",
    ]
    if result.endpoint_total is not None:
        per_e = result.endpoint_total / result.n
        lines.append(
            f"floor with an endpoint per container: {per_e * 1000:.0f} ms per step;"
            f" velarun takes {per_v / per_e:.2f}x that"
        )
    return "\n".join(lines)
