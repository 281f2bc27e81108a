"""The sandbox's program: a static ELF that sleeps forever, written here byte by byte.

A stage's steps share the network namespace of one small container (the "pod" sandbox, see
:mod:`velarun.runtime.docker_pods`), which must run something that every engine has, with no
registry: velarun makes the image itself with ``docker import`` from a one-file tar. The file
is a Linux executable with no libraries and no sections, one loadable segment holding a loop
around one blocking system call:

- x86-64: ``pause()`` (syscall 34), then jump back;
- arm64 (which has no ``pause``): ``ppoll(NULL, 0, NULL, NULL)`` (syscall 73), then branch back.

As PID 1 of its container it ignores the signals it has no handler for; the engine ends it
with SIGKILL when the container is removed. Pure: bytes in, bytes out.
"""

from __future__ import annotations

import hashlib
import io
import struct
import tarfile

_BASE = 0x400000
"""Where the segment is loaded: the usual address of a static executable."""
_ALIGN = 0x10000
"""64 KiB: a multiple of every page size the two architectures use."""
_ELF_HEADER = 64
_PROGRAM_HEADER = 56

_CODE: dict[str, tuple[int, bytes]] = {
    # e_machine, and the loop in machine code
    "amd64": (
        62,
        bytes.fromhex(
            "b822000000"  # mov eax, 34 (pause)
            "0f05"  # syscall
            "ebf7"  # jmp back 9 bytes, to the mov
        ),
    ),
    "arm64": (
        183,
        b"".join(
            struct.pack("<I", word)
            for word in (
                0xD2800000,  # mov x0, #0 (fds)
                0xD2800001,  # mov x1, #0 (nfds)
                0xD2800002,  # mov x2, #0 (no timeout: forever)
                0xD2800003,  # mov x3, #0 (no signal mask)
                0xD2800928,  # mov x8, #73 (ppoll)
                0xD4000001,  # svc #0
                0x17FFFFFA,  # b back 6 instructions, to the first mov
            )
        ),
    ),
}
ARCHITECTURES = tuple(_CODE)
"""The engine architectures (as the engine's version reports them) there is a program for."""
_ALIASES = {"x86_64": "amd64", "aarch64": "arm64"}

REPOSITORY = "velarun/pause"
ENTRYPOINT = "/pause"
LABEL = "io.velarun.pause"


def architecture(name: str) -> str | None:
    """The engine's architecture (``amd64``, ``x86_64``, ``arm64``, ``aarch64``) as a key of
    the programs, or None when there is none for it."""
    key = _ALIASES.get(name, name)
    return key if key in _CODE else None


def program(arch: str) -> bytes:
    """The executable for ``arch`` (a key of ``ARCHITECTURES``)."""
    machine, code = _CODE[arch]
    size = _ELF_HEADER + _PROGRAM_HEADER + len(code)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)  # 64-bit, little-endian, SysV
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH",
        2,  # an executable
        machine,
        1,  # version
        _BASE + _ELF_HEADER + _PROGRAM_HEADER,  # entry: the code right after the headers
        _ELF_HEADER,  # program headers' offset
        0,  # no section headers
        0,  # flags
        _ELF_HEADER,
        _PROGRAM_HEADER,
        1,  # one program header
        0,
        0,
        0,
    )
    segment = struct.pack(
        "<IIQQQQQQ",
        1,  # PT_LOAD
        5,  # read and execute
        0,  # from the file's start
        _BASE,
        _BASE,
        size,
        size,
        _ALIGN,
    )
    return header + segment + code


def image_tag(arch: str) -> str:
    """``velarun/pause:<arch>-<first 12 hex of the program's sha256>``: a new program is a new
    image, and an engine keeps one per architecture it was asked for."""
    digest = hashlib.sha256(program(arch)).hexdigest()[:12]
    return f"{REPOSITORY}:{arch}-{digest}"


def image_tar(arch: str) -> bytes:
    """The root filesystem of the image: the one file ``/pause``, owned by root, mode 0755."""
    data = program(arch)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo(ENTRYPOINT.lstrip("/"))
        info.size = len(data)
        info.mode = 0o755
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def image_changes() -> list[str]:
    """The Dockerfile instructions ``docker import`` applies to the image."""
    return [f'ENTRYPOINT ["{ENTRYPOINT}"]', f"LABEL {LABEL}=1"]
