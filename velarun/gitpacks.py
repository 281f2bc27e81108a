"""A whole object out of a git pack: the ``.idx`` (version 2) says where, the ``.pack`` holds
it zlib-compressed. Deltified objects are not resolved: None, and the caller asks git."""

from __future__ import annotations

import zlib
from pathlib import Path

_KINDS = {1: "commit", 2: "tree", 3: "blob", 4: "tag"}


def _offset(index: bytes, sha: bytes) -> int | None:
    """Where ``sha`` starts in the pack, from a version 2 index; None if not there."""
    if index[:8] != b"\xfftOc\x00\x00\x00\x02":
        return None
    fanout = 8
    first = int.from_bytes(index[fanout + 4 * (sha[0] - 1) : fanout + 4 * sha[0]]) if sha[0] else 0
    last = int.from_bytes(index[fanout + 4 * sha[0] : fanout + 4 * sha[0] + 4])
    total = int.from_bytes(index[fanout + 4 * 255 : fanout + 4 * 256])
    names = fanout + 4 * 256
    lo, hi = first, last
    while lo < hi:
        mid = (lo + hi) // 2
        here = index[names + 20 * mid : names + 20 * mid + 20]
        if here < sha:
            lo = mid + 1
        elif here > sha:
            hi = mid
        else:
            offsets = names + 24 * total  # past the names and their CRC32s
            value = int.from_bytes(index[offsets + 4 * mid : offsets + 4 * mid + 4])
            if value & 0x80000000:
                large = offsets + 4 * total + 8 * (value & 0x7FFFFFFF)
                value = int.from_bytes(index[large : large + 8])
            return value
    return None


def _entry(pack: Path, offset: int) -> tuple[str, bytes] | None:
    with pack.open("rb") as f:
        f.seek(offset)
        data = f.read(64 * 1024)
        byte = data[0]
        kind = (byte >> 4) & 7
        size = byte & 15
        shift, i = 4, 1
        while byte & 0x80:
            byte = data[i]
            size |= (byte & 0x7F) << shift
            shift, i = shift + 7, i + 1
        if kind not in _KINDS:
            return None  # a delta
        inflate = zlib.decompressobj()
        body = inflate.decompress(data[i:])
        while not inflate.eof:
            more = f.read(64 * 1024)
            if not more:
                return None
            body += inflate.decompress(more)
    return (_KINDS[kind], body) if len(body) == size else None


def read_packed(directory: Path, sha: str) -> tuple[str, bytes] | None:
    """The object ``sha`` (type, body) from any pack in ``directory``, if it is whole there."""
    if not directory.is_dir():
        return None
    key = bytes.fromhex(sha)
    for index in sorted(directory.glob("pack-*.idx")):
        offset = _offset(index.read_bytes(), key)
        if offset is not None:
            return _entry(index.with_suffix(".pack"), offset)
    return None
