"""Rule data derived from a real git repository, through `velarun plan` (no Docker)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirunner import CliRunner
from tests.conftest import git
from velarun.cli import app

runner = CliRunner()
PIPELINE = """version: "1"
steps:
  - {name: backend, image: alpine, ruleset: {path: ["src/*"]}, commands: [echo backend]}
  - {name: docs, image: alpine, ruleset: {path: ["docs/*"]}, commands: [echo docs]}
  - {name: release, image: alpine, ruleset: {event: tag, tag: "v*"}, commands: [echo tag]}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository on `main` tracking origin/main, a feature branch with one commit that
    changes src/, and the working directory set to it; rule data from git switched on."""
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "remote", "add", "origin", "git@github.com:octo/app.git")
    (tmp_path / ".vela.yml").write_text(PIPELINE)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first commit")
    git(tmp_path, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(tmp_path, "checkout", "-q", "-b", "feature-x")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.go").write_text("package main\n")
    git(tmp_path, "add", "src")
    git(tmp_path, "commit", "-q", "-m", "add backend")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VELARUN_NO_GIT")
    for name in ("VELA_EVENT", "VELA_BRANCH", "VELA_REPO", "VELA_TAG", "VELA_FILE_CHANGESET"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_plan_takes_branch_repo_commit_author_and_paths_from_git(repo: Path) -> None:
    commit = git(repo, "rev-parse", "HEAD").strip()
    result = runner.invoke(app, ["plan"])
    assert result.exit_code == 0, result.stderr
    head = "\n".join(result.stdout.splitlines()[:9])
    assert head == (
        "plan for .vela.yml\n"
        "rule data: event   push  (default)\n"
        "rule data: branch  feature-x  (git)\n"
        "rule data: tag     refs/heads/feature-x  (ref of the push event)\n"
        "rule data: repo    octo/app  (git)\n"
        f"rule data: commit  {commit[:12]}  (git)\n"
        "rule data: author  Ada Lovelace <ada@example.com>  (git)\n"
        "rule data: paths   1 file: src/main.go"
        "  (git: merge-base with origin/main + uncommitted + untracked)\n"
    )


def test_plan_json_prunes_by_the_paths_git_changed(repo: Path) -> None:
    result = runner.invoke(app, ["plan", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert [s["name"] for s in plan["steps"]] == ["backend"]
    assert plan["ruledata"]["paths"] == ["src/main.go"]
    assert plan["ruledata"]["author_email"] == "ada@example.com"


def test_flags_win_over_git_and_a_tag_comes_from_head(repo: Path) -> None:
    git(repo, "tag", "v1.2.3")
    result = runner.invoke(app, ["plan", "--event", "tag", "--branch", "main"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "rule data: event   tag  (flag)" in lines
    assert "rule data: branch  main  (flag)" in lines
    assert "rule data: tag     v1.2.3  (git)" in lines
    assert "  step release  (alpine)" in lines
