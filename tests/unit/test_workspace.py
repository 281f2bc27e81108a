"""The workspace (``--workspace live|copy|commit[=REF]``) in real temporary git repositories:
what each mode holds, the header's lines, the report's object, the archives (read back with
tarfile and with git itself), the pipeline found at the root from a subdirectory. No engine."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.conftest import git
from velarun.gitpack import loose_objects, pack_loose_objects
from velarun.prepare import default_pipeline
from velarun.runtime import EngineError
from velarun.tarstream import TarWriter
from velarun.workspace import (
    Workspace,
    WorkspaceChoice,
    WorkspaceError,
    commit_archive,
    copy_archive,
    parse_workspace,
    resolve_workspace,
    workspace_root,
)

PIPELINE = 'version: "1"\nsteps:\n  - {name: a, image: alpine, commands: [ls]}\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with one commit (a pipeline, a script, a link, a file in a subdirectory),
    then an untracked file, an ignored one and an uncommitted change."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / ".vela.yml").write_text(PIPELINE)
    (root / ".gitignore").write_text("build/\n")
    (root / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "run.sh").chmod(0o755)
    (root / "docs").mkdir()
    (root / "docs" / "guide.md").write_text("guide\n")
    os.symlink("docs/guide.md", root / "guide")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    git(root, "tag", "-a", "v1.0.0", "-m", "v1")
    (root / "notes.txt").write_text("untracked\n")
    (root / "build").mkdir()
    (root / "build" / "out.bin").write_text("ignored\n")
    (root / "docs" / "guide.md").write_text("changed\n")
    return root


def members(data: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: m for m in tar.getmembers()}


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("live", WorkspaceChoice("live")),
        ("copy", WorkspaceChoice("copy")),
        ("commit", WorkspaceChoice("commit")),
        ("commit=v1.0.0", WorkspaceChoice("commit", "v1.0.0")),
        ("commit=a=b", WorkspaceChoice("commit", "a=b")),
    ],
)
def test_parse_workspace(text: str, choice: WorkspaceChoice) -> None:
    assert parse_workspace(text) == choice


@pytest.mark.parametrize("text", ["", "bogus", "copy=x", "live=HEAD", "commit=", "Commit"])
def test_parse_workspace_refuses_anything_else(text: str) -> None:
    with pytest.raises(WorkspaceError) as caught:
        parse_workspace(text)
    assert caught.value.render() == (
        f"error: --workspace `{text}` is not live, copy, commit or commit=REF\n"
        "  hint: live mounts your tree, copy copies it, commit checks out what CI ran"
    )


def test_live_says_what_ci_would_not_see(repo: Path) -> None:
    ws = resolve_workspace(WorkspaceChoice("live"), repo)
    head = git(repo, "rev-parse", "HEAD").strip()
    assert ws.unseen == ("docs/guide.md", "notes.txt")
    assert ws.describe() == f"live {repo} (2 files CI would not see)"
    assert ws.warning() == "2 files CI would not see; --workspace commit runs what CI ran"
    assert ws.to_json() == {"mode": "live", "commit": head, "dirty": True}
    assert ws.source().host_path == str(repo) and ws.source().archive is None


def test_a_clean_tree_has_no_warning(repo: Path) -> None:
    git(repo, "checkout", "-q", "docs/guide.md")
    (repo / "notes.txt").unlink()
    ws = resolve_workspace(WorkspaceChoice("copy"), repo)
    head = git(repo, "rev-parse", "HEAD").strip()
    assert ws.describe() == f"copy of {repo}, 5 files, clean at {head[:12]}"
    assert ws.warning() is None
    assert ws.to_json() == {"mode": "copy", "commit": head, "dirty": False}


def test_copy_holds_tracked_and_untracked_files_not_ignored_ones(repo: Path) -> None:
    ws = resolve_workspace(WorkspaceChoice("copy"), repo)
    assert sorted(ws.files) == [
        ".gitignore",
        ".vela.yml",
        "docs/guide.md",
        "guide",
        "notes.txt",
        "run.sh",
    ]
    assert ws.describe() == f"copy of {repo}, 6 files (2 files CI would not see)"
    got = members(copy_archive(repo, ws.files))
    assert sorted(got) == [
        "src",
        "src/.gitignore",
        "src/.vela.yml",
        "src/docs",
        "src/docs/guide.md",
        "src/guide",
        "src/notes.txt",
        "src/run.sh",
    ]
    assert got["src/run.sh"].mode == 0o755 and got["src/guide"].linkname == "docs/guide.md"
    assert {(m.uid, m.gid, m.uname) for m in got.values()} == {(0, 0, "root")}


def test_copy_leaves_out_a_tracked_file_deleted_from_the_tree(repo: Path) -> None:
    (repo / "run.sh").unlink()
    ws = resolve_workspace(WorkspaceChoice("copy"), repo)
    assert "src/run.sh" not in members(copy_archive(repo, ws.files))


def test_copy_outside_a_repository_is_the_whole_directory(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    (tmp_path / ".vela.yml").write_text(PIPELINE)
    ws = resolve_workspace(WorkspaceChoice("copy"), tmp_path)
    assert ws.files == (".vela.yml", "a/x.txt", "empty")
    assert ws.describe() == f"copy of {tmp_path}, 3 files (not a git repository)"
    assert ws.to_json() == {"mode": "copy", "commit": None, "dirty": False}


def test_no_git_reads_no_git(repo: Path) -> None:
    ws = resolve_workspace(WorkspaceChoice("live"), repo, use_git=False)
    assert ws.describe() == f"live {repo} (--no-git: not compared with git)"
    with pytest.raises(WorkspaceError) as caught:
        resolve_workspace(WorkspaceChoice("commit"), repo, use_git=False)
    assert caught.value.render() == (
        f"error: --workspace commit: {repo} is not inside a git repository (--no-git)\n"
        "  hint: use --workspace copy to run a copy of the directory"
    )


def test_commit_is_a_clean_checkout_with_its_git(repo: Path, tmp_path: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    ws = resolve_workspace(WorkspaceChoice("commit"), repo)
    assert ws.describe() == f"commit {head[:12]}, clean"
    assert ws.warning() is None
    assert ws.to_json() == {"mode": "commit", "commit": head, "dirty": False}
    archive = ws.source().archive
    assert archive is not None
    out = tmp_path / "out"
    out.mkdir()
    with tarfile.open(fileobj=io.BytesIO(b"".join(archive()))) as tar:
        tar.extractall(out, filter="tar")
    src = out / "src"
    assert (src / "docs" / "guide.md").read_text() == "guide\n"  # the committed text
    assert not (src / "notes.txt").exists() and not (src / "build").exists()
    assert os.access(src / "run.sh", os.X_OK) and os.readlink(src / "guide") == "docs/guide.md"
    assert (src / ".git" / "HEAD").read_text() == head + "\n"
    assert git(src, "rev-parse", "HEAD").strip() == head
    assert git(src, "describe").strip() == "v1.0.0"
    assert git(src, "status", "--porcelain") == ""


def test_commit_of_a_ref(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "commit", "-qam", "second")
    ws = resolve_workspace(WorkspaceChoice("commit", "v1.0.0"), repo)
    assert (ws.commit, ws.describe()) == (first, f"commit {first[:12]} (v1.0.0), clean")


def test_a_ref_that_does_not_resolve_says_what_to_fetch(repo: Path) -> None:
    with pytest.raises(WorkspaceError) as caught:
        resolve_workspace(WorkspaceChoice("commit", "4f2a9c1e0b7d"), repo)
    assert caught.value.exit_code == 2
    assert caught.value.render() == (
        f"error: --workspace commit=4f2a9c1e0b7d: `4f2a9c1e0b7d` is not a commit in the"
        f" repository at {repo}\n"
        "  hint: fetch it first: `git fetch origin 4f2a9c1e0b7d`"
    )


def test_commit_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError) as caught:
        resolve_workspace(WorkspaceChoice("commit"), tmp_path)
    assert caught.value.render() == (
        f"error: --workspace commit: {tmp_path} is not inside a git repository\n"
        "  hint: use --workspace copy to run a copy of the directory"
    )


def test_the_pipeline_and_the_workspace_are_at_the_root_from_a_subdirectory(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo / "docs")
    assert default_pipeline(Path(".")) == Path("../.vela.yml")
    assert default_pipeline(Path("."), use_git=False) == Path(".vela.yml")
    assert workspace_root(Path("../.vela.yml"), Path.cwd()) == repo
    assert workspace_root(None, Path.cwd()) == repo
    assert workspace_root(None, Path.cwd(), use_git=False) == repo / "docs"


def test_outside_a_repository_the_workspace_is_the_current_directory(tmp_path: Path) -> None:
    assert workspace_root(tmp_path / "elsewhere" / ".vela.yml", tmp_path) == tmp_path


@pytest.mark.parametrize(
    "name",
    [
        "short",
        "d/" * 60 + "f",  # splits into a ustar prefix and name
        "x" * 180,  # no slash to split at: a GNU long name
        "a/" + "y" * 120,
    ],
)
def test_tar_writer_round_trips_through_tarfile_and_tar(name: str, tmp_path: Path) -> None:
    tar = TarWriter()
    tar.directory("top", 0o750)
    tar.file(f"top/{name}", b"content\n", 0o755)
    tar.symlink("top/link", "target")
    data = tar.getvalue()
    got = members(data)
    assert sorted(got) == sorted(["top", f"top/{name}", "top/link"])
    assert (got["top"].mode, got[f"top/{name}"].mode, got["top/link"].linkname) == (
        0o750,
        0o755,
        "target",
    )
    subprocess.run(["tar", "-xf", "-", "-C", str(tmp_path)], input=data, check=True)
    assert (tmp_path / "top" / name).read_bytes() == b"content\n"


def test_loose_objects_packed_in_python_are_a_pack_git_reads(repo: Path, tmp_path: Path) -> None:
    objects = repo / ".git" / "objects"
    found = loose_objects(str(objects))
    pack = pack_loose_objects(str(objects))
    assert pack is not None and len(found) == 9  # 5 blobs, 2 trees, a commit, a tag
    other = tmp_path / "other.git"
    git(tmp_path, "init", "-q", "--bare", str(other))
    (other / "objects" / "pack" / f"{pack.name}.pack").write_bytes(pack.pack)
    (other / "objects" / "pack" / f"{pack.name}.idx").write_bytes(pack.idx)
    verify = git(other, "verify-pack", "-v", f"objects/pack/{pack.name}.idx")
    assert verify.splitlines()[-1] == f"objects/pack/{pack.name}.pack: ok"
    for sha, _ in found:
        assert git(other, "cat-file", "-t", sha) == git(repo, "cat-file", "-t", sha)
        assert git(other, "cat-file", "-p", sha) == git(repo, "cat-file", "-p", sha)


def test_no_loose_objects_no_pack(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    assert pack_loose_objects(str(tmp_path / ".git" / "objects")) is None


def test_a_streamed_archive_is_the_same_archive(repo: Path) -> None:
    ws = resolve_workspace(WorkspaceChoice("commit"), repo)
    for source in (ws.source(), ws.source(prefetch=True)):
        assert source.archive is not None
        assert b"".join(source.archive()) == commit_archive(repo, ws.commit)
    chunks: list[bytes] = []
    tar = TarWriter(chunks.append)
    tar.file("big", b"x" * 3_000_000)
    tar.file("small", b"y")
    tar.close()
    plain = TarWriter()
    plain.file("big", b"x" * 3_000_000)
    plain.file("small", b"y")
    assert len(chunks) == 2 and b"".join(chunks) == plain.getvalue()


def test_a_repository_that_cannot_be_read_is_an_engine_side_failure(repo: Path) -> None:
    ws = resolve_workspace(WorkspaceChoice("commit"), repo)
    broken = Workspace("commit", repo, "0" * 40, in_git=True)
    source = broken.source()
    assert source.archive is not None and ws.commit
    with pytest.raises(EngineError) as caught:
        b"".join(source.archive())
    assert caught.value.render() == (
        "error: the commit workspace could not be built: fatal: not a tree object\n"
        "  hint: check that the repository is readable (`git status`, `git fsck`)"
    )
