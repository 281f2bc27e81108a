"""`velarun bench` output, from fixed timings (the command itself runs in tests/integration)."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import ClassVar, cast

import pytest

from velarun.bench import BenchResult, PhaseTimings, floor_cycles, render
from velarun.runtime import PhaseObserver, docker_bench


def test_render_per_phase_table_and_ratio() -> None:
    result = BenchResult(
        n=2,
        velarun={
            "image resolution": [0.005],
            "run set-up": [0.08],
            "container create": [0.010, 0.020],
            "container start": [0.25, 0.30],
            "wait": [0.08, 0.09],
            "log drain": [0.001, 0.002],
            "remove": [0.03, 0.04],
            "teardown": [0.2],
        },
        floor={
            "run set-up": [0.08],
            "container create": [0.01, 0.02],
            "container start": [0.25, 0.28],
            "wait": [0.08, 0.08],
            "remove": [0.009, 0.01],
            "teardown": [0.2],
        },
        velarun_total=0.9,
        floor_total=0.8,
        endpoint_total=2.0,
        host="host h: 2 cores (cpu), Linux 6; Docker Engine 20.10; velarun 0.1.0; Python 3.11.7",
    )
    assert render(result) == (
        "host h: 2 cores (cpu), Linux 6; Docker Engine 20.10; velarun 0.1.0; Python 3.11.7\n"
        "2 sequential steps of `true`; floor: bare cycles in one shared network namespace\n"
        "\n"
        "phase (ms)        velarun median    p95  floor median    p95\n"
        "image resolution             5.0    5.0             -      -\n"
        "run set-up                  80.0   80.0          80.0   80.0\n"
        "container create            15.0   20.0          15.0   20.0\n"
        "container start            275.0  300.0         265.0  280.0\n"
        "wait                        85.0   90.0          80.0   80.0\n"
        "log drain                    1.5    2.0             -      -\n"
        "remove                      35.0   40.0           9.5   10.0\n"
        "teardown                   200.0  200.0         200.0  200.0\n"
        "\n"
        "per step, everything included: velarun 450 ms, floor 400 ms, ratio 1.12x\n"
        "floor with an endpoint per container: 1000 ms per step; velarun takes 0.45x that"
    )


class FakeFloor:
    """The floor's Docker side, without Docker: each phase takes no time."""

    instances: ClassVar[list[FakeFloor]] = []

    def __init__(self, _workspace: Path, observer: PhaseObserver, *, shared: bool = False) -> None:
        self.observer = observer
        self.shared = shared
        self.interrupt_in_cycle: int | None = None
        self.removed = self.closed = False
        FakeFloor.instances.append(self)

    def set_up(self) -> None:
        self.observer.phase("run set-up", 0.0)

    def cycle(self, _image: str, i: int) -> None:
        for phase in ("container create", "container start", "wait", "remove"):
            self.observer.phase(phase, 0.0)
        if i == self.interrupt_in_cycle:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while a Docker call is in flight

    def tear_down(self) -> None:
        self.observer.phase("teardown", 0.0)

    def remove_everything(self) -> None:
        self.removed = True

    def close(self) -> None:
        self.closed = True


def test_floor_cycles_times_each_phase(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(docker_bench, "Floor", FakeFloor)
    timings = floor_cycles("img", 3, tmp_path)
    assert {phase: len(seconds) for phase, seconds in timings.items()} == {
        "run set-up": 1,
        "container create": 3,
        "container start": 3,
        "wait": 3,
        "remove": 3,
        "teardown": 1,
    }
    assert FakeFloor.instances[-1].closed and not FakeFloor.instances[-1].removed
    assert FakeFloor.instances[-1].shared  # the floor velarun's pods are held to
    floor_cycles("img", 1, tmp_path, shared=False)
    assert not FakeFloor.instances[-1].shared


def test_floor_ctrl_c_waits_for_the_call_then_removes_everything(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    class Interrupted(FakeFloor):
        def __init__(self, workspace: Path, observer: PhaseObserver, *, shared: bool) -> None:
            super().__init__(workspace, observer, shared=shared)
            self.interrupt_in_cycle = 1

    monkeypatch.setattr(docker_bench, "Floor", Interrupted)
    with pytest.raises(KeyboardInterrupt):
        floor_cycles("img", 5, tmp_path)
    floor = FakeFloor.instances[-1]
    assert floor.removed and floor.closed
    assert len(cast(PhaseTimings, floor.observer).seconds["remove"]) == 2  # cycle 1 finished
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_phase_timings_collects_from_threads() -> None:
    timings = PhaseTimings()
    threads = [
        threading.Thread(target=lambda: [timings.phase("wait", 0.001) for _ in range(1000)])
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(timings.seconds["wait"]) == 4000
