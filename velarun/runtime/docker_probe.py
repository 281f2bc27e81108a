"""Does the engine see this machine's files? Asked of the engine, never guessed from its URL.

A ``unix://`` socket may lead to a virtual machine that shares only some directories (Docker
Desktop) or be forwarded from another host; a ``tcp://`` engine may run on this machine. So
velarun creates (never starts) a labelled container that bind-mounts the workspace's root,
read-only. An engine that lacks the path refuses to create it; one that has a path of that
name is asked for its status (``HEAD /containers/{id}/archive``), which must match this
machine's ``stat`` of the directory to the nanosecond: a different host with a directory of the
same name and modification time is not a risk worth a write into the user's tree.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

import docker.errors

from velarun.runtime import EngineError, EngineInfo
from velarun.runtime.docker_pods import pause_image
from velarun.runtime.engines import EngineAddress, describe_engine

PROBE_PATH = "/velarun-probe"
_MISSING = ("does not exist", "no such file or directory")


def _stat_header(client: Any, container: str) -> dict[str, Any] | None:
    """The engine's status of the probe's mount point, or None when it will not say."""
    url = client.api._url("/containers/{0}/archive", container)
    try:
        response = client.api.head(url, params={"path": PROBE_PATH}, timeout=30)
    except OSError:
        return None
    encoded = response.headers.get("X-Docker-Container-Path-Stat")
    if response.status_code != 200 or not encoded:
        return None
    try:
        found = json.loads(base64.b64decode(encoded))
    except (ValueError, binascii.Error):
        return None
    return found if isinstance(found, dict) else None


_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$")


def mtime_ns(text: str) -> int | None:
    """Nanoseconds since the epoch of a Go RFC 3339 time with up to nine fraction digits."""
    import datetime

    match = _RFC3339.match(text)
    if match is None:
        return None
    whole, fraction, zone = match.groups()
    zone = "+00:00" if zone == "Z" else zone
    seconds = datetime.datetime.fromisoformat(whole + zone).timestamp()
    return int(seconds) * 1_000_000_000 + int((fraction or "0").ljust(9, "0"))


def same_directory(found: dict[str, Any], local: os.stat_result) -> bool:
    """The engine's status of a directory names this machine's ``local`` one."""
    seen = mtime_ns(str(found.get("mtime", "")))
    return seen == local.st_mtime_ns and (int(found.get("mode", 0)) & 0o777) == (
        local.st_mode & 0o777
    )


def shares_files(client: Any, root: Path, image: str, name: str, labels: dict[str, str]) -> bool:
    """Blocking: whether the engine sees ``root`` as this machine does. ``image`` is any image
    on the engine (the container never starts); ``name`` and ``labels`` the run's."""
    mount = docker.types.Mount(PROBE_PATH, str(root), type="bind", read_only=True)
    try:
        made = client.api.create_container(
            image,
            name=name,
            entrypoint=["/velarun-probe-never-started"],
            labels=labels,
            network_disabled=True,
            host_config=client.api.create_host_config(mounts=[mount]),
        )
    except docker.errors.APIError as exc:
        text = str(exc.explanation or exc).lower()
        if any(word in text for word in _MISSING):
            return False
        raise
    try:
        before = root.stat()
        found = _stat_header(client, made["Id"])
        if found is None:
            return True  # the engine has the path and will not say more: take it as ours
        return same_directory(found, before) or same_directory(found, root.stat())
    finally:
        # Off the critical path: the run's teardown sweeps it if it is still there.
        threading.Thread(target=_remove, args=(client, made["Id"]), daemon=True).start()


def _remove(client: Any, container: str) -> None:
    with contextlib.suppress(docker.errors.DockerException, OSError):
        client.api.remove_container(container, force=True, v=True)


def inspect_engine(
    client: Any, address: EngineAddress, root: Path | None, name: str, labels: dict[str, str]
) -> EngineInfo:
    """Blocking: what the engine is, and whether it sees ``root`` (None: not asked, taken as
    shared)."""
    about = client.version()
    product, version = describe_engine(about)
    shares = root is None or shares_files(client, root, probe_image(client, about), name, labels)
    return EngineInfo(product, version, address.url, address.source, shares)


def probe_image(client: Any, version: dict[str, Any]) -> str:
    """An image on the engine for the probe (never started): the sandbox's, else any."""
    image = pause_image(client, version)
    if image is not None:
        return image
    for found in client.api.images(quiet=True):
        return str(found)
    raise EngineError(
        "the engine has no image velarun can use to check whether it shares this machine's files",
        "pull or build any image on the engine and retry",
    )
