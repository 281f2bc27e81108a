"""Rule data derived from the git repository velarun runs in, and where each datum came from.

Reads only: ``git`` is run as a subprocess with a timeout; nothing is changed. Outside a
repository, or without git, everything falls back to defaults and one warning says so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from velarun.errors import VelarunError

GIT_TIMEOUT = 10.0


class GitError(VelarunError):
    """A git command failed; the message is git's own."""


@dataclass(frozen=True, slots=True)
class GitFacts:
    branch: str | None = None
    tag: str | None = None
    commit: str = ""
    author: str = ""
    author_email: str = ""
    message: str = ""
    repo: str | None = None
    changed: tuple[str, ...] | None = None
    changed_base: str = ""
    """What the changed files were computed against (a commit or ref), for the header."""
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _git(cwd: Path, *args: str) -> str:
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(str(exc)) from exc
    if proc.returncode != 0:
        raise GitError(proc.stderr.strip() or f"git {' '.join(args)} failed")
    return proc.stdout


run_git = _git
"""``git ARGS`` in ``cwd``: its stdout, or GitError with git's message."""


def repository_root(cwd: Path) -> Path | None:
    """The top of the git working tree that holds ``cwd``; None outside one (or without git)."""
    try:
        top = _git(cwd.resolve(), "rev-parse", "--show-toplevel").strip()
    except GitError:
        return None
    return Path(top) if top else None


def repo_from_remote(url: str) -> str | None:
    """``org/name`` from a remote URL: scp-like, ssh://, https://, with or without ``.git``."""
    url = url.strip()
    if not url:
        return None
    path = url
    scp = re.match(r"^[\w.-]+@[\w.-]+:(.+)$", url)
    if scp:
        path = scp.group(1)
    elif "://" in url:
        path = url.split("://", 1)[1].split("/", 1)[1] if "/" in url.split("://", 1)[1] else ""
    parts = [p for p in path.removesuffix("/").removesuffix(".git").split("/") if p]
    if len(parts) < 2:
        return None
    return f"{parts[-2]}/{parts[-1]}"


def _default_branch(cwd: Path) -> str | None:
    try:
        ref = _git(cwd, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD").strip()
        return ref.removeprefix("refs/remotes/")
    except GitError:
        pass
    for candidate in ("origin/main", "origin/master", "main", "master"):
        try:
            _git(cwd, "rev-parse", "--verify", "--quiet", candidate)
            return candidate
        except GitError:
            continue
    return None


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


def changed_files(cwd: Path, since: str | None) -> tuple[tuple[str, ...], str]:
    """Files changed since ``since`` (default: the merge-base of HEAD with the default branch),
    plus uncommitted and untracked-not-ignored changes. Returns (files, base description)."""
    base_desc = ""
    files: list[str] = []
    head_ok = True
    try:
        _git(cwd, "rev-parse", "--verify", "--quiet", "HEAD")
    except GitError:
        head_ok = False  # no commit yet
    if head_ok:
        base = ""
        if since is None:
            default = _default_branch(cwd)
            if default is not None:
                base = _git(cwd, "merge-base", "HEAD", default).strip()
                base_desc = f"merge-base with {default}"
        else:
            base = _git(cwd, "rev-parse", "--verify", since).strip()
            base_desc = since
        if base:
            files += _lines(_git(cwd, "diff", "--name-only", base, "HEAD"))
        files += _lines(_git(cwd, "diff", "--name-only", "HEAD"))
    else:
        files += _lines(_git(cwd, "ls-files"))
    files += _lines(_git(cwd, "ls-files", "--others", "--exclude-standard"))
    base_desc = (base_desc + " + " if base_desc else "") + "uncommitted + untracked"
    return tuple(dict.fromkeys(files)), base_desc


def read_git(cwd: Path, *, changed_since: str | None = None, want_changes: bool = True) -> GitFacts:
    if shutil.which("git") is None:
        return GitFacts(warnings=("git is not installed: rule data falls back to defaults",))
    try:
        top = _git(cwd, "rev-parse", "--show-toplevel").strip()
    except GitError:
        return GitFacts(
            warnings=(f"{cwd} is not inside a git repository: rule data falls back to defaults",)
        )
    root = Path(top)
    warnings: list[str] = []
    branch = tag = repo = None
    commit = author = email = message = ""
    try:
        name = _git(root, "rev-parse", "--abbrev-ref", "HEAD").strip()
        branch = None if name == "HEAD" else name
        if branch is None:
            warnings.append("HEAD is detached: no branch from git")
    except GitError:
        try:  # a repository without commits: the branch HEAD points to
            branch = _git(root, "symbolic-ref", "--short", "HEAD").strip() or None
        except GitError:
            branch = None
    try:
        tags = _lines(_git(root, "tag", "--points-at", "HEAD"))
        tag = sorted(tags)[-1] if tags else None
    except GitError:
        tag = None
    try:
        out = _git(root, "log", "-1", "--format=%H%x00%an%x00%ae%x00%B")
        commit, author, email, message = ([*out.split("\x00"), "", "", "", ""])[:4]
        message = message.strip()
    except GitError:
        pass
    try:
        repo = repo_from_remote(_git(root, "remote", "get-url", "origin"))
    except GitError:
        repo = None
    changed: tuple[str, ...] | None = None
    base_desc = ""
    if want_changes:
        try:
            changed, base_desc = changed_files(root, changed_since)
        except GitError as exc:
            if changed_since is not None:
                raise GitError(f"--changed-since {changed_since}: {exc}") from exc
            warnings.append(f"cannot compute changed files: {exc}")
    return GitFacts(
        branch=branch,
        tag=tag,
        commit=commit,
        author=author,
        author_email=email,
        message=message,
        repo=repo,
        changed=changed,
        changed_base=base_desc,
        warnings=tuple(warnings),
    )


def has_commit(cwd: Path, sha: str) -> bool:
    """Whether the repository at ``cwd`` holds the commit ``sha`` (``git cat-file -e``)."""
    try:
        _git(cwd, "cat-file", "-e", f"{sha}^{{commit}}")
    except GitError:
        return False
    return True
