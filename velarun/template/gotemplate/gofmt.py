"""Go's ``fmt`` printing of one value under one verb (``printArg``/``printValue`` and the
``fmt`` formatters), and ``Sprint``/``Sprintln``; ``Sprintf``'s format parsing is :mod:`printf`.

Verbs: ``%v %#v %T %s %q %d %b %o %O %x %X %c %U %e %E %f %F %g %G %t`` with flags
``+ - # 0`` and space, width and precision, over the values of :mod:`values`. A verb that does
not fit the value prints Go's ``%!d(string=x)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from velarun.template.gotemplate.quote import go_quote, go_quote_rune
from velarun.template.gotemplate.values import GoStruct, is_int, sort_keys, type_name


@dataclass
class Spec:
    """One verb with its flags, width and precision."""

    verb: str = "v"
    plus: bool = False
    minus: bool = False
    sharp: bool = False
    space: bool = False
    zero: bool = False
    width: int | None = None
    prec: int | None = None


def shortest_float(f: float, verb: str = "g", prec: int | None = None) -> str:
    """Go's ``strconv.FormatFloat(f, 'g'|'e'|'f', prec, 64)``; ``prec`` None is shortest."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if prec is not None:
        return f"{f:.{prec}{verb}}"
    if verb == "f":
        return format(Decimal(repr(f)), "f")
    sign, digits, exp = Decimal(repr(f)).normalize().as_tuple()
    text = "".join(map(str, digits)) or "0"
    if f == 0:
        text, exp = "0", 0
    assert isinstance(exp, int)
    x = exp + len(text) - 1  # the decimal exponent of the first digit
    neg = "-" if sign else ""
    if verb == "e" or x < -4 or x >= (21 if verb == "j" else 6):
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{neg}{mantissa}e{'-' if x < 0 else '+'}{abs(x):02d}"
    return neg + format(Decimal(f"{text}E{exp}"), "f")


def hex_float(f: float, prec: int | None) -> str:
    """Go's ``%x`` of a float: ``0x1.cp+01`` (shortest mantissa, two-digit exponent)."""
    if prec is not None:
        raise ValueError("a precision with %x of a float is not supported")
    mantissa, exp = f.hex().split("p")
    mantissa = mantissa.rstrip("0").rstrip(".")
    if f == 0:
        mantissa, exp = "0x0", "+0"
    return f"{mantissa}p{exp[0]}{abs(int(exp)):02d}"


def binary_float(f: float) -> str:
    """Go's ``%b`` of a float: ``mantissa p exponent`` with an integer mantissa."""
    if f == 0:
        return "0p-1074"
    mantissa, exp = math.frexp(f)
    bits, exp = int(mantissa * 2**53), exp - 53
    if exp < -1074:
        bits, exp = bits >> (-1074 - exp), -1074
    return f"{bits}p{exp:+d}"


def sharp_float(num: str, verb: str, prec: int | None) -> str:
    """Go's ``#`` flag on a float formatted in lower case: keep the point, and for ``%#g``,
    ``%#G`` and ``%#x`` (not ``%#X``) pad with zeros to the precision (6 without one), counting
    digits Go's way."""
    digits = (6 if prec is None else prec) if verb in ("g", "G", "x") else 0
    verb = verb.lower()
    tail, has_point, seen_nonzero, body = "", False, False, num
    for i, c in enumerate(num):
        if c == ".":
            has_point = True
        elif c == "p" or (c == "e" and verb != "x"):
            body, tail = num[:i], num[i:]
            break
        else:
            seen_nonzero = seen_nonzero or c != "0"
            digits -= seen_nonzero
    if not has_point:
        digits -= body == "0"
        body += "."
    return body + "0" * max(0, digits) + tail


def pad(text: str, spec: Spec, *, numeric: bool = False) -> str:
    """Go's ``pad``: spaces (zeros with the ``0`` flag, after a number's sign) to the width."""
    if spec.width is None or len(text) >= spec.width:
        return text
    fill = spec.width - len(text)
    if spec.minus:
        return text + " " * fill
    if spec.zero:
        sign = text[0] if numeric and text[:1] in ("+", "-", " ") else ""
        return sign + "0" * fill + text[len(sign) :]
    return " " * fill + text


