"""``--timeout`` durations: Go's ``time.ParseDuration`` grammar (``90s``, ``1h30m``, ``1.5h``,
``500ms``), or a bare number of minutes as a Vela repository's timeout is set; ``0`` for
none. Pure."""

from __future__ import annotations

import re

from velarun.errors import UsageError

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
DEFAULT = "30m"
"""Vela's default build timeout (the worker's ``build.timeout``)."""


def parse_timeout(text: str) -> float | None:
    """Seconds, or None for no limit (``0``). Raises UsageError for anything else."""
    body = text.strip()
    if re.fullmatch(r"\d+", body):
        minutes = int(body)
        return minutes * 60.0 if minutes else None
    seconds = 0.0
    at = 0
    while at < len(body):
        part = _PART.match(body, at)
        if part is None:
            break
        seconds += float(part.group(1)) * _UNITS[part.group(2)]
        at = part.end()
    if not body or at != len(body):
        raise UsageError(
            f"--timeout `{text}` is not a duration",
            "write minutes (`30`) or a duration such as `90s`, `10m`, `1h30m`; `0` for none",
        )
    return seconds or None


def describe(seconds: float) -> str:
    """``2s``, ``1m30s``, ``1h``, ``0.5s``: how the header and messages say a duration."""
    if seconds < 1:
        return f"{seconds:g}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return text + (f"{secs}s" if secs or not text else "")
