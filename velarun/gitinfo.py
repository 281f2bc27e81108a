"""Rule data derived from the git repository velarun runs in, and where each datum came from.

Reads only: ``git`` is run as a subprocess with a timeout; nothing is changed. Outside a
repository, or without git, everything falls back to defaults and one warning says so.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from velarun.errors import VelarunError
from velarun.gitrefs import (
    Refs,
    Repository,
    Uncertain,
    find_git,
    find_repository,
    origin_url,
    read_commit,
    tags_at,
)

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


def _default_branch(cwd: Path, refs: Refs | None) -> str | None:
    if refs is not None:
        try:
            return _default_branch_read(refs)
        except Uncertain:
            pass
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


def _default_branch_read(refs: Refs) -> str | None:
    target = refs.symbolic("refs/remotes/origin/HEAD")
    if target is not None:
        return target.removeprefix("refs/remotes/")
    for candidate in ("origin/main", "origin/master", "main", "master"):
        if refs.dwim(candidate) is not None:
            return candidate
    return None


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


class _Batch:
    """Several ``git`` commands started at once; ``results()`` gives their outputs in order
    and raises the first failure in that order, as if they had run one after another."""

    def __init__(self, cwd: Path, *commands: tuple[str, ...]) -> None:
        self.commands = commands
        self.procs: list[subprocess.Popen[str] | GitError] = []
        for args in commands:
            try:
                self.procs.append(
                    subprocess.Popen(
                        ["git", *args],
                        cwd=cwd,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        text=True,
                    )
                )
            except OSError as exc:
                self.procs.append(GitError(str(exc)))
        self.outputs: list[str | GitError] | None = None

    def wait(self) -> list[str | GitError]:
        if self.outputs is None:
            self.outputs = [
                proc if isinstance(proc, GitError) else _collect(proc, args)
                for args, proc in zip(self.commands, self.procs, strict=True)
            ]
        return self.outputs

    def results(self) -> list[str]:
        outputs = self.wait()
        for out in outputs:
            if isinstance(out, GitError):
                raise out
        return [out for out in outputs if isinstance(out, str)]


def _collect(proc: subprocess.Popen[str], args: tuple[str, ...]) -> str | GitError:
    try:
        out, err = proc.communicate(timeout=GIT_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        proc.kill()
        proc.communicate()
        return GitError(str(exc))
    if proc.returncode != 0:
        return GitError(err.strip() or f"git {' '.join(args)} failed")
    return out


def _head_ok(cwd: Path, refs: Refs | None) -> bool:
    if refs is not None:
        try:
            return refs.resolve("HEAD") is not None
        except Uncertain:
            pass
    try:
        _git(cwd, "rev-parse", "--verify", "--quiet", "HEAD")
    except GitError:
        return False  # no commit yet
    return True


def changed_files(
    cwd: Path, since: str | None, refs: Refs | None = None
) -> tuple[tuple[str, ...], str]:
    """Files changed since ``since`` (default: the merge-base of HEAD with the default branch),
    plus uncommitted and untracked-not-ignored changes. Returns (files, base description)."""
    base_desc = ""
    files: list[str] = []
    untracked = ("ls-files", "--others", "--exclude-standard")
    if _head_ok(cwd, refs):
        local = _Batch(cwd, ("diff", "--name-only", "HEAD"), untracked)  # meanwhile, the base
        try:
            base, base_desc = _base(cwd, refs, since)
            against = (
                [("diff", "--name-only", base, "HEAD")] if base and base != _head(refs) else []
            )
            for out in [*_Batch(cwd, *against).results(), *local.results()]:
                files += _lines(out)
        finally:
            local.wait()  # no git left running if the base could not be found
    else:
        for out in _Batch(cwd, ("ls-files",), untracked).results():
            files += _lines(out)
    base_desc = (base_desc + " + " if base_desc else "") + "uncommitted + untracked"
    return tuple(dict.fromkeys(files)), base_desc


def _base(cwd: Path, refs: Refs | None, since: str | None) -> tuple[str, str]:
    """What the changes are counted from, and how the header says it."""
    if since is not None:
        return _git(cwd, "rev-parse", "--verify", since).strip(), since
    default = _default_branch(cwd, refs)
    if default is None:
        return "", ""
    return _merge_base(cwd, refs, default), f"merge-base with {default}"


def _head(refs: Refs | None) -> str | None:
    try:
        return refs.resolve("HEAD") if refs is not None else None
    except Uncertain:
        return None


def _merge_base(cwd: Path, refs: Refs | None, default: str) -> str:
    """``git merge-base HEAD <default>``; without git when both name the same commit."""
    if refs is not None:
        try:
            head, other = refs.resolve("HEAD"), refs.resolve(refs.dwim(default) or "")
            if head is not None and head == other:
                return head
        except Uncertain:
            pass
    return _git(cwd, "merge-base", "HEAD", default).strip()


def _branch(root: Path, refs: Refs | None, warnings: list[str]) -> str | None:
    branch: str | None
    try:
        if refs is None:
            raise Uncertain("no direct read")
        if refs.resolve("HEAD") is None:
            raise Uncertain("no commit yet")
        branch = refs.abbrev_head()
    except Uncertain:
        try:
            name = _git(root, "rev-parse", "--abbrev-ref", "HEAD").strip()
            branch = None if name == "HEAD" else name
        except GitError:
            try:  # a repository without commits: the branch HEAD points to
                return _git(root, "symbolic-ref", "--short", "HEAD").strip() or None
            except GitError:
                return None
    if branch is None:
        warnings.append("HEAD is detached: no branch from git")
    return branch


def _tag(root: Path, repo: Repository | None, refs: Refs | None) -> str | None:
    head = _head(refs)
    try:
        if repo is None or refs is None or head is None:
            raise Uncertain("no direct read")
        tags = tags_at(repo, refs, head)
    except Uncertain:
        try:
            tags = _lines(_git(root, "tag", "--points-at", "HEAD"))
        except GitError:
            return None
    return sorted(tags)[-1] if tags else None


def _commit(root: Path, repo: Repository | None, refs: Refs | None) -> tuple[str, str, str, str]:
    head = _head(refs)
    try:
        if repo is None or head is None:
            raise Uncertain("no direct read")
        c = read_commit(repo, head)
        return c.sha, c.author, c.email, c.message.strip()
    except Uncertain:
        pass
    try:
        out = _git(root, "log", "-1", "--format=%H%x00%an%x00%ae%x00%B")
    except GitError:
        return "", "", "", ""
    commit, author, email, message = ([*out.split("\x00"), "", "", "", ""])[:4]
    return commit, author, email, message.strip()


def _origin(root: Path, repo: Repository | None) -> str | None:
    try:
        if repo is None:
            raise Uncertain("no direct read")
        url = origin_url(repo)
        return repo_from_remote(url) if url is not None else None
    except Uncertain:
        pass
    try:
        return repo_from_remote(_git(root, "remote", "get-url", "origin"))
    except GitError:
        return None


def _find(cwd: Path) -> tuple[Path | None, Repository | None, Refs | None]:
    """The work tree's top, read directly when git's answer is certain."""
    try:
        repo = find_repository(cwd)
        return repo.root, repo, Refs(repo)
    except (Uncertain, OSError):
        pass
    try:
        return Path(_git(cwd, "rev-parse", "--show-toplevel").strip()), None, None
    except GitError:
        return None, None, None


def read_git(cwd: Path, *, changed_since: str | None = None, want_changes: bool = True) -> GitFacts:
    if find_git() is None:
        return GitFacts(warnings=("git is not installed: rule data falls back to defaults",))
    root, repo, refs = _find(cwd)
    if root is None:
        return GitFacts(
            warnings=(f"{cwd} is not inside a git repository: rule data falls back to defaults",)
        )
    warnings: list[str] = []
    branch = _branch(root, refs, warnings)
    commit, author, email, message = _commit(root, repo, refs)
    changed: tuple[str, ...] | None = None
    base_desc = ""
    if want_changes:
        try:
            changed, base_desc = changed_files(root, changed_since, refs)
        except GitError as exc:
            if changed_since is not None:
                raise GitError(f"--changed-since {changed_since}: {exc}") from exc
            warnings.append(f"cannot compute changed files: {exc}")
    return GitFacts(
        branch=branch,
        tag=_tag(root, repo, refs),
        commit=commit,
        author=author,
        author_email=email,
        message=message,
        repo=_origin(root, repo),
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
