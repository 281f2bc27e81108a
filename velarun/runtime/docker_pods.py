"""Pod-style networking: the steps of a stage share one network namespace, a sandbox's.

Giving a container its own endpoint on the run's network (a veth pair, a bridge port, a name
in the engine's DNS) is most of what starting it costs. So, as Kubernetes does for a pod, each
stage of two or more (not detached) steps gets one small sandbox container on the run's
network, aliased by the names of the stage's steps, and its steps are created with
``network_mode: container:<sandbox>``: they reach services and detached steps by name, and
are reached by theirs, as before, at a fraction of the cost. Stages that run at the same time
have their own sandboxes, so two that listen on one port never clash.

A sandbox runs :mod:`velarun.runtime.pause`'s program from an image velarun imports into the
engine once (``velarun/pause:<arch>-<digest>``, a few hundred bytes, kept between runs). It is
made in a thread as soon as the scheduler says the stage is coming (``open``), so that it is
ready when the stage's first step starts, and removed in a thread when the stage ends
(``close``); the teardown's sweep removes any left. Services, detached steps and shells keep
their own endpoint. An engine whose architecture has no program runs every step as before.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import anyio.to_thread
import docker.errors

from velarun.runtime import EngineError
from velarun.runtime.docker_clean import remove_sandbox
from velarun.runtime.docker_errors import Call, Op, engine_errors
from velarun.runtime.docker_labels import KIND_LABEL, labels, pod_name
from velarun.runtime.docker_podman import import_reference, is_podman
from velarun.runtime.pause import architecture, image_changes, image_tag, image_tar


class Pods:
    """A run's sandboxes, by stage (``None``: a steps pipeline's one implicit stage)."""

    def __init__(
        self,
        client: Callable[[], Any],
        run_id: str,
        owner: str,
        network: str,
        creating: Callable[[], contextlib.AbstractContextManager[None]],
    ) -> None:
        self._client = client
        self._run_id = run_id
        self._owner = owner
        self._network = network
        self._creating = creating
        self._network_made: concurrent.futures.Future[None] | None = None
        self._pods: dict[str | None, concurrent.futures.Future[str | None]] = {}
        self._serial = 0
        self._image: str | None = None
        self._image_checked = False
        self._image_lock = threading.Lock()
        self._shut = False
        self._removing: list[threading.Thread] = []

    def shut(self) -> None:
        """The run is being torn down: no sandbox is made from now; one being made when this
        is called removes itself (the teardown's sweep may not have seen it)."""
        self._shut = True

    def after(self, network_made: concurrent.futures.Future[None]) -> None:
        """Sandboxes are made once the run's network is (``setup`` made it in a thread)."""
        self._network_made = network_made

    def open(self, stage: str | None, steps: Sequence[str]) -> None:
        """Start making the stage's sandbox, unless it has one or fewer than two ``steps``
        (the names of its steps that are not detached): one step gains nothing from it."""
        if len(steps) < 2 or stage in self._pods:
            return
        made: concurrent.futures.Future[str | None] = concurrent.futures.Future()
        self._pods[stage] = made
        self._serial += 1
        name = pod_name(self._run_id, stage, self._serial)
        counted = contextlib.ExitStack()
        counted.enter_context(self._creating())  # from now: a teardown waits for it
        threading.Thread(
            target=self._make, args=(stage, name, tuple(steps), made, counted), daemon=True
        ).start()

    def _make(
        self,
        stage: str | None,
        name: str,
        steps: tuple[str, ...],
        made: concurrent.futures.Future[str | None],
        counted: contextlib.ExitStack,
    ) -> None:
        """In a thread: the sandbox's container, created and started; its id, or None when
        the engine's architecture has no program."""
        with counted:
            try:
                if self._network_made is not None:
                    self._network_made.result()
                image = self._pause_image()
                found: str | None = None
                if image is not None and not self._shut:
                    found = self._start(stage, name, steps, image)
            except BaseException as exc:  # handed to the stage's first step, in ``join``
                made.set_exception(exc)
            else:
                made.set_result(found)

    def _start(self, stage: str | None, name: str, steps: tuple[str, ...], image: str) -> str:
        pod_labels = labels(self._run_id, owner=self._owner)
        pod_labels[KIND_LABEL] = "pod"
        if stage is not None:
            pod_labels["io.velarun.stage"] = stage
        container = create_sandbox(self._client(), image, name, pod_labels, self._network, steps)
        try:
            if self._shut:  # the run is being torn down: this sandbox is not wanted
                raise EngineError("the run ended while its network sandbox was made")
            container.start()
        except BaseException:
            with contextlib.suppress(docker.errors.DockerException, OSError):
                container.remove(force=True, v=True)
            raise
        return str(container.id)

    def _pause_image(self) -> str | None:
        """The sandbox image, imported on first use; None on an engine of an architecture
        with no program. Asked once per run."""
        with self._image_lock:
            if not self._image_checked:
                self._image = pause_image(self._client())
                self._image_checked = True
            return self._image

    async def join(self, stage: str | None, who: str) -> str | None:
        """The id of the sandbox the stage's steps join, waiting for it to be made; None when
        the stage has none. Raises the :class:`EngineError` making it raised, for ``who``."""
        made = self._pods.get(stage)
        if made is None:
            return None
        with engine_errors(Call(Op.CREATE, f"{who} (its stage's network sandbox)")):
            if not made.done():
                await anyio.to_thread.run_sync(made.exception, abandon_on_cancel=True)
            return made.result()

    def close(self, stage: str | None) -> None:
        """The stage ended: its sandbox is removed in a thread (its steps' containers, ended,
        stay until the run's cleanup)."""
        made = self._pods.pop(stage, None)
        if made is not None:
            remover = threading.Thread(target=self._remove, args=(made,), daemon=True)
            remover.start()
            self._removing.append(remover)

    def alive(self) -> int:
        """How many sandboxes are being made, are there, or are on their way out."""

        def there(made: concurrent.futures.Future[str | None]) -> bool:
            return not made.done() or (made.exception() is None and made.result() is not None)

        return sum(map(there, list(self._pods.values()))) + sum(
            t.is_alive() for t in self._removing
        )

    def settle(self, seconds: float = 10.0) -> None:
        """Blocking: wait (at most ``seconds``) for the sandboxes being removed: the teardown's
        sweep then finds the network free, not held by an endpoint on its way out."""
        deadline = time.monotonic() + seconds
        for remover in self._removing:
            remover.join(max(0.0, deadline - time.monotonic()))

    def _remove(self, made: concurrent.futures.Future[str | None]) -> None:
        try:
            found = made.result()
        except BaseException:
            return  # never made: nothing to remove (the teardown's sweep checks)
        if found is None:
            return
        with contextlib.suppress(docker.errors.DockerException, OSError):
            remove_sandbox(self._client(), found)


def pause_image(client: Any, version: dict[str, Any] | None = None) -> str | None:
    """Blocking: the sandbox image on the engine of ``client``, imported if missing; None on
    an engine of an architecture with no program. ``version``: the engine's, if known."""
    version = version or client.version()
    arch = architecture(str(version.get("Arch", "")))
    if arch is None:
        return None
    tag = image_tag(arch)
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        stored = import_reference(tag, is_podman(version))  # Podman: localhost/velarun/pause
        client.api.import_image_from_data(
            image_tar(arch), repository=stored, changes=image_changes()
        )
    return tag


def create_sandbox(
    client: Any,
    image: str,
    name: str,
    sandbox_labels: dict[str, str],
    network: str,
    aliases: Sequence[str] = (),
) -> Any:
    """Blocking: a sandbox container of the pause ``image`` on ``network`` (reachable there by
    ``aliases``), created and not started."""
    config = client.api.create_endpoint_config(aliases=list(aliases))
    return client.containers.create(
        image,
        name=name,
        labels=sandbox_labels,
        network=network,
        networking_config={network: config},
        detach=True,
    )
