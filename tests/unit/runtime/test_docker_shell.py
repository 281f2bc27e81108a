"""The shell's pieces on the Docker side without an engine: names, labels, the create
arguments, the terminal pump, and the shell's life on a fake client (what it creates is
removed, also when the run is cancelled)."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import termios
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import docker.errors
import docker.types
import pytest

from tests.unit.helpers import spec
from velarun.runtime import ContainerSpec, ImageUnavailableError, Mount, ShellRequest
from velarun.runtime.docker import DockerRuntime
from velarun.runtime.docker_labels import create_kwargs, labels
from velarun.runtime.docker_shell import (
    committed_image,
    image_changes,
    run_shell,
    shell_kwargs,
    shell_name,
    shell_spec,
)
from velarun.runtime.terminal import pump, raw_terminal, terminal_size

# Docker's reference grammar for a repository path component, and a tag.
REPOSITORY = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
TAG = re.compile(r"^[\w][\w.-]{0,127}$")


@pytest.mark.parametrize(
    ("kw", "run_id", "serial", "image"),
    [
        ({}, "abc123", 1, "velarun-abc123-test-unit-1:failed"),
        ({"stage": None}, "abc123", 2, "velarun-abc123-unit-2:failed"),
        (
            {"name": "Build My Code", "stage": "A/B"},
            "ABC",
            3,
            "velarun-abc-a-b-build-my-code-3:failed",
        ),
        ({"name": "ünï_côdé ✓", "stage": None}, "r", 4, "velarun-r-n-c-d-4:failed"),
        ({"name": "--", "stage": "..."}, "r", 5, "velarun-r-x-x-5:failed"),
        ({"name": "y" * 300, "stage": None}, "r", 6, "velarun-r-" + "y" * 80 + "-6:failed"),
    ],
)
def test_committed_image_is_a_valid_lowercase_reference(
    kw: dict[str, Any], run_id: str, serial: int, image: str
) -> None:
    got = committed_image(run_id, spec(**kw), serial)
    assert got == image
    repository, _, tag = got.rpartition(":")
    assert REPOSITORY.match(repository) and TAG.match(tag)
    assert repository.startswith(f"velarun-{run_id.lower()}-")


@pytest.mark.parametrize(
    ("kw", "name"),
    [
        ({}, "velarun-r1-shell-test-unit-7"),
        ({"stage": None, "name": "a b"}, "velarun-r1-shell-a_b-7"),
    ],
)
def test_shell_container_name(kw: dict[str, Any], name: str) -> None:
    assert shell_name("r1", spec(**kw), 7) == name


def step() -> ContainerSpec:
    return spec(
        entrypoint=("/bin/sh", "-c"),
        command=("echo $VELA_BUILD_SCRIPT | base64 -d | /bin/sh -e",),
        environment={"A": "1", "API_TOKEN": "s3cret"},
        user="1000",
        working_dir="/vela/src",
        mounts=(Mount("/host/cache", "/cache", read_only=False),),
        detach=True,
    )


@pytest.mark.parametrize(
    ("shell", "image", "workspace"),
    [
        ("/bin/sh", "velarun-r1-test-unit-1:failed", "/ws"),
        ("/bin/bash", "img", None),
    ],
)
def test_shell_arguments_keep_the_step_and_make_it_interactive(
    shell: str, image: str, workspace: str | None
) -> None:
    base = create_kwargs(
        shell_spec(step(), shell, image),
        run_id="r1",
        name="velarun-r1-shell-test-unit-1",
        volume="v",
        network="net",
        workspace=workspace,
        outputs_dir="/out",
        owner="h:1:2",
    )
    kw = shell_kwargs(base)
    assert (kw["image"], kw["entrypoint"], kw["command"]) == (image, [shell], [])
    assert (kw["tty"], kw["stdin_open"], kw["detach"]) == (True, True, True)
    assert kw["environment"] == ["A=1", "API_TOKEN=s3cret"]
    assert (kw["user"], kw["working_dir"], kw["network"]) == ("1000", "/vela/src", "net")
    assert "networking_config" not in kw  # no alias: nothing reaches the shell by a name
    assert kw["labels"]["io.velarun.run-id"] == "r1"
    assert kw["labels"]["io.velarun.owner"] == "h:1:2"
    assert kw["labels"]["io.velarun.kind"] == "shell"
    assert kw["labels"]["io.velarun.step"] == "unit"
    mounts = [docker.types.Mount("/vela", "v", type="volume")]
    if workspace is not None:
        mounts.append(docker.types.Mount("/vela/src", workspace, type="bind"))
    mounts += [
        docker.types.Mount("/vela/outputs", "/out", type="bind"),
        docker.types.Mount("/cache", "/host/cache", type="bind", read_only=False),
    ]
    assert kw["mounts"] == mounts
    assert base["tty"] is False  # the step's own arguments are left as they were


def test_image_changes_label_the_commit() -> None:
    assert image_changes(labels("r1", owner="h:1:2")) == [
        'LABEL io.velarun.owner="h:1:2"',
        'LABEL io.velarun.run-id="r1"',
        f'LABEL io.velarun.version="{labels("r1")["io.velarun.version"]}"',
    ]


def test_pump_copies_both_ways_until_the_container_closes() -> None:
    ours, theirs = socket.socketpair()
    keys_r, keys_w = os.pipe()
    screen_r, screen_w = os.pipe()
    stop_r, stop_w = os.pipe()
    worker = threading.Thread(target=pump, args=(keys_r, screen_w, ours, stop_r))
    worker.start()
    os.write(keys_w, b"ls\r")
    assert theirs.recv(100) == b"ls\r"
    theirs.sendall(b"file\r\n")
    assert os.read(screen_r, 100) == b"file\r\n"
    os.close(keys_w)  # end of input: the shell sees end of file
    assert theirs.recv(100) == b""
    theirs.close()  # the shell exited
    worker.join(5)
    assert not worker.is_alive()
    for fd in (keys_r, screen_r, screen_w, stop_w):
        os.close(fd)
    ours.close()


def test_pump_stops_when_told() -> None:
    ours, theirs = socket.socketpair()
    keys_r, keys_w = os.pipe()
    stop_r, stop_w = os.pipe()
    worker = threading.Thread(target=pump, args=(keys_r, keys_w, ours, stop_r))
    worker.start()
    os.write(stop_w, b"x")
    worker.join(5)
    assert not worker.is_alive()
    with pytest.raises(OSError):
        os.fstat(stop_r)  # the pump closed its end
    for fd in (keys_r, keys_w, stop_w):
        os.close(fd)
    ours.close()
    theirs.close()


def test_terminal_helpers_leave_what_is_not_a_terminal_alone() -> None:
    r, w = os.pipe()
    with raw_terminal(r):
        pass
    assert terminal_size(r) is None
    os.close(r)
    os.close(w)


@pytest.mark.parametrize("fails", [False, True])
def test_raw_terminal_is_raw_inside_and_restored_after(fails: bool) -> None:
    master, slave = os.openpty()
    before = termios.tcgetattr(slave)
    expected = pytest.raises(RuntimeError) if fails else contextlib.nullcontext()
    with expected, raw_terminal(slave):
        iflag, oflag, _, lflag = termios.tcgetattr(slave)[:4]
        assert not lflag & (termios.ICANON | termios.ECHO | termios.ISIG)
        assert not iflag & termios.ICRNL
        assert oflag & termios.OPOST  # velarun's own lines still start at the margin
        if fails:
            raise RuntimeError("the run was cancelled")
    assert termios.tcgetattr(slave) == before
    os.close(master)
    os.close(slave)


class FakeContainer:
    def __init__(self, client: FakeClient, kwargs: dict[str, Any]) -> None:
        self.id = kwargs["name"]
        self.client = client
        self.kwargs = kwargs

    def start(self) -> None:
        self.client.calls.append(("start", self.id))
        if self.client.exits:
            self.client.theirs.close()  # the shell ends at once

    def resize(self, height: int, width: int) -> None:
        self.client.calls.append(("resize", f"{height}x{width}"))

    def wait(self) -> dict[str, int]:
        return {"StatusCode": 5}


class FakeFailed:
    def __init__(self, client: FakeClient) -> None:
        self.client = client

    def commit(self, repository: str, tag: str, changes: list[str]) -> None:
        self.client.calls.append(("commit", f"{repository}:{tag}"))
        self.client.images.add(f"{repository}:{tag}")


class FakeApi:
    def __init__(self, client: FakeClient) -> None:
        self.client = client

    def attach_socket(self, cid: str, params: dict[str, int]) -> socket.socket:
        assert params == {"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
        return self.client.ours

    def remove_container(self, cid: str, force: bool, v: bool) -> None:
        self.client.calls.append(("remove_container", cid))

    def remove_image(self, image: str, force: bool) -> None:
        self.client.calls.append(("remove_image", image))
        self.client.images.discard(image)


class FakeContainers:
    def __init__(self, client: FakeClient) -> None:
        self.client = client

    def create(self, **kwargs: Any) -> FakeContainer:
        self.client.calls.append(("create", kwargs["image"]))
        return FakeContainer(self.client, kwargs)


class FakeClient:
    def __init__(self, exits: bool) -> None:
        self.exits = exits
        self.ours, self.theirs = socket.socketpair()
        self.calls: list[tuple[str, str]] = []
        self.images: set[str] = set()
        self.api = FakeApi(self)
        self.containers = FakeContainers(self)


async def direct(fn: Any, *, call: Any = None) -> Any:
    return await anyio.to_thread.run_sync(fn, abandon_on_cancel=True)


@pytest.mark.parametrize("exits", [True, False])
def test_shell_life_removes_what_it_made(exits: bool) -> None:
    """The shell ends (exit code 5), or the run is cancelled while it is open: either way
    its container and the committed image are removed."""
    client = FakeClient(exits)
    kwargs = shell_kwargs(
        create_kwargs(
            shell_spec(step(), "/bin/sh", "velarun-r1-test-unit-1:failed"),
            run_id="r1",
            name="velarun-r1-shell-test-unit-1",
            volume="v",
            network="net",
            workspace=None,
            outputs_dir="/out",
        )
    )
    keys_r, keys_w = os.pipe()
    screen_r, screen_w = os.pipe()
    codes: list[int] = []

    async def main() -> None:
        with anyio.move_on_after(None if exits else 0.5):
            codes.append(
                await run_shell(
                    client,
                    direct,
                    kwargs,
                    failed=FakeFailed(client),
                    image_labels={"io.velarun.run-id": "r1"},
                    terminal=(keys_r, screen_w),
                )
            )

    anyio.run(main)
    assert codes == ([5] if exits else [])
    assert client.calls == [
        ("commit", "velarun-r1-test-unit-1:failed"),
        ("create", "velarun-r1-test-unit-1:failed"),
        ("start", "velarun-r1-shell-test-unit-1"),
        ("remove_container", "velarun-r1-shell-test-unit-1"),
        ("remove_image", "velarun-r1-test-unit-1:failed"),
    ]
    assert client.images == set()
    for fd in (keys_r, keys_w, screen_r, screen_w):
        os.close(fd)
    client.theirs.close()


class NoSuchImage:
    """An engine without the step's image, and a registry that has none either."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.images = self
        self.containers = self
        self.api = self

    def get(self, image: str) -> None:
        self.calls.append(f"get {image}")
        raise docker.errors.ImageNotFound(f"No such image: {image}")

    def pull(self, repository: str, tag: str, stream: bool, decode: bool) -> None:
        self.calls.append(f"pull {repository}:{tag}")
        raise docker.errors.ImageNotFound(f"pull access denied for {repository}")

    def list(self) -> list[Any]:
        return []

    def create(self, **kwargs: Any) -> None:
        self.calls.append("create")


def test_a_break_before_an_on_start_step_pulls_its_image_first(tmp_path: Path) -> None:
    """The step pulls at its start, after the break: the shell before it resolves the image
    itself, and one that cannot be had is the engine's error (the scheduler says it in a
    line and the step goes on), with no container made."""
    runtime = DockerRuntime(tmp_path, "r1")
    engine = NoSuchImage()
    runtime._client = engine
    runtime._outputs = tmp_path
    spec = replace(step(), image="velarun-test/absent:1", pull="on_start")
    with pytest.raises(ImageUnavailableError) as caught:
        anyio.run(runtime.shell, ShellRequest(spec, "/bin/sh"))
    assert engine.calls == ["get velarun-test/absent:1", "pull velarun-test/absent:1"]
    assert caught.value.message.startswith(
        "the shell before step `test/unit`: image `velarun-test/absent:1` is not present locally"
    )
