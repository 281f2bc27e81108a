"""Copying workspace files out to the host (a step's artifacts), for every runtime: from a host
directory (the live workspace, bind-mounted) or from a tar stream the engine gives of
``/vela/src``. Only regular files are written, under a directory made for them, at paths
checked to stay inside it; links are never followed, hidden directories never entered."""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
from collections.abc import Iterable, Iterator
from typing import IO, Protocol, cast

from velarun.runtime import FilePicker

_CHUNK = 1024 * 1024


def safe_member(name: str) -> str | None:
    """A member's path relative to the directory it is written under, or None when it would
    leave it (absolute, ``..``) or names nothing."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts or name.startswith("/"):
        return None
    return "/".join(parts)


def _write(into: str, rel: str, source: IO[bytes]) -> None:
    target = os.path.join(into, *rel.split("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    # O_NOFOLLOW: never through a link (the directory is velarun's own, made for the run).
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(source, out, _CHUNK)


def _entered(pick: FilePicker, rel: str, seen: dict[str, bool]) -> bool:
    """Every directory above ``rel`` is one ``pick`` enters."""
    parts = rel.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        here = "/".join(parts[:i])
        if here not in seen:
            seen[here] = pick.enter(here)
        if not seen[here]:
            return False
    return True


def copy_from_host(root: str, pick: FilePicker, into: str) -> list[str]:
    """Blocking: the files of ``root`` that ``pick`` takes, copied to ``into``."""
    copied: list[str] = []
    for here, dirs, files in os.walk(root, followlinks=False):
        rel_here = os.path.relpath(here, root)
        base = "" if rel_here == "." else rel_here.replace(os.sep, "/") + "/"
        dirs[:] = sorted(d for d in dirs if pick.enter(base + d))
        for name in sorted(files):
            rel = base + name
            path = os.path.join(here, name)
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or not pick.take(rel, info.st_size):
                continue
            with open(path, "rb") as source:
                _write(into, rel, source)
            copied.append(rel)
    return copied


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class ChunkReader:
    """A read-once file over an iterable of byte chunks (the engine's archive stream)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._buffer = b""
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        want = size
        while want != 0:
            if self._pos >= len(self._buffer):
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._buffer, self._pos = chunk, 0
                continue
            end = len(self._buffer) if want < 0 else min(len(self._buffer), self._pos + want)
            parts.append(self._buffer[self._pos : end])
            want = want - (end - self._pos) if want > 0 else want
            self._pos = end
        return b"".join(parts)


def copy_from_tar(stream: Readable, top: str, pick: FilePicker, into: str) -> list[str]:
    """Blocking: the files of a tar stream of the workspace (members under ``top``/, as the
    engine archives a directory) that ``pick`` takes, copied to ``into``."""
    copied: list[str] = []
    seen: dict[str, bool] = {}
    with tarfile.open(fileobj=cast(IO[bytes], stream), mode="r|") as tar:
        for member in tar:
            rel = safe_member(member.name)
            if rel is None or not member.isreg() or not rel.startswith(top + "/"):
                continue
            rel = rel[len(top) + 1 :]
            if not _entered(pick, rel, seen) or not pick.take(rel, member.size):
                continue
            source = tar.extractfile(member)
            assert source is not None  # a regular file always has content
            _write(into, rel, source)
            copied.append(rel)
    return copied
