"""A container's output, from the engine's attach socket to the scheduler's log sink.

The reader thread reads the raw socket (:func:`read_attached`), splits Docker's multiplexed
frames (:class:`FrameSplitter`) and bytes into lines (:class:`LineAssembler`), and hands them
to the event loop in batches (:class:`LineHandoff`).
"""

from __future__ import annotations

import codecs
import contextlib
import socket
import struct
import threading
from typing import Any

import anyio
import docker.utils.socket

from velarun.runtime import LogSink

READ_SIZE = 256 * 1024


class LineHandoff:
    """Lines from a log-reader thread to the event loop, in batches.

    The reader never waits for the loop: it appends lines and, if the loop is not already due
    to look, wakes it with one byte on a socket pair. Lines that arrive while the loop is still
    delivering the previous batch go together with the next, so a flood costs a wake-up per
    batch, not per line, and a lone line is still shown at once. The reader blocks only while
    more than ``limit`` characters wait, which bounds memory. Once the loop side stops (the run
    was cancelled), ``put`` drops lines and never blocks.
    """

    def __init__(self, limit: int = 4 * 1024 * 1024) -> None:
        self.limit = limit
        self._cond = threading.Condition()
        self._lines: list[str] = []
        self._size = 0
        self._wake_pending = False
        self._closed = False
        self._abandoned = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)

    def put(self, lines: list[str]) -> None:
        """In the reader thread."""
        with self._cond:
            while self._size > self.limit and not self._abandoned:
                self._cond.wait()
            if self._abandoned:
                return
            self._lines.extend(lines)
            self._size += sum(map(len, lines))
            wake, self._wake_pending = not self._wake_pending, True
        if wake:
            self._wake()

    def close(self) -> None:
        """No more lines will come."""
        with self._cond:
            self._closed = True
        self._wake()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # already due to wake (buffer full), or closed
            self._wake_w.send(b"\0")

    async def drain(self, sink: LogSink) -> None:
        """In the event loop: deliver every line to ``sink`` until ``close``."""
        try:
            while True:
                await anyio.wait_readable(self._wake_r)
                with contextlib.suppress(OSError):
                    while self._wake_r.recv(4096):
                        pass
                with self._cond:
                    lines, self._lines, self._size = self._lines, [], 0
                    closed = self._closed
                    self._wake_pending = False
                    self._cond.notify_all()
                if lines:
                    await sink(lines)
                if closed:
                    return
        finally:
            with self._cond:
                self._abandoned = True
                self._cond.notify_all()
            self._wake_r.close()
            self._wake_w.close()


class FrameSplitter:
    """Docker's multiplexed stream (a non-TTY container's output) -> the payloads, in order.

    Each frame is an 8-byte header (stream id, three zero bytes, a big-endian 32-bit length)
    and that many bytes. Input may split anywhere, headers included.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        buf = self._buf
        buf += data  # a frame arriving in many reads costs linear time, not quadratic
        out: list[bytes] = []
        pos, end = 0, len(buf)
        while end - pos >= 8:
            (length,) = struct.unpack_from(">L", buf, pos + 4)
            if end - pos - 8 < length:
                break
            out.append(bytes(buf[pos + 8 : pos + 8 + length]))
            pos += 8 + length
        del buf[:pos]
        return out


class LineAssembler:
    """Bytes chunks -> complete lines: split across chunks, invalid UTF-8 replaced, any length.

    A line that spans many chunks is kept as a list of pieces and joined once, when its
    newline (or the end of the stream) arrives: linear in the line's size.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pieces: list[str] = []

    def feed(self, chunk: bytes) -> list[str]:
        text = self._decoder.decode(chunk)
        if "\n" not in text:
            if text:
                self._pieces.append(text)
            return []
        first, *middle, last = text.split("\n")
        self._pieces.append(first)
        lines = ["".join(self._pieces), *middle]
        self._pieces = [last] if last else []
        if "\r" not in text:  # only the first line, begun in an earlier chunk, may end in one
            lines[0] = lines[0].removesuffix("\r")
            return lines
        return [line.removesuffix("\r") for line in lines]

    def close(self) -> list[str]:
        rest = self._decoder.decode(b"", final=True)
        if rest:
            self._pieces.append(rest)
        text = "".join(self._pieces)
        self._pieces = []
        return [text.removesuffix("\r")] if text else []


def read_attached(stream: Any, handoff: LineHandoff) -> None:
    """In a worker thread: every line of an attach ``stream`` into ``handoff``, until the
    container's output ends (or its socket goes away: what was read is what there is)."""
    assembler = LineAssembler()
    frames = FrameSplitter()
    try:
        while True:
            data = docker.utils.socket.read(stream, READ_SIZE)
            if data is None:
                continue  # interrupted: read again
            if not data:
                break
            lines = assembler.feed(b"".join(frames.feed(data)))
            if lines:
                handoff.put(lines)
    except OSError:
        pass  # the container went away
    finally:
        rest = assembler.close()
        if rest:
            handoff.put(rest)
