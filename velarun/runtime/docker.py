"""DockerRuntime: the Runtime protocol on a real Docker Engine through the docker SDK.

The only module that imports ``docker``. Every blocking SDK call runs in a worker thread that
can be abandoned on cancellation (``abandon_on_cancel=True``); the shielded cleanup then kills
and removes the container, which unblocks the abandoned thread. Log readers and waiters use
their own capacity limiter, so many parallel steps cannot use up anyio's default 40 threads.
A container's output is read from an attach socket opened before it starts (as `docker run`
does), split into frames and lines in the reader thread, and handed to the event loop in
batches (``LineHandoff``).

Per run: a bridge network (each container reachable by its step or service name), a volume at
``/vela``, the working directory bind-mounted at ``/vela/src``, and a host directory at
``/vela/outputs`` for ``$VELA_OUTPUTS``. Everything carries the label
``io.velarun.run-id=<id>`` and a name starting ``velarun-<id>-``, and ``io.velarun.owner`` (the
velarun process) so that ``clean`` leaves a run in progress alone.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import shutil
import signal
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import docker
import docker.errors
import docker.types
import docker.utils.socket
import requests.exceptions
import urllib3.exceptions

from velarun import __version__
from velarun.dotenv import parse_dotenv
from velarun.runtime import (
    ContainerGoneError,
    ContainerSpec,
    EngineError,
    EngineUnavailableError,
    Handle,
    ImageUnavailableError,
    LogSink,
)

T = TypeVar("T")

LABEL = "io.velarun.run-id"
OWNER_LABEL = "io.velarun.owner"
"""``<host>:<pid>:<process start time>`` of the velarun that created the resource, so that
``clean`` can leave a run that is still going alone (a pid alone could have been reused)."""
OUTPUTS_DIR = "/vela/outputs"
_NAME_OK = re.compile(r"[^a-zA-Z0-9_.-]+")
_STREAM_LIMITER_SIZE = 1024
READ_SIZE = 256 * 1024
OUTPUTS_LIMIT = 10 * 1024 * 1024
"""Vela reads at most 10 MB of outputs."""


def container_name(run_id: str, spec: ContainerSpec, serial: int) -> str:
    """``velarun-<id>-<stage>-<step>-<n>``: Docker-safe, unique in the run, bounded length."""
    parts = [spec.kind] if spec.kind == "service" else []
    if spec.stage is not None:
        parts.append(spec.stage)
    parts.append(spec.name)
    body = "-".join(_NAME_OK.sub("_", p).strip("._-") or "x" for p in parts)
    return f"velarun-{run_id}-{body[:80]}-{serial}"


def labels(run_id: str, spec: ContainerSpec | None = None, owner: str = "") -> dict[str, str]:
    out = {LABEL: run_id, "io.velarun.version": __version__}
    if owner:
        out[OWNER_LABEL] = owner
    if spec is not None:
        out["io.velarun.kind"] = spec.kind
        out["io.velarun.step"] = spec.name
        if spec.stage is not None:
            out["io.velarun.stage"] = spec.stage
    return out


def create_kwargs(
    spec: ContainerSpec,
    *,
    run_id: str,
    name: str,
    volume: str,
    network: str,
    workspace: str,
    outputs_dir: str,
    owner: str = "",
) -> dict[str, Any]:
    """The SDK ``containers.create`` keyword arguments for a spec (pure, unit-tested)."""
    mounts = [
        docker.types.Mount("/vela", volume, type="volume"),
        docker.types.Mount("/vela/src", workspace, type="bind"),
        docker.types.Mount(OUTPUTS_DIR, outputs_dir, type="bind"),
    ]
    for m in spec.mounts:
        mounts.append(
            docker.types.Mount(m.destination, m.source, type="bind", read_only=m.read_only)
        )
    kwargs: dict[str, Any] = {
        "image": spec.image,
        "name": name,
        "environment": [f"{k}={v}" for k, v in spec.environment.items()],
        "labels": labels(run_id, spec, owner),
        "mounts": mounts,
        "network": network,
        "privileged": spec.privileged,
        "detach": True,
        "tty": False,
        "stdin_open": False,
    }
    if spec.entrypoint:
        kwargs["entrypoint"] = list(spec.entrypoint)
    if spec.command:
        kwargs["command"] = list(spec.command)
    if spec.user:
        kwargs["user"] = spec.user
    if spec.working_dir:
        kwargs["working_dir"] = spec.working_dir
    if spec.ulimits:
        kwargs["ulimits"] = [
            docker.types.Ulimit(name=u.name, soft=u.soft, hard=u.hard) for u in spec.ulimits
        ]
    return kwargs


class LineHandoff:
    """Lines from a log-reader thread to the event loop, in batches.

    The reader never waits for the loop: it appends lines and, if the loop is not already due
    to look, wakes it with one byte on a socket pair. Lines that arrive while the loop is still
    delivering the previous batch go together with the next, so a flood costs a wake-up per
    batch, not per line, and a lone line is still shown at once. The reader blocks only while
    more than ``limit`` characters wait, which bounds memory. Once the loop side stops (the run
    was cancelled), ``put`` drops lines and never blocks.
    """

    def __init__(self, limit: int = 4 * 1024 * 1024) -> None:
        self.limit = limit
        self._cond = threading.Condition()
        self._lines: list[str] = []
        self._size = 0
        self._wake_pending = False
        self._closed = False
        self._abandoned = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)

    def put(self, lines: list[str]) -> None:
        """In the reader thread."""
        with self._cond:
            while self._size > self.limit and not self._abandoned:
                self._cond.wait()
            if self._abandoned:
                return
            self._lines.extend(lines)
            self._size += sum(map(len, lines))
            wake, self._wake_pending = not self._wake_pending, True
        if wake:
            self._wake()

    def close(self) -> None:
        """No more lines will come."""
        with self._cond:
            self._closed = True
        self._wake()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # already due to wake (buffer full), or closed
            self._wake_w.send(b"\0")

    async def drain(self, sink: LogSink) -> None:
        """In the event loop: deliver every line to ``sink`` until ``close``."""
        try:
            while True:
                await anyio.wait_readable(self._wake_r)
                with contextlib.suppress(OSError):
                    while self._wake_r.recv(4096):
                        pass
                with self._cond:
                    lines, self._lines, self._size = self._lines, [], 0
                    closed = self._closed
                    self._wake_pending = False
                    self._cond.notify_all()
                if lines:
                    await sink(lines)
                if closed:
                    return
        finally:
            with self._cond:
                self._abandoned = True
                self._cond.notify_all()
            self._wake_r.close()
            self._wake_w.close()


class FrameSplitter:
    """Docker's multiplexed stream (a non-TTY container's output) -> the payloads, in order.

    Each frame is an 8-byte header (stream id, three zero bytes, a big-endian 32-bit length)
    and that many bytes. Input may split anywhere, headers included.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        buf = self._buf
        buf += data  # a frame arriving in many reads costs linear time, not quadratic
        out: list[bytes] = []
        pos, end = 0, len(buf)
        while end - pos >= 8:
            (length,) = struct.unpack_from(">L", buf, pos + 4)
            if end - pos - 8 < length:
                break
            out.append(bytes(buf[pos + 8 : pos + 8 + length]))
            pos += 8 + length
        del buf[:pos]
        return out


