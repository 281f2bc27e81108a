"""An interactive shell in a step's container on the Docker Engine (``--shell-on-failure``,
``--break-before``), for :meth:`velarun.runtime.docker.DockerRuntime.shell`.

After a failure, the step's ended container is committed to an image labelled and named like
every resource of the run (``velarun-<id>-<stage>-<step>-<n>:failed``), so its filesystem is
exactly where the step died; before a step, the step's own image is used. The shell's
container has the step's environment, mounts, user, working directory and the run's network
(services and detached steps by name), with a TTY and stdin, attached before it starts. The
terminal (:mod:`velarun.runtime.terminal`) is raw while the shell runs, its size followed
(SIGWINCH). The container and the committed image are removed when the shell ends, also on
cancellation; the teardown sweep removes labelled images too.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import anyio
import anyio.to_thread

from velarun.runtime import ContainerSpec, EngineError
from velarun.runtime.docker_errors import Call, Op
from velarun.runtime.docker_labels import container_name
from velarun.runtime.terminal import output_fd, pump, raw_terminal, terminal_size

Caller = Callable[..., Awaitable[Any]]
"""``DockerRuntime._call``: a blocking SDK call in a worker thread, through the error
boundary, told what it acts on (``call=``)."""
_REPO_PART = re.compile(r"[^a-z0-9]+")


def shell_spec(spec: ContainerSpec, shell: str, image: str) -> ContainerSpec:
    """The step's container as a shell: its environment, mounts, user and working directory,
    ``shell`` as the entrypoint, on ``image`` (the committed one, or the step's)."""
    return replace(spec, image=image, entrypoint=(shell,), command=(), detach=False)


def committed_image(run_id: str, spec: ContainerSpec, serial: int) -> str:
    """``velarun-<id>-<stage>-<step>-<n>:failed``: a valid, lowercase image reference."""
    parts = [p for p in (spec.stage, spec.name) if p is not None]
    body = "-".join(_REPO_PART.sub("-", p.lower()).strip("-") or "x" for p in parts)
    return f"velarun-{run_id.lower()}-{body[:80]}-{serial}:failed"


def shell_name(run_id: str, spec: ContainerSpec, serial: int) -> str:
    """``velarun-<id>-shell-<stage>-<step>-<n>``."""
    return container_name(run_id, replace(spec, kind="shell"), serial).replace(
        f"velarun-{run_id}-", f"velarun-{run_id}-shell-", 1
    )


def shell_kwargs(base: dict[str, Any]) -> dict[str, Any]:
    """The create arguments of a step's container (``create_kwargs`` of the shell's spec),
    made interactive: a TTY, stdin open, no command after the shell, labelled ``shell``.
    Reachable by no name: it joins the run's network without an alias."""
    return {
        **base,
        "labels": {**base["labels"], "io.velarun.kind": "shell"},
        "command": [],
        "tty": True,
        "stdin_open": True,
    }


def image_changes(labels: dict[str, str]) -> list[str]:
    """The commit's changes that label the image as the run's."""
    return [f'LABEL {key}="{value}"' for key, value in sorted(labels.items())]


async def run_shell(
    client: Any,
    call: Caller,
    kwargs: dict[str, Any],
    *,
    failed: Any = None,
    image_labels: dict[str, str] | None = None,
    terminal: tuple[int, int] | None = None,
) -> int:
    """Commit ``failed`` (a container) to ``kwargs["image"]`` when given, run the shell's
    container on the terminal (``(input fd, output fd)``; default: stdin, and stdout when it
    is the terminal), return its exit code; remove both whatever happens."""
    image = kwargs["image"]
    who = f"the shell of step `{kwargs['labels'].get('io.velarun.step', '?')}`"
    container: Any = None
    stream: Any = None
    try:
        if failed is not None:
            repository, _, tag = image.rpartition(":")
            changes = image_changes(image_labels or {})
            await call(
                lambda: failed.commit(repository=repository, tag=tag, changes=changes),
                call=Call(Op.ENGINE, who),
            )
        container = await call(
            lambda: client.containers.create(**kwargs), call=Call(Op.CREATE, who, image)
        )

        def attach_and_start() -> Any:
            params = {"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
            out = client.api.attach_socket(container.id, params=params)
            raw = getattr(out, "_sock", out)
            raw.settimeout(None)  # a user thinking is not a dead engine
            container.start()
            return out

        stream = await call(attach_and_start, call=Call(Op.START, who))
        fds = terminal or (0, output_fd())
        await _interact(container, getattr(stream, "_sock", stream), call, fds)
        result = await call(container.wait, call=Call(Op.CONTAINER, who))
        return int(result.get("StatusCode", 1))
    finally:
        with anyio.CancelScope(shield=True):
            await _remove(client, call, container, stream, image if failed is not None else None)


async def _remove(
    client: Any, call: Caller, container: Any, stream: Any, image: str | None
) -> None:
    if stream is not None:
        with contextlib.suppress(Exception):
            stream.close()
    if container is not None:
        with contextlib.suppress(EngineError):
            await call(lambda: client.api.remove_container(container.id, force=True, v=True))
    if image is not None:
        with contextlib.suppress(EngineError):
            await call(lambda: client.api.remove_image(image, force=True))


async def _interact(container: Any, sock: Any, call: Caller, fds: tuple[int, int]) -> None:
    """The terminal raw and attached to the container until the shell ends (or the run is
    cancelled: the pump is told to stop, the terminal restored)."""
    stop_read, stop_write = os.pipe()
    try:
        with raw_terminal(fds[0]):
            await _resize(container, call, fds[0])
            async with anyio.create_task_group() as tg:
                tg.start_soon(_follow_size, container, call, fds[0])
                await anyio.to_thread.run_sync(pump, *fds, sock, stop_read, abandon_on_cancel=True)
                tg.cancel_scope.cancel()
    finally:
        with contextlib.suppress(OSError):
            os.write(stop_write, b"x")
        os.close(stop_write)


async def _follow_size(container: Any, call: Caller, fd: int) -> None:
    with anyio.open_signal_receiver(signal.SIGWINCH) as changes:
        async for _ in changes:
            await _resize(container, call, fd)


async def _resize(container: Any, call: Caller, fd: int) -> None:
    size = terminal_size(fd)
    if size is None:
        return
    rows, columns = size
    with contextlib.suppress(EngineError):  # the shell may have ended meanwhile
        await call(lambda: container.resize(height=rows, width=columns))
