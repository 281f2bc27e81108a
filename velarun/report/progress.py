"""The texts of the live display on a terminal (:mod:`velarun.report.screen`), as pure
functions: the status line of the running steps, a pull's bar detail and the pulls' summary,
and whether a run gets the display at all. No rich here: piped runs never load it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TextIO

from velarun.output import is_terminal
from velarun.runtime import PullProgress

_UNITS = ("kB", "MB", "GB", "TB")


def format_bytes(count: int) -> str:
    """A size in decimal units, as Docker shows pulls: ``512 B``, ``1.5 kB``, ``48.2 MB``."""
    if count < 1000:
        return f"{count} B"
    value = float(count)
    for unit in _UNITS:
        value /= 1000
        if value < 999.95 or unit == _UNITS[-1]:
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def format_elapsed(seconds: float) -> str:
    """Whole seconds as the status line shows them: ``7s``, ``1m05s``, ``1h02m``."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def status_text(running: Sequence[tuple[str, float]], width: int) -> str:
    """The status line: the running steps (``stage/step``, in the order they started) with
    how long each has run, cut to fit in ``width - 1`` columns (the last column would wrap
    on some terminals) with ``+N more`` for those left out; empty when nothing runs."""
    if not running:
        return ""
    room = max(width - 1, 20)
    head = f"running {len(running)}: " if len(running) > 1 else "running: "
    parts = [f"{label} {format_elapsed(seconds)}" for label, seconds in running]
    for shown in range(len(parts), 0, -1):
        rest = len(parts) - shown
        text = head + ", ".join(parts[:shown]) + (f", +{rest} more" if rest else "")
        if len(text) <= room:
            return text
    cut = head + parts[0]
    return cut[: room - 1] + "…"


def pull_detail(progress: PullProgress) -> str:
    """Beside an image's bar: bytes downloaded of those known, and layers done."""
    size = (
        f"{format_bytes(progress.bytes_done)} / {format_bytes(progress.bytes_total)}"
        if progress.bytes_total
        else "waiting for sizes"
    )
    return f"{size}, {progress.layers_done}/{progress.layers_total} layers"


def pull_summary(images: int, size: int, seconds: float) -> str:
    """The line that replaces the bars once every pull has ended."""
    noun = "image" if images == 1 else "images"
    return f"pulled {images} {noun} ({format_bytes(size)}) in {seconds:.1f}s"


def live_wanted(output: str, shells: bool, stderr: TextIO, env: Mapping[str, str]) -> bool:
    """Whether a run draws the live display: text output on a terminal (velarun's own
    stream, stderr, is where it is drawn; the logs on stdout may go to a file meanwhile),
    not ``TERM=dumb``, and no interactive shell that needs the terminal to itself
    (``--shell-on-failure``, ``--break-before``). ``NO_COLOR`` only takes the colours."""
    if output != "text" or shells or env.get("TERM") == "dumb":
        return False
    return is_terminal(stderr)
