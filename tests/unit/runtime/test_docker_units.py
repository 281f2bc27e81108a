"""Pure pieces of the Docker runtime and of the scheduler's container specs."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import anyio
import anyio.to_thread
import docker.errors
import docker.types
import pytest
import requests.exceptions
import urllib3.exceptions

from tests.unit.helpers import spec
from velarun import __version__
from velarun.dotenv import parse_dotenv
from velarun.runtime import EngineError, Mount, Ulimit, docker_clean
from velarun.runtime.docker import DockerHandle, DockerRuntime
from velarun.runtime.docker_labels import (
    container_name,
    create_kwargs,
    helper_kwargs,
    owner_token,
    pod_name,
    still_running,
)
from velarun.runtime.docker_logs import FrameSplitter, LineAssembler, LineHandoff


@pytest.mark.parametrize(
    ("kw", "serial", "name"),
    [
        ({}, 1, "velarun-abc-test-unit-1"),
        ({"stage": None}, 2, "velarun-abc-unit-2"),
        ({"name": "Build My Code", "stage": "a/b"}, 3, "velarun-abc-a_b-Build_My_Code-3"),
        ({"name": "ünï côdé ✓", "stage": None}, 4, "velarun-abc-n_c_d-4"),
        ({"kind": "service", "name": "db", "stage": None}, 5, "velarun-abc-service-db-5"),
        ({"name": "x" * 300, "stage": None}, 6, "velarun-abc-" + "x" * 80 + "-6"),
        ({"name": "...", "stage": None}, 7, "velarun-abc-x-7"),
    ],
)
def test_container_names_are_docker_safe(kw: dict[str, object], serial: int, name: str) -> None:
    assert container_name("abc", spec(**kw), serial) == name


def test_create_kwargs() -> None:
    s = spec(
        entrypoint=("/bin/sh", "-c"),
        command=("echo $VELA_BUILD_SCRIPT | base64 -d | /bin/sh -e",),
        environment={"A": "1"},
        user="1000",
        working_dir="/vela/src",
        ulimits=(Ulimit("nofile", 1024, 2048),),
        mounts=(Mount("/host/cache", "/cache", read_only=False), Mount("/etc/ssl", "/etc/ssl")),
    )
    kw = create_kwargs(
        s, run_id="r1", name="n", volume="v", network="net", workspace="/ws", outputs_dir="/out"
    )
    assert kw["image"] == "img" and kw["name"] == "n" and kw["network"] == "net"
    assert kw["entrypoint"] == ["/bin/sh", "-c"]
    assert kw["command"] == ["echo $VELA_BUILD_SCRIPT | base64 -d | /bin/sh -e"]
    assert kw["environment"] == ["A=1"]
    assert (kw["user"], kw["working_dir"], kw["privileged"]) == ("1000", "/vela/src", False)
    assert kw["labels"]["io.velarun.run-id"] == "r1"
    assert kw["labels"]["io.velarun.stage"] == "test"
    assert kw["mounts"] == [
        docker.types.Mount("/vela", "v", type="volume"),
        docker.types.Mount("/vela/src", "/ws", type="bind"),
        docker.types.Mount("/vela/outputs", "/out", type="bind"),
        docker.types.Mount("/cache", "/host/cache", type="bind", read_only=False),
        docker.types.Mount("/etc/ssl", "/etc/ssl", type="bind", read_only=True),
    ]
    assert kw["ulimits"] == [docker.types.Ulimit(name="nofile", soft=1024, hard=2048)]
    plain = create_kwargs(
        spec(), run_id="r1", name="n", volume="v", network="net", workspace="/ws", outputs_dir="/o"
    )
    assert "entrypoint" not in plain and "command" not in plain and "user" not in plain


def test_a_step_in_a_pod_joins_the_sandboxs_namespace_instead_of_the_network() -> None:
    common = {"run_id": "r1", "name": "n", "volume": "v", "network": "net", "outputs_dir": "/o"}
    joined = create_kwargs(spec(), workspace="/ws", pod="c0ffee", **common)  # type: ignore[arg-type]
    alone = create_kwargs(spec(), workspace="/ws", **common)  # type: ignore[arg-type]
    assert (joined["network_mode"], "network" in joined) == ("container:c0ffee", False)
    assert (alone["network"], "network_mode" in alone) == ("net", False)
    assert {k: v for k, v in joined.items() if k != "network_mode"} == {
        k: v for k, v in alone.items() if k != "network"
    }


@pytest.mark.parametrize(
    ("stage", "serial", "name"),
    [
        (None, 1, "velarun-abc-pod-1"),
        ("build", 2, "velarun-abc-pod-build-2"),
        ("a b/c", 3, "velarun-abc-pod-a_b_c-3"),
        ("...", 4, "velarun-abc-pod-x-4"),
        ("s" * 300, 5, "velarun-abc-pod-" + "s" * 80 + "-5"),
    ],
)
def test_sandbox_names_are_docker_safe(stage: str | None, serial: int, name: str) -> None:
    assert pod_name("abc", stage, serial) == name


def test_a_copied_workspace_is_in_the_volume_not_bind_mounted() -> None:
    kw = create_kwargs(
        spec(), run_id="r1", name="n", volume="v", network="net", workspace=None, outputs_dir="/o"
    )
    assert kw["mounts"] == [
        docker.types.Mount("/vela", "v", type="volume"),
        docker.types.Mount("/vela/outputs", "/o", type="bind"),
    ]


def test_the_workspace_helper_is_labelled_and_mounts_only_the_volume() -> None:
    assert helper_kwargs("img", "velarun-r1-workspace", "r1", "v", "host:1:2") == {
        "image": "img",
        "name": "velarun-r1-workspace",
        "labels": {
            "io.velarun.run-id": "r1",
            "io.velarun.version": __version__,
            "io.velarun.owner": "host:1:2",
            "io.velarun.kind": "workspace",
        },
        "mounts": [docker.types.Mount("/vela", "v", type="volume")],
        "entrypoint": ["/velarun-workspace-helper-never-started"],
        "command": [],
        "network_disabled": True,
        "detach": True,
    }


@pytest.mark.parametrize(
    ("chunks", "lines"),
    [
        ([b"a\nb\n"], ["a", "b"]),
        ([b"par", b"tial\nx"], ["partial", "x"]),
        ([b"crlf\r\n"], ["crlf"]),
        ([b"split crlf\r", b"\nnext\n"], ["split crlf", "next"]),
        ([b"a\r\nb\nc\r\n"], ["a", "b", "c"]),
        ([b"keeps\rinside\n"], ["keeps\rinside"]),
        ([b"caf\xc3", b"\xa9\n"], ["café"]),
        ([b"bad \xff byte\n"], ["bad \ufffd byte"]),
        ([b"nul\x00inside\n"], ["nul\x00inside"]),
        ([b"no newline at end"], ["no newline at end"]),
        ([b"x" * 100_000, b"y" * 100_000, b"\n"], ["x" * 100_000 + "y" * 100_000]),
        ([b"\n\n"], ["", ""]),
    ],
)
def test_line_assembler(chunks: list[bytes], lines: list[str]) -> None:
    a = LineAssembler()
    out: list[str] = []
    for chunk in chunks:
        out += a.feed(chunk)
    out += a.close()
    assert out == lines


def test_parse_dotenv() -> None:
    text = 'A=1\nexport B=two\n# comment\nC=\'quoted value\'\nD="x=y"\nbad line\n=novalue\nE="l1\\nl2"\n'
    assert parse_dotenv(text) == {
        "A": "1",
        "B": "two",
        "C": "quoted value",
        "D": "x=y",
        "E": "l1\nl2",
    }


def test_line_assembler_keeps_a_20_mb_line_without_newline_in_linear_time() -> None:
    a = LineAssembler()
    out: list[str] = []
    for _ in range(2560):  # 20 MiB in 8 KiB chunks; a quadratic join would take minutes
        out += a.feed(b"x" * 8192)
    out += a.feed(b"\xff\x00tail")
    out += a.close()
    assert len(out) == 1 and len(out[0]) == 20 * 1024 * 1024 + 6
    assert out[0].endswith("\ufffd\x00tail")


def _raise(exc: BaseException) -> None:
    raise exc


ENGINE_GONE = (
    "the Docker Engine at unix:///var/run/docker.sock stopped answering"
    " (hint: check that dockerd is running (`docker info`))"
)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (requests.exceptions.ConnectionError("refused"), ENGINE_GONE),
        (requests.exceptions.ChunkedEncodingError("Response ended prematurely"), ENGINE_GONE),
        (requests.exceptions.ReadTimeout("read timed out"), ENGINE_GONE),
        (urllib3.exceptions.ProtocolError("Connection broken"), ENGINE_GONE),
        (ConnectionResetError(104, "reset"), ENGINE_GONE),
        (
            docker.errors.APIError("500 Server Error", explanation="driver failed"),
            "the Docker Engine refused: driver failed (hint: see `docker info` and retry)",
        ),
        (
            docker.errors.NotFound("404", explanation="No such container: x"),
            "the Docker Engine refused: No such container: x (hint: see `docker info` and retry)",
        ),
    ],
)
def test_engine_and_transport_errors_become_one_sentence_at_the_boundary(
    exc: BaseException, expected: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    runtime = DockerRuntime(tmp_path, "abc")
    with pytest.raises(EngineError) as caught:
        anyio.run(runtime._call, _raise, exc)
    assert f"{caught.value.message} (hint: {caught.value.hint})" == expected


def _handoff_run(
    limit: int, batches: list[list[str]], *, slow_sink: bool = False
) -> tuple[list[list[str]], int]:
    """A reader thread puts ``batches``; returns what the sink got and the most characters
    that were ever waiting at once."""
    got: list[list[str]] = []
    most = 0

    async def main() -> None:
        handoff = LineHandoff(limit)

        async def sink(lines: Sequence[str]) -> None:
            nonlocal most
            got.append(list(lines))
            most = max(most, sum(map(len, lines)))
            if slow_sink:
                await anyio.sleep(0.01)

        def read() -> None:
            for batch in batches:
                handoff.put(batch)

        async def reader() -> None:
            try:
                await anyio.to_thread.run_sync(read)
            finally:
                handoff.close()

        async with anyio.create_task_group() as tg:
            tg.start_soon(reader)
            await handoff.drain(sink)

    anyio.run(main)
    return got, most


def test_line_handoff_delivers_every_line_in_order() -> None:
    batches = [[f"{i}-{j}" for j in range(3)] for i in range(2000)]
    got, _ = _handoff_run(1 << 20, batches)
    assert [line for batch in got for line in batch] == [x for b in batches for x in b]


def test_line_handoff_batches_lines_while_the_loop_is_busy() -> None:
    got, _ = _handoff_run(1 << 20, [["x"]] * 500, slow_sink=True)
    assert sum(map(len, got)) == 500
    assert len(got) < 100  # many lines per wake-up, not one round trip per line


def test_line_handoff_bounds_what_waits() -> None:
    line = "y" * 1000
    got, most = _handoff_run(10_000, [[line]] * 300, slow_sink=True)
    assert sum(map(len, got)) == 300
    assert most <= 10_000 + 1000  # the limit, plus the one put that crossed it


def test_line_handoff_never_blocks_the_reader_once_the_loop_side_is_gone() -> None:
    async def main() -> None:
        handoff = LineHandoff(10)
        with anyio.move_on_after(0.1):
            await handoff.drain(lambda lines: anyio.sleep(0))
        # The drain was cancelled: a reader thread, even far over the limit, returns at once.
        with anyio.fail_after(5):
            await anyio.to_thread.run_sync(
                lambda: [handoff.put(["z" * 100]) for _ in range(100)], abandon_on_cancel=True
            )

    anyio.run(main)


def _frame(stream: int, payload: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


FRAMES = _frame(1, b"out one\n") + _frame(2, b"err\n") + _frame(1, b"") + _frame(1, b"x" * 70_000)


@pytest.mark.parametrize("cut", [0, 1, 7, 8, 9, 15, 16, 20, 27, 28, 40, len(FRAMES) - 1])
def test_frame_splitter_any_split_gives_the_payloads_in_order(cut: int) -> None:
    splitter = FrameSplitter()
    got = splitter.feed(FRAMES[:cut]) + splitter.feed(FRAMES[cut:])
    assert got == [b"out one\n", b"err\n", b"", b"x" * 70_000]


def test_frame_splitter_byte_by_byte() -> None:
    splitter = FrameSplitter()
    got = [p for i in range(len(FRAMES)) for p in splitter.feed(FRAMES[i : i + 1])]
    assert b"".join(got) == b"out one\nerr\n" + b"x" * 70_000


def test_still_running_knows_this_process_and_nothing_else() -> None:
    import socket
    import subprocess

    me = owner_token()
    host, pid, started = me.split(":")
    assert (host, pid) == (socket.gethostname(), str(os.getpid())) and started.isdigit()
    dead = subprocess.Popen(["true"])  # a process that has ended
    dead.wait()
    cases = {
        me: True,
        f"{host}:{pid}:{int(started) + 1}": False,  # the pid reused by a later process
        f"other-host:{pid}:{started}": False,  # cannot be checked from here
        f"{host}:{dead.pid}:1": False,
        "": False,  # a resource from before owners were recorded
        "garbage": False,
        f"{host}:{pid}:": True,  # no start time recorded: the pid alone
    }
    assert {token: still_running(token) for token in cases} == cases


class FakeNetwork:
    """A network whose engine refuses removal ``refusals`` times, listing ``attached``."""

    def __init__(self, refusals: int, attached: dict[str, object]) -> None:
        self.name, self.id = "velarun-x-network", "n1"
        self.refusals = refusals
        self.attrs: dict[str, object] = {"Containers": attached}
        self.removed = False

    def remove(self) -> None:
        if self.refusals:
            self.refusals -= 1
            raise docker.errors.APIError(
                "403", explanation="error while removing network: network x has active endpoints"
            )
        self.removed = True

    def reload(self) -> None:
        pass


class FakeApi:
    def __init__(self, network: FakeNetwork) -> None:
        self.network = network
        self.disconnected: list[str] = []

    def disconnect_container_from_network(self, endpoint: str, _net: str, force: bool) -> None:
        self.disconnected.append(endpoint)
        self.network.attrs["Containers"] = {}


class FakeClient:
    def __init__(self, network: FakeNetwork) -> None:
        self.api = FakeApi(network)


def test_a_network_the_engine_lost_count_of_is_reported_stuck(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(docker_clean.time, "sleep", lambda _s: None)
    # Endpoints still attached: force-disconnected, then the removal goes through.
    busy = FakeNetwork(refusals=3, attached={"c1": {"Name": "velarun-x-a-1"}})
    client = FakeClient(busy)
    docker_clean.remove_network(client, busy)
    assert busy.removed and client.api.disconnected == ["c1"]
    # Released asynchronously: empty, refused a few times, then removed.
    slow = FakeNetwork(refusals=5, attached={})
    docker_clean.remove_network(FakeClient(slow), slow)
    assert slow.removed
    # Empty and refused for good: the engine lost count (moby#42119).
    stuck = FakeNetwork(refusals=1000, attached={})
    with pytest.raises(docker_clean.NetworkStuckError) as caught:
        docker_clean.remove_network(FakeClient(stuck), stuck)
    assert caught.value.name == "velarun-x-network" and stuck.refusals == 1000 - 10


class ExitedContainer:
    id = "c1"

    def wait(self) -> dict[str, int]:
        return {"StatusCode": 3}

    def remove(self, force: bool, v: bool) -> None:
        pass


class Phases:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def phase(self, name: str, seconds: float) -> None:
        assert seconds >= 0
        self.seen.append(name)


@pytest.mark.parametrize("observer", [None, Phases()])
def test_phases_go_to_the_observer_if_there_is_one(tmp_path: Path, observer: Phases | None) -> None:
    runtime = DockerRuntime(tmp_path, "abc", observer=observer)
    handle = DockerHandle(spec(), "n", ExitedContainer())

    async def main() -> None:
        assert await runtime.wait(handle) == 3
        await runtime.remove(handle)

    anyio.run(main)
    if observer is not None:
        assert observer.seen == ["wait", "remove"]