class LineAssembler:
    """Bytes chunks -> complete lines: split across chunks, invalid UTF-8 replaced, any length.

    A line that spans many chunks is kept as a list of pieces and joined once, when its
    newline (or the end of the stream) arrives: linear in the line's size.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pieces: list[str] = []

    def feed(self, chunk: bytes) -> list[str]:
        text = self._decoder.decode(chunk)
        if "\n" not in text:
            if text:
                self._pieces.append(text)
            return []
        first, *middle, last = text.split("\n")
        self._pieces.append(first)
        lines = ["".join(self._pieces), *middle]
        self._pieces = [last] if last else []
        return [line.removesuffix("\r") for line in lines]

    def close(self) -> list[str]:
        rest = self._decoder.decode(b"", final=True)
        if rest:
            self._pieces.append(rest)
        text = "".join(self._pieces)
        self._pieces = []
        return [text.removesuffix("\r")] if text else []


@dataclass(eq=False)
class DockerHandle:
    spec: ContainerSpec
    name: str
    container: Any = None
    streams: list[Any] = field(default_factory=list)
    waited: float | None = None
    logs_done: float | None = None


def _explain(exc: BaseException) -> str:
    if isinstance(exc, docker.errors.APIError):
        return str(exc.explanation or exc)
    return str(exc) or type(exc).__name__


@contextlib.contextmanager
def engine_errors() -> Iterator[None]:
    """The runtime's boundary: every engine or transport error raised inside becomes a
    ``EngineError`` with one sentence; never a raw SDK or transport error past it."""
    try:
        yield
    except docker.errors.DockerException as exc:  # first: APIError is also a requests error
        raise EngineError(
            f"the Docker Engine refused: {_explain(exc)}", "see `docker info` and retry"
        ) from exc
    except (
        requests.exceptions.RequestException,  # refused, reset, cut short mid-response
        urllib3.exceptions.HTTPError,  # the same, raised while a stream is read
        ConnectionError,
        TimeoutError,
    ) as exc:
        raise EngineUnavailableError(
            f"the Docker Engine at {docker_host_description()} stopped answering",
            "check that dockerd is running (`docker info`)",
        ) from exc


def docker_host_description() -> str:
    host = os.environ.get("DOCKER_HOST")
    return host if host else "unix:///var/run/docker.sock"


class DockerRuntime:
    def __init__(self, workspace: Path, run_id: str) -> None:
        self.workspace = workspace.resolve()
        self.run_id = run_id
        self.owner = owner_token()
        self.network = f"velarun-{run_id}-network"
        self.volume = f"velarun-{run_id}-vela"
        self._client: Any = None
        self._outputs: Path | None = None
        self._serial = 0
        self._streams = anyio.CapacityLimiter(_STREAM_LIMITER_SIZE)
        self._lock = threading.Lock()
        self._in_flight = 0
        self.timings: dict[str, list[float]] = {}
        """Seconds per phase (setup, image resolution, create, start, wait, log drain,
        remove, teardown), for ``velarun bench``."""

    @contextlib.contextmanager
    def _creating(self) -> Iterator[None]:
        """Around a call that creates a labelled resource. Counted in the worker thread: an
        abandoned creation still counts until the engine answers, so teardown can wait for it
        before its final sweep. Pulls and reads are not counted: teardown never waits for a
        hung pull."""
        with self._lock:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def _record(self, phase: str, seconds: float) -> None:
        with self._lock:
            self.timings.setdefault(phase, []).append(seconds)

    # -- plumbing ----------------------------------------------------------------------------

    async def _call(self, fn: Callable[..., T], *args: Any, limiter: Any = None) -> T:
        with engine_errors():
            return await anyio.to_thread.run_sync(
                fn, *args, abandon_on_cancel=True, limiter=limiter or self._streams
            )

    @property
    def client(self) -> Any:
        if self._client is None:
            raise EngineError("the Docker runtime is not connected")
        return self._client

    def connect(self) -> None:
        """Blocking: reach the engine or raise EngineUnavailableError with what to do."""
        where = docker_host_description()
        try:
            client = docker.from_env(timeout=300)
            client.ping()
        except docker.errors.DockerException as exc:
            text = str(exc)
            hint = "start Docker (`sudo systemctl start docker` or Docker Desktop) and retry"
            if "Permission denied" in text or "PermissionError" in text:
                hint = "add yourself to the `docker` group, or run with access to the socket"
            elif os.environ.get("DOCKER_HOST"):
                hint = "check DOCKER_HOST, or unset it to use the local socket"
            raise EngineUnavailableError(
                f"cannot reach the Docker Engine at {where}", hint
            ) from exc
        except requests.exceptions.RequestException as exc:
            raise EngineUnavailableError(
                f"cannot reach the Docker Engine at {where}",
                "start Docker and retry; `docker info` must answer",
            ) from exc
        self._client = client

    # -- the protocol ------------------------------------------------------------------------

    async def setup(self) -> None:
        started = time.perf_counter()
        await self._setup()
        self._record("run set-up", time.perf_counter() - started)

    async def _setup(self) -> None:
        self._outputs = Path(tempfile.mkdtemp(prefix=f"velarun-{self.run_id}-outputs-"))
        self._outputs.chmod(0o777)
        (self._outputs / ".env").touch(mode=0o666)
        (self._outputs / "masked.env").touch(mode=0o666)

        def create() -> None:
            with self._creating():
                self.client.networks.create(
                    self.network, driver="bridge", labels=labels(self.run_id, owner=self.owner)
                )
                self.client.volumes.create(
                    self.volume, labels=labels(self.run_id, owner=self.owner)
                )

        await self._call(create)

    def _image_present(self, image: str, label: str) -> bool:
        try:
            self.client.images.get(image)
            return True
        except docker.errors.ImageNotFound:
            return False
        except docker.errors.APIError as exc:
            if exc.status_code is None or not 400 <= exc.status_code < 500:
                raise
            raise ImageUnavailableError(  # the engine cannot even parse the name
                f"step `{label}`: `{image}` is not a valid image name: {_explain(exc)}",
                "write `name[:tag]` or `name@sha256:...`, the repository in lowercase",
            ) from exc

    def _pull(self, image: str, label: str) -> None:
        try:
            self.client.images.pull(image)
        except docker.errors.DockerException as exc:
            raise ImageUnavailableError(
                f"step `{label}`: pulling image `{image}` failed: {_explain(exc)}",
                "check the image name and tag, your network, or `docker login` for a private"
                " registry; or build it locally and set `pull: not_present`",
            ) from exc

    def _resolve(self, image: str, policy: str, label: str) -> None:
        if policy == "always":
            self._pull(image, label)
        elif policy == "not_present":
            if not self._image_present(image, label):
                self._pull(image, label)
        elif policy != "on_start" and not self._image_present(image, label):
            raise ImageUnavailableError(
                f"step `{label}`: image `{image}` is not present locally and its pull policy"
                f" is `{policy}`",
                f"pull or build it first (`docker pull {image}`), or set `pull: not_present`",
            )

    async def prepare_images(self, specs: list[ContainerSpec]) -> None:
        """Resolve every image once, in parallel; the first failure ends the run."""
        wanted: dict[str, tuple[str, str]] = {}
        for spec in specs:
            label = spec.label if spec.kind == "step" else f"service {spec.name}"
            current = wanted.get(spec.image)
            if current is None or (spec.pull == "always" and current[0] != "always"):
                wanted[spec.image] = (spec.pull, label)
        started = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for image, (policy, label) in wanted.items():
                tg.start_soon(self._call, self._resolve, image, policy, label)
        self._record("image resolution", time.perf_counter() - started)

    async def start(self, spec: ContainerSpec) -> DockerHandle:
        assert self._outputs is not None, "start before setup"
        self._serial += 1
        name = container_name(self.run_id, spec, self._serial)
        handle = DockerHandle(spec, name)
        kwargs = create_kwargs(
            spec,
            run_id=self.run_id,
            name=name,
            volume=self.volume,
            network=self.network,
            workspace=str(self.workspace),
            outputs_dir=str(self._outputs),
            owner=self.owner,
        )
        # Reachable by its step or service name on the run's network.
        kwargs["networking_config"] = {
            self.network: self.client.api.create_endpoint_config(aliases=[spec.name])
        }

        def create_and_start() -> Any:
            if spec.pull == "on_start":
                self._pull(spec.image, spec.label)
            t0 = time.perf_counter()
            with self._creating():
                try:
                    container = self.client.containers.create(**kwargs)
                except docker.errors.ImageNotFound as exc:
                    raise ImageUnavailableError(
                        f"step `{spec.label}`: image `{spec.image}` not found: {_explain(exc)}",
                        "check the image name, or set a pull policy that fetches it",
                    ) from exc
            handle.container = container
            t1 = time.perf_counter()
            try:
                # Attached before it starts, as `docker run` does: the output streams from its
                # first byte over a raw socket, far cheaper to read than the logs endpoint.
                output = self.client.api.attach_socket(
                    container.id, params={"stdout": 1, "stderr": 1, "stream": 1}
                )
                sock: Any
                for sock in (output, getattr(output, "_sock", None)):
                    if hasattr(sock, "settimeout"):
                        sock.settimeout(None)  # a quiet step is not a dead engine
                handle.streams.append(output)
                container.start()
            except docker.errors.APIError as exc:
                raise EngineError(
                    f"{spec.kind} `{spec.label}`: the container could not start: {_explain(exc)}",
                    "check the image's entrypoint, user and volumes",
                ) from exc
            self._record("container create", t1 - t0)
            self._record("container start", time.perf_counter() - t1)
            return container

        await self._call(create_and_start)
        return handle

    async def logs(self, handle: Handle, sink: LogSink) -> None:
        assert isinstance(handle, DockerHandle)
        if handle.container is None or not handle.streams:
            return

        handoff = LineHandoff()

        def read() -> None:
            assembler = LineAssembler()
            frames = FrameSplitter()
            try:
                while True:
                    data = docker.utils.socket.read(handle.streams[0], READ_SIZE)
                    if data is None:
                        continue  # interrupted: read again
                    if not data:
                        break
                    lines = assembler.feed(b"".join(frames.feed(data)))
                    if lines:
                        handoff.put(lines)
            except OSError:
                pass  # the container went away: what was read is what there is
            finally:
                rest = assembler.close()
                if rest:
                    handoff.put(rest)
                handle.logs_done = time.perf_counter()

        failure: EngineError | None = None

        async def reader() -> None:
            nonlocal failure
            try:
                await self._call(read)
            except EngineError as exc:
                failure = exc
            finally:
                handoff.close()

        async with anyio.create_task_group() as tg:
            tg.start_soon(reader)
            await handoff.drain(sink)
        if failure is not None:
            raise failure
        if handle.waited is not None and handle.logs_done is not None:
            self._record("log drain", max(0.0, handle.logs_done - handle.waited))

    async def wait(self, handle: Handle) -> int:
        assert isinstance(handle, DockerHandle)
        if handle.container is None:
            return 1
        started = time.perf_counter()
        try:
            result = await self._call(handle.container.wait)
        except docker.errors.NotFound as exc:
            raise ContainerGoneError(
                f"{handle.spec.kind} `{handle.spec.label}`: its container was removed from"
                " outside velarun",
                "something else (a `docker rm`, a cleanup script) removed it mid-step",
            ) from exc
        handle.waited = time.perf_counter()
        self._record("wait", handle.waited - started)
        return int(result.get("StatusCode", 1))

    async def kill(self, handle: Handle) -> None:
        assert isinstance(handle, DockerHandle)
        if handle.container is None:
            return

        def kill() -> None:
            try:
                handle.container.kill()
            except docker.errors.APIError:
                pass  # already stopped or gone

        await self._call(kill)

    async def remove(self, handle: Handle) -> None:
        assert isinstance(handle, DockerHandle)
        for stream in handle.streams:
            with contextlib.suppress(Exception):
                stream.close()
        container = handle.container
        if container is None:
            # A create that may have completed in an abandoned thread: remove by name.
            def by_name() -> None:
                with contextlib.suppress(docker.errors.APIError):
                    self.client.containers.get(handle.name).remove(force=True, v=True)

            await self._call(by_name)
            return

        def remove() -> None:
            t0 = time.perf_counter()
            try:
                container.remove(force=True, v=True)
                self._record("remove", time.perf_counter() - t0)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                if exc.status_code != 409:  # removal already in progress
                    raise

        await self._call(remove)

    async def read_outputs(self) -> tuple[dict[str, str], dict[str, str]]:
        if self._outputs is None:
            return {}, {}

        def read(name: str) -> dict[str, str]:
            try:
                with (self._outputs / name).open(errors="replace") as f:  # type: ignore[operator]
                    return parse_dotenv(f.read(OUTPUTS_LIMIT))
            except OSError:
                return {}

        return read(".env"), read("masked.env")

    async def teardown(self) -> None:
        started = time.perf_counter()
        try:
            await self._teardown()
        finally:
            self._record("teardown", time.perf_counter() - started)

    async def _teardown(self) -> None:
        def sweep() -> None:
            flt: dict[str, Any] = {"label": f"{LABEL}={self.run_id}"}
            problems: list[str] = []
            for container in self.client.containers.list(all=True, filters=flt):
                try:
                    container.remove(force=True, v=True)
                except docker.errors.NotFound:
                    pass
                except docker.errors.APIError as exc:
                    if exc.status_code != 409:  # 409: a removal already in progress
                        problems.append(f"container {container.name}: {_explain(exc)}")
            # A network or volume can stay busy for a moment after its last container went
            # (endpoints are released asynchronously under load): retry for a few seconds.
            for network in self.client.networks.list(filters=flt):
                try:
                    _remove_network(self.client, network)
                except NetworkStuckError:
                    problems.append(
                        f"network {network.name}: the engine lost count of its endpoints and"
                        f" refuses to remove it; {STUCK_HINT}"
                    )
                except docker.errors.APIError as exc:
                    problems.append(f"network {network.name}: {_explain(exc)}")
            for volume in self.client.volumes.list(filters=flt):
                for attempt in range(50):  # busy for a moment after its last container
                    try:
                        volume.remove(force=True)
                        break
                    except docker.errors.NotFound:
                        break
                    except docker.errors.APIError as exc:
                        if attempt == 49:
                            problems.append(f"volume {volume.name}: {_explain(exc)}")
                        time.sleep(0.2)
            if problems:
                raise EngineError(
                    "could not remove everything: " + "; ".join(problems),
                    f"run `velarun clean --run-id {self.run_id}`",
                )

        try:
            if self._client is not None:
                await self._call(sweep)  # removing containers also ends abandoned waits
                if self._in_flight > 0:  # only after a cancellation abandoned calls
                    with anyio.move_on_after(10):
                        while self._in_flight > 0:
                            await anyio.sleep(0.05)
                    await self._call(sweep)  # whatever an abandoned call created meanwhile
        finally:
            if self._outputs is not None:
                shutil.rmtree(self._outputs, ignore_errors=True)
                self._outputs = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


class NetworkStuckError(Exception):
    """The engine lost count of a network's endpoints: it lists none, yet refuses to remove
    it for "active endpoints". A Docker Engine defect (moby#42119; Docker 20.10 here drifts in
    about 1 of 10 rounds of 50 containers started at once); only a dockerd restart releases
    the network. It holds nothing: no container, no address in use."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


