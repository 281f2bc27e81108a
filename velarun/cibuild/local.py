"""The local repository against a server build: is the commit CI cloned here?"""

from __future__ import annotations

from pathlib import Path

from velarun.cibuild.build import CIBuild
from velarun.errors import UsageError
from velarun.gitinfo import has_commit, repository_root


class CommitMissingError(UsageError):
    """The build's commit is not in the local repository."""


def check_commit(build: CIBuild, cwd: Path) -> None:
    """Raise :class:`CommitMissingError`, with the ``git fetch`` to run, unless the
    repository at ``cwd`` holds the commit the build ran."""
    if not build.commit:
        return
    root = repository_root(cwd)
    short = build.commit[:12]
    if root is None:
        raise CommitMissingError(
            f"build {build.ref.label} ran commit {short}, and {cwd} is not in a git repository",
            f"run velarun in a clone of {build.repo}",
        )
    if has_commit(root, build.commit):
        return
    fetch = f"git fetch origin {build.commit}"
    if build.git_ref:
        fetch += f" (or: git fetch origin {build.git_ref})"
    raise CommitMissingError(
        f"build {build.ref.label} ran commit {short}, which is not in this repository",
        f"fetch it first: {fetch}",
    )
