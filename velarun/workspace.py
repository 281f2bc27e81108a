"""The workspace a run sees at ``/vela/src``: which one (``--workspace live|copy|commit[=REF]``),
what it holds, and, for ``copy`` and ``commit``, the tar stream that fills the run's volume.

- ``live``: the working tree bind-mounted (the default).
- ``copy``: tracked plus untracked-not-ignored files (``git ls-files -co --exclude-standard``;
  outside a repository the whole directory), so steps cannot change the user's tree.
- ``commit``: a clean checkout of ``HEAD`` or ``REF`` with a ``.git`` whose ``HEAD`` is that
  commit, as Vela's clone step leaves it (the repository's objects, its tags, an index).

The workspace is the repository root in every mode (outside a repository: the current
directory), as CI clones the whole repository. Git is read, never written; the archive is built
in memory (:mod:`velarun.tarstream`). The runtime copies it in (:meth:`velarun.runtime.Runtime.
load_workspace`); nothing here talks to an engine.
"""

from __future__ import annotations

import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from velarun.artifacts import DIR_NAME
from velarun.errors import UsageError
from velarun.gitinfo import GitError, repository_root
from velarun.gitinfo import run_git as _git
from velarun.gitpack import PackCache, pack_loose_objects
from velarun.runtime import EngineError, WorkspaceSource
from velarun.tarstream import TarWriter

MODES = ("live", "copy", "commit")
QUEUED = 64
"""Chunks (about 1 MB each) of an archive written ahead of the engine reading it."""
PREFIX = "src"
"""Archive members live under ``src/``: the archive is unpacked at ``/vela``."""


class WorkspaceError(UsageError):
    """``--workspace`` cannot be honoured (a bad mode, a ref that does not resolve)."""


@dataclass(frozen=True, slots=True)
class WorkspaceChoice:
    mode: str = "live"
    ref: str | None = None
    """``commit=REF``: the commit to check out (None: HEAD)."""


def parse_workspace(text: str) -> WorkspaceChoice:
    """``live``, ``copy``, ``commit`` or ``commit=REF``."""
    mode, sep, ref = text.partition("=")
    if mode not in MODES or (sep and (mode != "commit" or not ref)):
        raise WorkspaceError(
            f"--workspace `{text}` is not live, copy, commit or commit=REF",
            "live mounts your tree, copy copies it, commit checks out what CI ran",
        )
    return WorkspaceChoice(mode, ref or None)


def workspace_root(pipeline: Path | None, cwd: Path, use_git: bool = True) -> Path:
    """The root of the git repository that holds the pipeline file, else the one that holds
    the current directory, else the current directory."""
    if use_git:
        for where in (pipeline.resolve().parent if pipeline is not None else None, cwd):
            root = repository_root(where) if where is not None and where.is_dir() else None
            if root is not None:
                return root
    return cwd.resolve()


