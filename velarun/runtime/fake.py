"""FakeRuntime: a deterministic, Docker-free runtime that checks the protocol.

Scripts each container's behaviour by label (``"stage/step"`` or ``"step"``, services by name):
exit code, log lines, how long it runs, an error on start, outputs it writes. Records every call
in ``events`` so tests can assert on ordering and overlap, and raises ``AssertionError`` when the
scheduler breaks the protocol (wait before start, start after teardown, double setup...).
"""

from __future__ import annotations

import io
import os
import tarfile
from dataclasses import dataclass, field

import anyio

from velarun.runtime import (
    ContainerGoneError,
    ContainerSpec,
    EngineError,
    EngineInfo,
    EngineUnavailableError,
    FilePicker,
    ImageUnavailableError,
    Leftovers,
    LogSink,
    PullObserver,
    PullProgress,
    ShellRequest,
    WorkspaceSource,
)
from velarun.runtime.copyout import copy_from_host, copy_from_tar


@dataclass(frozen=True, slots=True)
class FakeStep:
    exit_code: int = 0
    logs: tuple[str, ...] = ()
    delay: float = 0.0
    """Seconds the container "runs" (fake time via anyio sleep)."""
    start_error: str | None = None
    gone: bool = False
    """The container vanishes while the step runs (removed from outside)."""
    outputs: tuple[tuple[str, str], ...] = ()
    masked_outputs: tuple[tuple[str, str], ...] = ()
    exits: bool = False
    """A service or detached step that ends on its own after ``delay``, with ``exit_code``."""
    writes: tuple[tuple[str, bytes], ...] = ()
    """Files the step leaves in the workspace (path relative to /vela/src, content): on the
    host for a mounted workspace, else in the fake volume."""
    copy_error: str | None = None
    """``copy_out`` for this step fails with this engine error."""
    shell_exit: int = 0
    """The exit code of a shell opened for this step (``--shell-on-failure``, a break)."""
    shell_delay: float = 0.0
    """Seconds the user stays in that shell."""
    shell_error: str | None = None
    """The engine cannot open the shell."""


@dataclass(eq=False)
class FakeHandle:
    spec: ContainerSpec
    behaviour: FakeStep
    done: anyio.Event = field(default_factory=anyio.Event)
    exit_code: int | None = None
    killed: bool = False
    removed: bool = False
    made: bool = False
    """Created ahead and not started yet."""


