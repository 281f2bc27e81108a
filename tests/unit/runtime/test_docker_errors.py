"""The Docker runtime's error boundary: one table, the most specific class for each call."""

from __future__ import annotations

from pathlib import Path

import anyio
import docker.errors
import pytest
import requests.exceptions
import urllib3.exceptions

from velarun.runtime import ContainerGoneError, ContainerSpec, ImageUnavailableError
from velarun.runtime.docker import DockerHandle, DockerRuntime
from velarun.runtime.docker_errors import (
    ENGINE,
    Call,
    Op,
    closest_images,
    engine_errors,
    map_error,
    not_anywhere,
)

STEP = "step `long`"
GONE = (
    "ContainerGoneError: step `long`: its container was removed from outside velarun"
    " (hint: something else (a `docker rm`, a cleanup script) removed it mid-step)"
)
REFUSED_404 = (
    "EngineError: the Docker Engine refused: No such container: c1"
    " (hint: see `docker info` and retry)"
)
STOPPED = (
    "EngineUnavailableError: the Docker Engine at unix:///var/run/docker.sock stopped answering"
    " (hint: check that dockerd is running (`docker info`))"
)
PULL_FAILED = (
    "ImageUnavailableError: step `long`: pulling image `img:1` failed: {}"
    " (hint: check the image name and tag, your network, or `docker login` for a private"
    " registry; or build it locally and set `pull: not_present`)"
)
CANNOT_REACH = (
    "EngineUnavailableError: cannot reach the Docker Engine at unix:///var/run/docker.sock"
)


def not_found(what: str) -> docker.errors.NotFound:
    return docker.errors.NotFound("404 Client Error", explanation=what)


def api_error(status: int, explanation: str) -> docker.errors.APIError:
    response = requests.models.Response()
    response.status_code = status
    return docker.errors.APIError(f"{status} error", response, explanation=explanation)


CASES = [
    # A 404 on a started container: it was removed from outside (wait, logs, kill, remove).
    (not_found("No such container: c1"), Call(Op.CONTAINER, STEP), GONE),
    (not_found("No such container: c1"), ENGINE, REFUSED_404),
    (
        docker.errors.ImageNotFound("404", explanation="No such image: img:1"),
        Call(Op.CREATE, STEP, "img:1"),
        "ImageUnavailableError: step `long`: image `img:1` not found: No such image: img:1"
        " (hint: check the image name, or set a pull policy that fetches it)",
    ),
    (
        not_found("network velarun-x-network not found"),
        Call(Op.START, STEP),
        "EngineError: step `long`: the container could not start: network velarun-x-network"
        " not found (hint: check the image's entrypoint, user and volumes)",
    ),
    (
        api_error(400, "invalid reference format"),
        Call(Op.IMAGE, STEP, "Up/Per:1"),
        "ImageUnavailableError: step `long`: `Up/Per:1` is not a valid image name: invalid"
        " reference format (hint: write `name[:tag]` or `name@sha256:...`, the repository in"
        " lowercase)",
    ),
    (
        api_error(500, "driver failed"),
        Call(Op.IMAGE, STEP, "img:1"),
        "EngineError: the Docker Engine refused: driver failed (hint: see `docker info` and retry)",
    ),
    (api_error(500, "denied"), Call(Op.PULL, STEP, "img:1"), PULL_FAILED.format("denied")),
    (
        docker.errors.ImageNotFound("404", explanation="manifest unknown"),
        Call(Op.PULL, STEP, "img:1"),
        PULL_FAILED.format("manifest unknown"),
    ),
    (
        docker.errors.InvalidRepository("bad name"),
        Call(Op.PULL, STEP, "img:1"),
        PULL_FAILED.format("bad name"),
    ),
    (requests.exceptions.ConnectionError("refused"), Call(Op.PULL, STEP, "img:1"), STOPPED),
    (requests.exceptions.ChunkedEncodingError("cut short"), Call(Op.CONTAINER, STEP), STOPPED),
    (urllib3.exceptions.ProtocolError("Connection broken"), ENGINE, STOPPED),
    (ConnectionResetError(104, "reset"), Call(Op.CONTAINER, STEP), STOPPED),
    (TimeoutError("timed out"), ENGINE, STOPPED),
    (
        docker.errors.DockerException("Error while fetching server API version: (2, 'ENOENT')"),
        Call(Op.CONNECT),
        f"{CANNOT_REACH} (hint: start Docker (`sudo systemctl start docker` or Docker Desktop)"
        " and retry)",
    ),
    (
        docker.errors.DockerException("('Connection aborted.', PermissionError(13, 'denied'))"),
        Call(Op.CONNECT),
        f"{CANNOT_REACH} (hint: add yourself to the `docker` group, or run with access to the"
        " socket)",
    ),
    (
        requests.exceptions.ConnectionError("refused"),
        Call(Op.CONNECT),
        f"{CANNOT_REACH} (hint: start Docker and retry; `docker info` must answer)",
    ),
]


