"""Go's ``time.Time`` and ``time.Location`` as template values, for sprig's date functions, and
``Time.Format``'s layouts (``next_std``, ``format_time``; parsing is in ``timeformat``).

A :class:`Time` is Unix seconds, nanoseconds and a :class:`Location` (and, for ``now``, a
monotonic reading, which ``%v`` prints as ``m=+0.000012345`` as Go does). Locations are UTC,
``Local`` (the ``TZ`` variable, else ``/etc/localtime``, read at each use), an IANA zone from
``zoneinfo``, or a fixed offset from a parsed time. Dates are computed on the proleptic
Gregorian calendar without ``datetime``'s year limits; zone offsets come from ``zoneinfo``
within years 1 to 9999.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from velarun.template.gotemplate.values import GoStruct

SECOND = 10**9
ZERO_SEC = -62135596800  # 0001-01-01T00:00:00Z, Go's zero Time
_START = time.monotonic_ns()
_MIN_SEC, _MAX_SEC = -62135596800 + 86400, 253402300799 - 86400


@lru_cache(maxsize=64)
def _zoneinfo(key: str) -> Any:
    from zoneinfo import ZoneInfo

    if key.startswith("/"):
        with open(key, "rb") as f:
            return ZoneInfo.from_file(f, key="Local")
    return ZoneInfo(key)


def _local_zone() -> Any | None:
    """Go's ``initLocal``: ``TZ`` unset is ``/etc/localtime``, empty or unknown is UTC."""
    tz = os.environ.get("TZ")
    try:
        if tz is None:
            return _zoneinfo("/etc/localtime")
        tz = tz.removeprefix(":")
        return None if tz in ("", "UTC") else _zoneinfo(tz)
    except Exception:
        return None


@dataclass(frozen=True)
class Location:
    """``*time.Location``: ``name`` is what Go's ``String`` gives; ``fixed`` a fixed zone."""

    name: str
    fixed: tuple[str, int] | None = None

    def zone(self) -> Any | None:
        if self.fixed is not None or self.name == "UTC":
            return None
        return _local_zone() if self.name == "Local" else _zoneinfo(self.name)

    def lookup(self, unix: int) -> tuple[str, int]:
        """The zone's abbreviation and offset east of UTC (seconds) at that instant."""
        if self.fixed is not None:
            return self.fixed
        zone = self.zone()
        if zone is None:
            return "UTC", 0
        when = datetime.fromtimestamp(min(max(unix, _MIN_SEC), _MAX_SEC), tz=zone)
        offset = when.utcoffset()
        return when.tzname() or "", int(offset.total_seconds()) if offset is not None else 0

    def lookup_name(self, name: str, unix: int) -> int | None:
        """Go's ``lookupName``: the offset of the zone called ``name`` around that time."""
        # zoneinfo lists no zones: sample around that time and over the zone's recorded history
        near = [unix + k * 30 * 86400 for k in range(-12, 13)]
        history = range(-2840140800, 2240524800, 182 * 86400)  # 1880 to 2041, twice a year
        seen = [self.lookup(t) for t in (*near, *history)]
        for zname, offset in seen:
            if zname == name and self.lookup(unix - offset)[0] == name:
                return self.lookup(unix - offset)[1]
        return next((offset for zname, offset in seen if zname == name), None)


UTC_LOC = Location("UTC")
LOCAL = Location("Local")


def load_location(name: str) -> Location | None:
    """Go's ``time.LoadLocation``; None where Go returns an error."""
    if name in ("", "UTC"):
        return UTC_LOC
    if name == "Local":
        return LOCAL
    if ".." in name or name.startswith(("/", "\\")):
        return None
    try:
        _zoneinfo(name)
    except Exception:
        return None
    return Location(name)


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def civil_from_days(days: int) -> tuple[int, int, int]:
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, d


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