def _sign(negative: bool, spec: Spec) -> str:
    return "-" if negative else "+" if spec.plus else " " if spec.space else ""


def _fmt_rune(value: int, spec: Spec) -> str:
    """``%c``, ``%q`` and ``%U`` of an integer."""
    if spec.verb == "c":
        return pad(chr(value) if 0 <= value <= 0x10FFFF else "\ufffd", spec)
    if spec.verb == "q":
        return pad(go_quote_rune(value, ascii_only=spec.plus), spec)
    text = f"U+{value & 0xFFFFFFFFFFFFFFFF:04X}"
    if spec.sharp and 0 <= value <= 0x10FFFF and chr(value).isprintable():
        text += f" '{chr(value)}'"
    return pad(text, replace(spec, zero=False))


def fmt_int(value: int, spec: Spec) -> str:
    """Go's ``fmtInteger`` for an integer argument under an integer verb."""
    verb = spec.verb
    if verb in "cqU":
        return _fmt_rune(value, spec)
    base = {"d": "d", "v": "d", "b": "b", "o": "o", "O": "o", "x": "x", "X": "X"}[verb]
    digits = format(abs(value), base)
    if spec.prec is not None:
        digits = digits.rjust(spec.prec, "0")
        if spec.prec == 0 and value == 0:
            digits = ""
    prefix = ""
    if verb == "O" or (spec.sharp and verb == "o" and not digits.startswith("0")):
        prefix = "0o" if verb == "O" else "0"
    elif spec.sharp and verb in ("x", "X", "b"):
        prefix = {"x": "0x", "X": "0X", "b": "0b"}[verb]
    text = _sign(value < 0, spec) + prefix + digits
    zero_ok = spec.prec is None and not spec.minus
    if spec.zero and zero_ok and spec.width is not None and len(text) < spec.width:
        sign = _sign(value < 0, spec)  # Go zero-pads the digits to the width less the sign
        return sign + prefix + digits.rjust(spec.width - len(sign), "0")
    return pad(text, replace(spec, zero=False))


def fmt_float(value: float, spec: Spec) -> str:
    verb = spec.verb
    lower = verb.lower() if verb != "v" else "g"
    if math.isnan(value) or math.isinf(value):
        text = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
        if math.isinf(value) and value > 0 and spec.space and not spec.plus:
            text = " Inf"  # Go keeps the + of +Inf unless asked for a space
        return pad(text, Spec(width=spec.width, minus=spec.minus))
    prec = spec.prec
    if prec is None and lower in ("e", "f"):
        prec = 6
    if lower == "x":
        text = hex_float(abs(value), prec)
    elif lower == "b":
        text = binary_float(abs(value))
    else:
        text = shortest_float(abs(value), lower, prec)
    if spec.sharp and lower != "b":
        text = sharp_float(text, lower if verb == "v" else verb, prec)
    if verb in ("E", "G", "X"):
        text = text.upper()
    negative = math.copysign(1.0, value) < 0
    return pad(_sign(negative, spec) + text, spec, numeric=not spec.minus)


def _hex_bytes(data: bytes, spec: Spec) -> str:
    """Go's ``fmtSbx``: ``%x`` of a string; ``#`` adds 0x (per byte with the space flag)."""
    if spec.prec is not None:
        data = data[: spec.prec]
    if not data:
        return ""
    digits = [format(b, "02" + spec.verb) for b in data]
    prefix = ("0x" if spec.verb == "x" else "0X") if spec.sharp else ""
    if spec.space:
        return " ".join(prefix + d for d in digits)
    return prefix + "".join(digits)


