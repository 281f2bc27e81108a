"""Shared by the real-engine tests: the engine client and the "nothing left behind" check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.conftest import GIT_IMAGE, ROOT, TEST_IMAGE
from tests.integration.dockerproxy import DockerProxy
from velarun.runtime.docker_clean import clean
from velarun.runtime.docker_podman import is_podman

LABEL = "io.velarun.run-id"
ENGINE_SOCKET = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock").removeprefix("unix://")
"""The engine's socket: Docker's, or the one DOCKER_HOST names (Podman's, in the podman pass)."""


@pytest.fixture(scope="session")
def engine() -> Iterator[Any]:
    client = docker.from_env()
    for image in (TEST_IMAGE, GIT_IMAGE):
        client.images.get(image)  # built by .ci/build-test-image; a missing image fails here
    # What killed runs left before this session (a machine's engine keeps its state between
    # sessions) is not this session's leak: removed first, as `velarun clean` does, and said.
    # A run still in progress (another velarun) is left alone.
    before = clean()
    if before.containers or before.networks or before.volumes or before.images:
        warnings.warn(
            f"removed leftovers of earlier runs before the session: {before}", stacklevel=1
        )
    yield client
    client.close()


@pytest.fixture(scope="session")
def on_podman(engine: Any) -> bool:
    """Whether the engine is Podman's service (the podman pass), for what differs there."""
    return is_podman(engine.version())


STUCK: set[str] = set()
"""Networks the engine refuses to remove although nothing is attached: it lost count of their
endpoints (moby#42119; Docker 20.10 does so in about 1 of 10 rounds of 50 containers started
at once). velarun removed everything it could and said so; only a dockerd restart frees them."""


def leftovers(client: Any) -> list[str]:
    flt = {"label": LABEL}
    return (
        # The low-level list: no inspect per container, which may vanish meanwhile.
        [c["Names"][0].lstrip("/") for c in client.api.containers(all=True, filters=flt)]
        + [n.name for n in client.networks.list(filters=flt) if n.name not in STUCK]
        + [v.name for v in client.volumes.list(filters=flt)]
    )


def engine_lost_count(client: Any, name: str) -> bool:
    """True for a network the engine cannot remove though it is empty (see ``STUCK``). A
    network velarun merely forgot is removable: this removes it and answers False, so the
    check still fails for it."""
    try:
        network = client.networks.get(name)
        if network.attrs.get("Containers"):
            return False
        network.remove()
    except docker.errors.NotFound:
        return False
    except docker.errors.APIError as exc:
        return "active endpoints" in str(exc.explanation or exc)
    return False


@pytest.fixture
def workspace(tmp_path: Path, engine: Any) -> Iterator[Path]:
    """A temporary working directory; afterwards no labelled resource may remain, except a
    network the engine itself will not let go of (recorded, warned about, then ignored)."""
    yield tmp_path
    left = leftovers(engine)
    stuck = [n for n in left if n.endswith("-network") and engine_lost_count(engine, n)]
    if stuck:
        STUCK.update(stuck)
        warnings.warn(f"the engine lost count of endpoints of {stuck} (moby#42119)", stacklevel=1)
    assert [x for x in left if x not in stuck] == []


def start_until(
    cwd: Path, args: list[str], marker: str, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start `velarun exec ARGS` and return once a stdout line starts with ``marker``."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "velarun", "exec", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "VELARUN_NO_GIT": "1", **(extra_env or {})},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(marker):
            return proc
    proc.kill()
    raise AssertionError(f"velarun ended before printing {marker!r}")


@pytest.fixture
def proxy() -> Iterator[DockerProxy]:
    """A DockerProxy in front of the engine (point velarun at it with ``DOCKER_HOST``)."""
    # A short directory of its own: a Unix socket path must stay under 108 bytes.
    where = Path(tempfile.mkdtemp(prefix="velarun-proxy-", dir="/tmp"))
    try:
        with DockerProxy(ENGINE_SOCKET, where / "docker.sock") as p:
            yield p
    finally:
        shutil.rmtree(where, ignore_errors=True)
