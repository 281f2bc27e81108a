"""The Docker daemon killed in the middle of a run, on a second dockerd of the test's own.

The second engine has its own socket, data root, exec root and network namespace, so killing
it touches nothing the other tests use. The run must end promptly with status ``error``, exit 3,
one clear sentence and the report written; after the engine is back, ``velarun clean`` must
remove everything the run left there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.integration.conftest import leftovers
from tests.integration.secondengine import (
    LONG_RUN,
    SecondEngine,
    fault_mid_step,
    start_second_engine,
    velarun_clean,
)

pytestmark = pytest.mark.docker


@pytest.fixture
def second_engine(engine: object) -> Iterator[SecondEngine]:
    yield from start_second_engine()


def test_the_daemon_killed_mid_run(tmp_path: Path, second_engine: SecondEngine) -> None:
    (tmp_path / ".vela.yml").write_text(LONG_RUN)
    ended = fault_mid_step(tmp_path, second_engine.url, second_engine.kill)
    code, elapsed, out, err = ended.code, ended.elapsed, ended.out, ended.err
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
