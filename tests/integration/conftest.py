"""Shared by the real-engine tests: the engine client and the "nothing left behind" check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.conftest import TEST_IMAGE

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