STUCK_HINT = (
    "it is empty and harmless; restarting dockerd releases it (a Docker Engine defect, moby#42119)"
)


def _remove_network(client: Any, network: Any, attempts: int = 50) -> None:
    """Remove a network, releasing endpoints the engine still holds (it releases them
    asynchronously under load, and keeps stale ones after a container vanished). Raises
    ``NetworkStuckError`` when the engine refuses although the network has no endpoint left."""
    empty_refusals = 0
    for attempt in range(attempts):
        try:
            network.remove()
            return
        except docker.errors.NotFound:
            return
        except docker.errors.APIError as exc:
            try:
                network.reload()
                endpoints = network.attrs.get("Containers") or {}
            except docker.errors.NotFound:
                return
            except docker.errors.APIError:
                endpoints = {}
            if not endpoints and "active endpoints" in _explain(exc):
                empty_refusals += 1
                if empty_refusals >= 10:  # two seconds with nothing attached: not a delay
                    raise NetworkStuckError(network.name) from exc
            if attempt == attempts - 1:
                raise
            for endpoint in endpoints:
                with contextlib.suppress(docker.errors.APIError):
                    client.api.disconnect_container_from_network(endpoint, network.id, force=True)
            time.sleep(0.2)


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), or None when there is no
    such process or no /proc to ask."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces and parentheses
    return fields[19] if len(fields) > 19 else None


