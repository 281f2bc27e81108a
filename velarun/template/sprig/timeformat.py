"""Go's ``time.ParseInLocation`` (time/format.go) with Go's ``ParseError`` messages; the layout's
elements and ``Format`` are in ``gotime``."""

from __future__ import annotations

from typing import Any

from velarun.template.sprig.gotime import (
    _DAYS,
    _MONTHS,
    _ZONES,
    LOCAL,
    UTC_LOC,
    Location,
    Time,
    date,
    days_in,
    next_std,
)

# --- parsing ---


class TimeParseError(ValueError):
    """Go's ``*time.ParseError``; the message is Go's ``Error()``."""


def quote(s: str) -> str:
    """time's own ``quote``: non-ASCII and control bytes as ``\\x..``."""
    out = ['"']
    for c in s:
        if c >= "\x80" or c < " ":
            out.extend(f"\\x{b:02x}" for b in c.encode("utf-8", "surrogateescape"))
        else:
            out.append("\\" + c if c in '"\\' else c)
    out.append('"')
    return "".join(out)


def _error(
    layout: str, value: str, elem: str, value_elem: str, message: str = ""
) -> TimeParseError:
    if message:
        return TimeParseError(f"parsing time {quote(value)}{message}")
    return TimeParseError(
        f"parsing time {quote(value)} as {quote(layout)}: cannot parse {quote(value_elem)} as "
        f"{quote(elem)}"
    )


class _Bad(Exception):
    """format.go's ``errBad``: the element does not match."""


def _getnum(s: str, fixed: bool) -> tuple[int, str]:
    if not _digit(s, 0):
        raise _Bad
    if not _digit(s, 1):
        if fixed:
            raise _Bad
        return int(s[0]), s[1:]
    return int(s[:2]), s[2:]


def _getnum3(s: str, fixed: bool) -> tuple[int, str]:
    i = 0
    while i < 3 and _digit(s, i):
        i += 1
    if i == 0 or (fixed and i != 3):
        raise _Bad
    return int(s[:i]), s[i:]


def _digit(s: str, i: int) -> bool:
    return i < len(s) and "0" <= s[i] <= "9"


def _skip(value: str, prefix: str) -> tuple[str, bool]:
    """Go's ``skip``: the value past the layout's literal text, and whether it matched."""
    while prefix:
        if prefix[0] == " ":
            if value and value[0] != " ":
                return value, False
            prefix, value = prefix.lstrip(" "), value.lstrip(" ")
            continue
        if not value or value[0] != prefix[0]:
            return value, False
        prefix, value = prefix[1:], value[1:]
    return value, True


def _lookup(names: list[str], value: str) -> tuple[int, str]:
    """Go's ``lookup``: a name at the start of value, ASCII letters in any case."""
    for i, name in enumerate(names):
        head = value[: len(name)]
        if len(head) == len(name) and all(
            a == b or (a.isascii() and a.isalpha() and a.lower() == b.lower())
            for a, b in zip(head, name, strict=True)
        ):
            return i, value[len(name) :]
    raise _Bad


def _leading_int(s: str) -> tuple[int, str] | None:
    i = 0
    while i < len(s) and "0" <= s[i] <= "9":
        i += 1
    if i and int(s[:i]) > 2**63:
        return None
    return (int(s[:i]) if i else 0), s[i:]


def _atoi(s: str) -> int:
    neg = s[:1] == "-"
    if s[:1] in ("-", "+"):
        s = s[1:]
    lead = _leading_int(s)
    if lead is None or lead[1]:
        raise _Bad
    return -lead[0] if neg else lead[0]


def _nanoseconds(value: str, n: int) -> int:
    if value[0] not in ".,":
        raise _Bad
    n = min(n, 10)
    return int(_atoi(value[1:n]) * 10 ** (10 - n))


def _time_zone_length(value: str) -> int:
    """Go's ``parseTimeZone``: the length of a zone abbreviation at the start, 0 for none."""
    if len(value) < 3:
        return 0
    if value[:4] in ("ChST", "MeST"):
        return 4
    if value.startswith("GMT"):
        return 3 + _signed_offset(value[3:]) if len(value) > 3 else 3
    if value[0] in "+-":
        return _signed_offset(value)
    upper = 0
    while upper < min(6, len(value)) and "A" <= value[upper] <= "Z":
        upper += 1
    if upper == 5 and value[4] == "T":
        return 5
    if upper == 4 and (value[3] == "T" or value[:4] == "WITA"):
        return 4
    return 3 if upper == 3 else 0


def _signed_offset(value: str) -> int:
    if value[:1] not in ("-", "+"):
        return 0
    lead = _leading_int(value[1:])
    if lead is None or lead[1] == value[1:] or lead[0] > 23:
        return 0
    return len(value) - len(lead[1])


_SHORT_MONTHS = [m[:3] for m in _MONTHS]
_SHORT_DAYS = [d[:3] for d in _DAYS]


