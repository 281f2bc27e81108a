"""A run's set-up: the volume first, the network in a thread while the workspace loads,
``ready`` waiting for it and saying why it failed."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import anyio
import docker.errors
import pytest

from velarun.runtime import EngineError
from velarun.runtime.docker import DockerRuntime


class Engine:
    """Volumes and networks; the network's creation waits for ``let_network`` and may fail."""

    def __init__(self, network_error: Exception | None = None) -> None:
        self.log: list[str] = []
        self.let_network = threading.Event()
        self.network_error = network_error
        self.volumes = self
        self.networks = self

    def create(self, name: str, **kwargs: Any) -> None:
        if name.endswith("-network"):
            self.log.append("network asked")
            assert self.let_network.wait(10)
            if self.network_error is not None:
                raise self.network_error
        self.log.append(f"made {name}")


def runtime_on(engine: Engine, tmp_path: Path) -> DockerRuntime:
    runtime = DockerRuntime(tmp_path, "abc")
    runtime._client = engine
    return runtime


def test_setup_returns_with_the_volume_and_ready_waits_for_the_network(tmp_path: Path) -> None:
    engine = Engine()
    runtime = runtime_on(engine, tmp_path)
    seen: list[list[str]] = []

    async def main() -> None:
        await runtime.setup()
        seen.append(list(engine.log))  # the network may be asked for, not made
        engine.let_network.set()
        await runtime.ready()
        seen.append(list(engine.log))
        await runtime.ready()  # again: at once

    anyio.run(main)
    assert seen[0][0] == "made velarun-abc-vela" and "made velarun-abc-network" not in seen[0]
    assert seen[1] == ["made velarun-abc-vela", "network asked", "made velarun-abc-network"]
    assert runtime._in_flight == 0


def test_a_network_that_cannot_be_made_fails_ready_with_the_engine_s_reason(
    tmp_path: Path,
) -> None:
    response = type("Response", (), {"status_code": 500, "reason": "Internal Server Error"})()
    failure = docker.errors.APIError(
        "500 Server Error",
        response=response,  # type: ignore[arg-type]
        explanation="could not find an available, non-overlapping IPv4 address pool",
    )
    engine = Engine(network_error=failure)
    engine.let_network.set()
    runtime = runtime_on(engine, tmp_path)

    async def main() -> None:
        await runtime.setup()
        await runtime.ready()

    with pytest.raises(EngineError) as caught:
        anyio.run(main)
    assert caught.value.message == (
        "the Docker Engine refused: could not find an available, non-overlapping IPv4 address pool"
    )
    assert runtime._in_flight == 0


def test_ready_before_setup_has_nothing_to_wait_for(tmp_path: Path) -> None:
    anyio.run(runtime_on(Engine(), tmp_path).ready)
