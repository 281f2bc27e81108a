"""The real Docker Engine and the locally built test image are there (never skipped: a missing
engine is a failure; `make test` starts one through .ci/ensure-docker)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.conftest import ROOT, TEST_IMAGE

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


def _exec_header(cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    (cwd / ".vela.yml").write_text(
        f'version: "1"\nsteps:\n  - name: a\n    image: {TEST_IMAGE}\n    pull: never\n'
        "    commands: [true]\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "velarun", "exec"],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT), "VELARUN_NO_GIT": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stderr


def test_the_header_names_the_engine(workspace: Path, engine: Any) -> None:
    version = engine.version()
    product = "podman" if "podman" in str(version.get("Components", "")).lower() else "docker"
    code, err = _exec_header(workspace, dict(os.environ))
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.startswith("velarun: engine:")]
    expected = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    assert lines == [f"velarun: engine: {product} {version['Version']} at {expected}"], err


def test_a_docker_context_is_followed(workspace: Path, engine: Any) -> None:
    """DOCKER_CONTEXT names a context of a Docker configuration directory whose endpoint is
    the engine in use; DOCKER_HOST unset, so the context decides."""
    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    config = workspace / "docker-config"
    meta = config / "contexts" / "meta" / hashlib.sha256(b"velarun-test").hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps({"Name": "velarun-test", "Endpoints": {"docker": {"Host": host}}})
    )
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    env |= {"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": "velarun-test"}
    code, err = _exec_header(workspace, env)
    assert code == 0, err
    assert f" at {host} (context `velarun-test`)\n" in err

    env["DOCKER_CONTEXT"] = "missing"
    code, err = _exec_header(workspace, env)
    assert code == 3, err
    assert "the Docker context `missing` (DOCKER_CONTEXT) does not exist" in err
    assert "Traceback" not in err
