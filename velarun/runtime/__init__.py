"""Phase 4, runtime: the seam between the scheduler and a container engine.

:class:`Runtime` is the protocol; :mod:`velarun.runtime.docker` implements it on the Docker
Engine (its parts in the other ``docker_*`` modules, the only ones that import the docker SDK)
and :mod:`velarun.runtime.fake` deterministically for scheduler tests. A container that
exits non-zero is an exit code, never an exception; exceptions (:class:`EngineError` and its
subclasses) mean the infrastructure failed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from velarun.errors import EnvironmentFailureError

LogSink = Callable[[Sequence[str]], Awaitable[None]]
"""Receives a container's output: batches of complete lines, in order."""


class PhaseObserver(Protocol):
    """Told how long each phase of a run took (``velarun bench``). Phases: ``run set-up``,
    ``image resolution``, ``workspace`` (a copied one), ``container create``, ``container
    start``, ``wait``, ``log drain``, ``remove``, ``teardown``. May be called from worker
    threads."""

    def phase(self, name: str, seconds: float) -> None: ...


@dataclass(frozen=True, slots=True)
class PullProgress:
    """How far the pull of one image has come, from the engine's pull stream: the bytes of
    the layers it downloads (a layer's size is known once its download begins) and the
    layers done (pulled, or already here) of those it announced."""

    image: str
    bytes_done: int = 0
    bytes_total: int = 0
    layers_done: int = 0
    layers_total: int = 0


class PullObserver(Protocol):
    """Told how image pulls go (the console's progress bars on a terminal). Every pull that
    starts ends with ``pull_finished``, failed or not. May be called from worker threads."""

    def pull_started(self, image: str) -> None: ...

    def pull_progress(self, progress: PullProgress) -> None: ...

    def pull_finished(self, progress: PullProgress, ok: bool) -> None: ...


class EngineError(EnvironmentFailureError):
    """Infrastructure failed (exit code 3): the engine, an image, a container."""


class EngineUnavailableError(EngineError):
    """The Docker Engine cannot be reached."""


class ImageUnavailableError(EngineError):
    """An image is missing (pull: never) or could not be pulled; ``image`` names it, so the
    step that uses it is the one that errs."""

    def __init__(self, message: str, hint: str | None = None, *, image: str = "") -> None:
        super().__init__(message, hint)
        self.image = image


class ContainerGoneError(EngineError):
    """A step's container vanished (removed from outside): that step errs, the build fails,
    and the run goes on by the usual rules."""


@dataclass(frozen=True, slots=True)
class EngineInfo:
    """The engine a run talks to, as the run's header names it."""

    product: str = "docker"
    """``docker`` or ``podman``."""
    version: str = ""
    url: str = ""
    source: str = ""
    """Where velarun found it (``DOCKER_HOST``, ``context `x```, ``Podman's socket``...)."""
    shares_files: bool = True
    """False when the engine cannot see this machine's files (a remote host): no bind mount
    of the workspace, of the outputs directory or of ``--volume`` paths can work there."""

    def describe(self) -> str:
        """The header's ``engine:`` line, without the prefix."""
        where = f" at {self.url}" if self.url else ""
        told = f" ({self.source})" if self.source.startswith("context") else ""
        remote = "; it does not share this machine's files" if not self.shares_files else ""
        return f"{self.product} {self.version}{where}{told}{remote}".replace("  ", " ")


@dataclass(frozen=True, slots=True)
class Mount:
    """A host path bind-mounted into a container."""

    source: str
    destination: str
    read_only: bool = True


@dataclass(frozen=True, slots=True)
class Ulimit:
    """A resource limit of the container's processes (``nofile``, ``nproc``, ...)."""

    name: str
    soft: int
    hard: int


@dataclass(frozen=True, slots=True)
class ContainerSpec:
    """Everything needed to run one step or service container; built by pure functions."""

    kind: str
    """``step`` or ``service``."""
    name: str
    stage: str | None
    image: str
    pull: str
    entrypoint: tuple[str, ...] = ()
    command: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    user: str = ""
    privileged: bool = False
    ulimits: tuple[Ulimit, ...] = ()
    mounts: tuple[Mount, ...] = ()
    working_dir: str = ""
    detach: bool = False

    @property
    def label(self) -> str:
        return f"{self.stage}/{self.name}" if self.stage is not None else self.name


@dataclass(frozen=True, slots=True)
class WorkspaceSource:
    """Where ``/vela/src`` comes from: a host directory bind-mounted (``host_path``, the live
    workspace), or a tar stream (members under ``src/``, in chunks, read once) that ``archive``
    gives, unpacked into the run's volume before the first step (copy and commit
    workspaces). Reading the stream may raise :class:`EngineError`."""

    host_path: str = ""
    archive: Callable[[], Iterable[bytes]] | None = None


@dataclass(frozen=True, slots=True)
class Leftovers:
    """What a run still has on the engine, for its cleanup to remove."""

    containers: int = 0
    networks: int = 0
    volumes: int = 0
    images: int = 0

    def describe(self) -> str:
        """``3 containers, 1 network, 1 volume``; empty when nothing is left."""
        counts = (
            (self.containers, "container"),
            (self.networks, "network"),
            (self.volumes, "volume"),
            (self.images, "image"),
        )
        return ", ".join(f"{n} {what}{'s' if n != 1 else ''}" for n, what in counts if n)


