"""What velarun puts on the engine's resources: names, labels, the owner token, and the
arguments a step's or service's container is created with.

Everything a run creates carries ``io.velarun.run-id=<id>``, a name starting
``velarun-<id>-``, and ``io.velarun.owner`` (the velarun process), so that ``clean`` finds
leftovers and leaves a run in progress alone.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from typing import Any

import docker.types

from velarun import __version__
from velarun.runtime import ContainerSpec
from velarun.runtime.layout import OUTPUTS_DIR, VELA, WORKSPACE

LABEL = "io.velarun.run-id"
OWNER_LABEL = "io.velarun.owner"
"""``<host>:<pid>:<process start time>`` of the velarun that created the resource, so that
``clean`` can leave a run that is still going alone (a pid alone could have been reused)."""
KIND_LABEL = "io.velarun.kind"
"""What a container is for: ``step``, ``service``, ``pod`` (a stage's network sandbox), ..."""
_NAME_OK = re.compile(r"[^a-zA-Z0-9_.-]+")


def container_name(run_id: str, spec: ContainerSpec, serial: int) -> str:
    """``velarun-<id>-<stage>-<step>-<n>``: Docker-safe, unique in the run, bounded length."""
    parts = [spec.kind] if spec.kind == "service" else []
    if spec.stage is not None:
        parts.append(spec.stage)
    parts.append(spec.name)
    body = "-".join(_NAME_OK.sub("_", p).strip("._-") or "x" for p in parts)
    return f"velarun-{run_id}-{body[:80]}-{serial}"


def pod_name(run_id: str, stage: str | None, serial: int) -> str:
    """``velarun-<id>-pod-<stage>-<n>``: a stage's network sandbox (``pod-<n>`` for a steps
    pipeline's implicit stage)."""
    if stage is None:
        return f"velarun-{run_id}-pod-{serial}"
    body = _NAME_OK.sub("_", stage).strip("._-") or "x"
    return f"velarun-{run_id}-pod-{body[:80]}-{serial}"


def labels(run_id: str, spec: ContainerSpec | None = None, owner: str = "") -> dict[str, str]:
    """The labels of a run's resource (of a container, when ``spec`` is given)."""
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
    workspace: str | None,
    outputs_dir: str | None,
    owner: str = "",
    pod: str | None = None,
) -> dict[str, Any]:
    """The SDK ``containers.create`` keyword arguments for a spec (pure, unit-tested).
    ``workspace`` None: ``/vela/src`` is in the run's volume (copy and commit workspaces);
    ``outputs_dir`` None: so is ``/vela/outputs`` (an engine that cannot see this machine).
    ``pod``: the id of a sandbox whose network namespace the container joins (see
    :mod:`velarun.runtime.docker_pods`), instead of its own endpoint on ``network``."""
    mounts = [docker.types.Mount(VELA, volume, type="volume")]
    if workspace is not None:
        mounts.append(docker.types.Mount(WORKSPACE, workspace, type="bind"))
    if outputs_dir is not None:
        mounts.append(docker.types.Mount(OUTPUTS_DIR, outputs_dir, type="bind"))
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
        **({"network_mode": f"container:{pod}"} if pod else {"network": network}),
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


def helper_kwargs(image: str, name: str, run_id: str, volume: str, owner: str) -> dict[str, Any]:
    """The container that fills the workspace: the run's volume at ``/vela``, created and
    never started (``put_archive`` works on a created container), so its command never runs
    and any image will do."""
    return {
        "image": image,
        "name": name,
        "labels": {**labels(run_id, owner=owner), "io.velarun.kind": "workspace"},
        "mounts": [docker.types.Mount(VELA, volume, type="volume")],
        "entrypoint": ["/velarun-workspace-helper-never-started"],
        "command": [],
        "network_disabled": True,
        "detach": True,
    }


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