class FakeRuntime:
    def __init__(
        self,
        behaviours: dict[str, FakeStep] | None = None,
        *,
        image_error: str | None = None,
        missing_image: str | None = None,
        connect_error: str | None = None,
        run_id: str = "fake",
        engine: EngineInfo | None = None,
        teardown_delay: float = 0.0,
        layers: dict[str, tuple[int, ...]] | None = None,
    ) -> None:
        self.behaviours = behaviours or {}
        self.image_error = image_error
        self.missing_image = missing_image
        """An image that cannot be had: ``prepare_images`` fails on its first user."""
        self.connect_error = connect_error
        self.run_id = run_id
        self.layers = layers or {}
        """Images ``prepare_images`` pulls (policy ``always`` or ``not_present``), with the
        sizes of their layers: one progress report per layer, a tick apart."""
        self.engine = engine or EngineInfo("fake", "1", "fake://")
        """What ``connect`` reports (the header's ``engine:`` line)."""
        self.teardown_delay = teardown_delay
        """Seconds the teardown takes (fake time via anyio sleep)."""
        self.events: list[tuple[str, str]] = []
        self.handles: list[FakeHandle] = []
        self.outputs: dict[str, str] = {}
        self.masked_outputs: dict[str, str] = {}
        self.env_seen: dict[str, dict[str, str]] = {}
        self.specs: list[ContainerSpec] = []
        """Every container started, as asked for."""
        self.prepared: list[ContainerSpec] = []
        """What ``prepare_images`` was given."""
        self.workspace: str = ""
        """The host directory mounted at /vela/src (live), when one was given."""
        self.workspace_files: list[str] = []
        """What would have been copied into the run's volume (copy, commit): member names."""
        self.volume_files: dict[str, bytes] = {}
        """Files steps left in the fake volume's workspace (copy, commit), by relative path."""
        self.shells: list[ShellRequest] = []
        self.discarded: list[str] = []
        """Steps whose containers created ahead were removed unstarted."""
        self.created: list[str] = []
        """Steps whose containers were created ahead (kept apart from ``events``)."""
        self.stage_calls: list[tuple[str, str | None]] = []
        """``open`` and ``close`` of stages, in order (kept apart from ``events``)."""
        self._open_stages: set[str | None] = set()
        self._closed_stages: set[str | None] = set()
        self._shell_open = False
        self._setup = False
        self._ready = False
        self._torn_down = False
        self._swept = False

    def _event(self, kind: str, label: str = "") -> None:
        self.events.append((kind, label))

    def connect(self) -> None:
        """Blocking, before the run: ``connect_error`` is an engine nobody can reach."""
        self._event("connect")
        if self.connect_error is not None:
            raise EngineUnavailableError(self.connect_error, "start the fake engine")

    def close(self) -> None:
        self._event("close")

    async def setup(self) -> None:
        assert not self._setup, "setup called twice"
        self._setup = True
        self._event("setup")

    async def ready(self) -> None:
        assert self._setup and not self._torn_down, "ready outside setup..teardown"
        self._ready = True

    async def prepare_images(
        self, specs: list[ContainerSpec], pulls: PullObserver | None = None
    ) -> None:
        self._event("prepare_images", ",".join(s.label for s in specs))
        self.prepared = list(specs)
        if self.image_error is not None:
            raise EngineError(self.image_error)
        wanted = {s.image for s in specs if s.pull in ("always", "not_present")}
        for image in sorted(wanted & set(self.layers)):
            await self._pull(image, self.layers[image], pulls)
        for spec in specs:
            if spec.image == self.missing_image:
                raise ImageUnavailableError(
                    f"step `{spec.label}`: image `{spec.image}` is not present locally and its"
                    f" pull policy is `{spec.pull}`",
                    "pull or build it first",
                    image=spec.image,
                )

    async def _pull(self, image: str, sizes: tuple[int, ...], pulls: PullObserver | None) -> None:
        self._event("pull", image)
        if pulls is None:
            return
        pulls.pull_started(image)
        total = sum(sizes)
        for i in range(1, len(sizes) + 1):
            await anyio.sleep(0.01)
            pulls.pull_progress(PullProgress(image, sum(sizes[:i]), total, i, len(sizes)))
        pulls.pull_finished(PullProgress(image, total, total, len(sizes), len(sizes)), True)

    async def load_workspace(self, source: WorkspaceSource, image: str) -> None:
        assert self._setup and not self._torn_down and not self.handles, "workspace too late"
        assert not self._ready, "workspace after ready: it would not overlap the set-up"
        if source.archive is None:
            self.workspace = source.host_path
            self._event("workspace", f"mount {source.host_path}")
            return
        with tarfile.open(fileobj=io.BytesIO(b"".join(source.archive()))) as tar:
            self.workspace_files = tar.getnames()
        self._event("workspace", f"copy {len(self.workspace_files)} entries with {image}")

    async def open_stage(self, stage: str | None, steps: list[str]) -> None:
        assert self._setup and not self._torn_down, "open_stage outside setup..teardown"
        assert stage not in self._open_stages, f"stage {stage} opened twice"
        assert stage not in self._closed_stages, f"stage {stage} opened after it closed"
        self._open_stages.add(stage)
        self.stage_calls.append(("open", stage))

    async def close_stage(self, stage: str | None) -> None:
        assert stage in self._open_stages, f"stage {stage} closed but never opened"
        self._open_stages.discard(stage)
        self._closed_stages.add(stage)
        running = [
            h.spec.label
            for h in self.handles
            if h.spec.stage == stage and not h.spec.detach and h.spec.kind == "step"
            if h.exit_code is None and not h.behaviour.gone and not h.made
        ]
        assert not running, f"stage {stage} closed while {running} run"
        self.stage_calls.append(("close", stage))

    async def create(self, spec: ContainerSpec) -> FakeHandle:
        assert self._ready and not self._torn_down, "create outside ready..teardown"
        assert spec.kind == "step" and not spec.detach, f"{spec.label} created ahead"
        handle = FakeHandle(spec, self.behaviours.get(spec.label, FakeStep()), made=True)
        self.handles.append(handle)
        self.created.append(spec.label)
        return handle

    async def start(self, spec: ContainerSpec, made: object = None) -> FakeHandle:
        assert self._setup and not self._torn_down, "start outside setup..teardown"
        assert self._ready, "start before ready"
        if spec.kind == "step" and not spec.detach:
            assert spec.stage in self._open_stages, f"step {spec.label} of a stage not open"
        if made is not None:
            assert isinstance(made, FakeHandle) and made in self.handles, "start of no handle"
            assert made.made and not made.removed, f"{spec.label}: started twice or removed"
            assert made.spec == spec, f"{spec.label} started with another spec than created"
            made.made = False
        behaviour = self.behaviours.get(spec.label, FakeStep())
        self.env_seen[spec.label] = dict(spec.environment)
        self.specs.append(spec)
        self._event("start", spec.label)
        if behaviour.start_error is not None:
            raise EngineError(behaviour.start_error)
        if isinstance(made, FakeHandle):
            return made
        handle = FakeHandle(spec, behaviour)
        self.handles.append(handle)
        return handle

    async def logs(self, handle: object, sink: LogSink) -> None:
        assert isinstance(handle, FakeHandle) and handle in self.handles
        for line in handle.behaviour.logs:
            await sink([line])
        if handle.spec.detach and handle.behaviour.exits:
            with anyio.move_on_after(handle.behaviour.delay):
                await handle.done.wait()
            if handle.exit_code is None:
                handle.exit_code = handle.behaviour.exit_code
                handle.done.set()
        elif handle.spec.detach:
            await handle.done.wait()

    async def wait(self, handle: object) -> int:
        assert isinstance(handle, FakeHandle) and handle in self.handles, "wait before start"
        assert not handle.made, "wait before start"
        if handle.exit_code is None:
            if handle.spec.detach:
                await handle.done.wait()
            else:
                await anyio.sleep(handle.behaviour.delay)
                if handle.behaviour.gone:
                    raise ContainerGoneError(
                        f"step `{handle.spec.label}`: its container was removed"
                    )
                if handle.exit_code is None:
                    handle.exit_code = handle.behaviour.exit_code
                    self._leave_files(handle.behaviour)
                    self.outputs.update(handle.behaviour.outputs)
                    self.masked_outputs.update(handle.behaviour.masked_outputs)
                    handle.done.set()
            self._event("exit", handle.spec.label)
        assert handle.exit_code is not None
        return handle.exit_code

    async def kill(self, handle: object) -> None:
        assert isinstance(handle, FakeHandle)
        self._event("kill", handle.spec.label)
        if handle.exit_code is None:
            handle.killed = True
            handle.exit_code = 137
            handle.done.set()

    async def remove(self, handle: object) -> None:
        assert isinstance(handle, FakeHandle)
        if not handle.removed:
            handle.removed = True
            if handle.made:  # created ahead, never started
                self.discarded.append(handle.spec.label)
            else:
                self._event("remove", handle.spec.label)

    def _leave_files(self, behaviour: FakeStep) -> None:
        for path, data in behaviour.writes:
            if not self.workspace:
                self.volume_files[path] = data
                continue
            target = os.path.join(self.workspace, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(data)

    async def copy_out(self, spec: ContainerSpec, pick: FilePicker, into: str) -> list[str]:
        assert self._ready and not self._torn_down, "copy_out outside ready..teardown"
        ended = [h for h in self.handles if h.spec == spec and h.exit_code is not None]
        assert ended, f"copy_out of `{spec.label}` before its container ended"
        assert not any(h.removed for h in ended), f"copy_out of `{spec.label}` after remove"
        self._event("copy_out", spec.label)
        error = self.behaviours.get(spec.label, FakeStep()).copy_error
        if error is not None:
            raise EngineError(error)
        if self.workspace:
            return copy_from_host(self.workspace, pick, into)
        return copy_from_tar(io.BytesIO(self._volume_tar()), "src", pick, into)

    def _volume_tar(self) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for path, data in sorted(self.volume_files.items()):
                info = tarfile.TarInfo(f"src/{path}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    async def shell(self, request: ShellRequest) -> int:
        """Checks the shell's protocol: after ``ready``, before ``teardown``, one at a time;
        a failed step's container has ended and is still there to commit."""
        assert self._ready and not self._torn_down, "shell outside ready..teardown"
        assert not self._shell_open, "two shells at once on one terminal"
        label = request.spec.label
        failed = request.failed
        if failed is not None:
            assert isinstance(failed, FakeHandle) and failed in self.handles, "shell of no step"
            assert failed.exit_code is not None, "shell in a step still running"
            assert not failed.removed, "shell in a step already removed"
            assert failed.spec.label == label, "shell with another step's environment"
            self._event("commit", label)
        self.shells.append(request)
        self._shell_open = True
        self._event("shell", label)
        behaviour = self.behaviours.get(label, FakeStep())
        try:
            if behaviour.shell_error is not None:
                raise EngineError(behaviour.shell_error)
            await anyio.sleep(behaviour.shell_delay)
        finally:
            self._shell_open = False
            self._event("shell_closed", label)
        return behaviour.shell_exit

    async def read_outputs(self) -> tuple[dict[str, str], dict[str, str]]:
        return dict(self.outputs), dict(self.masked_outputs)

    async def teardown(self) -> None:
        assert not self._torn_down, "teardown called twice"
        self._torn_down = True
        self._event("teardown")
        if self.teardown_delay:
            await anyio.sleep(self.teardown_delay)
        self._swept = True

    def pending_cleanup(self) -> Leftovers:
        """Containers not removed; the run's network and volume from setup to the end of
        teardown."""
        if self._swept:
            return Leftovers()
        made = int(self._setup)
        return Leftovers(sum(not h.removed for h in self.handles), made, made)

    def started(self) -> list[str]:
        return [label for kind, label in self.events if kind == "start"]

    def leftovers(self) -> list[str]:
        return [h.spec.label for h in self.handles if not h.removed]
