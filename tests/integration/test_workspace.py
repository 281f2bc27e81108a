"""The workspace CI would see (`--workspace live|copy|commit[=REF]`), on the real Docker Engine
with the test image, in real temporary git repositories: what each mode puts at /vela/src,
that `copy` protects the user's tree, that `commit` carries a `.git` at the commit, and that a
run from a subdirectory runs the root's pipeline on the root.

The busybox test image has no git: there the commit inside a step is read from `.git/HEAD` and
the pack index; `velarun-test/git:latest` (the same with the host's git, built by
`.ci/build-test-image`) runs `git rev-parse HEAD` and `git describe` themselves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GIT_IMAGE, ROOT, TEST_IMAGE, git

pytestmark = pytest.mark.docker
IMG = TEST_IMAGE


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VELARUN_NO_GIT"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "velarun", "exec", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def make_repo(path: Path, commands: list[str], image: str = IMG) -> str:
    """A repository whose pipeline has one step running ``commands``; returns HEAD."""
    body = "".join(f"      - {json.dumps(c)}\n" for c in commands)
    pipeline = (
        f'version: "1"\nsteps:\n  - name: look\n    image: {image}\n    pull: never\n'
        f"    commands:\n{body}"
    )
    git(path, "init", "-q", "-b", "main")
    (path / ".vela.yml").write_text(pipeline)
    (path / "README.md").write_text("committed\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "first commit")
    return git(path, "rev-parse", "HEAD").strip()


def header(stderr: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if line.startswith(("velarun: workspace:", "velarun: warning:"))
    ]


def step_lines(stdout: str) -> list[str]:
    return [
        line.removeprefix("[step: look] ")
        for line in stdout.splitlines()
        if line.startswith("[step: look] ") and " > step started" not in line
    ]


def tree(path: Path) -> dict[str, str]:
    """Every file under ``path`` outside .git, with its content."""
    return {
        str(p.relative_to(path)): p.read_text()
        for p in sorted(path.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(path).parts
    }


def test_an_untracked_file_is_seen_live_not_in_commit_and_live_warns(workspace: Path) -> None:
    head = make_repo(workspace, ["cat notes.txt"])
    (workspace / "notes.txt").write_text("not committed\n")

    live = run(workspace, "--report", "live.json")
    assert live.returncode == 0, live.stderr
    assert step_lines(live.stdout) == ["$ cat notes.txt", "not committed"]
    assert header(live.stderr) == [
        f"velarun: workspace: live {workspace} (1 file CI would not see)",
        "velarun: warning: 1 file CI would not see; --workspace commit runs what CI ran",
    ]
    assert json.loads((workspace / "live.json").read_text())["workspace"] == {
        "mode": "live",
        "commit": head,
        "dirty": True,
    }

    commit = run(workspace, "--workspace", "commit", "--report", "commit.json")
    assert commit.returncode == 1, commit.stderr
    assert sorted(step_lines(commit.stdout)) == [  # stdout and stderr: in either order
        "$ cat notes.txt",
        "cat: can't open 'notes.txt': No such file or directory",
    ]
    assert header(commit.stderr) == [f"velarun: workspace: commit {head[:12]}, clean"]
    assert json.loads((workspace / "commit.json").read_text())["workspace"] == {
        "mode": "commit",
        "commit": head,
        "dirty": False,
    }


@pytest.mark.podman
def test_a_step_that_writes_in_copy_mode_leaves_the_users_tree_untouched(
    workspace: Path,
) -> None:
    make_repo(
        workspace,
        [
            "cat notes.txt",
            "echo changed > README.md",
            "rm notes.txt",
            "mkdir made && echo new > made/new.txt",
            "ls -A",
        ],
    )
    (workspace / "notes.txt").write_text("untracked, copied\n")
    (workspace / ".gitignore").write_text("ignored.txt\n")
    (workspace / "ignored.txt").write_text("not copied\n")
    before = tree(workspace)
    status = git(workspace, "status", "--porcelain")

    result = run(workspace, "--workspace", "copy")
    assert result.returncode == 0, result.stderr
    assert step_lines(result.stdout) == [
        "$ cat notes.txt",
        "untracked, copied",
        "$ echo changed > README.md",
        "$ rm notes.txt",
        "$ mkdir made && echo new > made/new.txt",
        "$ ls -A",
        ".gitignore",
        ".vela.yml",
        "README.md",
        "made",
    ]
    assert header(result.stderr) == [
        f"velarun: workspace: copy of {workspace}, 4 files (2 files CI would not see)",
        "velarun: warning: 2 files CI would not see; --workspace commit runs what CI ran",
    ]
    assert tree(workspace) == before
    assert git(workspace, "status", "--porcelain") == status


FIND_IN_PACKS = "od -An -tx1 -v .git/objects/pack/*.idx | tr -d ' \\n' | grep -o $(cat .git/HEAD)"
"""The commit's id among the ids the pack indexes list (the repository's loose objects are
copied as one pack)."""


@pytest.mark.podman
def test_a_commit_workspace_has_a_git_whose_head_is_the_commit(workspace: Path) -> None:
    first = make_repo(
        workspace,
        [
            "cat .git/HEAD",
            "cat README.md",
            FIND_IN_PACKS,
            "ls .git .git/objects",
        ],
    )
    (workspace / "README.md").write_text("second\n")
    git(workspace, "commit", "-qam", "second commit")
    second = git(workspace, "rev-parse", "HEAD").strip()

    at_head = run(workspace, "--workspace", "commit")
    assert at_head.returncode == 0, at_head.stderr
    at_first = run(workspace, "--workspace", f"commit={first}")
    assert at_first.returncode == 0, at_first.stderr
    for result, commit, readme in ((at_head, second, "second"), (at_first, first, "committed")):
        assert step_lines(result.stdout) == [
            "$ cat .git/HEAD",
            commit,
            "$ cat README.md",
            readme,
            f"$ {FIND_IN_PACKS}",
            commit,
            "$ ls .git .git/objects",
            ".git:",
            "HEAD",
            "config",
            "index",
            "objects",
            "packed-refs",
            "refs",
            "",
            ".git/objects:",
            "info",
            "pack",
        ]
    assert header(at_first.stderr) == [
        f"velarun: workspace: commit {first[:12]} ({first}), clean",
        f"velarun: warning: the workspace is commit {first[:12]}, the rule data's commit (and"
        f" VELA_BUILD_COMMIT) is {second[:12]}",
    ]


def test_git_in_a_commit_step_gives_ci_answers(workspace: Path) -> None:
    """`git rev-parse HEAD`, `git describe` and `git status` inside a step, as after Vela's
    clone: the commit, its tag, a clean tree (uncommitted and untracked files left behind)."""
    commands = ["git rev-parse HEAD", "git describe --tags", "git status --porcelain"]
    commit = make_repo(workspace, commands, GIT_IMAGE)
    git(workspace, "tag", "v1.2.3")
    (workspace / "README.md").write_text("an uncommitted edit\n")
    (workspace / "untracked.txt").write_text("not in CI\n")

    result = run(workspace, "--workspace", "commit")
    assert result.returncode == 0, result.stderr
    assert step_lines(result.stdout) == [
        "$ git rev-parse HEAD",
        commit,
        "$ git describe --tags",
        "v1.2.3",
        "$ git status --porcelain",
    ]


def test_a_commit_that_is_not_in_the_repository_is_exit_2_with_the_fetch(workspace: Path) -> None:
    make_repo(workspace, ["true"])
    result = run(workspace, "--workspace", "commit=4f2a9c1e0b7d")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-2:] == [
        "error: --workspace commit=4f2a9c1e0b7d: `4f2a9c1e0b7d` is not a commit in the"
        f" repository at {workspace}",
        "  hint: fetch it first: `git fetch origin 4f2a9c1e0b7d`",
    ]


@pytest.mark.parametrize("how", [(), ("-f", "../../.vela.yml")], ids=["found", "-f"])
def test_from_a_subdirectory_the_roots_pipeline_runs_on_the_root(
    workspace: Path, how: tuple[str, ...]
) -> None:
    make_repo(workspace, ["pwd", "cat README.md", "ls a"])
    sub = workspace / "a" / "b"
    sub.mkdir(parents=True)
    (sub / "inside.txt").write_text("deep\n")
    git(workspace, "add", ".")
    git(workspace, "commit", "-qm", "a subdirectory")
    for mode in ("live", "copy", "commit"):
        result = run(sub, *how, "--workspace", mode)
        assert result.returncode == 0, (mode, result.stderr)
        assert step_lines(result.stdout) == [
            "$ pwd",
            "/vela/src",
            "$ cat README.md",
            "committed",
            "$ ls a",
            "b",
        ], mode