class _Parsed:
    """What the layout's elements read so far (format.go's locals in ``parse``)."""

    def __init__(self) -> None:
        self.year, self.month, self.day, self.yday = 0, -1, -1, -1
        self.hour = self.minute = self.sec = self.nsec = 0
        self.am = self.pm = False
        self.z: Location | None = None
        self.zone_offset, self.zone_name = -1, ""
        self.range_err = ""


# how each numeric zone element splits the value: (length, colon positions, [hh, mm, ss] slices)
_ZONE_SHAPES = {
    "Z07:00": (6, (3,), ((1, 3), (4, 6), None)), "-07:00": (6, (3,), ((1, 3), (4, 6), None)),
    "Z07": (3, (), ((1, 3), None, None)), "-07": (3, (), ((1, 3), None, None)),
    "Z07:00:00": (9, (3, 6), ((1, 3), (4, 6), (7, 9))),
    "-07:00:00": (9, (3, 6), ((1, 3), (4, 6), (7, 9))),
    "Z070000": (7, (), ((1, 3), (3, 5), (5, 7))), "-070000": (7, (), ((1, 3), (3, 5), (5, 7))),
    "Z0700": (5, (), ((1, 3), (3, 5), None)), "-0700": (5, (), ((1, 3), (3, 5), None)),
}  # fmt: skip


def _zone_offset(p: _Parsed, std: str, value: str) -> str:
    if std.startswith("Z") and value[:1] == "Z":
        p.z = UTC_LOC
        return value[1:]
    length, colons, slices = _ZONE_SHAPES[std]
    if len(value) < length or any(value[i] != ":" for i in colons):
        raise _Bad
    parts = [value[sl[0] : sl[1]] if sl else "00" for sl in slices]
    sign, value = value[0], value[length:]
    numbers, bad = [0, 0, 0], False
    for i, part in enumerate(parts):
        try:
            numbers[i] = _getnum(part, True)[0]
        except _Bad:  # Go checks the ranges of what it read before the error
            bad = True
            break
    limits = zip(numbers, (24, 60, 60), ("hour", "minute", "second"), strict=True)
    for number, limit, what in limits:
        if number > limit:
            p.range_err = f"time zone offset {what}"
    if bad or sign not in "+-":
        raise _Bad
    p.zone_offset = (numbers[0] * 60 + numbers[1]) * 60 + numbers[2]
    if sign == "-":
        p.zone_offset = -p.zone_offset
    return value


def _second(p: _Parsed, std: str, value: str, layout: str) -> str:
    p.sec, value = _getnum(value, std == "05")
    if p.sec >= 60:
        p.range_err = "second"
        return value
    if len(value) >= 2 and value[0] in ".," and _digit(value, 1):
        nxt = next_std(layout)[1]
        if nxt[:1] in (".", ",") and nxt[1:2] in ("0", "9"):
            return value
        n = 2
        while _digit(value, n):
            n += 1
        p.nsec = _nanoseconds(value, n)
        value = value[n:]
    return value


def _year2(p: _Parsed, std: str, value: str) -> str:
    if len(value) < 2:
        raise _Bad
    p.year = _atoi(value[:2])
    p.year += 1900 if p.year >= 69 else 2000
    return value[2:]


def _year4(p: _Parsed, std: str, value: str) -> str:
    if len(value) < 4 or not _digit(value, 0):
        raise _Bad
    p.year = _atoi(value[:4])
    return value[4:]


def _month_name(p: _Parsed, std: str, value: str) -> str:
    p.month, value = _lookup(_SHORT_MONTHS if std == "Jan" else _MONTHS, value)
    p.month += 1
    return value


def _month(p: _Parsed, std: str, value: str) -> str:
    p.month, value = _getnum(value, std == "01")
    if not 1 <= p.month <= 12:
        p.range_err = "month"
    return value


def _weekday(p: _Parsed, std: str, value: str) -> str:
    return _lookup(_SHORT_DAYS if std == "Mon" else _DAYS, value)[1]


def _day(p: _Parsed, std: str, value: str) -> str:
    if std == "_2" and value[:1] == " ":
        value = value[1:]
    p.day, value = _getnum(value, std == "02")
    return value


def _yday(p: _Parsed, std: str, value: str) -> str:
    for _ in range(2):
        if std == "__2" and value[:1] == " ":
            value = value[1:]
    p.yday, value = _getnum3(value, std == "002")
    return value


def _hour(p: _Parsed, std: str, value: str) -> str:
    p.hour, value = _getnum(value, std == "03")
    if p.hour > (23 if std == "15" else 12):
        p.range_err = "hour"
    return value


def _minute(p: _Parsed, std: str, value: str) -> str:
    p.minute, value = _getnum(value, std == "04")
    if p.minute >= 60:
        p.range_err = "minute"
    return value


def _ampm(p: _Parsed, std: str, value: str) -> str:
    if len(value) < 2 or value[:2] not in (std, "AM" if std == "PM" else "am"):
        raise _Bad
    p.pm, p.am = value[:2] == std, value[:2] != std
    return value[2:]


def _zone_name(p: _Parsed, std: str, value: str) -> str:
    if value.startswith("UTC"):
        p.z = UTC_LOC
        return value[3:]
    n = _time_zone_length(value)
    if n == 0:
        raise _Bad
    p.zone_name = value[:n]
    return value[n:]


