"""Git's loose objects as one pack file with its index (pack v2, idx v2), in Python.

A repository in use holds thousands of loose objects, one file each; a commit workspace copies
the repository's objects into the run's volume, and the engine unpacks an archive at about a
millisecond per file. One pack instead of N files makes that a constant. ``git pack-objects``
does the same but walks the history or searches deltas first (0.4 s for 1,800 objects here);
this only re-frames each object: inflate the loose file, drop its ``type size\\0`` header,
deflate the content at level 1 into a pack entry without deltas.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from dataclasses import dataclass

TYPES = {b"commit": 1, b"tree": 2, b"blob": 3, b"tag": 4}
LEVEL = 1
"""Deflate level of the pack entries: 0 stores (a 1,800-object pack here: 0.04 s and 19 MB at
0, 0.19 s and 3.4 MB at 1); the pack only travels to the local volume, where bytes are cheap."""


@dataclass(frozen=True, slots=True)
class Pack:
    name: str
    """``pack-<sha1 of the pack>``: the files are ``NAME.pack`` and ``NAME.idx``."""
    pack: bytes
    idx: bytes


def loose_objects(objects_dir: str) -> list[tuple[str, str]]:
    """(sha, path) of every loose object under ``objects_dir``, sorted by sha."""
    found = []
    for fan in os.listdir(objects_dir):
        if len(fan) != 2 or not all(c in "0123456789abcdef" for c in fan):
            continue
        here = os.path.join(objects_dir, fan)
        found += [(fan + rest, os.path.join(here, rest)) for rest in os.listdir(here)]
    return sorted(o for o in found if len(o[0]) == 40)


def _entry_header(kind: int, size: int) -> bytes:
    out = bytearray()
    byte = (kind << 4) | (size & 0x0F)
    size >>= 4
    while size:
        out.append(byte | 0x80)
        byte = size & 0x7F
        size >>= 7
    out.append(byte)
    return bytes(out)


def _entry(raw: bytes) -> bytes:
    """A loose object's file content as a pack entry."""
    data = zlib.decompress(raw)
    head, _, content = data.partition(b"\0")
    kind, _, size = head.partition(b" ")
    if kind not in TYPES or int(size) != len(content):
        raise ValueError(f"not a loose object: {head[:40]!r}")
    return _entry_header(TYPES[kind], len(content)) + zlib.compress(content, LEVEL)


def build_pack(objects: list[tuple[str, bytes]]) -> Pack:
    """A pack and its index of ``objects`` ((sha, loose file content), sorted by sha)."""
    chunks = [b"PACK", struct.pack(">II", 2, len(objects))]
    offset = 12
    offsets, crcs = [], []
    for _, raw in objects:
        entry = _entry(raw)
        offsets.append(offset)
        crcs.append(zlib.crc32(entry))
        chunks.append(entry)
        offset += len(entry)
    if offset >= 2**31:
        raise ValueError("pack over 2 GiB")
    body = b"".join(chunks)
    checksum = hashlib.sha1(body).digest()
    shas = [bytes.fromhex(sha) for sha, _ in objects]
    fanout = [0] * 256
    for sha in shas:
        fanout[sha[0]] += 1
    total = 0
    for i in range(256):
        total += fanout[i]
        fanout[i] = total
    idx = b"".join(
        (
            b"\377tOc",
            struct.pack(">I", 2),
            struct.pack(">256I", *fanout),
            *shas,
            struct.pack(f">{len(crcs)}I", *crcs),
            struct.pack(f">{len(offsets)}I", *offsets),
            checksum,
        )
    )
    idx += hashlib.sha1(idx).digest()
    return Pack(f"pack-{checksum.hex()}", body + checksum, idx)


def pack_loose_objects(objects_dir: str) -> Pack | None:
    """Every loose object of a repository as one pack; None when there are none."""
    found = loose_objects(objects_dir)
    if not found:
        return None
    contents = []
    for sha, path in found:
        with open(path, "rb") as f:
            contents.append((sha, f.read()))
    return build_pack(contents)
