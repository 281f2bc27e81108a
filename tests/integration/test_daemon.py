"""The Docker daemon killed in the middle of a run, on a second dockerd of the test's own.

The second engine has its own socket, data root, exec root and network namespace, so killing
it touches nothing the other tests use. The run must end promptly with status ``error``, exit 3,
one clear sentence and the report written; after the engine is back, ``velarun clean`` must
remove everything the run left there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.conftest import TEST_IMAGE
from tests.integration.conftest import leftovers, start_until
from tests.integration.secondengine import SecondEngine, start_second_engine, velarun_clean

pytestmark = pytest.mark.docker


@pytest.fixture
def second_engine(engine: object) -> Iterator[SecondEngine]:
    yield from start_second_engine()


PIPELINE = f"""version: "1"
services:
  - name: web
    image: {TEST_IMAGE}
    pull: never
    entrypoint: ["sh", "-c", "exec sleep 60"]
steps:
  - name: long
    image: {TEST_IMAGE}
    pull: never
    commands: ["echo begin", "sleep 60"]
  - name: after
    image: {TEST_IMAGE}
    pull: never
    commands: ["echo after"]
"""


def test_the_daemon_killed_mid_run(tmp_path: Path, second_engine: SecondEngine) -> None:
    (tmp_path / ".vela.yml").write_text(PIPELINE)
    env = {"DOCKER_HOST": second_engine.url}
    proc = start_until(tmp_path, ["--report", "report.json"], "[step: long] begin", env)
    killed = time.monotonic()
    second_engine.kill()
    try:
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
    elapsed = time.monotonic() - killed
    with proc:  # closes its pipes
        out = proc.stdout.read() if proc.stdout else ""
        err = proc.stderr.read() if proc.stderr else ""
    assert code == 3, out + err
    assert elapsed < 30, f"velarun took {elapsed:.1f}s to notice the engine was gone"
    assert "Traceback" not in out + err
    assert f"the Docker Engine at {second_engine.url} stopped answering" in out + err
    assert "hint: check that dockerd is running (`docker info`)" in out + err
    rep = json.loads((tmp_path / "report.json").read_text())
    assert (rep["status"], rep["exit_code"]) == ("error", 3)
    assert "stopped answering" in rep["error"]
    steps = {s["name"]: s["status"] for s in rep["steps"]}
    assert steps == {"long": "error", "after": "skipped"}

    # The engine back: `velarun clean` removes whatever the run could not.
    second_engine.start()
    client = docker.DockerClient(base_url=second_engine.url, timeout=30)
    try:
        left = leftovers(client)
        assert any(name.endswith("-network") for name in left), left  # the run could not clean
        cleaned = velarun_clean(tmp_path, second_engine.url)
        assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
        assert "removed " in cleaned.stdout and " 1 networks, 1 volumes" in cleaned.stdout
        assert leftovers(client) == []
    finally:
        client.close()
