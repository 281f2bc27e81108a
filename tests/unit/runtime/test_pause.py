"""The sandbox's program: its ELF headers read back field by field, its image's one file, and,
on an x86-64 host, the program itself run: it sleeps until killed."""

from __future__ import annotations

import io
import os
import platform
import struct
import subprocess
import tarfile
from pathlib import Path

import pytest

from velarun.runtime import pause


@pytest.mark.parametrize(
    ("arch", "machine", "code_size"),
    [("amd64", 62, 9), ("arm64", 183, 28)],
)
def test_the_program_is_one_executable_segment(arch: str, machine: int, code_size: int) -> None:
    data = pause.program(arch)
    assert data[:4] == b"\x7fELF" and data[4:7] == bytes([2, 1, 1])  # 64-bit LE, version 1
    e_type, e_machine, _, entry, phoff, shoff = struct.unpack_from("<HHIQQQ", data, 16)
    ehsize, phentsize, phnum = struct.unpack_from("<HHH", data, 52)
    assert (e_type, e_machine, phoff, shoff, ehsize, phentsize, phnum) == (
        2,
        machine,
        64,
        0,
        64,
        56,
        1,
    )
    p_type, flags, offset, vaddr, _, filesz, memsz, align = struct.unpack_from(
        "<IIQQQQQQ", data, 64
    )
    assert (p_type, flags, offset, filesz, memsz, align) == (1, 5, 0, len(data), len(data), 0x10000)
    assert entry == vaddr + 120  # the code starts right after the two headers
    assert len(data) == 120 + code_size


@pytest.mark.parametrize(
    ("engine", "arch"),
    [
        ("amd64", "amd64"),
        ("x86_64", "amd64"),
        ("arm64", "arm64"),
        ("aarch64", "arm64"),
        ("s390x", None),
        ("", None),
    ],
)
def test_the_engines_architecture_picks_the_program(engine: str, arch: str | None) -> None:
    assert pause.architecture(engine) == arch


def test_the_image_holds_only_the_program_and_its_tag_follows_the_bytes() -> None:
    with tarfile.open(fileobj=io.BytesIO(pause.image_tar("amd64"))) as tar:
        (member,) = tar.getmembers()
        content = tar.extractfile(member)
        assert content is not None
        assert (member.name, member.mode, member.uid, content.read()) == (
            "pause",
            0o755,
            0,
            pause.program("amd64"),
        )
    tag = pause.image_tag("amd64")
    assert tag.startswith("velarun/pause:amd64-") and len(tag) == len("velarun/pause:amd64-") + 12
    assert tag != pause.image_tag("arm64").replace("arm64", "amd64")
    assert pause.image_changes() == ['ENTRYPOINT ["/pause"]', "LABEL io.velarun.pause=1"]


@pytest.mark.skipif(platform.machine() != "x86_64", reason="runs the x86-64 program")
def test_the_x86_64_program_sleeps_until_it_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "pause"
    path.write_bytes(pause.program("amd64"))
    path.chmod(0o755)
    proc = subprocess.Popen([str(path)])
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=0.5)  # still sleeping
        os.kill(proc.pid, 19)  # SIGSTOP, then SIGCONT: pause() returns and loops
        os.kill(proc.pid, 18)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=0.3)
    finally:
        proc.kill()
    assert proc.wait(timeout=5) == -9
