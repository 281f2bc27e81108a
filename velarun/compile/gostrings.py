"""Go's string primitives, for velarun's ports of Go code (:mod:`velarun.compile.glob`, Go's
``filepath.Match``; :mod:`velarun.compile.envsubst`, drone/envsubst).

A Go string is a sequence of bytes, normally UTF-8. Go code indexes and measures it in bytes,
and where it reads runes (``utf8.DecodeRune``, ``[]rune(s)``, ``range s``) each byte of an
invalid sequence is U+FFFD, one byte wide. These functions work on such bytes the same way, so
the ports agree with Go down to offsets, lengths and invalid input.
"""

from __future__ import annotations

import re

__all__ = [
    "RUNE_ERROR",
    "atoi",
    "decode",
    "decode_rune",
    "from_text",
    "replace",
    "split_runes",
    "to_lower",
    "to_lower_rune",
    "to_text",
    "to_upper",
    "to_upper_rune",
    "wrap_int64",
]

RUNE_ERROR = 0xFFFD
"""``utf8.RuneError``: what an invalid byte decodes to."""


def decode_rune(buf: bytes | bytearray, i: int, end: int) -> tuple[int, int]:
    """``utf8.DecodeRune(buf[i:end])`` for a non-empty range: (rune, width in bytes), and
    (U+FFFD, 1) for an invalid or truncated sequence."""
    lead = buf[i]
    if lead < 0x80:
        return lead, 1
    if 0xC2 <= lead <= 0xDF:
        width = 2
    elif 0xE0 <= lead <= 0xEF:
        width = 3
    elif 0xF0 <= lead <= 0xF4:
        width = 4
    else:
        return RUNE_ERROR, 1
    if i + width > end:
        return RUNE_ERROR, 1
    try:
        # Python's strict decoder rejects what Go rejects: overlongs, surrogates, > U+10FFFF.
        return ord(buf[i : i + width].decode("utf-8")), width
    except UnicodeDecodeError:
        return RUNE_ERROR, 1


def decode(b: bytes) -> str:
    """Bytes to text as Go's ``[]rune(s)`` does it (each invalid byte is U+FFFD)."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out: list[str] = []
    pos, end = 0, len(b)
    while pos < end:
        r, n = decode_rune(b, pos, end)
        out.append(chr(r))
        pos += n
    return "".join(out)


def from_text(s: str) -> bytes:
    """A Python string as the bytes of a Go string. Lone surrogates, which no Go string
    holds, become their 3-byte ``surrogatepass`` form, for :func:`to_text` to give back."""
    return s.encode("utf-8", "surrogatepass")


def to_text(b: bytes) -> str:
    """A Go string's bytes as text: :func:`decode`, except that the lone surrogates of
    :func:`from_text` come back."""
    try:
        return b.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        pass
    out: list[str] = []
    pos = 0
    while pos < len(b):
        r, n = decode_rune(b, pos, len(b))
        if r == RUNE_ERROR and n == 1 and b[pos] == 0xED:
            try:
                out.append(b[pos : pos + 3].decode("utf-8", "surrogatepass"))
                pos += 3
                continue
            except UnicodeDecodeError:
                pass
        out.append(chr(r))
        pos += n
    return "".join(out)


def split_runes(b: bytes) -> list[bytes]:
    """The bytes of each rune of ``b``, as ``range s`` steps through them."""
    out: list[bytes] = []
    pos, end = 0, len(b)
    while pos < end:
        _, n = decode_rune(b, pos, end)
        out.append(b[pos : pos + n])
        pos += n
    return out


def to_upper_rune(c: str) -> str:
    """``unicode.ToUpper``: one rune to one rune (Python's full mapping may give several)."""
    u = c.upper()
    if len(u) == 1:
        return u
    t = c.title()
    return t if len(t) == 1 else c


def to_lower_rune(c: str) -> str:
    """``unicode.ToLower``: one rune to one rune."""
    low = c.lower()
    return low if len(low) == 1 else low[0]  # only U+0130 lowers to two runes: Go gives 'i'


def to_lower(b: bytes) -> bytes:
    """``strings.ToLower``: rune by rune (an invalid byte becomes U+FFFD)."""
    if b.isascii():
        return b.lower()
    return "".join(map(to_lower_rune, decode(b))).encode()


def to_upper(b: bytes) -> bytes:
    """``strings.ToUpper``: rune by rune (an invalid byte becomes U+FFFD)."""
    if b.isascii():
        return b.upper()
    return "".join(map(to_upper_rune, decode(b))).encode()


_ATOI = re.compile(rb"[+-]?[0-9]+")
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def atoi(b: bytes) -> int | None:
    """``strconv.Atoi`` on a 64-bit platform; None where it returns an error."""
    if not _ATOI.fullmatch(b):
        return None
    v = int(b)
    return v if _INT64_MIN <= v <= _INT64_MAX else None


def wrap_int64(v: int) -> int:
    """``v`` as Go's int64 arithmetic leaves it: wrapped around on overflow."""
    return ((v - _INT64_MIN) % (1 << 64)) + _INT64_MIN


def replace(s: bytes, old: bytes, new: bytes, n: int) -> bytes:
    """``strings.Replace`` with n = 1 or n = -1 (all)."""
    if old == new or n == 0:
        return s
    if not old:
        # an empty pattern matches before every rune and at the end
        if n == 1:
            return new + s
        return new + new.join(split_runes(s)) + new if s else new
    return s.replace(old, new, n if n > 0 else -1)
