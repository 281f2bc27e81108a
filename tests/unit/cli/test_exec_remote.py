"""`exec` on an engine that does not see this machine's files (the FakeRuntime told so): the
header says so, a live workspace is copied, host paths are refused before anything runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from velarun.cli import app
from velarun.cli.exec import Deps
from velarun.lifecycle import Engine
from velarun.runtime import EngineInfo
from velarun.runtime.fake import FakeRuntime

runner = CliRunner()
REMOTE = EngineInfo("docker", "27.0.1", "tcp://box:2376", "DOCKER_HOST", shares_files=False)
PIPELINE = """version: "1"
steps:
  - name: build
    image: alpine
    commands: [make]
"""
WITH_VOLUME = (
    PIPELINE
    + """    volumes: ["/var/cache/apt:/cache"]
"""
)


def run(
    tmp: Path, pipeline: str, *args: str, engine: EngineInfo = REMOTE
) -> tuple[int, str, FakeRuntime]:
    (tmp / ".vela.yml").write_text(pipeline)
    (tmp / "main.c").write_text("int main;\n")
    fakes: list[FakeRuntime] = []

    def open_runtime(run_id: str) -> Engine:
        fakes.append(FakeRuntime(run_id=run_id, engine=engine))
        return fakes[-1]

    result = runner.invoke(
        app,
        ["exec", "--no-git", "-f", str(tmp / ".vela.yml"), "--report", str(tmp / "r.json"), *args],
        obj=Deps(open_runtime, run_id="r1"),
    )
    return result.exit_code, result.stderr, fakes[0]


def _lines(err: str, *words: str) -> list[str]:
    return [line for line in err.splitlines() if any(w in line for w in words)]


def test_a_live_workspace_is_copied_to_a_remote_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, err, fake = run(tmp_path, PIPELINE)
    assert code == 0, err
    assert _lines(err, "workspace:", "engine:", "copied") == [
        f"velarun: workspace: live {tmp_path} (--no-git: not compared with git)",
        "velarun: engine: docker 27.0.1 at tcp://box:2376; it does not share this machine's files",
        f"velarun: workspace: copy of {tmp_path}, 2 files (--no-git: not compared with git)",
        "velarun: warning: the engine does not share this machine's files: the workspace is"
        " copied into the run's volume, and what steps write there stays on the engine",
    ]
    assert sorted(fake.workspace_files) == ["src", "src/.vela.yml", "src/main.c"]
    assert fake.workspace == ""  # nothing mounted
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["workspace"] == {"mode": "copy", "commit": None, "dirty": False}


def test_a_commit_or_copy_workspace_is_left_as_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, err, _ = run(tmp_path, PIPELINE, "--workspace", "copy")
    assert code == 0, err
    assert len(_lines(err, "workspace:")) == 1
    assert "warning: the engine does not share" not in err


def test_a_local_engine_mounts_the_live_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    local = EngineInfo("docker", "27.0.1", "unix:///var/run/docker.sock", "Docker's socket")
    code, err, fake = run(tmp_path, PIPELINE, engine=local)
    assert code == 0, err
    assert _lines(err, "engine:") == [
        "velarun: engine: docker 27.0.1 at unix:///var/run/docker.sock"
    ]
    assert fake.workspace == str(tmp_path)


@pytest.mark.parametrize(
    ("pipeline", "args", "named"),
    [
        (PIPELINE, ("--volume", "/etc:/host-etc"), "--volume /etc"),
        (WITH_VOLUME, (), "step `build` volume /var/cache/apt"),
        (WITH_VOLUME, ("--volume", "/a:/b"), "--volume /a, step `build` volume /var/cache/apt"),
    ],
)
def test_host_paths_are_refused_before_anything_runs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pipeline: str,
    args: tuple[str, ...],
    named: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, err, fake = run(tmp_path, pipeline, *args)
    assert code == 2, err
    assert err.endswith(
        f"(exit 2): {named}: no host path can be mounted: the engine at tcp://box:2376 does not"
        " see this machine's files\n"
        "  hint: put what the steps need in the repository (it is copied), or use a local engine\n"
    ), err
    assert [kind for kind, _ in fake.events] == ["connect", "close"]
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["status"], report["exit_code"]) == ("error", 2)