@dataclass(frozen=True, slots=True)
class Workspace:
    """What ``/vela/src`` holds for this run."""

    mode: str
    root: Path
    commit: str = ""
    """The commit the workspace is (commit) or is based on (live, copy); "" outside git."""
    ref: str | None = None
    unseen: tuple[str, ...] = ()
    """Uncommitted and untracked-not-ignored paths: what CI would not have (live, copy)."""
    files: tuple[str, ...] = ()
    """copy: the paths copied, relative to the root."""
    in_git: bool = False
    git_read: bool = True
    """False under ``--no-git``: nothing was compared with git."""
    pack_cache: Path | None = None
    """commit: where packs of the repository's loose objects are kept between runs (None:
    made every time)."""

    @property
    def dirty(self) -> bool:
        return self.mode != "commit" and bool(self.unseen)

    def describe(self) -> str:
        """The header's ``workspace:`` line (without the prefix)."""
        if self.mode == "commit":
            ref = f" ({self.ref})" if self.ref else ""
            return f"commit {self.commit[:12]}{ref}, clean"
        where = f"live {self.root}" if self.mode == "live" else f"copy of {self.root}"
        if self.mode == "copy":
            where += f", {_count(len(self.files))}"
        if not self.git_read:
            return f"{where} (--no-git: not compared with git)"
        if not self.in_git:
            return f"{where} (not a git repository)"
        if self.unseen:
            return f"{where} ({_count(len(self.unseen))} CI would not see)"
        return f"{where}, clean at {self.commit[:12] or '(no commit)'}"

    def warning(self) -> str | None:
        """One line when the workspace holds what CI would not (live, copy)."""
        if not self.dirty:
            return None
        return f"{_count(len(self.unseen))} CI would not see; --workspace commit runs what CI ran"

    def differs_from(self, commit: str) -> str | None:
        """One line when a ``commit`` workspace is not the commit the rule data names (taken
        from HEAD): ``VELA_BUILD_COMMIT`` then says another commit than the steps' ``.git``."""
        if self.mode != "commit" or not commit or commit == self.commit:
            return None
        return (
            f"the workspace is commit {self.commit[:12]}, the rule data's commit (and"
            f" VELA_BUILD_COMMIT) is {commit[:12]}"
        )

    def to_json(self) -> dict[str, Any]:
        """The report's ``workspace`` object (DESIGN.md)."""
        return {"mode": self.mode, "commit": self.commit or None, "dirty": self.dirty}

    def source(self, *, prefetch: bool = False) -> WorkspaceSource:
        """What the runtime mounts (live) or copies into the run's volume (copy, commit): the
        archive as a stream of chunks, written by a thread while it is read, so that making
        and sending it overlap. ``prefetch``: start the thread now, so that it also overlaps
        the engine's set-up (what is made before the runtime reads is kept in memory)."""
        if self.mode == "live":
            return WorkspaceSource(host_path=str(self.root))
        root, files, commit, cache = self.root, self.files, self.commit, self.pack_cache
        if self.mode == "copy":
            write = lambda tar: write_copy(tar, root, files)  # noqa: E731
        else:
            write = lambda tar: write_commit(tar, root, commit, cache)  # noqa: E731
        if prefetch:
            stream = _Stream(write, self.mode)
            return WorkspaceSource(archive=stream.chunks)
        return WorkspaceSource(archive=lambda: _Stream(write, self.mode).chunks())


class _Stream:
    """A tar written by a thread into a queue; :meth:`chunks` yields it as it comes. A failure
    to read the tree or git while writing is the environment's (EngineError, exit 3)."""

    def __init__(self, write: Callable[[TarWriter], None], mode: str) -> None:
        # Bounded: a large repository is never all in memory; a writer nobody reads (a run
        # that stopped before its workspace) blocks in a daemon thread that dies with velarun.
        self._queue: queue.Queue[bytes | EngineError | None] = queue.Queue(maxsize=QUEUED)
        self._write = write
        self._mode = mode
        threading.Thread(target=self._work, name="velarun-workspace", daemon=True).start()

    def _work(self) -> None:
        try:
            tar = TarWriter(self._queue.put)
            self._write(tar)
            tar.close()
        except (GitError, OSError, ValueError) as exc:
            self._queue.put(
                EngineError(
                    f"the {self._mode} workspace could not be built: {exc}",
                    "check that the repository is readable (`git status`, `git fsck`)",
                )
            )
        finally:
            self._queue.put(None)

    def chunks(self) -> Iterator[bytes]:
        while (item := self._queue.get()) is not None:
            if isinstance(item, EngineError):
                raise item
            yield item


def _count(n: int) -> str:
    return f"{n} file{'s' if n != 1 else ''}"


def resolve_workspace(
    choice: WorkspaceChoice, root: Path, use_git: bool = True, pack_cache: Path | None = None
) -> Workspace:
    """Read git for the chosen workspace; raises WorkspaceError (exit 2) when it cannot be
    had: ``commit`` outside a repository, a REF that does not resolve."""
    in_git = use_git and repository_root(root) is not None
    if choice.mode == "commit":
        if not in_git:
            raise WorkspaceError(
                f"--workspace commit: {root} is not inside a git repository"
                + (" (--no-git)" if not use_git else ""),
                "use --workspace copy to run a copy of the directory",
            )
        commit = _commit(root, choice.ref)
        return Workspace("commit", root, commit, choice.ref, in_git=True, pack_cache=pack_cache)
    commit = _head(root) if in_git else ""
    unseen = _unseen(root) if in_git else ()
    files: tuple[str, ...] = ()
    if choice.mode == "copy":
        files = _tracked_and_untracked(root) if in_git else _walk(root)
    return Workspace(choice.mode, root, commit, None, unseen, files, in_git, use_git)


def copied(workspace: Workspace) -> Workspace:
    """A live workspace as a copy of the same tree (for an engine that cannot mount it)."""
    root = workspace.root
    files = _tracked_and_untracked(root) if workspace.in_git else _walk(root)
    return replace(workspace, mode="copy", files=files)


