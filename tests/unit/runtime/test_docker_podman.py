"""What differs on Podman's Docker-compatible API, without an engine: the answers Podman 4.3.1
gave (recorded from `podman system service`) against the Docker Engine's, table by table."""

from __future__ import annotations

from typing import Any

import docker.errors
import pytest
import requests.exceptions

from velarun.runtime import docker_clean
from velarun.runtime.docker_errors import Call, Op, map_error
from velarun.runtime.docker_podman import (
    exit_status,
    import_reference,
    is_podman,
    local_image_names,
    not_running,
    served_by_podman,
    written_name,
)

PODMAN_VERSION = {
    "Platform": {"Name": "linux/amd64/debian-12"},
    "Components": [
        {"Name": "Podman Engine", "Version": "4.3.1", "Details": {"APIVersion": "4.3.1"}},
        {"Name": "Conmon", "Version": "conmon version 2.1.6, commit: unknown"},
    ],
    "Version": "4.3.1",
    "Arch": "amd64",
}
DOCKER_VERSION = {
    "Platform": {"Name": "Docker Engine - Community"},
    "Components": [{"Name": "Engine", "Version": "20.10.24"}, {"Name": "containerd"}],
    "Version": "20.10.24",
    "Arch": "amd64",
}


@pytest.mark.parametrize(
    ("version", "podman"),
    [
        (PODMAN_VERSION, True),
        (DOCKER_VERSION, False),
        ({"Version": "1.0"}, False),  # no components at all
        ({"Components": None}, False),
        ({"Components": ["Podman Engine"]}, False),  # not the shape an engine answers
    ],
)
def test_is_podman(version: dict[str, Any], podman: bool) -> None:
    assert is_podman(version) is podman


@pytest.mark.parametrize(
    ("stored", "podman", "written"),
    [
        ("localhost/velarun-test/busybox:latest", True, "velarun-test/busybox:latest"),
        ("docker.io/library/alpine:3", True, "docker.io/library/alpine:3"),
        ("localhost/app:1", False, "localhost/app:1"),  # Docker: a registry named localhost
        ("velarun-test/busybox:latest", False, "velarun-test/busybox:latest"),
    ],
)
def test_written_name(stored: str, podman: bool, written: str) -> None:
    assert written_name(stored, podman) == written


@pytest.mark.parametrize(
    ("tag", "podman", "reference"),
    [
        ("velarun/pause:amd64-0123456789ab", False, "velarun/pause:amd64-0123456789ab"),
        ("velarun/pause:amd64-0123456789ab", True, "localhost/velarun/pause:amd64-0123456789ab"),
    ],
)
def test_import_reference(tag: str, podman: bool, reference: str) -> None:
    assert import_reference(tag, podman) == reference


class Image:
    def __init__(self, *tags: str) -> None:
        self.tags = list(tags)


class Engine:
    """An engine's image list and version; ``fail`` makes listing fail."""

    def __init__(self, version: dict[str, Any], tags: list[str], fail: bool = False) -> None:
        self._version, self._tags, self._fail = version, tags, fail
        self.images = self
        self.api = self
        self.pulled: list[tuple[str, dict[str, Any]]] = []
        self.events: list[Any] = []

    def list(self) -> list[Image]:
        if self._fail:
            raise docker.errors.APIError("boom")
        return [Image(t) for t in self._tags]

    def version(self) -> dict[str, Any]:
        return self._version

    def pull(self, image: str, **kw: Any) -> Any:
        self.pulled.append((image, kw))
        return iter(self.events)


@pytest.mark.parametrize(
    ("engine", "names"),
    [
        (
            Engine(PODMAN_VERSION, ["localhost/velarun-test/busybox:latest", "docker.io/x:1"]),
            ["velarun-test/busybox:latest", "docker.io/x:1"],
        ),
        (Engine(DOCKER_VERSION, ["localhost/app:1", "app:2"]), ["localhost/app:1", "app:2"]),
        (Engine(PODMAN_VERSION, [], fail=True), []),
    ],
)
def test_local_image_names_as_a_pipeline_writes_them(engine: Engine, names: list[str]) -> None:
    assert local_image_names(engine) == names