@dataclass(frozen=True)
class Time(GoStruct):
    """Go's ``time.Time``."""

    sec: int
    nsec: int = 0
    loc: Location = UTC_LOC
    mono: int | None = field(default=None, compare=False)

    go_type = "time.Time"

    def zone(self) -> tuple[str, int]:
        return self.loc.lookup(self.sec)

    def fields(self) -> tuple[int, int, int, int, int, int, int, int]:
        """(year, month, day, hour, minute, second, weekday, yday) in the time's zone."""
        local = self.sec + self.zone()[1]
        days, secs = divmod(local, 86400)
        year, month, day = civil_from_days(days)
        yday = days - days_from_civil(year, 1, 1) + 1
        return year, month, day, secs // 3600, secs // 60 % 60, secs % 60, (days + 4) % 7, yday

    def add(self, duration: int) -> Time:
        sec, nsec = divmod(self.sec * SECOND + self.nsec + duration, SECOND)
        mono = None if self.mono is None else self.mono + duration
        return Time(sec, nsec, self.loc, mono)

    def unix_nano(self) -> int:
        return self.sec * SECOND + self.nsec

    def go_text(self) -> str:
        return format_time(self, "2006-01-02T15:04:05.999999999Z07:00")

    def go_string(self) -> str:
        text = format_time(self, "2006-01-02 15:04:05.999999999 -0700 MST")
        if self.mono is None:
            return text
        sign = "-" if self.mono < 0 else "+"
        secs, nanos = divmod(abs(self.mono), SECOND)
        return f"{text} m={sign}{secs}.{nanos:09d}"


def date(year: int, month: int, day: int, clock: tuple[int, int, int, int], loc: Location) -> Time:
    """Go's ``time.Date`` for a valid date: the instant of that wall clock in ``loc``."""
    hour, minute, sec, nsec = clock
    unix = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + sec
    offset = loc.lookup(unix - loc.lookup(unix)[1])[1]
    return Time(unix - offset, nsec, loc)


def unix(sec: int) -> Time:
    """``time.Unix(sec, 0)``, in Local."""
    return Time(sec, 0, LOCAL)


def now() -> Time:
    """``time.Now()``, with its monotonic reading."""
    ns = time.time_ns()
    return Time(ns // SECOND, ns % SECOND, LOCAL, time.monotonic_ns() - _START)


def since(t: Time) -> int:
    """``time.Since``: nanoseconds from ``t`` to now."""
    return time.time_ns() - t.unix_nano()


ZERO = Time(ZERO_SEC)


# --- Go's layouts: Time.Format ---

# the layout elements (format.go's std constants), longest first where one is a prefix
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]  # fmt: skip
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_ZONES = ("-070000", "-07:00:00", "-0700", "-07:00", "-07", "Z070000", "Z07:00:00", "Z0700",
          "Z07:00", "Z07")  # fmt: skip
_ZERO_X = {"1": "01", "2": "02", "3": "03", "4": "04", "5": "05", "6": "06"}


def _lower_start(s: str) -> bool:
    return bool(s) and "a" <= s[0] <= "z"


def _frac(layout: str, i: int) -> tuple[str, int] | None:
    if i + 1 < len(layout) and layout[i + 1] in "09":
        j = i + 1
        while j < len(layout) and layout[j] == layout[i + 1]:
            j += 1
        if not (j < len(layout) and layout[j].isdigit() and layout[j].isascii()):
            return layout[i:j], j
    return None


def _std_word(layout: str, i: int) -> tuple[str, int] | None:
    """``Jan``/``January``, ``Mon``/``Monday``, ``MST``, ``PM``, ``pm``."""
    rest = layout[i:]
    for long, short in (("January", "Jan"), ("Monday", "Mon")):
        if rest.startswith(short):
            if rest.startswith(long):
                return long, i + len(long)
            if not _lower_start(layout[i + 3 :]):
                return short, i + 3
    for word in ("MST", "PM", "pm"):
        if rest.startswith(word):
            return word, i + len(word)
    return None


def _std_digit(layout: str, i: int) -> tuple[str, int] | None:
    """``01``..``06``, ``002``, ``15``, ``1``, ``2006``, ``2``, ``3``, ``4``, ``5``."""
    rest = layout[i:]
    if rest[0] == "0":
        if len(rest) >= 2 and "1" <= rest[1] <= "6":
            return _ZERO_X[rest[1]], i + 2
        return ("002", i + 3) if rest.startswith("002") else None
    for token in ("15", "2006"):
        if rest.startswith(token):
            return token, i + len(token)
    return rest[0], i + 1


