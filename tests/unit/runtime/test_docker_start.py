"""Starting containers: the first start of a run makes the mountpoints inside its volume alone."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import anyio

from tests.unit.helpers import spec
from velarun.runtime.docker import DockerRuntime


class Engine:
    """Records, per container, when its create began and its start ended (engine calls run
    in worker threads); each start takes a moment, as a real one does."""

    def __init__(self, fail_first: bool = False) -> None:
        self.lock = threading.Lock()
        self.log: list[tuple[str, str]] = []
        self.fail_first = fail_first
        self.api = self
        self.containers = self

    def create_endpoint_config(self, aliases: list[str]) -> dict[str, Any]:
        return {"Aliases": aliases}

    def create(self, **kwargs: Any) -> Container:
        with self.lock:
            self.log.append(("create", kwargs["name"]))
        return Container(self, kwargs["name"])

    def attach_socket(self, container_id: str, params: dict[str, int]) -> object:
        return object()


class Container:
    def __init__(self, engine: Engine, name: str) -> None:
        self.engine, self.id = engine, name

    def start(self) -> None:
        time.sleep(0.2)
        with self.engine.lock:
            first = not any(kind == "started" for kind, _ in self.engine.log)
            if first and self.engine.fail_first:
                self.engine.fail_first = False
                self.engine.log.append(("failed", self.id))
                raise ConnectionResetError("the engine hung up")
            self.engine.log.append(("started", self.id))


def start_three(tmp_path: Path, engine: Engine) -> list[str]:
    runtime = DockerRuntime(tmp_path, "abc")
    runtime._client = engine
    runtime._outputs.host = tmp_path
    outcomes: list[str] = []

    async def one(name: str) -> None:
        try:
            await runtime.start(spec(name=name, stage=None))
            outcomes.append(f"{name} started")
        except Exception as exc:
            outcomes.append(f"{name} {type(exc).__name__}")

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            for name in ("a", "b", "c"):
                tg.start_soon(one, name)

    anyio.run(main)
    return sorted(outcomes)


def test_no_container_is_created_until_the_first_has_started(tmp_path: Path) -> None:
    engine = Engine()
    assert start_three(tmp_path, engine) == ["a started", "b started", "c started"]
    kinds = [kind for kind, _ in engine.log]
    assert kinds[:2] == ["create", "started"]  # the first alone
    # then the others side by side: both created before either has started
    assert sorted(kinds[2:4]) == ["create", "create"] and kinds[4:] == ["started", "started"]


def test_a_first_start_that_fails_hands_the_turn_to_the_next(tmp_path: Path) -> None:
    engine = Engine(fail_first=True)
    outcomes = start_three(tmp_path, engine)
    assert sorted(o.split()[1] for o in outcomes) == [
        "EngineUnavailableError",
        "started",
        "started",
    ]
    kinds = [kind for kind, _ in engine.log]
    assert kinds[:4] == ["create", "failed", "create", "started"]