@pytest.mark.parametrize(
    ("result", "code"),
    [
        ({"StatusCode": 0, "Error": None}, 0),
        ({"StatusCode": 3}, 3),
        ({"StatusCode": 137, "Error": None}, 137),
        ({}, 1),
    ],
)
def test_exit_status(result: dict[str, Any], code: int) -> None:
    assert exit_status(result) == code


@pytest.mark.parametrize(
    "message",
    [
        "container has already been removed",
        "container 090a540938c1 does not exist in database: no such container",
    ],
)
def test_a_wait_that_says_the_container_went_away_is_not_a_success(message: str) -> None:
    with pytest.raises(docker.errors.NotFound) as caught:
        exit_status({"StatusCode": 0, "Error": {"Message": message}})
    assert caught.value.explanation == message


@pytest.mark.parametrize(
    ("status", "explanation", "stopped"),
    [
        (409, "Container abc is not running", True),
        (
            500,
            "can only kill running containers. 1fc369fdd5c0 is in state exited:"
            " container state improper",
            True,
        ),
        (500, "something else broke", False),
    ],
)
def test_not_running(status: int, explanation: str, stopped: bool) -> None:
    class Response:
        status_code = status

    exc = docker.errors.APIError("kill", response=Response(), explanation=explanation)  # type: ignore[arg-type]
    assert not_running(exc) is stopped


def test_the_sweep_removes_sandboxes_after_the_containers_in_their_namespace() -> None:
    def container(name: str, kind: str) -> dict[str, Any]:
        return {"Id": name, "Labels": {"io.velarun.kind": kind}}

    listed = [container("pod-1", "pod"), container("a", "step"), container("pod-2", "pod")]
    listed.append({"Id": "b", "Labels": None})
    order = [c["Id"] for c in docker_clean.sandboxes_last(listed)]
    assert order == ["a", "b", "pod-1", "pod-2"]


def test_a_sandbox_is_removed_once_its_dependents_are_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker_clean.time, "sleep", lambda _s: None)
    refusals = iter(["has dependent containers which must be removed before it"] * 2)
    removed: list[str] = []

    class Api:
        def remove_container(self, cid: str, force: bool, v: bool) -> None:
            why = next(refusals, None)
            if why is not None:
                raise docker.errors.APIError(f"container {cid} {why}", explanation=why)
            removed.append(cid)

    class Client:
        api = Api()

    docker_clean.remove_sandbox(Client(), "pod-1")
    assert removed == ["pod-1"]


@pytest.mark.parametrize(
    ("url", "podman"),
    [
        ("unix:///run/podman/podman.sock", True),
        ("unix:///run/user/1000/podman/podman.sock", True),
        ("unix:///tmp/velarun-podman-x1/podman.sock", True),
        ("unix:///var/run/docker.sock", False),
        ("unix:///run/podman/other.sock", True),
        ("unix:///home/podman-fan/docker.sock", False),
        ("tcp://podman.example:2375", False),  # not a socket here: it cannot be told by name
        ("ssh://podman@build-box", False),
    ],
)
def test_served_by_podman(url: str, podman: bool) -> None:
    assert served_by_podman(url) is podman


SOCK = "unix:///run/podman/podman.sock"


@pytest.mark.parametrize(
    ("exc", "op", "said"),
    [
        (
            docker.errors.DockerException("Error while fetching server API version"),
            Op.CONNECT,
            f"cannot reach the Podman service at {SOCK}\n"
            f"  hint: start it (`podman system service --time=0 {SOCK}`), or check DOCKER_HOST",
        ),
        (
            requests.exceptions.ConnectionError("refused"),
            Op.CONNECT,
            f"cannot reach the Podman service at {SOCK}\n"
            f"  hint: start it (`podman system service --time=0 {SOCK}`) and retry",
        ),
        (
            requests.exceptions.ConnectionError("reset"),
            Op.CONTAINER,
            f"the Podman service at {SOCK} stopped answering\n"
            "  hint: check that `podman system service` is running there",
        ),
    ],
)
def test_a_podman_socket_is_named_as_podman_s_service(
    exc: BaseException, op: Op, said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", SOCK)
    mapped = map_error(exc, Call(op, "step `a`"))
    assert mapped is not None
    assert f"{mapped.message}\n  hint: {mapped.hint}" == said
