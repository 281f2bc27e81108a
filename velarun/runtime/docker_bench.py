"""The Docker side of ``velarun bench``'s floor: bare SDK calls, timed, with nothing of velarun
in between but the same container arguments (:func:`create_kwargs`), network and mounts.

:mod:`velarun.bench` drives it (how many cycles, Ctrl-C between calls); only this module and
the other ``docker*`` modules talk to the SDK.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from velarun.runtime import ContainerSpec, EngineError, PhaseObserver
from velarun.runtime.docker_clean import clean
from velarun.runtime.docker_errors import connect, engine_errors
from velarun.runtime.docker_labels import create_kwargs, labels, owner_token
from velarun.runtime.docker_pods import create_sandbox, pause_image
from velarun.runtime.layout import WORKSPACE


class Floor:
    """One floor run: ``set_up`` (network, volume), ``cycle`` per container, ``tear_down``;
    each phase's seconds go to ``observer`` under the names velarun's run uses."""

    def __init__(self, workspace: Path, observer: PhaseObserver, *, shared: bool = False) -> None:
        self.run_id = f"bench{os.getpid()}"
        self.owner = owner_token()
        self.workspace = str(workspace.resolve())
        self.observer = observer
        self.network_name = f"velarun-{self.run_id}-network"
        self.volume_name = f"velarun-{self.run_id}-vela"
        self.outputs = Path(tempfile.mkdtemp(prefix=f"velarun-{self.run_id}-outputs-"))
        self._client: Any = None
        self._network: Any = None
        self._volume: Any = None
        self.shared = shared
        """Each container joins one sandbox's network namespace (velarun's pod mode), instead
        of its own endpoint on the network."""
        self._sandbox: Any = None

    def _since(self, phase: str, started: float) -> float:
        now = time.perf_counter()
        self.observer.phase(phase, now - started)
        return now

    def set_up(self) -> None:
        self._client = connect()
        started = time.perf_counter()
        lab = labels(self.run_id, owner=self.owner)
        with engine_errors():
            self._network = self._client.networks.create(self.network_name, labels=lab)
            self._volume = self._client.volumes.create(self.volume_name, labels=lab)
            if self.shared:
                image = pause_image(self._client)
                if image is None:
                    raise EngineError("this engine's architecture has no sandbox program")
                name = f"velarun-{self.run_id}-pod"
                self._sandbox = create_sandbox(self._client, image, name, lab, self.network_name)
                self._sandbox.start()
        self._since("run set-up", started)

    def cycle(self, image: str, i: int) -> None:
        """Create, start, wait for and remove one container of ``image`` running ``true``."""
        spec = ContainerSpec(
            "step", f"floor{i}", None, image, "never", command=("true",), working_dir=WORKSPACE
        )
        kwargs = create_kwargs(
            spec,
            run_id=self.run_id,
            name=f"velarun-{self.run_id}-floor-{i}",
            volume=self.volume_name,
            network=self.network_name,
            workspace=self.workspace,
            outputs_dir=str(self.outputs),
            owner=self.owner,
            pod=self._sandbox.id if self._sandbox is not None else None,
        )
        with engine_errors():
            t = time.perf_counter()
            container = self._client.containers.create(**kwargs)
            t = self._since("container create", t)
            container.start()
            t = self._since("container start", t)
            container.wait()
            t = self._since("wait", t)
            container.remove(force=True, v=True)
            self._since("remove", t)

    def tear_down(self) -> None:
        started = time.perf_counter()
        with engine_errors():
            if self._sandbox is not None:
                self._sandbox.remove(force=True)
            self._network.remove()
            self._volume.remove(force=True)
        shutil.rmtree(self.outputs, ignore_errors=True)
        self._since("teardown", started)

    def remove_everything(self) -> None:
        """After a failure or Ctrl-C: whatever carries this floor's label, best effort."""
        with contextlib.suppress(Exception):
            clean(self.run_id, include_running=True)  # this process is the owner, still running

    def close(self) -> None:
        shutil.rmtree(self.outputs, ignore_errors=True)
        if self._client is not None:
            self._client.close()


def engine_version() -> str:
    """The engine's version, as ``docker version`` gives it."""
    client = connect()
    try:
        with engine_errors():
            return str(client.version().get("Version", "unknown"))
    finally:
        client.close()