def _head(root: Path) -> str:
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", "HEAD").strip()
    except GitError:
        return ""  # no commit yet


def _commit(root: Path, ref: str | None) -> str:
    wanted = ref or "HEAD"
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{wanted}^{{commit}}").strip()
    except GitError:
        pass
    if ref is None:
        raise WorkspaceError(
            f"--workspace commit: the repository at {root} has no commit yet",
            "commit first, or use --workspace copy",
        )
    raise WorkspaceError(
        f"--workspace commit={ref}: `{ref}` is not a commit in the repository at {root}",
        f"fetch it first: `git fetch origin {ref}`",
    )


def _z(text: str) -> list[str]:
    return [p for p in text.split("\0") if p]


def _unseen(root: Path) -> tuple[str, ...]:
    """Paths that differ from HEAD (staged, unstaged, deleted) or are untracked, not ignored."""
    out = _z(_git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all"))
    paths: list[str] = []
    skip = False
    for entry in out:
        if skip:  # the origin of a rename or copy
            skip = False
            continue
        if not _velarun_own(entry[3:]):
            paths.append(entry[3:])
        skip = entry[:1] in ("R", "C")
    return tuple(dict.fromkeys(paths))


def _velarun_own(path: str) -> bool:
    """velarun's directory at the root (artifacts of earlier runs): never part of the
    workspace, even where its ``.gitignore`` was removed."""
    return path == DIR_NAME or path.startswith(DIR_NAME + "/")


def _tracked_and_untracked(root: Path) -> tuple[str, ...]:
    listed = _z(_git(root, "ls-files", "-co", "--exclude-standard", "-z"))
    return tuple(dict.fromkeys(p for p in listed if not _velarun_own(p)))


def _walk(root: Path) -> tuple[str, ...]:
    """Every file, link and empty directory under ``root``, relative to it, sorted."""
    found: list[str] = []
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not (here == str(root) and d == DIR_NAME))
        rel = os.path.relpath(here, root)
        base = "" if rel == "." else rel + "/"
        found += [base + name for name in sorted(files)]
        found += [base + d for d in dirs if os.path.islink(os.path.join(here, d))]
        if not dirs and not files and base:
            found.append(base.rstrip("/"))
    return tuple(found)


# -- archives ------------------------------------------------------------------------------


def _parents(paths: Iterable[str]) -> list[str]:
    """Every directory the paths are in, parents first."""
    seen: dict[str, None] = {}
    for path in paths:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            seen.setdefault("/".join(parts[:i]))
    return sorted(seen, key=lambda d: (d.count("/"), d))


def copy_archive(root: Path, files: Iterable[str]) -> bytes:
    """A tar of ``files`` (relative to ``root``) under ``src/``, owned by root, modes kept.
    A tracked file deleted from the tree is left out, as are sockets and devices."""
    tar = TarWriter()
    write_copy(tar, root, files)
    return tar.getvalue()


def write_copy(tar: TarWriter, root: Path, files: Iterable[str]) -> None:
    files = list(files)
    tar.directory(PREFIX)
    for d in _parents(files):
        tar.directory(f"{PREFIX}/{d}")
    base = str(root)
    for rel in files:
        tar.add_path(f"{PREFIX}/{rel}", os.path.join(base, rel))


@dataclass(frozen=True, slots=True)
class TreeEntry:
    mode: str
    kind: str
    sha: str
    path: str


def tree_entries(listing: str) -> list[TreeEntry]:
    """``git ls-tree -r -z --full-tree`` output, parsed."""
    entries = []
    for item in _z(listing):
        meta, _, path = item.partition("\t")
        mode, kind, sha = meta.split(" ")
        entries.append(TreeEntry(mode, kind, sha, path))
    return entries