def _std_under(layout: str, i: int) -> tuple[str, int] | None:
    """``_2`` (``_2006`` is ``_`` then ``2006``) and ``__2``."""
    rest = layout[i:]
    if rest.startswith("_2006"):
        return "_2006", i + 5
    if rest.startswith("_2"):
        return "_2", i + 2
    return ("__2", i + 3) if rest.startswith("__2") else None


def _std_zone(layout: str, i: int) -> tuple[str, int] | None:
    zone = next((z for z in _ZONES if layout.startswith(z, i)), None)
    return None if zone is None else (zone, i + len(zone))


_STD_AT = {"J": _std_word, "M": _std_word, "P": _std_word, "p": _std_word, "_": _std_under,
           "-": _std_zone, "Z": _std_zone, ".": _frac, ",": _frac}  # fmt: skip


def next_std(layout: str) -> tuple[str, str, str]:
    """Go's ``nextStdChunk``: (literal prefix, element, rest); the element is "" at the end."""
    for i, c in enumerate(layout):
        at = _std_digit if c in "0123456789" and c not in "6789" else _STD_AT.get(c)
        found = at(layout, i) if at is not None else None
        if found is not None:
            std, end = found
            if std == "_2006":  # the underscore stays literal text
                return layout[: i + 1], "2006", layout[end:]
            return layout[:i], std, layout[end:]
    return layout, "", ""


def _zone_text(std: str, offset: int) -> str:
    if offset == 0 and std.startswith("Z"):
        return "Z"
    sign = "-" if offset < 0 else "+"
    a = abs(offset)
    hh, mm, ss = a // 3600, a // 60 % 60, a % 60
    colon = ":" if ":" in std else ""
    text = f"{sign}{hh:02d}"
    if std not in ("-07", "Z07"):
        text += f"{colon}{mm:02d}"
    if std in ("-070000", "Z070000", "-07:00:00", "Z07:00:00"):
        text += f"{colon}{ss:02d}"
    return text


def _nano(nsec: int, std: str) -> str:
    digits, trim = len(std) - 1, std[1] == "9"
    if trim and nsec == 0:
        return ""
    text = f"{nsec:09d}"[:digits]
    if trim:
        text = text.rstrip("0")
        return std[0] + text if text else ""
    return std[0] + text


# each element from (year, month, day, hour, minute, second, weekday, yday)
_FORMAT: dict[str, Any] = {
    "06": lambda f: f"{abs(f[0]) % 100:02d}",
    "2006": lambda f: f"-{-f[0]:04d}" if f[0] < 0 else f"{f[0]:04d}",
    "Jan": lambda f: _MONTHS[f[1] - 1][:3], "January": lambda f: _MONTHS[f[1] - 1],
    "1": lambda f: str(f[1]), "01": lambda f: f"{f[1]:02d}",
    "Mon": lambda f: _DAYS[f[6]][:3], "Monday": lambda f: _DAYS[f[6]],
    "2": lambda f: str(f[2]), "_2": lambda f: f"{f[2]:2d}", "02": lambda f: f"{f[2]:02d}",
    "__2": lambda f: f"{f[7]:3d}", "002": lambda f: f"{f[7]:03d}",
    "15": lambda f: f"{f[3]:02d}", "3": lambda f: str(f[3] % 12 or 12),
    "03": lambda f: f"{f[3] % 12 or 12:02d}", "4": lambda f: str(f[4]),
    "04": lambda f: f"{f[4]:02d}", "5": lambda f: str(f[5]), "05": lambda f: f"{f[5]:02d}",
    "PM": lambda f: "PM" if f[3] >= 12 else "AM", "pm": lambda f: "pm" if f[3] >= 12 else "am",
}  # fmt: skip


def format_time(t: Time, layout: str) -> str:
    """Go's ``Time.Format``."""
    name, offset = t.zone()
    fields = t.fields()
    out: list[str] = []
    while layout:
        prefix, std, layout = next_std(layout)
        out.append(prefix)
        if not std:
            break
        if std in _ZONES:
            out.append(_zone_text(std, offset))
        elif std == "MST":
            out.append(name or _zone_text("-0700", int(offset / 60) * 60))
        elif std[0] in ".,":
            out.append(_nano(t.nsec, std))
        else:
            out.append(_FORMAT[std](fields))
    return "".join(out)


def is_time(value: Any) -> bool:
    return isinstance(value, Time)
