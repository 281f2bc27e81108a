"""Removing what runs left on the engine: a run's own teardown sweep and ``velarun clean``.

Both remove every container, image (``--shell-on-failure`` commits), network and volume
carrying the run label (one run's, or every run's). A network or volume can stay busy for a
moment after its last container went (the engine releases endpoints asynchronously under
load), so both are retried; a network the engine lost count of (moby#42119) is reported as
stuck, apart from real problems.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors

from velarun.runtime.docker_errors import engine_errors, explain, open_client
from velarun.runtime.docker_labels import KIND_LABEL, LABEL, OWNER_LABEL, still_running
from velarun.runtime.engines import find_engine


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


@dataclass(frozen=True)
class Cleaned:
    """What a removal did."""

    containers: int
    networks: int
    volumes: int
    problems: tuple[str, ...]
    """What could not be removed, one phrase each."""
    running: tuple[str, ...]
    """Run ids left alone because the velarun that owns them is still running."""
    stuck: tuple[str, ...] = ()
    """Empty networks the engine refuses to remove (``NetworkStuckError``)."""
    images: int = 0
    """Images committed for ``--shell-on-failure``."""


def remove_network(client: Any, network: Any, attempts: int = 50) -> None:
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
            if not endpoints and "active endpoints" in explain(exc):
                empty_refusals += 1
                if empty_refusals >= 10:  # two seconds with nothing attached: not a delay
                    raise NetworkStuckError(network.name) from exc
            if attempt == attempts - 1:
                raise
            for endpoint in endpoints:
                with contextlib.suppress(docker.errors.APIError):
                    client.api.disconnect_container_from_network(endpoint, network.id, force=True)
            time.sleep(0.2)


def sandboxes_last(containers: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The containers in the order they can be removed: those that may join a network
    sandbox's namespace first, the sandboxes (``io.velarun.kind=pod``) last. Podman refuses
    to remove a container others depend on; Docker removes it and leaves them without one."""
    return sorted(containers, key=lambda c: (c.get("Labels") or {}).get(KIND_LABEL) == "pod")


def _remove_container(
    client: Any, container: Mapping[str, Any], problems: list[str], attempts: int = 10
) -> bool:
    for attempt in range(attempts):
        try:
            client.api.remove_container(container["Id"], force=True, v=True)
            return True
        except docker.errors.NotFound:
            return False
        except docker.errors.APIError as exc:
            if "dependent containers" in explain(exc) and attempt < attempts - 1:
                time.sleep(0.2)  # Podman: a step in its namespace is being removed elsewhere
                continue
            if exc.status_code != 409:  # 409: a removal already in progress
                name = (container.get("Names") or [container["Id"][:12]])[0].lstrip("/")
                problems.append(f"container {name}: {explain(exc)}")
            return False
    return False


def remove_sandbox(client: Any, container_id: str, attempts: int = 25) -> None:
    """Blocking: remove a stage's network sandbox once the containers in its namespace are
    gone (Podman refuses before; they are being removed meanwhile); quietly, as the teardown's
    sweep removes whatever is left."""
    _remove_container(client, {"Id": container_id}, [], attempts)


def _remove_image(client: Any, image: Any, problems: list[str]) -> bool:
    try:
        client.api.remove_image(image.id, force=True)
        return True
    except docker.errors.NotFound:
        return False
    except docker.errors.APIError as exc:
        problems.append(f"image {(image.tags or [image.short_id])[0]}: {explain(exc)}")
        return False


def _remove_network(
    client: Any, network: Any, attempts: int, problems: list[str], stuck: list[str]
) -> bool:
    try:
        remove_network(client, network, attempts)
        return True
    except NetworkStuckError:
        stuck.append(network.name)
    except docker.errors.APIError as exc:
        problems.append(f"network {network.name}: {explain(exc)}")
    return False


def _remove_volume(volume: Any, attempts: int, problems: list[str]) -> bool:
    for attempt in range(attempts):
        try:
            volume.remove(force=True)
            return True
        except docker.errors.NotFound:
            return False
        except docker.errors.APIError as exc:
            if attempt == attempts - 1:
                problems.append(f"volume {volume.name}: {explain(exc)}")
            else:
                time.sleep(0.2)  # busy for a moment after its last container
    return False


def remove_labelled(
    client: Any,
    run_id: str | None,
    *,
    include_running: bool,
    network_attempts: int,
    volume_attempts: int,
) -> Cleaned:
    """Blocking: remove the containers, then images, then networks and volumes of one run (or
    of every run). Runs whose velarun is still running are left alone unless ``include_running``."""
    flt: dict[str, Any] = {"label": f"{LABEL}={run_id}" if run_id else LABEL}
    # The low-level list: one call, no inspect per container that may vanish meanwhile.
    containers = client.api.containers(all=True, filters=flt)
    networks = client.networks.list(filters=flt)
    volumes = client.volumes.list(filters=flt)
    images = client.images.list(filters=flt)
    running: set[str] = set()
    if not include_running:
        found = [c.get("Labels") or {} for c in containers]
        found += [n.attrs.get("Labels") or {} for n in networks]
        found += [v.attrs.get("Labels") or {} for v in volumes]
        found += [i.labels or {} for i in images]
        running = {lab.get(LABEL, "") for lab in found if still_running(lab.get(OWNER_LABEL, ""))}

    def leftover(lab: Mapping[str, str] | None) -> bool:
        return (lab or {}).get(LABEL, "") not in running

    problems: list[str] = []
    stuck: list[str] = []
    containers_removed = sum(
        _remove_container(client, c, problems)
        for c in sandboxes_last(containers)
        if leftover(c.get("Labels"))
    )
    images_removed = sum(_remove_image(client, i, problems) for i in images if leftover(i.labels))

    def networks_removed() -> int:
        return sum(
            _remove_network(client, n, network_attempts, problems, stuck)
            for n in networks
            if leftover(n.attrs.get("Labels"))
        )

    def volumes_removed() -> int:
        return sum(
            _remove_volume(v, volume_attempts, problems)
            for v in volumes
            if leftover(v.attrs.get("Labels"))
        )

    # Networks and volumes at once, once no container holds them: a bridge's removal and a
    # full volume's each take about 0.1 s, and neither waits for the other.
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="velarun-clean") as pool:
        volumes_done = pool.submit(volumes_removed)
        removed = (containers_removed, networks_removed(), volumes_done.result())
    return Cleaned(
        *removed, tuple(problems), tuple(sorted(running)), tuple(stuck), images=images_removed
    )


def clean(run_id: str | None = None, *, include_running: bool = False) -> Cleaned:
    """Remove leftovers of crashed runs (all runs, or one): containers, images, networks,
    volumes.
    A run whose velarun is still running is left alone unless ``include_running``."""
    with engine_errors():
        client = open_client(find_engine(os.environ), timeout=60)
        try:
            return remove_labelled(
                client,
                run_id,
                include_running=include_running,
                network_attempts=20,
                volume_attempts=1,
            )
        finally:
            client.close()
