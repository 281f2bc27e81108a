"""The real Docker Engine and the locally built test image are there (never skipped: a missing
engine is a failure; `make test` starts one through .ci/ensure-docker)."""

from __future__ import annotations

import uuid

import docker
import pytest

from tests.conftest import TEST_IMAGE

pytestmark = pytest.mark.docker


def test_engine_answers_and_runs_the_local_test_image() -> None:
    client = docker.from_env()
    try:
        assert client.ping()
        client.images.get(TEST_IMAGE)  # built by .ci/build-test-image, never pulled
        run_id = uuid.uuid4().hex[:12]
        output = client.containers.run(
            TEST_IMAGE,
            ["sh", "-c", "echo hello from $(uname -s); test -d /tmp && echo tmp ok"],
            name=f"velarun-{run_id}-engine-check",
            labels={"io.velarun.run-id": run_id},
            remove=True,
        )
        assert output.decode() == "hello from Linux\ntmp ok\n"
        left = client.containers.list(all=True, filters={"label": f"io.velarun.run-id={run_id}"})
        assert left == []
    finally:
        client.close()


def test_the_stuck_network_allowance_does_not_excuse_a_forgotten_network() -> None:
    # The workspace fixture tolerates only networks the engine refuses to remove although
    # empty (moby#42119). A network velarun simply forgot is removable, so it is not excused.
    from tests.integration.conftest import STUCK, engine_lost_count, leftovers

    client = docker.from_env()
    try:
        run_id = uuid.uuid4().hex[:12]
        name = f"velarun-{run_id}-network"
        client.networks.create(name, labels={"io.velarun.run-id": run_id})
        assert name in leftovers(client)
        assert engine_lost_count(client, name) is False
        assert name not in STUCK and name not in leftovers(client)  # removed by the check
    finally:
        client.close()
