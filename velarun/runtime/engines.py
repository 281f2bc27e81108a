"""Which engine a run talks to, found as the Docker CLI finds it, then Podman's sockets.

In order: ``DOCKER_HOST`` (with ``DOCKER_TLS_VERIFY`` and ``DOCKER_CERT_PATH``, as the Docker
CLI reads them); else the Docker context named by ``DOCKER_CONTEXT``, else the current context
of the Docker CLI's configuration (``$DOCKER_CONFIG/config.json``, default ``~/.docker``), read
from its ``contexts/meta`` and ``contexts/tls`` directories; else Docker's socket, and when it
is absent Podman's rootful then rootless socket. Reading is pure given the environment and a
file reader, so every case is a table test; :func:`open_client` does the I/O.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from velarun.runtime import EngineUnavailableError

DOCKER_SOCKET = "/var/run/docker.sock"
PODMAN_ROOTFUL = "/run/podman/podman.sock"


@dataclass(frozen=True, slots=True)
class Tls:
    """TLS material for a ``tcp://`` engine: files that exist, and whether to verify it."""

    verify: bool
    ca: str | None = None
    cert: str | None = None
    key: str | None = None


@dataclass(frozen=True, slots=True)
class EngineAddress:
    url: str
    """The engine's API address, e.g. ``unix:///var/run/docker.sock`` or ``tcp://host:2376``."""
    source: str
    """Where it came from, for messages: ``DOCKER_HOST``, ``context `name```, ``Podman's
    socket``, ``Docker's socket``."""
    tls: Tls | None = None


def docker_config_dir(env: Mapping[str, str]) -> Path:
    if config := env.get("DOCKER_CONFIG"):
        return Path(config)
    return Path(env.get("HOME") or Path.home()) / ".docker"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise EngineUnavailableError(
            f"cannot read {path}: {exc}", "fix or remove the file (the Docker CLI reads it too)"
        ) from None


def context_name(env: Mapping[str, str], read: Callable[[Path], Any] = _read_json) -> str:
    """``DOCKER_CONTEXT``, else the configuration's ``currentContext``, else ``default``."""
    if name := env.get("DOCKER_CONTEXT"):
        return name
    config = read(docker_config_dir(env) / "config.json")
    current = config.get("currentContext") if isinstance(config, dict) else None
    return current if isinstance(current, str) and current else "default"


def _tls_files(where: Path, exists: Callable[[str], bool]) -> dict[str, str | None]:
    files = {name: str(where / f"{name}.pem") for name in ("ca", "cert", "key")}
    return {name: path if exists(path) else None for name, path in files.items()}


def from_context(
    name: str,
    env: Mapping[str, str],
    read: Callable[[Path], Any] = _read_json,
    exists: Callable[[str], bool] = os.path.exists,
) -> EngineAddress:
    """The engine of a named Docker context (not ``default``)."""
    base = docker_config_dir(env) / "contexts"
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = read(base / "meta" / digest / "meta.json")
    why = "DOCKER_CONTEXT" if env.get("DOCKER_CONTEXT") else "the Docker CLI's current context"
    if not isinstance(meta, dict):
        raise EngineUnavailableError(
            f"the Docker context `{name}` ({why}) does not exist",
            "list the contexts with `docker context ls`; choose one with `docker context use`"
            " or DOCKER_CONTEXT",
        )
    endpoint = (meta.get("Endpoints") or {}).get("docker") or {}
    host = endpoint.get("Host")
    if not isinstance(host, str) or not host:
        raise EngineUnavailableError(
            f"the Docker context `{name}` ({why}) names no Docker endpoint",
            f"see `docker context inspect {name}`",
        )
    tls = None
    files = _tls_files(base / "tls" / digest / "docker", exists)
    if host.startswith("tcp://") and (any(files.values()) or endpoint.get("SkipTLSVerify")):
        tls = Tls(not endpoint.get("SkipTLSVerify"), files["ca"], files["cert"], files["key"])
    return EngineAddress(host, f"context `{name}`", tls)


def _from_docker_host(
    host: str, env: Mapping[str, str], exists: Callable[[str], bool]
) -> Tls | None:
    """TLS as the Docker CLI applies it to ``DOCKER_HOST``: on when ``DOCKER_TLS_VERIFY`` or
    ``DOCKER_CERT_PATH`` is set, verifying only with ``DOCKER_TLS_VERIFY``."""
    verify = bool(env.get("DOCKER_TLS_VERIFY"))
    cert_path = env.get("DOCKER_CERT_PATH")
    if not (verify or cert_path) or not host.startswith("tcp://"):
        return None
    where = Path(cert_path) if cert_path else docker_config_dir(env)
    files = _tls_files(where, exists)
    return Tls(verify, files["ca"], files["cert"], files["key"])


def local_socket(env: Mapping[str, str], exists: Callable[[str], bool]) -> EngineAddress:
    """Docker's socket; when it is absent, Podman's rootful, then rootless socket."""
    if exists(DOCKER_SOCKET):
        return EngineAddress(f"unix://{DOCKER_SOCKET}", "Docker's socket")
    candidates = [PODMAN_ROOTFUL]
    if runtime_dir := env.get("XDG_RUNTIME_DIR"):
        candidates.append(f"{runtime_dir}/podman/podman.sock")
    for path in candidates:
        if exists(path):
            return EngineAddress(f"unix://{path}", "Podman's socket")
    return EngineAddress(f"unix://{DOCKER_SOCKET}", "Docker's socket")


def find_engine(
    env: Mapping[str, str],
    read: Callable[[Path], Any] = _read_json,
    exists: Callable[[str], bool] = os.path.exists,
) -> EngineAddress:
    """The engine to use, in the Docker CLI's order (``DOCKER_HOST`` before any context)."""
    if host := env.get("DOCKER_HOST"):
        return EngineAddress(host, "DOCKER_HOST", _from_docker_host(host, env, exists))
    name = context_name(env, read)
    if name != "default":
        return from_context(name, env, read, exists)
    return local_socket(env, exists)


def describe_engine(version: Mapping[str, Any]) -> tuple[str, str]:
    """``(product, version)`` from the engine's ``/version``: ``podman`` when a component is
    the Podman Engine, else ``docker``."""
    for component in version.get("Components") or ():
        name = str(component.get("Name", ""))
        if "podman" in name.lower():
            return "podman", str(component.get("Version") or version.get("Version", "?"))
    return "docker", str(version.get("Version", "?"))
