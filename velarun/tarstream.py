"""A minimal tar writer for workspace archives: regular files, directories and symbolic links,
owned by root, in memory.

:mod:`tarfile` spends about 0.3 ms on each member's header (PAX checks, a copy of each
``TarInfo``); a repository's ``.git`` has thousands of small objects, so this writer makes
the POSIX ustar headers itself (GNU ``././@LongLink`` members for names over 100 bytes that
cannot be split at a ``/``). The result is read by :mod:`tarfile` and by the engine alike.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

BLOCK = 512
FLUSH = 1024 * 1024
"""With a sink, members are handed on in chunks of about this size."""
REGULAR, SYMLINK, DIRECTORY, LONGNAME = b"0", b"2", b"5", b"L"


def _octal(value: int, width: int) -> bytes:
    return b"%0*o\0" % (width - 1, value)


def _field(value: bytes, width: int) -> bytes:
    return value[:width].ljust(width, b"\0")


class TarWriter:
    """Members are appended in order. Without a sink, :meth:`getvalue` ends the archive and
    returns it; with one, the archive goes to ``sink`` in chunks as it is written (so it can be
    sent while it is made) and :meth:`close` ends it."""

    def __init__(self, sink: Callable[[bytes], None] | None = None) -> None:
        self._chunks: list[bytes] = []
        self._pending = 0
        self._sink = sink

    def _flush(self, force: bool = False) -> None:
        if self._sink is not None and self._chunks and (force or self._pending >= FLUSH):
            self._sink(b"".join(self._chunks))
            self._chunks.clear()
            self._pending = 0

    def _header(self, name: bytes, kind: bytes, mode: int, size: int, link: bytes) -> None:
        prefix = b""
        if len(name) > 100:
            cut = name.rfind(b"/", 0, 156)
            if cut > 0 and len(name) - cut - 1 <= 100:
                prefix, name = name[:cut], name[cut + 1 :]
            else:  # GNU: the name in a member of its own
                self._header(b"././@LongLink", LONGNAME, 0o644, len(name) + 1, b"")
                self._data(name + b"\0")
                name = name[:100]
        header = b"".join(
            (
                _field(name, 100),
                _octal(mode & 0o7777, 8),
                _octal(0, 8),  # uid: root
                _octal(0, 8),  # gid: root
                _octal(size, 12),
                _octal(0, 12),  # mtime
                b" " * 8,  # the checksum, counted as spaces
                kind,
                _field(link, 100),
                b"ustar\x0000",
                _field(b"root", 32),
                _field(b"root", 32),
                _octal(0, 8),
                _octal(0, 8),
                _field(prefix, 155),
                b"\0" * 12,
            )
        )
        checksum = b"%06o\0 " % sum(header)
        self._chunks.append(header[:148] + checksum + header[156:])
        self._pending += BLOCK

    def _data(self, data: bytes) -> None:
        self._chunks.append(data)
        if pad := -len(data) % BLOCK:
            self._chunks.append(b"\0" * pad)
        self._pending += len(data) + pad
        self._flush()

    def directory(self, name: str, mode: int = 0o755) -> None:
        self._header(os.fsencode(name), DIRECTORY, mode, 0, b"")

    def file(self, name: str, data: bytes, mode: int = 0o644) -> None:
        self._header(os.fsencode(name), REGULAR, mode, len(data), b"")
        self._data(data)

    def symlink(self, name: str, target: str | bytes) -> None:
        link = target if isinstance(target, bytes) else os.fsencode(target)
        self._header(os.fsencode(name), SYMLINK, 0o777, 0, link)

    def add_path(self, name: str, path: str) -> bool:
        """A file, link or directory (not its contents) from the host; False for anything
        else, or for a path that is gone."""
        try:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                self.symlink(name, os.readlink(os.fsencode(path)))
            elif stat.S_ISDIR(st.st_mode):
                self.directory(name, stat.S_IMODE(st.st_mode))
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    self.file(name, f.read(), stat.S_IMODE(st.st_mode))
            else:
                return False
        except OSError:
            return False
        return True

    def getvalue(self) -> bytes:
        return b"".join(self._chunks) + b"\0" * (2 * BLOCK)

    def close(self) -> None:
        """End the archive and hand the rest to the sink."""
        self._chunks.append(b"\0" * (2 * BLOCK))
        self._flush(force=True)
