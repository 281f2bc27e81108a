"""DockerRuntime: the Runtime protocol on a real Docker Engine through the docker SDK.

Every blocking SDK call runs in a worker thread that can be abandoned on cancellation
(``abandon_on_cancel=True``); the shielded cleanup then kills and removes the container, which
unblocks the abandoned thread. Log readers and waiters use their own capacity limiter, so many
parallel steps cannot use up anyio's default 40 threads. Every call passes the error boundary
of :mod:`velarun.runtime.docker_errors`, told what the call acts on.

Per run: a bridge network (each container reachable by its step or service name; a stage's
steps in one sandbox's network namespace, see :mod:`velarun.runtime.docker_pods`), a volume at
``/vela``, the working directory bind-mounted at ``/vela/src``, and a host directory at
``/vela/outputs`` for ``$VELA_OUTPUTS``, all labelled as :mod:`velarun.runtime.docker_labels`
says. A container's output is read from an attach socket opened before it starts (as `docker
run` does), see :mod:`velarun.runtime.docker_logs`.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import docker.errors

from velarun.runtime import (
    ContainerSpec,
    EngineError,
    EngineInfo,
    FilePicker,
    Handle,
    Leftovers,
    LogSink,
    PhaseObserver,
    PullObserver,
    ShellRequest,
    WorkspaceSource,
)
from velarun.runtime.copyout import ChunkReader, copy_from_host, copy_from_tar
from velarun.runtime.docker_clean import STUCK_HINT, remove_labelled
from velarun.runtime.docker_errors import (
    ENGINE,
    Call,
    Op,
    connect_engine,
    engine_errors,
)
from velarun.runtime.docker_handle import Clock, DockerHandle, remove_container
from velarun.runtime.docker_images import pull, resolve_image
from velarun.runtime.docker_labels import (
    container_name,
    create_kwargs,
    helper_kwargs,
    labels,
    owner_token,
)
from velarun.runtime.docker_logs import LineHandoff, read_attached
from velarun.runtime.docker_outputs import OutputFiles, outputs_archive, read_archive
from velarun.runtime.docker_podman import exit_status, not_running
from velarun.runtime.docker_pods import Pods
from velarun.runtime.docker_probe import inspect_engine
from velarun.runtime.docker_shell import (
    committed_image,
    run_shell,
    shell_kwargs,
    shell_name,
    shell_spec,
)
from velarun.runtime.layout import OUTPUTS_DIR, VELA, WORKSPACE

T = TypeVar("T")

_STREAM_LIMITER_SIZE = 1024


class DockerRuntime:
    """The :class:`velarun.runtime.Runtime` protocol on the Docker Engine."""

    _pulls: PullObserver | None = None  # given to prepare_images; on_start pulls tell it too

    def __init__(
        self,
        workspace: Path,
        run_id: str,
        observer: PhaseObserver | None = None,
        *,
        network_mode: str = "pod",
    ) -> None:
        self.workspace: Path | None = workspace.resolve()
        """Bind-mounted at /vela/src; None once a workspace was copied into the volume."""
        self.run_id = run_id
        self.owner = owner_token()
        self.network = f"velarun-{run_id}-network"
        self.volume = f"velarun-{run_id}-vela"
        self._client: Any = None
        self._outputs = OutputFiles()
        self._serial = 0
        self._streams = anyio.CapacityLimiter(_STREAM_LIMITER_SIZE)
        self._lock = threading.Lock()
        self._in_flight = 0
        self._live: set[str] = set()  # containers of handles, made and not removed yet
        self._swept = False
        self._clock = Clock(observer)
        self._network_made: concurrent.futures.Future[None] | None = None
        """The run's network, created in a thread while the workspace loads (see ``setup``)."""
        self._mountpoints = anyio.Lock()
        self._mountpoints_made = False
        """Until one container has started, starts take turns (see ``start``)."""
        self._helper_image = ""
        """The image the workspace helper was made on (copy, commit), for ``copy_out``."""
        self._reader: Any = None
        self.engine = EngineInfo()
        """What :meth:`connect` found: the header's ``engine:`` line."""
        self._reader_made = anyio.Lock()
        self._pods = Pods(lambda: self.client, run_id, self.owner, self.network, self._creating)
        self.network_mode = network_mode
        """``pod``: a stage's steps share a sandbox's network namespace; ``endpoint``: each
        container has its own endpoint on the run's network."""

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

    # -- plumbing ----------------------------------------------------------------------------

    async def _call(
        self, fn: Callable[..., T], *args: Any, call: Call = ENGINE, limiter: Any = None
    ) -> T:
        with engine_errors(call):
            return await anyio.to_thread.run_sync(
                fn, *args, abandon_on_cancel=True, limiter=limiter or self._streams
            )

    @property
    def client(self) -> Any:
        if self._client is None:
            raise EngineError("the Docker runtime is not connected")
        return self._client

    def connect(self) -> None:
        """Blocking: reach the engine or raise EngineUnavailableError with what to do; then
        learn what it is and whether it sees this machine's files (:attr:`engine`)."""
        self._client, address = connect_engine()
        with engine_errors(ENGINE):
            probe = f"velarun-{self.run_id}-probe", labels(self.run_id, owner=self.owner)
            self.engine = inspect_engine(self._client, address, self.workspace, *probe)
        if not self.engine.shares_files:  # the workspace goes by copy, outputs in the volume
            self.workspace = None

    # -- the protocol ------------------------------------------------------------------------

    async def setup(self) -> None:
        started = self._clock.now()
        if self.engine.shares_files:  # else the outputs are files in the run's volume
            self._outputs.make_on_host(self.run_id)

        def create_volume() -> None:
            with self._creating():
                self.client.volumes.create(
                    self.volume, labels=labels(self.run_id, owner=self.owner)
                )

        await self._call(create_volume)
        self._clock.since("run set-up", started)
        # The network (about 0.1 s: a bridge) is made while a copy or commit workspace loads
        # into the volume; ``ready`` waits for it. In flight from now: a teardown that comes
        # first waits for it before its last sweep.
        self._network_made = concurrent.futures.Future()
        with self._lock:
            self._in_flight += 1
        threading.Thread(
            target=self._create_network, args=(self._network_made,), daemon=True
        ).start()
        self._pods.after(self._network_made)

    def _create_network(self, made: concurrent.futures.Future[None]) -> None:
        started = self._clock.now()
        failed: BaseException | None = None
        try:
            self.client.networks.create(
                self.network, driver="bridge", labels=labels(self.run_id, owner=self.owner)
            )
        except BaseException as exc:  # handed to whoever waits in ``ready``
            failed = exc
        finally:
            with self._lock:
                self._in_flight -= 1
        self._clock.since("run set-up", started)
        if failed is not None:
            made.set_exception(failed)
        else:
            made.set_result(None)

    async def ready(self) -> None:
        """Wait for what ``setup`` left to finish (the network); raise its failure."""
        made = self._network_made
        if made is None:
            return
        with engine_errors(ENGINE):
            if not made.done():
                await anyio.to_thread.run_sync(made.exception, abandon_on_cancel=True)
            made.result()

    async def open_stage(self, stage: str | None, steps: list[str]) -> None:
        """Begin making the stage's network sandbox (pod mode; see
        :mod:`velarun.runtime.docker_pods`) without waiting for it."""
        if self.network_mode == "pod":
            self._pods.open(stage, steps)

    async def close_stage(self, stage: str | None) -> None:
        """The stage ended: its sandbox goes, in a thread."""
        self._pods.close(stage)

    def _resolve(self, image: str, policy: str, who: str) -> None:
        resolve_image(self.client, image, policy, who, self._pulls)

    async def prepare_images(
        self, specs: list[ContainerSpec], pulls: PullObserver | None = None
    ) -> None:
        """Resolve every image once, in parallel; the first failure ends the run."""
        self._pulls = pulls
        wanted: dict[str, tuple[str, str]] = {}
        for spec in specs:
            label = spec.label if spec.kind == "step" else f"service {spec.name}"
            current = wanted.get(spec.image)
            if current is None or (spec.pull == "always" and current[0] != "always"):
                wanted[spec.image] = (spec.pull, f"step `{label}`")
        started = self._clock.now()
        async with anyio.create_task_group() as tg:
            for image, (policy, who) in wanted.items():
                tg.start_soon(self._call, self._resolve, image, policy, who)
        self._clock.since("image resolution", started)

    async def load_workspace(self, source: WorkspaceSource, image: str) -> None:
        """Live: mount ``host_path``. Copy, commit: unpack the archive into the run's volume
        through a helper container that is created (on an image the run already has) but never
        started, then removed."""
        if source.archive is None:
            if not self.engine.shares_files:
                raise EngineError(
                    f"the engine at {self.engine.url} does not share this machine's files:"
                    " a live workspace cannot be mounted there",
                    "use --workspace copy or commit",
                )
            self.workspace = Path(source.host_path).resolve()
            return
        stream = source.archive
        started = self._clock.now()
        self._helper_image = image
        helper = await self._helper("workspace")
        try:
            call = Call(Op.ENGINE, f"velarun-{self.run_id}-workspace")
            if self._outputs.host is None:  # the outputs' files, in the volume
                await self._call(lambda: helper.put_archive(VELA, outputs_archive()), call=call)
            # The stream is sent as it is written (chunked): making and sending overlap.
            await self._call(lambda: helper.put_archive(VELA, stream()), call=call)
        finally:
            with anyio.CancelScope(shield=True):
                await self._call(remove_container, helper)
        self.workspace = None
        self._clock.since("workspace", started)

    async def _helper(self, purpose: str) -> Any:
        """A container on the run's volume, created and never started (see ``helper_kwargs``)."""
        image = self._helper_image
        name = f"velarun-{self.run_id}-{purpose}"
        call = Call(Op.CREATE, f"the {purpose} helper", image)

        def create() -> Any:
            self._resolve(image, "not_present", f"the {purpose} helper")
            with self._creating(), engine_errors(call):
                return self.client.containers.create(
                    **helper_kwargs(image, name, self.run_id, self.volume, self.owner)
                )

        return await self._call(create)

    async def copy_out(self, spec: ContainerSpec, pick: FilePicker, into: str) -> list[str]:
        """Live: from the host directory. Copy, commit: the volume's ``/vela/src`` as the
        engine archives it, read through one helper kept for the run (the teardown's sweep
        removes it)."""
        if self.workspace is not None:
            root = str(self.workspace)
            return await self._call(lambda: copy_from_host(root, pick, into))
        reader = await self._reader_helper()
        call = Call(Op.ENGINE, f"the artifacts of step `{spec.label}`")

        def copy() -> list[str]:
            chunks, _ = reader.get_archive(WORKSPACE)
            return copy_from_tar(ChunkReader(chunks), "src", pick, into)

        return await self._call(copy, call=call)

    async def _reader_helper(self) -> Any:
        """One helper on the run's volume kept for reading it (artifacts, outputs); the
        teardown's sweep removes it."""
        async with self._reader_made:
            if self._reader is None:
                self._reader = await self._helper("artifacts")
        return self._reader

    async def _kwargs(self, spec: ContainerSpec, name: str) -> dict[str, Any]:
        """``create_kwargs`` for this run; a step joins its stage's sandbox, if it has one."""
        pod = None
        if spec.kind == "step" and not spec.detach:
            pod = await self._pods.join(spec.stage, f"step `{spec.label}`")
        kwargs = create_kwargs(
            spec,
            run_id=self.run_id,
            name=name,
            volume=self.volume,
            network=self.network,
            workspace=str(self.workspace) if self.workspace is not None else None,
            outputs_dir=self._outputs.mount_source,
            owner=self.owner,
            pod=pod,
        )
        if pod is None:  # reachable by its step or service name on the run's network
            kwargs["networking_config"] = {
                self.network: self.client.api.create_endpoint_config(aliases=[spec.name])
            }
        return kwargs

    def _create_attached(self, handle: DockerHandle, kwargs: dict[str, Any]) -> None:
        """Blocking: create the container and attach to its output before it starts, as
        `docker run` does: the output streams from its first byte over a raw socket, far
        cheaper to read than the logs endpoint."""
        spec = handle.spec
        started = self._clock.now()
        with self._creating(), engine_errors(Call(Op.CREATE, f"step `{spec.label}`", spec.image)):
            container = self.client.containers.create(**kwargs)
        self._live.add(handle.name)
        handle.container = container
        with engine_errors(Call(Op.START, f"{spec.kind} `{spec.label}`")):
            output = self.client.api.attach_socket(
                container.id, params={"stdout": 1, "stderr": 1, "stream": 1}
            )
            sock: Any
            for sock in (output, getattr(output, "_sock", None)):
                if hasattr(sock, "settimeout"):
                    sock.settimeout(None)  # a quiet step is not a dead engine
            handle.streams.append(output)
        self._clock.since("container create", started)

    def _start_attached(self, handle: DockerHandle) -> None:
        started = self._clock.now()
        with engine_errors(Call(Op.START, f"{handle.spec.kind} `{handle.spec.label}`")):
            handle.container.start()
        self._clock.since("container start", started)

    def _handle(self, spec: ContainerSpec) -> DockerHandle:
        self._serial += 1
        return DockerHandle(spec, container_name(self.run_id, spec, self._serial))

    async def create(self, spec: ContainerSpec) -> DockerHandle:
        """Created and attached, not started (the next step's, while one runs)."""
        handle = self._handle(spec)
        kwargs = await self._kwargs(spec, handle.name)
        await self._call(self._create_attached, handle, kwargs)
        return handle

    async def start(self, spec: ContainerSpec, made: Handle | None = None) -> DockerHandle:
        if isinstance(made, DockerHandle):
            await self._call(self._start_attached, made)
            return made
        handle = self._handle(spec)
        kwargs = await self._kwargs(spec, handle.name)

        def create_and_start() -> None:
            self._create_attached(handle, kwargs)
            self._start_attached(handle)

        if spec.pull == "on_start":
            await self._call(
                lambda: pull(self.client, spec.image, f"step `{spec.label}`", self._pulls)
            )
        if not self._mountpoints_made:
            # The first start makes the mountpoints of /vela/src and /vela/outputs inside the
            # run's new volume; the engine fails a second start that races it to the same
            # mkdir ("mkdir .../_data/src: file exists", seen with parallel stages on Docker
            # 20.10). Starts take turns until one has succeeded, then run side by side.
            async with self._mountpoints:
                if not self._mountpoints_made:
                    await self._call(create_and_start)
                    self._mountpoints_made = True
                    return handle
        await self._call(create_and_start)
        return handle

    async def logs(self, handle: Handle, sink: LogSink) -> None:
        assert isinstance(handle, DockerHandle)
        if handle.container is None or not handle.streams:
            return
        handoff = LineHandoff()

        def read() -> None:
            read_attached(handle.streams[0], handoff)

        failure: EngineError | None = None

        async def reader() -> None:
            nonlocal failure
            try:
                await self._call(read, call=handle.call)
            except EngineError as exc:
                failure = exc
            finally:
                handoff.close()

        async with anyio.create_task_group() as tg:
            tg.start_soon(reader)
            await handoff.drain(sink)
        if failure is not None:
            raise failure
        handle.logs_done = self._clock.now()
        self._log_drain(handle)

    def _log_drain(self, handle: DockerHandle) -> None:
        """How long the last lines took to arrive after the container ended: told by whichever
        of ``logs`` and ``wait`` ends second (both run in the event loop)."""
        if handle.waited is not None and handle.logs_done is not None:
            self._clock.record("log drain", max(0.0, handle.logs_done - handle.waited))

    async def wait(self, handle: Handle) -> int:
        """The exit code; :class:`ContainerGoneError` when the container was removed."""
        assert isinstance(handle, DockerHandle)
        if handle.container is None:
            return 1
        started = self._clock.now()
        container = handle.container
        code = await self._call(lambda: exit_status(container.wait()), call=handle.call)
        self._outputs.ended += 1  # the outputs may have changed
        handle.waited = self._clock.since("wait", started)
        self._log_drain(handle)
        return code

    async def kill(self, handle: Handle) -> None:
        assert isinstance(handle, DockerHandle)
        container = handle.container
        if container is None:
            return

        def kill() -> None:
            try:
                container.kill()
            except docker.errors.NotFound:
                pass  # gone already
            except docker.errors.APIError as exc:
                if not not_running(exc):
                    raise

        await self._call(kill, call=handle.call)

    async def remove(self, handle: Handle) -> None:
        assert isinstance(handle, DockerHandle)
        for stream in handle.streams:
            with contextlib.suppress(Exception):
                stream.close()
        container = handle.container

        def remove() -> None:
            if container is None:
                # A create that may have completed in an abandoned thread: remove by name.
                with contextlib.suppress(docker.errors.NotFound):
                    remove_container(self.client.containers.get(handle.name))
                return
            started = self._clock.now()
            if remove_container(container):
                self._clock.since("remove", started)
            self._live.discard(handle.name)

        await self._call(remove, call=handle.call)

    async def shell(self, request: ShellRequest) -> int:
        """An interactive shell on the user's terminal, in the failed step's committed
        container or a fresh one of its image (see :mod:`velarun.runtime.docker_shell`)."""
        self._serial += 1
        spec, failed = request.spec, request.failed
        image = spec.image
        if failed is not None:
            image = committed_image(self.run_id, spec, self._serial)
        elif spec.pull == "on_start":  # before the step: its image may not be here yet
            who = f"the shell before step `{spec.label}`"
            await self._call(lambda: self._resolve(image, "not_present", who))
        base = create_kwargs(
            shell_spec(spec, request.shell, image),
            run_id=self.run_id,
            name=shell_name(self.run_id, spec, self._serial),
            volume=self.volume,
            network=self.network,
            workspace=str(self.workspace) if self.workspace is not None else None,
            outputs_dir=self._outputs.mount_source,
            owner=self.owner,
        )

        async def call(fn: Callable[[], T], *, call: Call = ENGINE) -> T:
            def counted() -> T:
                with self._creating():  # in the thread: a teardown waits for an abandoned one
                    return fn()

            return await self._call(counted, call=call)

        container = failed.container if isinstance(failed, DockerHandle) else None
        image_labels = labels(self.run_id, owner=self.owner)
        return await run_shell(
            self.client, call, shell_kwargs(base), failed=container, image_labels=image_labels
        )

    async def read_outputs(self) -> tuple[dict[str, str], dict[str, str]]:
        if self._outputs.host is not None:
            return self._outputs.read_host()
        if not self._helper_image:
            return {}, {}  # no workspace was loaded (no step runs), so no step wrote any

        async def fetch() -> Any:
            reader = await self._reader_helper()
            call = Call(Op.ENGINE, "the steps' outputs")
            return await self._call(
                lambda: read_archive(reader.get_archive(OUTPUTS_DIR)[0]), call=call
            )

        return await self._outputs.read_volume(fetch)

    async def teardown(self) -> None:
        started = self._clock.now()
        try:
            await self._teardown()
        finally:
            self._clock.since("teardown", started)

    def _sweep(self) -> None:
        """Blocking: remove everything labelled with this run, or say what is left."""
        done = remove_labelled(
            self.client,
            self.run_id,
            include_running=True,
            network_attempts=50,
            volume_attempts=50,
        )
        problems = list(done.problems)
        problems += [
            f"network {name}: the engine lost count of its endpoints and refuses to remove it;"
            f" {STUCK_HINT}"
            for name in done.stuck
        ]
        if problems:
            raise EngineError(
                "could not remove everything: " + "; ".join(problems),
                f"run `velarun clean --run-id {self.run_id}`",
            )

    async def _teardown(self) -> None:
        try:
            if self._client is not None:
                self._pods.shut()
                await self._call(self._pods.settle)
                busy = self._in_flight > 0
                try:
                    await self._call(self._sweep)  # removing containers ends abandoned waits
                except EngineError:
                    if not (busy or self._in_flight > 0):
                        raise  # else: what was being created may have held the network: again
                if busy or self._in_flight > 0:  # abandoned calls, or a sandbox being made
                    with anyio.move_on_after(10):
                        while self._in_flight > 0:
                            await anyio.sleep(0.05)
                    await self._call(self._sweep)  # whatever an abandoned call created meanwhile
                self._swept = True
        finally:
            self._outputs.remove()

    def pending_cleanup(self) -> Leftovers:
        if self._swept:
            return Leftovers()
        made = int(self._network_made is not None)  # set-up made the volume, then the network
        helpers = self._pods.alive() + (self._reader is not None)
        return Leftovers(len(self._live) + helpers, made, made)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