def owner_token() -> str:
    """This process, as ``OWNER_LABEL`` records it."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or ''}"


def still_running(owner: str) -> bool:
    """Whether the velarun that wrote ``owner`` is still running on this machine. Runs from
    another machine (a shared remote engine) cannot be checked and count as not running."""
    host, _, rest = owner.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if started:
        return _start_time(pid) == started
    try:  # no start time recorded (no /proc): the pid alone
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Cleaned:
    containers: int
    networks: int
    volumes: int
    problems: tuple[str, ...]
    """What could not be removed, one phrase each."""
    running: tuple[str, ...]
    """Run ids left alone because the velarun that owns them is still running."""
    stuck: tuple[str, ...] = ()
    """Empty networks the engine refuses to remove (``NetworkStuckError``)."""


def clean(run_id: str | None = None, *, include_running: bool = False) -> Cleaned:
    """Remove leftovers of crashed runs (all runs, or one): containers, networks, volumes.
    A run whose velarun is still running is left alone unless ``include_running``."""
    with engine_errors():
        return _clean(docker.from_env(), run_id, include_running)


def _clean(client: Any, run_id: str | None, include_running: bool) -> Cleaned:
    problems: list[str] = []
    stuck: list[str] = []
    try:
        flt: dict[str, Any] = {"label": f"{LABEL}={run_id}" if run_id else LABEL}
        # The low-level list: one call, no inspect per container that may vanish meanwhile.
        containers = client.api.containers(all=True, filters=flt)
        networks = client.networks.list(filters=flt)
        volumes = client.volumes.list(filters=flt)
        found = [c.get("Labels") or {} for c in containers]
        found += [n.attrs.get("Labels") or {} for n in networks]
        found += [v.attrs.get("Labels") or {} for v in volumes]
        running: set[str] = set()
        if not include_running:
            running = {
                lab.get(LABEL, "") for lab in found if still_running(lab.get(OWNER_LABEL, ""))
            }

        def leftover(lab: Mapping[str, str] | None) -> bool:
            return (lab or {}).get(LABEL, "") not in running

        counts = [0, 0, 0]
        for c in containers:
            if not leftover(c.get("Labels")):
                continue
            try:
                client.api.remove_container(c["Id"], force=True, v=True)
                counts[0] += 1
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                name = (c.get("Names") or [c["Id"][:12]])[0].lstrip("/")
                problems.append(f"container {name}: {_explain(exc)}")
        for n in networks:
            if not leftover(n.attrs.get("Labels")):
                continue
            try:
                _remove_network(client, n, attempts=20)
                counts[1] += 1
            except NetworkStuckError:
                stuck.append(n.name)
            except docker.errors.APIError as exc:
                problems.append(f"network {n.name}: {_explain(exc)}")
        for v in volumes:
            if not leftover(v.attrs.get("Labels")):
                continue
            try:
                v.remove(force=True)
                counts[2] += 1
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                problems.append(f"volume {v.name}: {_explain(exc)}")
        return Cleaned(
            counts[0], counts[1], counts[2], tuple(problems), tuple(sorted(running)), tuple(stuck)
        )
    finally:
        client.close()


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


def floor_cycles(image: str, n: int, workspace: Path) -> dict[str, list[float]]:
    """The floor for ``velarun bench``: ``n`` bare create/start/wait/remove cycles of ``image``
    running ``true``, with the same network and mounts a run uses. Seconds per phase.
    Interrupted (Ctrl-C between two calls), it removes what it created and re-raises."""
    client = docker.from_env()
    run_id = f"bench{os.getpid()}"
    owner = owner_token()
    lab = labels(run_id, owner=owner)
    timings: dict[str, list[float]] = {}
    outputs = Path(tempfile.mkdtemp(prefix=f"velarun-{run_id}-outputs-"))

    def rec(phase: str, t0: float) -> float:
        now = time.perf_counter()
        timings.setdefault(phase, []).append(now - t0)
        return now

    try:
        with _interrupts_between_calls() as checkpoint:
            t = time.perf_counter()
            network_name, volume_name = f"velarun-{run_id}-network", f"velarun-{run_id}-vela"
            network = client.networks.create(network_name, labels=lab)
            volume = client.volumes.create(volume_name, labels=lab)
            rec("run set-up", t)
            for i in range(n):
                checkpoint()
                spec = ContainerSpec(
                    "step",
                    f"floor{i}",
                    None,
                    image,
                    "never",
                    command=("true",),
                    working_dir="/vela/src",
                )
                kwargs = create_kwargs(
                    spec,
                    run_id=run_id,
                    name=f"velarun-{run_id}-floor-{i}",
                    volume=volume_name,
                    network=network_name,
                    workspace=str(workspace.resolve()),
                    outputs_dir=str(outputs),
                    owner=owner,
                )
                t = time.perf_counter()
                container = client.containers.create(**kwargs)
                t = rec("container create", t)
                container.start()
                t = rec("container start", t)
                container.wait()
                t = rec("wait", t)
                container.remove(force=True, v=True)
                rec("remove", t)
            t = time.perf_counter()
            network.remove()
            volume.remove(force=True)
            shutil.rmtree(outputs, ignore_errors=True)
            rec("teardown", t)
    except BaseException:  # interrupted or failed: remove whatever carries the label
        with contextlib.suppress(Exception):
            clean(run_id, include_running=True)  # this process is the owner, still running
        raise
    finally:
        shutil.rmtree(outputs, ignore_errors=True)
        client.close()
    return timings


def engine_version() -> str:
    client = docker.from_env()
    try:
        return str(client.version().get("Version", "unknown"))
    finally:
        client.close()
