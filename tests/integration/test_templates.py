"""Templated pipelines run on the real engine: fixtures/templated (a Go and a Starlark step
template in two stages, a templated step pruned before its template is fetched) and its
`render_inline` pipeline, in a copy of the fixture inside a fresh git repository (template
sources are relative to the repository's root)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.docker


def exec_fixture(ws: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    shutil.copytree(ROOT / "fixtures" / "templated", ws / "fixtures" / "templated")
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    pipeline = ["-f", f"fixtures/templated/{name}", "--report", "report.json"]
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "velarun",
            "exec",
            "--no-git",
            "--repo",
            "octo/app",
            *pipeline,
            *args,
        ],
        cwd=ws,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )


def statuses(ws: Path) -> dict[str, str]:
    rep: dict[str, Any] = json.loads((ws / "report.json").read_text())
    return {f"{st['name']}/{s['name']}": s["status"] for st in rep["stages"] for s in st["steps"]}


def test_go_and_starlark_step_templates(workspace: Path) -> None:
    proc = exec_fixture(workspace, ".vela.yml")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert "[stage: build][step: compile_go] building for linux/amd64 with -trimpath -v" in out
    assert "[stage: build][step: compile_go] template go-build of step compile in octo/app" in out
    assert "[stage: test][step: unit_go-1.22] testing octo/app on go 1.22" in out
    assert "[stage: test][step: unit_go-1.23] built" in out  # the Go step's file, next stage
    assert statuses(workspace) == {
        "build/compile_go": "success",
        "test/unit_go-1.22": "success",
        "test/unit_go-1.23": "success",
    }


def test_render_inline_stages(workspace: Path) -> None:
    proc = exec_fixture(workspace, "inline.vela.yml")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert "[stage: ship_staging][step: ship_deploy] deploying to staging on push" in out
    assert "[stage: ship_production][step: ship_deploy] deploying to production on push" in out
    assert statuses(workspace) == {
        "build/compile": "success",
        "ship_staging/ship_deploy": "success",
        "ship_production/ship_deploy": "success",
    }
