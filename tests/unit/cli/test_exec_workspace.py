"""`velarun exec --workspace` end to end on the FakeRuntime, in a real temporary git repository:
the header's workspace lines, what the runtime is told to mount or copy, the report's
`workspace` object, and the refusals (exit 2, the engine never opened)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from tests.conftest import git
from velarun.cli import app
from velarun.cli.exec import Deps
from velarun.lifecycle import Engine
from velarun.runtime.fake import FakeRuntime

runner = CliRunner()
PIPELINE = 'version: "1"\nsteps:\n  - {name: test, image: alpine, commands: [cat notes.txt]}\n'


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A repository with one commit and an untracked file; the working directory is its
    subdirectory `docs`, which has no pipeline of its own; git is read."""
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / ".vela.yml").write_text(PIPELINE)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("guide\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    (tmp_path / "notes.txt").write_text("not committed\n")
    monkeypatch.chdir(tmp_path / "docs")
    monkeypatch.delenv("VELARUN_NO_GIT")
    yield tmp_path


def run(*args: str) -> tuple[int, str, list[FakeRuntime]]:
    fakes: list[FakeRuntime] = []

    def open_runtime(run_id: str) -> Engine:
        fakes.append(FakeRuntime(run_id=run_id))
        return fakes[-1]

    result = runner.invoke(app, ["exec", *args], obj=Deps(open_runtime, run_id="ws"))
    return result.exit_code, result.stderr, fakes


def workspace_lines(stderr: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if line.startswith(("velarun: workspace:", "velarun: warning:", "error:", "  hint:"))
    ]


def test_live_from_a_subdirectory_mounts_the_root_and_warns(repo: Path) -> None:
    report = repo / "report.json"
    code, err, fakes = run("--report", str(report))
    assert code == 0, err
    assert workspace_lines(err) == [
        f"velarun: workspace: live {repo} (1 file CI would not see)",
        "velarun: warning: 1 file CI would not see; --workspace commit runs what CI ran",
    ]
    assert ("workspace", f"mount {repo}") in fakes[0].events
    head = git(repo, "rev-parse", "HEAD").strip()
    assert json.loads(report.read_text())["workspace"] == {
        "mode": "live",
        "commit": head,
        "dirty": True,
    }


def test_copy_copies_tracked_and_untracked_files(repo: Path) -> None:
    code, err, fakes = run("--workspace", "copy")
    assert code == 0, err
    assert workspace_lines(err) == [
        f"velarun: workspace: copy of {repo}, 3 files (1 file CI would not see)",
        "velarun: warning: 1 file CI would not see; --workspace commit runs what CI ran",
    ]
    assert sorted(fakes[0].workspace_files) == [
        "src",
        "src/.vela.yml",
        "src/docs",
        "src/docs/guide.md",
        "src/notes.txt",
    ]
    # after the images are resolved, before the first step
    kinds = [kind for kind, _ in fakes[0].events]
    assert kinds[kinds.index("prepare_images") + 1 :][:2] == ["workspace", "start"]
    assert ("workspace", "copy 5 entries with alpine") in fakes[0].events


def test_commit_copies_a_clean_checkout_and_its_git(repo: Path) -> None:
    report = repo / "report.json"
    code, err, fakes = run("--workspace", "commit", "--report", str(report))
    head = git(repo, "rev-parse", "HEAD").strip()
    assert code == 0, err
    assert workspace_lines(err) == [f"velarun: workspace: commit {head[:12]}, clean"]
    files = fakes[0].workspace_files
    assert [f for f in files if not f.startswith("src/.git/objects/")][:9] == [
        "src",
        "src/docs",
        "src/.vela.yml",
        "src/docs/guide.md",
        "src/.git",
        "src/.git/refs",
        "src/.git/refs/heads",
        "src/.git/refs/tags",
        "src/.git/objects",
    ]
    assert "src/notes.txt" not in files and "src/.git/HEAD" in files
    assert json.loads(report.read_text())["workspace"] == {
        "mode": "commit",
        "commit": head,
        "dirty": False,
    }


def test_a_commit_that_does_not_resolve_stops_before_the_engine(repo: Path) -> None:
    code, err, fakes = run("--workspace", "commit=4f2a9c1e0b7d")
    assert (code, fakes) == (2, [])
    assert workspace_lines(err) == [
        f"error: --workspace commit=4f2a9c1e0b7d: `4f2a9c1e0b7d` is not a commit in the"
        f" repository at {repo}",
        "  hint: fetch it first: `git fetch origin 4f2a9c1e0b7d`",
    ]


def test_an_unknown_workspace_is_a_usage_error(repo: Path) -> None:
    code, err, fakes = run("--workspace", "clone")
    assert (code, fakes) == (2, [])
    assert err == (
        "error: --workspace `clone` is not live, copy, commit or commit=REF\n"
        "  hint: live mounts your tree, copy copies it, commit checks out what CI ran\n"
    )


def test_plan_from_a_subdirectory_reads_the_roots_pipeline(repo: Path) -> None:
    result = runner.invoke(app, ["plan"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "plan for ../.vela.yml"


def test_a_commit_other_than_head_is_said_beside_the_rule_datas(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    (repo / "docs" / "guide.md").write_text("second\n")
    git(repo, "commit", "-qam", "second")
    head = git(repo, "rev-parse", "HEAD").strip()
    code, err, _ = run("--workspace", f"commit={first[:7]}")
    assert code == 0, err
    assert workspace_lines(err) == [
        f"velarun: workspace: commit {first[:12]} ({first[:7]}), clean",
        f"velarun: warning: the workspace is commit {first[:12]}, the rule data's commit (and"
        f" VELA_BUILD_COMMIT) is {head[:12]}",
    ]
