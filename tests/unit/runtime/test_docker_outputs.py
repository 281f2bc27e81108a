"""Outputs kept in the run's volume (an engine that cannot see this machine): the files put
there, and the engine's archive of them read back."""

from __future__ import annotations

import io
import tarfile

import anyio

from velarun.runtime.docker_outputs import OutputFiles, outputs_archive, read_archive


def _members(data: bytes) -> list[tuple[str, str, int, int]]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return [(m.name, "dir" if m.isdir() else "file", m.mode, m.size) for m in tar]


def test_the_files_put_in_the_volume() -> None:
    assert _members(outputs_archive()) == [
        ("outputs", "dir", 0o777, 0),
        ("outputs/.env", "file", 0o666, 0),
        ("outputs/masked.env", "file", 0o666, 0),
    ]


def _engine_archive(files: dict[str, bytes]) -> list[bytes]:
    """As the engine archives /vela/outputs: members under ``outputs/``, in chunks."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.addfile(_dir("outputs"))
        for name, data in files.items():
            info = tarfile.TarInfo(f"outputs/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    return [raw[i : i + 700] for i in range(0, len(raw), 700)]


def _dir(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return info


def test_the_archive_read_back() -> None:
    chunks = _engine_archive(
        {".env": b"A=1\nB=two\n", "masked.env": b"TOKEN=s3cret\n", "sub/x": b"no"}
    )
    assert read_archive(chunks) == {".env": "A=1\nB=two\n", "masked.env": "TOKEN=s3cret\n"}


def test_each_file_is_read_up_to_the_limit() -> None:
    chunks = _engine_archive({".env": b"A=" + b"x" * 5000 + b"\n", "masked.env": b"M=1\n"})
    assert read_archive(chunks, limit=10) == {".env": "A=xxxxxxxx", "masked.env": "M=1\n"}


def test_the_volume_is_read_again_only_after_a_container_ended() -> None:
    outputs = OutputFiles()
    texts = [{".env": "A=1\n"}, {".env": "A=2\n", "masked.env": "S=x\n"}]
    fetched: list[int] = []

    async def fetch() -> dict[str, str]:
        fetched.append(outputs.ended)
        return texts[len(fetched) - 1]

    async def main() -> list[object]:
        seen: list[object] = [await outputs.read_volume(fetch), await outputs.read_volume(fetch)]
        outputs.ended += 1
        seen.append(await outputs.read_volume(fetch))
        return seen

    assert anyio.run(main) == [({"A": "1"}, {}), ({"A": "1"}, {}), ({"A": "2"}, {"S": "x"})]
    assert fetched == [0, 1]