def _blobs(root: Path, shas: list[str]) -> Iterator[bytes]:
    """The contents of ``shas``, in order, from one ``git cat-file --batch``."""
    if not shas:
        return
    proc = subprocess.Popen(
        ["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None
    # Written from a thread: git answers while it reads, and both pipes have limits.
    feeder = threading.Thread(target=_feed, args=(proc.stdin, shas), daemon=True)
    feeder.start()
    try:
        for _ in shas:
            header = proc.stdout.readline().split()
            if len(header) != 3:
                raise GitError(f"git cat-file: unexpected answer {b' '.join(header)!r}")
            yield proc.stdout.read(int(header[2]))
            proc.stdout.read(1)  # the newline after each object
    finally:
        proc.stdout.close()
        proc.wait()
        feeder.join()


def _feed(stdin: IO[bytes], shas: list[str]) -> None:
    try:
        stdin.write("".join(s + "\n" for s in shas).encode())
        stdin.close()
    except OSError:
        pass  # git ended early: the reader says why


def _add_tree(tar: TarWriter, root: Path, entries: list[TreeEntry]) -> None:
    tar.directory(PREFIX)
    for d in _parents(e.path for e in entries):
        tar.directory(f"{PREFIX}/{d}")
    blobs = [e for e in entries if e.kind == "blob"]
    for entry in (e for e in entries if e.kind == "commit"):  # a submodule: an empty directory
        tar.directory(f"{PREFIX}/{entry.path}")
    for entry, data in zip(blobs, _blobs(root, [e.sha for e in blobs]), strict=True):
        name = f"{PREFIX}/{entry.path}"
        if entry.mode == "120000":
            tar.symlink(name, data)
        else:
            tar.file(name, data, 0o755 if entry.mode == "100755" else 0o644)


GIT_CONFIG = b"""[core]
\trepositoryformatversion = 0
\tfilemode = true
\tbare = false
\tlogallrefupdates = false
"""


def _index(root: Path, commit: str) -> bytes:
    """A git index of ``commit``'s tree (no stat data: git refreshes it on first use)."""
    with tempfile.TemporaryDirectory(prefix="velarun-index-") as tmp:
        index = Path(tmp) / "index"
        env = {**os.environ, "GIT_INDEX_FILE": str(index)}
        proc = subprocess.run(
            ["git", "read-tree", commit], cwd=root, env=env, capture_output=True, check=False
        )
        if proc.returncode != 0:
            raise GitError(proc.stderr.decode(errors="replace").strip() or "git read-tree failed")
        return index.read_bytes()


def _add_git_dir(tar: TarWriter, root: Path, commit: str, cache: Path | None) -> None:
    """``src/.git``: HEAD at ``commit`` (detached), the repository's objects (its packs as they
    are, its loose objects packed: the whole history, so ``git describe`` and ``git log``
    answer as in CI; objects borrowed from an alternate are not copied), its tags, an index."""
    common = Path(_git(root, "rev-parse", "--path-format=absolute", "--git-common-dir").strip())
    git = f"{PREFIX}/.git"
    for d in ("", "/refs", "/refs/heads", "/refs/tags", "/objects", "/objects/info"):
        tar.directory(git + d)
    tar.file(f"{git}/HEAD", commit.encode() + b"\n")
    tar.file(f"{git}/config", GIT_CONFIG)
    tags = _git(root, "for-each-ref", "--format=%(objectname) %(refname)", "refs/tags")
    tar.file(f"{git}/packed-refs", b"# pack-refs with: sorted \n" + tags.encode())
    tar.file(f"{git}/index", _index(root, commit))
    if (common / "shallow").is_file():
        tar.file(f"{git}/shallow", (common / "shallow").read_bytes())
    objects = str(common / "objects")
    tar.directory(f"{git}/objects/pack")
    packs = os.path.join(objects, "pack")
    for name in sorted(os.listdir(packs)) if os.path.isdir(packs) else ():
        if name.endswith((".pack", ".idx")):
            tar.add_path(f"{git}/objects/pack/{name}", os.path.join(packs, name))
    # The loose objects as packs: the engine unpacks an archive file by file.
    if cache is not None:
        loose = PackCache(cache).packs(objects)
    else:
        loose = [p for p in (pack_loose_objects(objects),) if p is not None]
    for pack in loose:
        tar.file(f"{git}/objects/pack/{pack.name}.pack", pack.pack, 0o444)
        tar.file(f"{git}/objects/pack/{pack.name}.idx", pack.idx, 0o444)


def commit_archive(root: Path, commit: str, cache: Path | None = None) -> bytes:
    """A tar of a clean checkout of ``commit`` under ``src/``, with its ``.git``."""
    tar = TarWriter()
    write_commit(tar, root, commit, cache)
    return tar.getvalue()


def write_commit(tar: TarWriter, root: Path, commit: str, cache: Path | None = None) -> None:
    entries = tree_entries(_git(root, "ls-tree", "-r", "-z", "--full-tree", commit))
    _add_tree(tar, root, entries)
    _add_git_dir(tar, root, commit, cache)
