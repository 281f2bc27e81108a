"""Where a run's steps write their outputs (``$VELA_OUTPUTS``, ``$VELA_MASKED_OUTPUTS``).

On an engine that sees this machine's files, a host directory bind-mounted at
``/vela/outputs``, read directly. On one that does not (a remote host), files in the run's
volume, written there empty before the first step and read back as a tar through a helper,
again only after a container has ended.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import IO, cast

from velarun.dotenv import parse_dotenv
from velarun.runtime.copyout import ChunkReader
from velarun.runtime.layout import MASKED_OUTPUTS_FILE, OUTPUTS_DIR, OUTPUTS_FILE, VELA

_DIR = OUTPUTS_DIR.removeprefix(VELA + "/")
OUTPUTS_LIMIT = 10 * 1024 * 1024
"""Vela reads at most 10 MB of outputs."""

Found = tuple[dict[str, str], dict[str, str]]
"""The outputs and the masked outputs."""


def outputs_archive() -> bytes:
    """``outputs/`` (mode 0777) holding the two empty files (mode 0666), unpacked at ``/vela``:
    any step's user may write them, as with the host directory of a local engine."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        folder = tarfile.TarInfo(_DIR)
        folder.type, folder.mode = tarfile.DIRTYPE, 0o777
        tar.addfile(folder)
        for name in (OUTPUTS_FILE, MASKED_OUTPUTS_FILE):
            member = tarfile.TarInfo(f"{_DIR}/{name}")
            member.mode = 0o666
            tar.addfile(member, io.BytesIO(b""))
    return buffer.getvalue()


def read_archive(chunks: Iterable[bytes], limit: int = OUTPUTS_LIMIT) -> dict[str, str]:
    """Blocking: the text of each regular file of the engine's archive of ``/vela/outputs``
    (members ``outputs/<name>``, as chunks), by name, at most ``limit`` bytes of each."""
    texts: dict[str, str] = {}
    stream = cast(IO[bytes], ChunkReader(chunks))
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            name = member.name.removeprefix(_DIR + "/")
            if not member.isreg() or "/" in name:
                continue
            data = tar.extractfile(member)
            if data is not None:
                texts[name] = data.read(limit).decode(errors="replace")
    return texts


class OutputFiles:
    """A run's outputs: on the host (``host``) or in the run's volume (``host`` None)."""

    def __init__(self) -> None:
        self.host: Path | None = None
        self.ended = 0
        """Containers ended: the volume's files are read again after one has."""
        self._read: tuple[int, Found] | None = None

    def make_on_host(self, run_id: str) -> None:
        """Blocking: the host directory, writable by any step's user."""
        self.host = Path(tempfile.mkdtemp(prefix=f"velarun-{run_id}-outputs-"))
        self.host.chmod(0o777)
        for name in (OUTPUTS_FILE, MASKED_OUTPUTS_FILE):
            (self.host / name).touch(mode=0o666)

    @property
    def mount_source(self) -> str | None:
        """The host directory to bind-mount at ``/vela/outputs``; None: in the volume."""
        return str(self.host) if self.host is not None else None

    def read_host(self) -> Found:
        def read(name: str) -> dict[str, str]:
            assert self.host is not None
            try:
                with (self.host / name).open(errors="replace") as f:
                    return parse_dotenv(f.read(OUTPUTS_LIMIT))
            except OSError:
                return {}

        return read(OUTPUTS_FILE), read(MASKED_OUTPUTS_FILE)

    async def read_volume(self, fetch: Callable[[], Awaitable[dict[str, str]]]) -> Found:
        """The volume's files, by ``fetch`` (:func:`read_archive` of the engine's archive of
        ``/vela/outputs``), unless no container has ended since the last read."""
        ended = self.ended
        if self._read is not None and self._read[0] == ended:
            return self._read[1]
        texts = await fetch()
        found = (
            parse_dotenv(texts.get(OUTPUTS_FILE, "")),
            parse_dotenv(texts.get(MASKED_OUTPUTS_FILE, "")),
        )
        self._read = (ended, found)
        return found

    def remove(self) -> None:
        if self.host is not None:
            shutil.rmtree(self.host, ignore_errors=True)
            self.host = None
