"""What a terminal shows for a stream of bytes (pyte, a terminal emulator)."""

from __future__ import annotations

import pyte


def _lines(screen: pyte.Screen) -> list[str]:
    lines = [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def replay(raw: bytes, rows: int, columns: int) -> list[list[str]]:
    """The screens a terminal of that size showed for ``raw``, one before each carriage return."""
    screen = pyte.Screen(columns, rows)
    stream = pyte.ByteStream(screen)
    frames: list[list[str]] = []
    for piece in raw.split(b"\r"):
        stream.feed(piece)
        frames.append(_lines(screen))
        stream.feed(b"\r")
    return frames
