"""Step artifacts on the real Docker Engine: files a step writes land on the host with the same
bytes, from the live tree and from the run's volume (copy); a path that matches nothing is one
line and no failure; the report lists them; a JUnit report among them is attached in
``--junit``; the next run sees no change CI would not have; nothing is left behind."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import TEST_IMAGE, git
from tests.integration.test_workspace import run as velarun

pytestmark = pytest.mark.docker

JUNIT = '<testsuite name="unit" tests="1"><testcase name="a"/></testsuite>'
PIPELINE = f"""version: "1"
steps:
  - name: test
    image: {TEST_IMAGE}
    pull: never
    commands:
      - mkdir -p reports out/deep
      - printf '{JUNIT}' > reports/unit.xml
      - "head -c 300000 /dev/urandom > out/deep/blob.bin"
      - printf 'x' > out/.hidden.bin
      - md5sum out/deep/blob.bin
      - exit 3
    artifacts:
      paths: [reports/*.xml, out/*.bin, coverage/*.txt]
"""


def repo(path: Path) -> None:
    git(path, "init", "-q", "-b", "main")
    (path / ".vela.yml").write_text(PIPELINE)
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "first commit")


@pytest.mark.podman
@pytest.mark.parametrize("mode", ["live", "copy"])
def test_artifacts_land_on_the_host(workspace: Path, mode: str) -> None:
    report, junit = workspace / "report.json", workspace / "junit.xml"
    workspace = workspace / "repo"
    workspace.mkdir()
    repo(workspace)
    done = velarun(workspace, "--workspace", mode, "--report", str(report), "--junit", str(junit))
    assert done.returncode == 1, done.stderr  # the step failed; its artifacts are still kept
    step = json.loads(report.read_text())["steps"][0]
    kept = [Path(p) for p in step["artifacts"]]
    (base,) = (workspace / ".velarun" / "artifacts").iterdir()  # the run's id
    assert [str(p.relative_to(base)) for p in kept] == [
        "test/out/deep/blob.bin",
        "test/reports/unit.xml",
    ]
    # the same bytes as the step wrote: its md5sum, printed inside the container
    blob = kept[0].read_bytes()
    assert len(blob) == 300_000
    assert f"[step: test] {hashlib.md5(blob).hexdigest()}  out/deep/blob.bin" in done.stdout
    assert kept[1].read_text() == JUNIT
    lines = [line for line in done.stderr.splitlines() if "] artifacts: " in line]
    assert lines == [
        f"velarun: [step: test] artifacts: 2 files in .velarun/artifacts/{base.name}/test/",
        "velarun: [step: test] artifacts: no file matches `coverage/*.txt` (not a failure, as"
        " in Vela)",
    ]
    assert f"<system-out>[[ATTACHMENT|{kept[1]}]]\n</system-out>" in junit.read_text()
    # velarun's own directory is no change CI would not see
    status = git(workspace, "status", "--porcelain", "--untracked-files=all")
    expected = "" if mode == "copy" else "?? out/deep/blob.bin\n?? reports/unit.xml\n"
    assert status.replace("?? out/.hidden.bin\n", "") == expected


def test_artifacts_dir_and_a_stage_pipeline(workspace: Path) -> None:
    pipeline = f"""version: "1"
stages:
  build:
    steps:
      - name: make dist
        image: {TEST_IMAGE}
        pull: never
        commands: ["mkdir -p dist", "printf 'v1' > dist/app.txt"]
        artifacts:
          paths: dist/*.txt
"""
    elsewhere = workspace / "kept"
    workspace = workspace / "repo"
    workspace.mkdir()
    (workspace / ".vela.yml").write_text(pipeline)
    done = velarun(workspace, "--workspace", "copy", "--artifacts-dir", str(elsewhere))
    assert done.returncode == 0, done.stderr
    (run_dir,) = elsewhere.iterdir()
    assert (run_dir / "build" / "make_dist" / "dist" / "app.txt").read_text() == "v1"
    assert not (workspace / ".velarun").exists()
    assert not (workspace / "dist").exists()  # copy mode: the user's tree is left alone
