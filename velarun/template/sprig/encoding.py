"""sprig's encoding and checksum functions: ``b64enc``/``b64dec``, ``b32enc``/``b32dec`` (a
bad input decodes to Go's error message, as sprig does), ``sha1sum``, ``sha256sum``,
``adler32sum``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib

from velarun.template.gotemplate.funcs import GoFunc


def _b(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def _s(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def b64enc(s: str) -> str:
    return base64.b64encode(_b(s)).decode("ascii")


def _corrupt(data: bytes, alphabet: bytes, block: int) -> int | None:
    """The offset Go's decoder reports for bad input (``illegal base64 data at input byte N``),
    or None if the input is well formed."""
    data = data.replace(b"\r", b"").replace(b"\n", b"")
    for i, c in enumerate(data):
        if c == ord("="):
            pad = len(data) - i
            quantum = i % block
            if pad > block - quantum or quantum < 2 or data[i:] != b"=" * pad:
                return i
            if quantum + pad != block:
                return len(data)
            return None
        if c not in alphabet:
            return i
    if len(data) % block in (1,) or (block == 4 and len(data) % 4):
        return len(data) - (len(data) % block if len(data) % block != 1 else 1)
    return None


_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64dec(s: str) -> str:
    try:
        return _s(base64.b64decode(_b(s), validate=True))
    except binascii.Error:
        return _b64_error(_b(s))


def _b64_error(data: bytes) -> str:
    at = _corrupt(data, _B64, 4)
    return f"illegal base64 data at input byte {at if at is not None else len(data)}"


def b32enc(s: str) -> str:
    return base64.b32encode(_b(s)).decode("ascii")


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
    "sha1sum": GoFunc(sha1sum, ("string",), None),
    "sha256sum": GoFunc(sha256sum, ("string",), None),
    "adler32sum": GoFunc(adler32sum, ("string",), None),
}
