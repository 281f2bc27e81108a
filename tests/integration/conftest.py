"""Shared by the real-engine tests: the engine client and the "nothing left behind" check."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.conftest import ROOT, TEST_IMAGE

LABEL = "io.velarun.run-id"


@pytest.fixture(scope="session")
def engine() -> Iterator[Any]:
    client = docker.from_env()
    client.images.get(TEST_IMAGE)  # built by .ci/build-test-image; a missing image fails here
    yield client
    client.close()


def leftovers(client: Any) -> list[str]:
    flt = {"label": LABEL}
    return (
        [c.name for c in client.containers.list(all=True, filters=flt)]
        + [n.name for n in client.networks.list(filters=flt)]
        + [v.name for v in client.volumes.list(filters=flt)]
    )


@pytest.fixture
def workspace(tmp_path: Path, engine: Any) -> Iterator[Path]:
    """A temporary working directory; afterwards no labelled resource may remain."""
    yield tmp_path
    assert leftovers(engine) == []


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
