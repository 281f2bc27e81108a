"""Pods without an engine: a fake client records what the sandbox threads ask for; the
lifecycle (made after the network, joined, closed, shut at teardown) is checked call by call."""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import anyio
import docker.errors
import pytest

from velarun.runtime import EngineError
from velarun.runtime.docker_pods import Pods, pause_image
from velarun.runtime.pause import image_tag


class FakeContainer:
    def __init__(self, client: FakeClient, name: str) -> None:
        self.client, self.name, self.id = client, name, f"id-{name}"

    def start(self) -> None:
        self.client.calls.append(f"start {self.name}")
        if self.client.start_error:
            raise docker.errors.APIError("network gone")

    def remove(self, force: bool, v: bool) -> None:
        self.client.calls.append(f"remove {self.name}")


class FakeClient:
    def __init__(self, arch: str = "amd64", has_image: bool = True, product: str = "") -> None:
        self.arch, self.has_image, self.product = arch, has_image, product
        self.calls: list[str] = []
        self.start_error = False
        self.created: list[dict[str, Any]] = []
        self.api = self
        self.images = self
        self.containers = self

    def version(self) -> dict[str, Any]:
        parts = [{"Name": self.product, "Version": "4.3.1"}] if self.product else []
        return {"Arch": self.arch, "Components": parts}

    def get(self, tag: str) -> None:  # images.get
        if not self.has_image:
            raise docker.errors.ImageNotFound(tag)

    def import_image_from_data(self, data: bytes, **kw: Any) -> None:
        self.calls.append(f"import {kw['repository']} tag={kw.get('tag')} {len(data)} bytes")

    def create_endpoint_config(self, aliases: list[str]) -> dict[str, Any]:
        return {"Aliases": aliases}

    def create(self, image: str, **kw: Any) -> FakeContainer:  # containers.create
        self.calls.append(f"create {kw['name']} on {kw['network']} as {kw['networking_config']}")
        self.created.append(kw)
        return FakeContainer(self, kw["name"])

    def remove_container(self, cid: str, force: bool, v: bool) -> None:
        self.calls.append(f"remove {cid}")


class Counter:
    def __init__(self) -> None:
        self.in_flight = 0
        self.lock = threading.Lock()

    @contextlib.contextmanager
    def creating(self) -> Iterator[None]:
        with self.lock:
            self.in_flight += 1
        try:
            yield
        finally:
            with self.lock:
                self.in_flight -= 1


def pods(client: FakeClient, counter: Counter) -> tuple[Pods, concurrent.futures.Future[None]]:
    p = Pods(lambda: client, "r1", "host:1:2", "velarun-r1-network", counter.creating)
    network: concurrent.futures.Future[None] = concurrent.futures.Future()
    p.after(network)
    return p, network


def test_a_sandbox_is_made_after_the_network_joined_and_closed() -> None:
    client, counter = FakeClient(), Counter()
    p, network = pods(client, counter)
    p.open("build", ["compile", "test"])
    p.open("lint", ["vet"])  # one step: nothing to share
    assert counter.in_flight == 1 and client.calls == []  # waits for the network
    network.set_result(None)
    found = anyio.run(p.join, "build", "step `build/compile`")
    assert found == "id-velarun-r1-pod-build-1"
    assert anyio.run(p.join, "lint", "step `lint/vet`") is None
    assert client.calls == [
        "create velarun-r1-pod-build-1 on velarun-r1-network as"
        " {'velarun-r1-network': {'Aliases': ['compile', 'test']}}",
        "start velarun-r1-pod-build-1",
    ]
    assert client.created[0]["labels"]["io.velarun.kind"] == "pod"
    assert client.created[0]["labels"]["io.velarun.stage"] == "build"
    p.close("build")
    for _ in range(100):
        if len(client.calls) == 3:
            break
        threading.Event().wait(0.01)
    assert client.calls[-1] == "remove id-velarun-r1-pod-build-1"
    assert counter.in_flight == 0


def test_a_network_that_failed_fails_the_stages_first_step() -> None:
    client, counter = FakeClient(), Counter()
    p, network = pods(client, counter)
    p.open(None, ["a", "b"])
    network.set_exception(docker.errors.APIError("no bridge"))
    with pytest.raises(EngineError, match=r"^the Docker Engine refused: no bridge$"):
        anyio.run(p.join, None, "step `a`")
    assert client.calls == []


def test_shut_before_the_network_makes_nothing_and_a_failed_start_removes_the_container() -> None:
    client, counter = FakeClient(), Counter()
    p, network = pods(client, counter)
    p.open("a", ["x", "y"])
    p.shut()  # teardown began while the network was still being made
    network.set_result(None)
    assert anyio.run(p.join, "a", "step `a/x`") is None
    assert client.calls == [] and counter.in_flight == 0

    client, counter = FakeClient(), Counter()
    client.start_error = True
    p, network = pods(client, counter)
    network.set_result(None)
    p.open("a", ["x", "y"])
    with pytest.raises(EngineError):
        anyio.run(p.join, "a", "step `a/x`")
    assert client.calls[1:] == ["start velarun-r1-pod-a-1", "remove velarun-r1-pod-a-1"]


def test_the_pause_image_is_imported_once_and_only_for_known_architectures() -> None:
    client = FakeClient(has_image=False)
    assert pause_image(client) == image_tag("amd64")
    tag = image_tag("amd64").split(":")[1]
    # the whole reference as the repository: Podman ignores an import's tag
    assert client.calls == [f"import velarun/pause:{tag} tag=None 10240 bytes"]
    present = FakeClient()
    assert pause_image(present) == image_tag("amd64") and present.calls == []
    assert pause_image(FakeClient(arch="s390x")) is None
    # Podman names it under localhost/, as its own imports, and finds it by the short name
    podman = FakeClient(has_image=False, product="Podman Engine")
    assert pause_image(podman) == image_tag("amd64")
    assert podman.calls == [f"import localhost/velarun/pause:{tag} tag=None 10240 bytes"]
