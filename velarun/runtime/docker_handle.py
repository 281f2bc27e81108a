"""The Docker runtime's small parts: a container's handle, the phase clock, and removal."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import docker.errors

from velarun.runtime import ContainerSpec, PhaseObserver
from velarun.runtime.docker_errors import Call, Op


class Clock:
    """Times phases for an observer; without one it reads no clock and tells no one."""

    __slots__ = ("observer",)

    def __init__(self, observer: PhaseObserver | None) -> None:
        self.observer = observer

    def now(self) -> float:
        return time.perf_counter() if self.observer is not None else 0.0

    def since(self, phase: str, started: float) -> float:
        """Tell the observer that ``phase`` took from ``started`` until now; return now."""
        if self.observer is None:
            return 0.0
        now = time.perf_counter()
        self.observer.phase(phase, now - started)
        return now

    def record(self, phase: str, seconds: float) -> None:
        if self.observer is not None:
            self.observer.phase(phase, seconds)


@dataclass(eq=False)
class DockerHandle:
    """A step's or service's container: its attach stream, and when it ended (for timing)."""

    spec: ContainerSpec
    name: str
    container: Any = None
    streams: list[Any] = field(default_factory=list)
    waited: float | None = None
    logs_done: float | None = None

    @property
    def call(self) -> Call:
        """A call on this container, for the error boundary."""
        return Call(Op.CONTAINER, f"{self.spec.kind} `{self.spec.label}`")


def remove_container(container: Any) -> bool:
    """Blocking: force-remove a container; False when it was gone or going already."""
    try:
        container.remove(force=True, v=True)
    except docker.errors.NotFound:
        return False  # removed already: from outside, or by a teardown sweep
    except docker.errors.APIError as exc:
        if exc.status_code != 409:  # 409: a removal already in progress
            raise
        return False
    return True
