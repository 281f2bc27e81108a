"""Go's string primitives, for velarun's ports of Go code (:mod:`velarun.compile.glob`, Go's
``filepath.Match``; :mod:`velarun.compile.envsubst`, drone/envsubst).

A Go string is a sequence of bytes, normally UTF-8. Go code indexes and measures it in bytes,
and where it reads runes (``utf8.DecodeRune``, ``[]rune(s)``, ``range s``) each byte of an
invalid sequence is U+FFFD, one byte wide. These functions work on such bytes the same way, so
the ports agree with Go down to offsets, lengths and invalid input.
"""

from __future__ import annotations

__all__ = ["RUNE_ERROR", "decode_rune"]

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
