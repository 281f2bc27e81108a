"""`exec --artifacts-dir` through the CLI on the FakeRuntime: where a run keeps its artifacts,
and a directory that cannot be made refused before anything runs (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from velarun.cli import app
from velarun.cli.exec import Deps
from velarun.lifecycle import Engine
from velarun.runtime.fake import FakeRuntime, FakeStep

runner = CliRunner()
PIPELINE = """version: "1"
steps:
  - name: build
    image: alpine
    commands: [make]
    artifacts:
      paths: dist/*
"""


def run(tmp: Path, *args: str) -> tuple[int, str, list[FakeRuntime]]:
    (tmp / ".vela.yml").write_text(PIPELINE)
    fakes: list[FakeRuntime] = []

    def open_runtime(run_id: str) -> Engine:
        fakes.append(FakeRuntime({"build": FakeStep(writes=(("dist/app", b"app"),))}))
        return fakes[-1]

    result = runner.invoke(
        app, ["exec", str(tmp / ".vela.yml"), *args], obj=Deps(open_runtime, run_id="r1")
    )
    return result.exit_code, result.stderr, fakes


def test_artifacts_dir_holds_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, err, _ = run(tmp_path, "--artifacts-dir", "kept")
    assert code == 0, err
    assert (tmp_path / "kept" / "r1" / "build" / "dist" / "app").read_bytes() == b"app"
    assert "velarun: [step: build] artifacts: 1 file in kept/r1/build/\n" in err
    assert not (tmp_path / ".velarun").exists()


def test_an_artifacts_dir_in_the_tree_is_not_collected_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for _ in range(2):  # the second run's `dist/*` must not take the first run's copies
        code, err, _ = run(tmp_path, "--artifacts-dir", "dist/kept")
        assert code == 0, err
    assert "velarun: [step: build] artifacts: 1 file in dist/kept/r1/build/\n" in err


def test_default_dir_ignores_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, err, _ = run(tmp_path)
    assert code == 0, err
    assert (tmp_path / ".velarun" / ".gitignore").read_text() == (
        "# made by velarun: nothing here belongs in git\n*\n"
    )
    assert (tmp_path / ".velarun/artifacts/r1/build/dist/app").read_bytes() == b"app"


def test_an_artifacts_dir_that_cannot_be_made_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file").write_text("")
    code, err, fakes = run(tmp_path, "--artifacts-dir", "file/sub")
    assert (code, err.splitlines()[-2:], fakes) == (
        2,
        [
            "error: --artifacts-dir file/sub: Not a directory",
            "  hint: choose a directory you can write",
        ],
        [],
    )
