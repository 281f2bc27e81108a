"""sprig's date.go, the deterministic part: ``duration`` (seconds as Go's ``Duration.String``)
and ``durationRound`` (Go's ``time.ParseDuration``, then the largest whole unit). The functions
of ``time.Time`` (``now``, ``date``, ``toDate``, ``ago``...) are not offered yet."""

from __future__ import annotations

import re
from typing import Any

from velarun.template.gotemplate.funcs import GoFunc
from velarun.template.gotemplate.values import Int64
from velarun.template.sprig._go import parse_int10, wrap64

SECOND = 10**9
_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": SECOND,
          "m": 60 * SECOND, "h": 3600 * SECOND}  # fmt: skip
_PART = re.compile(r"([0-9]*)(\.[0-9]*)?([a-zµμ]+)")


def _frac(u: int, prec: int) -> tuple[str, int]:
    digits, printing = [], False
    for _ in range(prec):
        digit = u % 10
        printing = printing or digit != 0
        if printing:
            digits.append(str(digit))
        u //= 10
    return ("." + "".join(reversed(digits)) if printing else ""), u


def duration_string(d: int) -> str:
    """Go's ``time.Duration.String``."""
    u = abs(d)
    if u < SECOND:
        if u == 0:
            return "0s"
        prec, unit = (0, "ns") if u < 10**3 else (3, "µs") if u < 10**6 else (6, "ms")
        frac, u = _frac(u, prec)
        text = f"{u}{frac}{unit}"
    else:
        frac, u = _frac(u, 9)
        text = f"{u % 60}{frac}s"
        u //= 60
        if u > 0:
            text = f"{u % 60}m{text}"
            u //= 60
            if u > 0:
                text = f"{u}h{text}"
    return "-" + text if d < 0 else text


def parse_duration(s: str) -> int | None:
    """Go's ``time.ParseDuration``: nanoseconds, or None for what Go refuses."""
    text, neg = s, False
    if text[:1] in ("-", "+"):
        neg, text = text[0] == "-", text[1:]
    if text == "0":
        return 0
    if not text:
        return None
    total, pos = 0, 0
    while pos < len(text):
        m = _PART.match(text, pos)
        if m is None or (not m.group(1) and len(m.group(2) or "") <= 1):
            return None
        unit = _UNITS.get(m.group(3))
        if unit is None:
            return None
        whole = int(m.group(1) or "0") * unit
        frac = m.group(2)[1:] if m.group(2) else ""
        if frac:
            whole += int(frac) * unit // 10 ** len(frac)
        total += whole
        if total > 2**63 - 1 + neg:
            return None
        pos = m.end()
    return -total if neg else total


def duration(sec: Any) -> str:
    if isinstance(sec, str):
        n = parse_int10(sec)
    elif isinstance(sec, Int64):
        n = int(sec)
    else:
        n = 0
    return duration_string(wrap64(n * SECOND))


_ROUND = (("y", 365 * 24 * 3600), ("mo", 30 * 24 * 3600), ("d", 24 * 3600), ("h", 3600),
          ("m", 60), ("s", 1))  # fmt: skip


def duration_round(value: Any) -> str:
    if isinstance(value, str):
        d = parse_duration(value) or 0
    elif isinstance(value, Int64):
        d = int(value)
    else:
        d = 0
    u = abs(d)
    for name, seconds in _ROUND:
        if u > seconds * SECOND:
            return f"{u // (seconds * SECOND)}{name}"
    return "0s"


FUNCS: dict[str, GoFunc] = {
    "duration": GoFunc(duration, ("any",), None),
    "durationRound": GoFunc(duration_round, ("any",), None),
}
