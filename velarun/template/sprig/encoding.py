"""sprig's encoding and checksum functions: ``b64enc``/``b64dec``, ``b32enc``/``b32dec`` (a
bad input decodes to Go's error message, as sprig does), ``sha1sum``, ``sha256sum``,
``adler32sum``."""

from __future__ import annotations

import base64
import hashlib
import zlib

from velarun.template.gotemplate.funcs import GoFunc


def _b(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def _s(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def b64enc(s: str) -> str:
    return base64.b64encode(_b(s)).decode("ascii")


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


class _Corrupt(Exception):
    """Go's ``CorruptInputError``: the offset of the bad byte."""


def _skip_newlines(src: bytes, si: int) -> int:
    while si < len(src) and src[si] in b"\r\n":
        si += 1
    return si


def _b64_padding(src: bytes, si: int, j: int) -> tuple[int, bool]:
    """After a ``=`` at position j of a quantum: the next index and whether garbage follows."""
    if j in (0, 1):
        raise _Corrupt(si - 1)
    if j == 2:
        si = _skip_newlines(src, si)
        if si == len(src):
            raise _Corrupt(len(src))
        if src[si] != ord("="):
            raise _Corrupt(si - 1)
        si += 1
    si = _skip_newlines(src, si)
    return si, si < len(src)


def _b64_quantum(src: bytes, si: int) -> tuple[int, list[int], int | None]:
    """Go's ``decodeQuantum``: the next index, the 6-bit values, a trailing-garbage offset."""
    values: list[int] = []
    while len(values) < 4:
        if si == len(src):
            if len(values) in (0,):
                return si, values, None
            raise _Corrupt(si - len(values))
        c, si = src[si], si + 1
        if chr(c) in _B64:
            values.append(_B64.index(chr(c)))
        elif c not in b"\r\n":
            if c != ord("="):
                raise _Corrupt(si - 1)
            si, garbage = _b64_padding(src, si, len(values))
            return si, values, si if garbage else None
    return si, values, None


def go_b64decode(s: str) -> bytes:
    """Go's ``base64.StdEncoding.DecodeString``; a ``ValueError`` with Go's message."""
    src, out, si = _b(s), bytearray(), 0
    try:
        while si < len(src):
            si, values, garbage = _b64_quantum(src, si)
            if not values:
                break
            bits = 0
            for v in values:
                bits = bits << 6 | v
            bits <<= 6 * (4 - len(values))
            out += bits.to_bytes(3, "big")[: len(values) - 1]
            if garbage is not None:
                raise _Corrupt(garbage)
    except _Corrupt as err:
        raise ValueError(f"illegal base64 data at input byte {err.args[0]}") from None
    return bytes(out)


def b64dec(s: str) -> str:
    """Go's ``base64.StdEncoding.DecodeString``; a bad input gives Go's error message, as
    sprig returns it."""
    try:
        return _s(go_b64decode(s))
    except ValueError as err:
        return str(err)


def b32enc(s: str) -> str:
    return base64.b32encode(_b(s)).decode("ascii")


_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B32_BYTES = {8: 5, 7: 4, 5: 3, 4: 2, 2: 1}


def _b32_quantum(src: bytes, i: int, olen: int) -> tuple[list[int], int, bool]:
    """One quantum of Go's base32 ``decode``: the 5-bit values, the next index, the end."""
    values: list[int] = []
    while len(values) < 8:
        if i == olen:
            raise ValueError(olen - len(values))
        c, i = src[i], i + 1
        rest = olen - i
        if c == ord("=") and len(values) >= 2 and rest < 8:
            j = len(values)
            if rest + j < 7:
                raise ValueError(olen)
            for k in range(7 - j):
                if rest > k and src[i + k] != ord("="):
                    raise ValueError(i + k - 1)
            if j in (1, 3, 6):
                raise ValueError(i - 1)
            return values, i, True
        if chr(c) not in _B32:
            raise ValueError(i - 1)
        values.append(_B32.index(chr(c)))
    return values, i, False


def b32dec(s: str) -> str:
    """Go's ``base32.StdEncoding.DecodeString`` (newlines ignored, nothing read after the
    padding); a bad input gives Go's error message, as sprig returns it."""
    src = _b(s).replace(b"\r", b"").replace(b"\n", b"")
    out, i, end = bytearray(), 0, False
    try:
        while i < len(src) and not end:
            values, i, end = _b32_quantum(src, i, len(src))
            bits = 0
            for v in values:
                bits = bits << 5 | v
            bits <<= 5 * (8 - len(values))
            out += bits.to_bytes(5, "big")[: _B32_BYTES[len(values)]]
    except ValueError as err:
        return f"illegal base32 data at input byte {err.args[0]}"
    return _s(bytes(out))


def sha1sum(s: str) -> str:
    return hashlib.sha1(_b(s)).hexdigest()


def sha256sum(s: str) -> str:
    return hashlib.sha256(_b(s)).hexdigest()


def adler32sum(s: str) -> str:
    return str(zlib.adler32(_b(s)))


FUNCS: dict[str, GoFunc] = {
    "b64enc": GoFunc(b64enc, ("string",), None),
    "b64dec": GoFunc(b64dec, ("string",), None),
    "b32enc": GoFunc(b32enc, ("string",), None),
    "b32dec": GoFunc(b32dec, ("string",), None),
    "sha1sum": GoFunc(sha1sum, ("string",), None),
    "sha256sum": GoFunc(sha256sum, ("string",), None),
    "adler32sum": GoFunc(adler32sum, ("string",), None),
}
