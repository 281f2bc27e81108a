"""A remote engine: a second dockerd reached as ``tcp://127.0.0.1:<port>``, in a network
namespace of its own, and in a mount namespace where the directory holding the test's
workspace is an empty tmpfs, so that, like a remote host, it cannot see this machine's files
there. velarun must find that out by asking the engine (not from the URL), copy the workspace
into the run's volume, keep the outputs there, refuse host paths, and leave nothing behind;
and a workspace the same engine can see runs live, over the same ``tcp://`` address. Then the
connection dropped mid-run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.conftest import ROOT, TEST_IMAGE
from tests.integration.conftest import leftovers
from tests.integration.secondengine import (
    LONG_RUN,
    SecondEngine,
    fault_mid_step,
    start_second_engine,
    velarun_clean,
)
from tests.integration.tcpforward import TcpForward

pytestmark = pytest.mark.docker

PIPELINE = f"""version: "1"
steps:
  - name: read
    image: {TEST_IMAGE}
    pull: never
    commands:
      - cat data.txt
      - echo made-on-the-engine > made.txt
      - echo "GREETING=from-the-volume" >> $VELA_OUTPUTS
  - name: outputs
    image: {TEST_IMAGE}
    pull: never
    commands:
      - echo "greeting=$GREETING"
      - cat made.txt
"""


@pytest.fixture(scope="module")
def hidden() -> Iterator[Path]:
    """A directory the remote engine sees empty."""
    where = Path(tempfile.mkdtemp(prefix="velarun-hidden-", dir="/tmp"))
    yield where
    shutil.rmtree(where, ignore_errors=True)


@pytest.fixture(scope="module")
def remote(engine: object, hidden: Path) -> Iterator[SecondEngine]:
    yield from start_second_engine(hide=hidden)


@pytest.fixture
def forward(remote: SecondEngine) -> Iterator[TcpForward]:
    fwd = TcpForward(str(remote.socket))
    yield fwd
    fwd.drop()


@pytest.fixture
def client(remote: SecondEngine) -> Iterator[docker.DockerClient]:
    c = docker.DockerClient(base_url=remote.url, timeout=60)
    yield c
    assert leftovers(c) == []
    c.close()


def _exec(cwd: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VELARUN_NO_GIT": "1", "DOCKER_HOST": url}
    return subprocess.run(
        [sys.executable, "-m", "velarun", "exec", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _repo(parent: Path, name: str, pipeline: str) -> Path:
    repo = parent / name
    repo.mkdir()
    (repo / ".vela.yml").write_text(pipeline)
    (repo / "data.txt").write_text("data from this machine\n")
    return repo


def test_a_remote_engine_gets_the_workspace_by_copy(
    hidden: Path, forward: TcpForward, client: docker.DockerClient
) -> None:
    repo = _repo(Path(tempfile.mkdtemp(dir=hidden)), "repo", PIPELINE)
    done = _exec(repo, forward.url, "--report", "report.json")
    out, err = done.stdout, done.stderr
    assert done.returncode == 0, out + err
    version = client.version()["Version"]
    engine_line = f"velarun: engine: docker {version} at {forward.url}; it does not share"
    assert engine_line + " this machine's files\n" in err
    workspace_lines = [line for line in err.splitlines() if "workspace:" in line]
    assert workspace_lines == [
        f"velarun: workspace: live {repo} (--no-git: not compared with git)",
        f"velarun: workspace: copy of {repo}, 2 files (--no-git: not compared with git)",
    ], err
    assert "the workspace is copied into the run's volume" in err
    assert "[step: read] data from this machine\n" in out
    assert "[step: outputs] greeting=from-the-volume\n" in out
    assert "[step: outputs] made-on-the-engine\n" in out
    assert not (repo / "made.txt").exists()  # written in the engine's volume, not here
    report = json.loads((repo / "report.json").read_text())
    assert report["workspace"]["mode"] == "copy"
    assert [s["status"] for s in report["steps"]] == ["success", "success"]


def test_a_remote_engine_refuses_host_paths(
    hidden: Path, forward: TcpForward, client: docker.DockerClient
) -> None:
    repo = _repo(Path(tempfile.mkdtemp(dir=hidden)), "repo", PIPELINE)
    done = _exec(repo, forward.url, "--volume", "/etc:/host-etc")
    assert done.returncode == 2, done.stdout + done.stderr
    assert (
        "(exit 2): --volume /etc: no host path can be mounted: the engine"
        f" at {forward.url} does not see this machine's files\n"
        "  hint: put what the steps need in the repository (it is copied), or use a local"
        " engine\n"
    ) in done.stderr
    assert "Traceback" not in done.stderr
    assert "[step:" not in done.stdout


def test_the_same_engine_runs_live_where_it_sees_the_files(
    tmp_path: Path, forward: TcpForward, client: docker.DockerClient
) -> None:
    """Not guessed from the scheme: over the same tcp:// address, a directory the engine sees
    is mounted live."""
    repo = _repo(tmp_path, "repo", PIPELINE)
    done = _exec(repo, forward.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "it does not share" not in done.stderr
    assert f"velarun: workspace: live {repo}" in done.stderr
    assert (repo / "made.txt").read_text() == "made-on-the-engine\n"  # the live tree


def test_the_connection_dropped_mid_run(
    hidden: Path, remote: SecondEngine, forward: TcpForward
) -> None:
    repo = _repo(Path(tempfile.mkdtemp(dir=hidden)), "repo", LONG_RUN)
    ended = fault_mid_step(repo, forward.url, forward.drop)
    code, elapsed, out, err = ended.code, ended.elapsed, ended.out, ended.err
    assert code == 3, out + err
    assert elapsed < 10, f"velarun took {elapsed:.1f}s to notice the connection was gone"
    assert "Traceback" not in out + err
    assert f"the Docker Engine at {forward.url} stopped answering" in err
    report = json.loads((repo / "report.json").read_text())
    assert (report["status"], report["exit_code"]) == ("error", 3)
    assert {s["name"]: s["status"] for s in report["steps"]} == {
        "long": "error",
        "after": "skipped",
    }

    # Reachable again: `velarun clean` removes what the run could not.
    again = TcpForward(str(remote.socket))
    client = docker.DockerClient(base_url=remote.url, timeout=60)
    try:
        assert leftovers(client) != []
        cleaned = velarun_clean(repo, again.url)
        assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
        assert leftovers(client) == []
    finally:
        again.drop()
        client.close()