class Handle(Protocol):
    spec: ContainerSpec


class FilePicker(Protocol):
    """Chooses the workspace files to copy out (a step's artifacts), as the runtime walks
    ``/vela/src``; paths are relative to it, ``/``-separated."""

    def enter(self, path: str) -> bool:
        """A directory: look inside it?"""
        ...

    def take(self, path: str, size: int) -> bool:
        """A regular file of ``size`` bytes: copy it?"""
        ...


@dataclass(frozen=True, slots=True)
class ShellRequest:
    """An interactive shell for the user (``--shell-on-failure``, ``--break-before``): ``shell``
    run in a container with ``spec``'s environment, mounts, user, working directory and
    network, on the user's terminal."""

    spec: ContainerSpec
    shell: str = "/bin/sh"
    failed: Handle | None = None
    """The step's ended container: the shell starts from its filesystem (committed to an
    image the run owns and removes). None: a fresh container of ``spec.image``."""


class Runtime(Protocol):
    """The contract (woodpecker-style):

    - ``setup`` once before any container; ``teardown`` once after, also when ``setup`` failed.
      ``setup`` may leave work running (the Docker runtime's network): ``ready`` waits for it
      and raises its failure, after ``load_workspace`` and before the first ``start``.
    - ``prepare_images`` resolves pull policies for every spec up front (``on_start`` images
      are pulled by ``start``); it raises :class:`ImageUnavailableError` naming the step and image.
      ``pulls``, when given, is told how every pull of the run goes (``start``'s too).
    - ``load_workspace``, when called, comes after ``setup`` and ``prepare_images`` and before
      any ``start``: the workspace every container sees at ``/vela/src``; ``image`` is one the
      run has already resolved, for a helper container that is created, never started.
    - ``shell`` runs an interactive shell on the user's terminal and returns its exit code,
      between ``ready`` and ``teardown``; its ``failed`` handle has ended and is not yet
      removed. Whatever it creates is gone when it returns, also when it is cancelled.
    - ``create`` and ``start`` may be called concurrently; ``logs`` streams lines until the
      container ends; ``wait`` returns the exit code; ``kill`` and ``remove`` are idempotent
      and safe after a failed or never-completed ``start``.
    - ``copy_out`` (a step's artifacts) comes after that step's ``wait``, before ``teardown``.
    - ``open_stage`` says a stage is coming (after ``setup``, possibly before ``ready``: what
      the runtime prepares for it may overlap the set-up); it returns at once. A step that is
      not detached starts only between its stage's ``open_stage`` and ``close_stage``; a stage
      is closed once, when its last step has ended (services and detached steps go on).
    """

    run_id: str

    async def setup(self) -> None: ...

    async def ready(self) -> None: ...

    async def prepare_images(
        self, specs: list[ContainerSpec], pulls: PullObserver | None = None
    ) -> None: ...

    async def load_workspace(self, source: WorkspaceSource, image: str) -> None: ...

    async def open_stage(self, stage: str | None, steps: list[str]) -> None:
        """A stage (``None``: a steps pipeline's implicit one) whose ``steps`` (the names of
        those that are not detached) will run: prepare what they share, without waiting."""
        ...

    async def close_stage(self, stage: str | None) -> None:
        """The stage has ended: what was prepared for it may go."""
        ...

    async def create(self, spec: ContainerSpec) -> Handle:
        """A step's container, created and not started (while an earlier step runs): the
        handle goes to ``start`` with the same ``spec``, or to ``remove``."""
        ...

    async def start(self, spec: ContainerSpec, made: Handle | None = None) -> Handle:
        """Start a container for ``spec``: ``made`` by ``create``, or created now."""
        ...

    async def logs(self, handle: Handle, sink: LogSink) -> None: ...

    async def wait(self, handle: Handle) -> int: ...

    async def kill(self, handle: Handle) -> None: ...

    async def remove(self, handle: Handle) -> None: ...

    async def shell(self, request: ShellRequest) -> int: ...

    async def read_outputs(self) -> tuple[dict[str, str], dict[str, str]]:
        """What steps wrote to ``$VELA_OUTPUTS`` and to ``$VELA_MASKED_OUTPUTS``."""
        ...

    async def copy_out(self, spec: ContainerSpec, pick: FilePicker, into: str) -> list[str]:
        """The regular files of the workspace (``/vela/src``) that ``pick`` takes, copied to
        the host directory ``into`` (made if missing) under their relative paths, which are
        returned in the order found; for the step of ``spec``, after its container ended,
        before teardown. Symbolic links are never followed, hidden directories never read."""
        ...

    async def teardown(self) -> None: ...

    def pending_cleanup(self) -> Leftovers:
        """What the run still has on the engine, as the runtime knows it without asking the
        engine (containers it made and has not removed, its network and volume until
        ``teardown`` removed them): told to the user who presses Ctrl-C again during cleanup.
        Non-blocking; callable at any time, from the event loop."""
        ...
