"""What must run the same on every engine (Docker's, and Podman's service in the podman pass):
the demo pipeline as `make demo` runs it, and local images found by the names a pipeline
writes, with no pull attempted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, ROOT, TEST_IMAGE
from tests.integration.dockerproxy import DockerProxy
from tests.integration.test_exec import report, step_statuses
from velarun.runtime.docker_pods import pause_image

pytestmark = [pytest.mark.docker, pytest.mark.podman]


def test_the_demo_pipeline(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VELARUN_NO_GIT")  # its template is found from the repository's root
    args = ["exec", "--branch", "main", "--report", str(workspace / "report.json")]
    done = subprocess.run(
        [sys.executable, "-m", "velarun", *args],
        cwd=FIXTURES / "demo",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert step_statuses(report(workspace)) == {
        "build/compile": "success",
        "build/hello_say": "success",
        "build/hello_check-go": "success",
        "build/hello_check-python": "success",
        "test/unit": "success",
        "lint/vet": "success",
        "deploy/publish": "success",
        "notify/on-failure": "skipped",
    }
    out = done.stdout.splitlines()
    assert '[stage: test][step: unit] {"status":"ok"}' in out  # the service, by its name
    version = [line for line in out if line.startswith("[stage: test][step: unit] testing")]
    assert version and version[0].startswith("[stage: test][step: unit] testing version 1.0.")
    deployed = version[0].removeprefix("[stage: test][step: unit] testing version ")
    assert f"[stage: deploy][step: publish] deploying {deployed}" in out  # the output, passed on


LOCAL = f"""version: "1"
services:
  - {{name: web, image: {TEST_IMAGE}, pull: not_present, entrypoint: [httpd, -f, -p, "8080"]}}
steps:
  - {{name: never, image: {TEST_IMAGE}, pull: never, commands: [echo never pulled]}}
  - {{name: present, image: {TEST_IMAGE}, pull: not_present, commands: [echo present]}}
"""


def test_local_images_by_the_names_written_and_no_pull(
    workspace: Path, engine: Any, proxy: DockerProxy
) -> None:
    """On Podman the test image is stored as ``localhost/velarun-test/busybox:latest``: the name
    as written finds it, under ``pull: never`` and ``not_present`` alike, and nothing is pulled
    (the pause image is imported beforehand, so no image is created at all)."""
    pause_image(engine)
    (workspace / ".vela.yml").write_text(LOCAL)
    done = subprocess.run(
        [sys.executable, "-m", "velarun", "exec", "--report", "report.json"],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DOCKER_HOST": proxy.url},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[step: never] never pulled" in done.stdout
    assert "[step: present] present" in done.stdout
    assert step_statuses(report(workspace)) == {"never": "success", "present": "success"}
    assert f"GET /images/{TEST_IMAGE}/json" in proxy.seen  # looked up by the name written
    assert [s for s in proxy.seen if s.startswith("POST /images/")] == []