_ELEMENTS: dict[str, Any] = {
    "06": _year2, "2006": _year4, "Jan": _month_name, "January": _month_name, "1": _month,
    "01": _month, "Mon": _weekday, "Monday": _weekday, "2": _day, "_2": _day, "02": _day,
    "__2": _yday, "002": _yday, "15": _hour, "3": _hour, "03": _hour, "4": _minute,
    "04": _minute, "PM": _ampm, "pm": _ampm, "MST": _zone_name,
}  # fmt: skip


def _element(p: _Parsed, std: str, value: str, layout: str) -> str:
    """Read one layout element from the value; what is left of it."""
    if std in ("5", "05"):
        return _second(p, std, value, layout)
    if std in _ZONES:
        return _zone_offset(p, std, value)
    handler = _ELEMENTS.get(std)
    return handler(p, std, value) if handler is not None else _fraction(p, std, value)


def _fraction(p: _Parsed, std: str, value: str) -> str:
    if std[1] == "0":
        n = len(std)
        if len(value) < n:
            raise _Bad
        p.nsec = _nanoseconds(value, n)
        return value[n:]
    if len(value) < 2 or value[0] not in ".," or not _digit(value, 1):
        return value
    i = 1
    while _digit(value, i + 1):
        i += 1
    p.nsec = _nanoseconds(value, 1 + i)
    return value[1 + i :]


def parse_in_location(layout: str, value: str, loc: Location = LOCAL) -> Time:
    """Go's ``time.ParseInLocation``; raises :class:`TimeParseError` with Go's message."""
    alayout, avalue, p = layout, value, _Parsed()
    while True:
        prefix, std, suffix = next_std(layout)
        stdstr = layout[len(prefix) : len(layout) - len(suffix)]
        value, matched = _skip(value, prefix)
        if not matched:
            raise _error(alayout, avalue, prefix, value)
        if not std:
            if value:
                raise _error(alayout, avalue, "", value, ": extra text: " + quote(value))
            break
        layout, hold = suffix, value
        try:
            value = _element(p, std, value, layout)
        except _Bad:
            if p.range_err:
                raise _error(
                    alayout, avalue, stdstr, value, f": {p.range_err} out of range"
                ) from None
            raise _error(alayout, avalue, stdstr, hold) from None
        if p.range_err:
            raise _error(alayout, avalue, stdstr, value, f": {p.range_err} out of range")
    return _finish(p, alayout, avalue, value, loc)


def _finish(p: _Parsed, layout: str, avalue: str, value: str, loc: Location) -> Time:
    if p.pm and p.hour < 12:
        p.hour += 12
    elif p.am and p.hour == 12:
        p.hour = 0
    if p.yday >= 0:
        _from_yday(p, layout, avalue, value)
    else:
        p.month = 1 if p.month < 0 else p.month
        p.day = 1 if p.day < 0 else p.day
    if p.day < 1 or p.day > days_in(p.month, p.year):
        raise _error(layout, avalue, "", value, ": day out of range")
    clock = (p.hour, p.minute, p.sec, p.nsec)
    if p.z is not None:
        return date(p.year, p.month, p.day, clock, p.z)
    if p.zone_offset != -1:
        t = date(p.year, p.month, p.day, clock, UTC_LOC)
        sec = t.sec - p.zone_offset
        name, offset = LOCAL.lookup(sec)
        if offset == p.zone_offset and (not p.zone_name or name == p.zone_name):
            return Time(sec, t.nsec, LOCAL)
        return Time(sec, t.nsec, Location(p.zone_name, (p.zone_name, p.zone_offset)))
    if p.zone_name:
        t = date(p.year, p.month, p.day, clock, UTC_LOC)
        found = LOCAL.lookup_name(p.zone_name, t.sec)
        if found is not None:
            return Time(t.sec - found, t.nsec, LOCAL)
        offset = 0
        if len(p.zone_name) > 3 and p.zone_name.startswith("GMT"):
            offset = _atoi(p.zone_name[3:]) * 3600
        return Time(t.sec, t.nsec, Location(p.zone_name, (p.zone_name, offset)))
    return date(p.year, p.month, p.day, clock, loc)


def _from_yday(p: _Parsed, layout: str, avalue: str, value: str) -> None:
    yday, m, d = p.yday, 0, 0
    leap = p.year % 4 == 0 and (p.year % 100 != 0 or p.year % 400 == 0)
    if leap:
        if yday == 31 + 29:
            m, d = 2, 29
        elif yday > 31 + 29:
            yday -= 1
    if yday < 1 or yday > 365:
        raise _error(layout, avalue, "", value, ": day-of-year out of range")
    if m == 0:
        before = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365]
        m = (yday - 1) // 31 + 1
        if before[m] < yday:
            m += 1
        d = yday - before[m - 1]
    if p.month >= 0 and p.month != m:
        raise _error(layout, avalue, "", value, ": day-of-year does not match month")
    if p.day >= 0 and p.day != d:
        raise _error(layout, avalue, "", value, ": day-of-year does not match day")
    p.month, p.day = m, d