@pytest.mark.parametrize(("exc", "call", "expected"), CASES)
def test_each_engine_error_maps_to_its_most_specific_class(
    exc: BaseException, call: Call, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    mapped = map_error(exc, call)
    assert mapped is not None
    assert f"{type(mapped).__name__}: {mapped.message} (hint: {mapped.hint})" == expected


@pytest.mark.parametrize(
    "exc", [ValueError("a bug"), KeyError("k"), ImageUnavailableError("already mapped")]
)
def test_what_is_not_an_engine_error_passes_the_boundary_untouched(exc: Exception) -> None:
    assert map_error(exc, Call(Op.CONTAINER, STEP)) is None
    with pytest.raises(type(exc)) as caught, engine_errors(Call(Op.CONTAINER, STEP)):
        raise exc
    assert caught.value is exc


class GoneContainer:
    """A container removed from outside: every call on it is a 404."""

    id = "c1"

    def wait(self) -> dict[str, int]:
        raise not_found("No such container: c1")

    def kill(self) -> None:
        raise not_found("No such container: c1")

    def remove(self, force: bool, v: bool) -> None:
        raise not_found("No such container: c1")


def test_a_container_removed_from_outside_is_gone_for_wait_and_no_error_for_kill_or_remove(
    tmp_path: Path,
) -> None:
    runtime = DockerRuntime(tmp_path, "abc")
    handle = DockerHandle(ContainerSpec("step", "long", None, "img", "never"), "n", GoneContainer())

    async def main() -> None:
        with pytest.raises(ContainerGoneError) as caught:
            await runtime.wait(handle)
        assert caught.value.message == "step `long`: its container was removed from outside velarun"
        await runtime.kill(handle)
        await runtime.remove(handle)

    anyio.run(main)


LOCAL = ["velarun-test/busybox:latest", "alpine:3.20", "postgres:16", "<none>:<none>"]


@pytest.mark.parametrize(
    ("image", "close"),
    [
        ("velarun-test/busybx", ["velarun-test/busybox:latest"]),
        ("velarun-test/busybox:latst", ["velarun-test/busybox:latest"]),
        ("docker.io/library/alpine:3.2", ["alpine:3.20"]),
        ("alpine:3.20", ["alpine:3.20"]),
        ("nginx", []),
    ],
)
def test_the_closest_local_images(image: str, close: list[str]) -> None:
    assert closest_images(image, LOCAL) == close


@pytest.mark.parametrize(
    ("cause", "message"),
    [
        (
            'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on'
            " 10.0.0.53:53: no such host",
            "step `a`: image `velarun-test/busybx` is not present locally and the registry"
            " cannot be reached",
        ),
        (
            "pull access denied for velarun-test/busybx, repository does not exist or may"
            " require 'docker login'",
            "step `a`: image `velarun-test/busybx` is not present locally and the registry has"
            " no such image",
        ),
        (
            "unauthorized: quota exceeded",
            "step `a`: image `velarun-test/busybx` is not present locally and pulling it"
            " failed: unauthorized: quota exceeded",
        ),
    ],
)
def test_a_pull_that_fails_under_not_present_says_where_the_image_is_not(
    cause: str, message: str
) -> None:
    pulled = ImageUnavailableError(
        f"step `a`: pulling image `velarun-test/busybx` failed: {cause}", "set `pull: not_present`"
    )
    exc = not_anywhere(pulled, "step `a`", "velarun-test/busybx", LOCAL)
    assert (exc.message, exc.hint, exc.image) == (
        message,
        "did you mean `velarun-test/busybox:latest`? (local images); check the image name and"
        " tag, your network, or `docker login` for a private registry",
        "velarun-test/busybx",
    )
    assert not_anywhere(pulled, "step `a`", "nginx", LOCAL).hint == (
        "check the image name and tag, your network, or `docker login` for a private registry"
    )