def fmt_str(value: str, spec: Spec) -> str | None:
    verb = spec.verb
    if spec.prec is not None and verb in ("s", "v", "q"):
        value = value[: spec.prec]
    if verb in ("s", "v"):
        return pad(value, spec)
    if verb == "q":
        if spec.sharp and "`" not in value and all(c == "\t" or c.isprintable() for c in value):
            return pad(f"`{value}`", spec)
        return pad(go_quote(value, ascii_only=spec.plus), spec)
    if verb in ("x", "X"):
        return pad(_hex_bytes(value.encode("utf-8", "surrogateescape"), spec), spec)
    return None


_INT_VERBS = set("bcdoOqxXUv")
_FLOAT_VERBS = set("beEfFgGvxX")


def fmt_value(value: Any, spec: Spec, depth: int = 0) -> str:
    """One argument under one verb, as ``pp.printArg``/``printValue`` print it."""
    verb = spec.verb
    if verb == "T":
        return pad(type_name(value), spec)
    if value is None:
        if depth > 0:  # a nil element of a list or map: Go writes it without padding
            return "<nil>"
        return pad("<nil>", spec) if verb == "v" else bad_verb(spec, value)
    if isinstance(value, bool):
        return pad("true" if value else "false", spec) if verb in "tv" else bad_verb(spec, value)
    if is_int(value):
        return fmt_int(int(value), spec) if verb in _INT_VERBS else bad_verb(spec, value)
    if isinstance(value, float):
        return fmt_float(value, spec) if verb in _FLOAT_VERBS else bad_verb(spec, value)
    if isinstance(value, str):
        text = fmt_str(value, spec)
        return text if text is not None else bad_verb(spec, value)
    if isinstance(value, list | tuple | dict):
        return _fmt_composite(value, spec, depth)
    if isinstance(value, GoStruct) and verb in "vsqxX":  # Go's handleMethods: a Stringer
        text = fmt_str(value.go_string(), spec)
        return text if text is not None else bad_verb(spec, value)
    return pad(f"{value!r}", spec)


def _fmt_composite(value: list[Any] | tuple[Any, ...] | dict[Any, Any], spec: Spec,
                   depth: int) -> str:  # fmt: skip
    """A list as ``[a b]`` and a map as ``map[k:v]``, each element under the verb."""
    if spec.sharp and spec.verb == "v":
        return go_syntax(value)
    if isinstance(value, dict):
        items = (f"{fmt_value(k, spec, depth + 1)}:{fmt_value(value[k], spec, depth + 1)}"
                 for k in sort_keys(value))  # fmt: skip
        return "map[" + " ".join(items) + "]"
    return "[" + " ".join(fmt_value(v, spec, depth + 1) for v in value) + "]"


def go_syntax(value: Any) -> str:
    """``%#v`` of a value inside a composite (Go-syntax representation)."""
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, list | tuple):
        return "[]interface {}{" + ", ".join(go_syntax(v) for v in value) + "}"
    if isinstance(value, dict):
        items = (f"{go_quote(k)}:{go_syntax(value[k])}" for k in sort_keys(value))
        return "map[string]interface {}{" + ", ".join(items) + "}"
    return fmt_value(value, Spec())


def bad_verb(spec: Spec, value: Any) -> str:
    """Go's ``%!d(string=x)``: the value printed with ``%v`` under the same flags."""
    if value is None:
        return f"%!{spec.verb}(<nil>)"
    return f"%!{spec.verb}({type_name(value)}={fmt_value(value, replace(spec, verb='v'))})"


def sprint(*args: Any) -> str:
    """``fmt.Sprint``: a space between operands when neither side is a string."""
    out: list[str] = []
    prev_string = False
    for i, arg in enumerate(args):
        is_string = isinstance(arg, str)
        if i > 0 and not is_string and not prev_string:
            out.append(" ")
        out.append(fmt_value(arg, Spec()))
        prev_string = is_string
    return "".join(out)


def sprintln(*args: Any) -> str:
    """``fmt.Sprintln``: operands separated by spaces, then a newline."""
    return " ".join(fmt_value(arg, Spec()) for arg in args) + "\n"
