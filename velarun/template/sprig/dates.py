"""sprig's date.go: ``duration`` (seconds as Go's ``Duration.String``), ``durationRound`` (Go's
``time.ParseDuration``, then the largest whole unit), and the functions of ``time.Time``
(``gotime``: the value, its zones; ``timeformat``: Go's layouts): ``now``, ``date``,
``dateInZone``, ``htmlDate``, ``dateModify``, ``ago``, ``toDate``, ``unixEpoch``..."""

from __future__ import annotations

from typing import Any

from velarun.template.gotemplate.funcs import FuncError, GoFunc
from velarun.template.gotemplate.values import Int64, Uint8, is_int
from velarun.template.sprig._go import parse_int10, wrap64
from velarun.template.sprig.gotime import (
    UTC_LOC,
    ZERO,
    Time,
    format_time,
    load_location,
    now,
    since,
    unix,
)
from velarun.template.sprig.timeformat import TimeParseError, parse_in_location, quote

SECOND = 10**9


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


_UNIT_NS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": SECOND,
            "m": 60 * SECOND, "h": 3600 * SECOND}  # fmt: skip


def _leading_fraction(s: str) -> tuple[int, float, str]:
    x, scale, overflow, i = 0, 1.0, False, 0
    while i < len(s) and "0" <= s[i] <= "9":
        if not overflow:
            if x > (2**63 - 1) // 10:
                overflow = True
            else:
                y = x * 10 + int(s[i])
                if y > 2**63:
                    overflow = True
                else:
                    x, scale = y, scale * 10
        i += 1
    return x, scale, s[i:]


def _duration_part(s: str, orig: str) -> tuple[int, str]:
    """One ``[0-9]*(\\.[0-9]*)?unit`` of a duration: its nanoseconds and the rest."""
    invalid = ValueError("time: invalid duration " + quote(orig))
    if not (s[0] == "." or "0" <= s[0] <= "9"):
        raise invalid
    i = 0
    while i < len(s) and "0" <= s[i] <= "9":
        i += 1
    if i and int(s[:i]) > 2**63:
        raise invalid
    v, pre, s = (int(s[:i]) if i else 0), i > 0, s[i:]
    f, scale, post = 0, 1.0, False
    if s[:1] == ".":
        before = len(s) - 1
        f, scale, s = _leading_fraction(s[1:])
        post = before != len(s)
    if not pre and not post:
        raise invalid
    i = 0
    while i < len(s) and not (s[i] == "." or "0" <= s[i] <= "9"):
        i += 1
    if i == 0:
        raise ValueError("time: missing unit in duration " + quote(orig))
    unit = _UNIT_NS.get(s[:i])
    if unit is None:
        raise ValueError(f"time: unknown unit {quote(s[:i])} in duration {quote(orig)}")
    if v > 2**63 // unit:
        raise invalid
    v *= unit
    if f > 0:
        v += int(float(f) * (float(unit) / scale))
    if v > 2**63:
        raise invalid
    return v, s[i:]


def go_parse_duration(orig: str) -> int:
    """Go's ``time.ParseDuration``: nanoseconds; a ``ValueError`` with Go's message."""
    s, neg, total = orig, False, 0
    if s[:1] in ("-", "+"):
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError("time: invalid duration " + quote(orig))
    while s:
        v, s = _duration_part(s, orig)
        total += v
        if total > 2**63:
            raise ValueError("time: invalid duration " + quote(orig))
    if not neg and total > 2**63 - 1:
        raise ValueError("time: invalid duration " + quote(orig))
    return -total if neg else total


def parse_duration(s: str) -> int | None:
    """Go's ``time.ParseDuration``: nanoseconds, or None for what Go refuses."""
    try:
        return go_parse_duration(s)
    except ValueError:
        return None


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
    elif isinstance(value, Time):
        d = since(value)
    else:
        d = 0
    u = abs(d)
    for name, seconds in _ROUND:
        if u > seconds * SECOND:
            return f"{u // (seconds * SECOND)}{name}"
    return "0s"


# --- the time.Time functions ---


def _time_of(value: Any) -> Time:
    """dateInZone's and ago's switch: a time, Unix seconds (int, int64), else now."""
    if isinstance(value, Time):
        return value
    if is_int(value) and not isinstance(value, Uint8):
        return unix(int(value))
    return now()


def date_in_zone(layout: str, value: Any, zone: str) -> str:
    t = _time_of(value)
    loc = load_location(zone) or UTC_LOC
    return format_time(Time(t.sec, t.nsec, loc, t.mono), layout)


def round_duration(d: int, m: int) -> int:
    """Go's ``Duration.Round``: halves away from zero."""
    r = abs(d) % m
    if r + r < m:
        return d - r if d >= 0 else d + r
    return d + m - r if d >= 0 else d - m + r


def ago(value: Any) -> str:
    t = value if isinstance(value, Time) else _time_of(value)
    return duration_string(wrap64(round_duration(since(t), SECOND)))


def date_modify(text: str, t: Time) -> Time:
    d = parse_duration(text)
    return t if d is None else t.add(d)


def must_date_modify(text: str, t: Time) -> Time:
    try:
        return t.add(go_parse_duration(text))
    except ValueError as err:
        raise FuncError(str(err)) from None


def to_date(layout: str, text: str) -> Time:
    try:
        return parse_in_location(layout, text)
    except TimeParseError:
        return ZERO


def must_to_date(layout: str, text: str) -> Time:
    try:
        return parse_in_location(layout, text)
    except TimeParseError as err:
        raise FuncError(str(err)) from None


_TIME = "time.Time"

FUNCS: dict[str, GoFunc] = {
    "duration": GoFunc(duration, ("any",), None),
    "durationRound": GoFunc(duration_round, ("any",), None),
    "now": GoFunc(now, (), None),
    "date": GoFunc(
        lambda layout, value: date_in_zone(layout, value, "Local"), ("string", "any"), None
    ),
    "dateInZone": GoFunc(date_in_zone, ("string", "any", "string"), None),
    "date_in_zone": GoFunc(date_in_zone, ("string", "any", "string"), None),
    "htmlDate": GoFunc(lambda value: date_in_zone("2006-01-02", value, "Local"), ("any",), None),
    "htmlDateInZone": GoFunc(
        lambda value, zone: date_in_zone("2006-01-02", value, zone), ("any", "string"), None
    ),
    "dateModify": GoFunc(date_modify, ("string", _TIME), None),
    "date_modify": GoFunc(date_modify, ("string", _TIME), None),
    "mustDateModify": GoFunc(must_date_modify, ("string", _TIME), None),
    "must_date_modify": GoFunc(must_date_modify, ("string", _TIME), None),
    "ago": GoFunc(ago, ("any",), None),
    "toDate": GoFunc(to_date, ("string", "string"), None),
    "mustToDate": GoFunc(must_to_date, ("string", "string"), None),
    "unixEpoch": GoFunc(lambda t: str(t.sec), (_TIME,), None),
}
