"""The disk cache of GitHub templates, keyed by commit.

Layout, under :func:`cache_dir` (``$VELARUN_CACHE_DIR``, else ``$XDG_CACHE_HOME/velarun``, else
``~/.cache/velarun``)::

    templates/HOST/ORG/REPO/SHA/PATH       the file as it is in commit SHA
    templates/HOST/ORG/REPO/refs/REF       the commit REF last resolved to (sha and a newline)
    templates/HOST/ORG/REPO/refs/@default  the same for the default branch

Each name is percent-encoded (``/`` in a ref, ``.`` and ``..`` as whole segments, an empty one
as ``@empty``), so nothing a pipeline writes can reach outside the cache. Files are written to
a temporary file beside the target, then renamed; a cache that cannot be written or read is a
cache miss, never an error.
"""

from __future__ import annotations

import os
import tempfile
import urllib.parse
from pathlib import Path

from velarun.cachedir import cache_dir

__all__ = ["DEFAULT_REF", "TemplateCache", "cache_dir"]

DEFAULT_REF = "@default"
"""The refs file of the default branch (``@`` is encoded in every real ref's name)."""


def _segment(name: str) -> str:
    """``name`` as one file name: percent-encoded; ``.`` and ``..`` encoded; ``@empty`` for ""."""
    quoted = urllib.parse.quote(name, safe="")
    if quoted in (".", ".."):
        return quoted.replace(".", "%2E")
    return quoted or "@empty"


def _path(path: str) -> Path:
    return Path(*(_segment(part) for part in path.split("/")))


class TemplateCache:
    """Templates by commit, and the last commit each ref named, in ``root`` (``.../templates``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _repo(self, host: str, org: str, repo: str) -> Path:
        return self.root / _segment(host) / _segment(org) / _segment(repo)

    def _ref_file(self, host: str, org: str, repo: str, ref: str) -> Path:
        name = _segment(ref) if ref else DEFAULT_REF
        return self._repo(host, org, repo) / "refs" / name

    def _content_file(self, host: str, org: str, repo: str, sha: str, path: str) -> Path:
        return self._repo(host, org, repo) / _segment(sha) / _path(path)

    def content(self, host: str, org: str, repo: str, sha: str, path: str) -> bytes | None:
        try:
            return self._content_file(host, org, repo, sha, path).read_bytes()
        except OSError:
            return None

    def store_content(
        self, host: str, org: str, repo: str, sha: str, path: str, data: bytes
    ) -> None:
        _write(self._content_file(host, org, repo, sha, path), data)

    def ref(self, host: str, org: str, repo: str, ref: str) -> str | None:
        """The commit ``ref`` (empty: the default branch) last resolved to, if recorded."""
        try:
            text = self._ref_file(host, org, repo, ref).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return text or None

    def store_ref(self, host: str, org: str, repo: str, ref: str, sha: str) -> None:
        _write(self._ref_file(host, org, repo, ref), f"{sha}\n".encode("ascii"))


def _write(target: Path, data: bytes) -> None:
    """Write atomically: a temporary file beside ``target``, then a rename. Failures pass."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
