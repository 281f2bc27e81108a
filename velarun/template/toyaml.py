"""Vela's ``toYaml``: yaml.v3's ``Marshal`` of a template value, the trailing newline trimmed.

A port of what go.yaml.in/yaml/v3 (v3.0.4, as the Vela server uses it) does with the values a
template holds (see ``gotemplate/values.py``): the encoder's choice of style (a string that
would read back as something else is double-quoted, one with a newline is a literal block) and
the emitter's own rules (plain when allowed, else single-quoted, else double-quoted; 4-space
indentation, 2 more inside a sequence item; no line folding; ``{}`` and ``[]`` for empty maps
and lists; keys of more than 128 bytes or spanning lines written as ``? key``). A string that
is not valid UTF-8 is written ``!!binary`` in base64, as yaml.v3 does.
"""

from __future__ import annotations

import base64
import functools
import re
import unicodedata
from typing import Any

from velarun.template.gotemplate.funcs import FuncError
from velarun.template.gotemplate.gofmt import shortest_float
from velarun.template.gotemplate.values import GoStruct, bare, type_name

__all__ = ["to_yaml"]

_BREAKS = "\r\n\x85\u2028\u2029"
_OLD_BOOLS = frozenset(
    ["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off",
     "OFF"]
)  # fmt: skip
_RESOLVED = frozenset(
    ["true", "True", "TRUE", "false", "False", "FALSE", "~", "null", "Null", "NULL", ".nan",
     ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"]
)  # fmt: skip
_BASE60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z")
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?\Z")
_GO_INT = re.compile(r"[-+]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|[1-9][0-9]*|0)\Z")
_STAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]| +)(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?)?",
    re.ASCII,
)
_ZONE = re.compile(r"Z|[-+](\d\d):(\d\d)", re.ASCII)
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ESCAPES = {"\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f",
            "\r": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_",
            "\u2028": "L", "\u2029": "P"}  # fmt: skip

# the emitter states that matter here: which one is on top decides a nested indentation
_SEQ_ITEM, _OTHER = "seq-item", "other"


def to_yaml(value: object) -> str:
    """``yaml.Marshal(value)`` as a string, without its last newline ("" on a marshal error)."""
    emitter = _Emitter()
    emitter.states.append(_OTHER)
    emitter.node(value, root=True)
    emitter.write_indent()  # the document's end
    text = "".join(emitter.out)
    return text[:-1] if text.endswith("\n") else text


def _is_timestamp(s: str) -> bool:
    """yaml.v3's ``parseTimestamp``: one of its four layouts, read by Go's ``time.Parse``."""
    m = _STAMP.match(s)
    if m is None:
        return False
    rest = s[m.end() :]
    if m.group(4) is not None and s[m.start(4) - 1] in "Tt":
        zone = _ZONE.fullmatch(rest)
        if zone is None or (zone.group(1) and (int(zone.group(1)) > 24 or int(zone.group(2)) > 60)):
            return False
    elif rest:
        return False
    year, month, day = (int(g) for g in m.group(1, 2, 3))
    if not 1 <= month <= 12:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= day <= _DAYS[month - 1] + (month == 2 and leap):
        return False
    if m.group(4) is None:
        return True
    hour, minute, second = (int(g) for g in m.group(4, 5, 6))
    return hour < 24 and minute < 60 and second < 60


def _go_int(plain: str) -> bool:
    """``strconv.ParseInt(plain, 0, 64)`` or ``ParseUint`` succeeds."""
    if _GO_INT.match(plain) is None:
        return False
    n = int(plain, 8) if re.match(r"[-+]?0[0-7]", plain) else int(plain, 0)
    return -(2**63) <= n < 2**64 and not (n >= 2**63 and plain[0] in "+-")


def _resolves_to_other(s: str) -> bool:
    """yaml.v3's ``resolve("", s)`` is not ``!!str``, or the string is a YAML 1.1 bool or
    base-60 float: the encoder then quotes it."""
    if s == "" or s in _RESOLVED or s in _OLD_BOOLS:
        return True
    if s[0] in "+-0123456789" and ":" in s and _BASE60.match(s):
        return True
    if s[0] == ".":
        return _DOT_FLOAT.match(s) is not None
    if s[0] not in "+-0123456789":
        return False
    if _is_timestamp(s):
        return True
    plain = s.replace("_", "")
    if _go_int(plain):
        return True
    return _YAML_FLOAT.match(plain) is not None and abs(float(plain)) != float("inf")


def _go_digit(c: str) -> bool:
    return unicodedata.category(c) == "Nd"


def _key_less(a: str, b: str) -> bool:
    """yaml.v3's ``keyList.Less`` for two string keys: digits compare as numbers."""
    digits = False
    for i in range(min(len(a), len(b))):
        if a[i] == b[i]:
            digits = _go_digit(a[i])
            continue
        al, bl = a[i].isalpha(), b[i].isalpha()
        if al and bl:
            return a[i] < b[i]
        if al or bl:
            return al if digits else bl
        an = bn = 0
        if a[i] == "0" or b[i] == "0":
            j = i - 1
            while j >= 0 and _go_digit(a[j]):
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(a) and _go_digit(a[ai]):
            an = an * 10 + ord(a[ai]) - 48
            ai += 1
        bi = i
        while bi < len(b) and _go_digit(b[bi]):
            bn = bn * 10 + ord(b[bi]) - 48
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return a[i] < b[i]
    return len(a) < len(b)


def _sorted_keys(mapping: dict[Any, Any]) -> list[Any]:
    def cmp(a: Any, b: Any) -> int:
        return -1 if _key_less(str(a), str(b)) else 1 if _key_less(str(b), str(a)) else 0

    return sorted(mapping, key=functools.cmp_to_key(cmp))


def _printable(c: str) -> bool:
    o = ord(c)
    return (
        c == "\n"
        or 0x20 <= o <= 0x7E
        or 0xA0 <= o <= 0xD7FF
        or (0xE000 <= o <= 0xFFFD and o != 0xFEFF)
    )


def _block_indicators(value: str) -> bool:
    """The text has an indicator that keeps it from being a plain scalar in block context."""
    if value[:3] in ("---", "..."):
        return True
    n = len(value)
    for i, c in enumerate(value):
        followed_by_ws = i + 1 >= n or value[i + 1] in " \t"
        if i == 0:
            if c in "#,[]{}&*!|>'\"%@`" or (c in "?:-" and followed_by_ws):
                return True
        elif (c == ":" and followed_by_ws) or (c == "#" and value[i - 1] in " \t\0" + _BREAKS):
            return True
    return False


def _spacing(value: str) -> tuple[bool, bool, bool]:
    """(a line break, a space right after a break, a space right before a break)."""
    breaks = break_space = space_break = False
    prev_space = prev_break = False
    for c in value:
        if c == " ":
            break_space = break_space or prev_break
            prev_space, prev_break = True, False
        elif c in _BREAKS:
            breaks = True
            space_break = space_break or prev_space
            prev_space, prev_break = False, True
        else:
            prev_space = prev_break = False
    return breaks, break_space, space_break


class _Scalar:
    """The emitter's ``analyze_scalar``: which styles the text allows."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.multiline = False
        self.plain = self.single = True
        self.block = bool(value)
        if not value:
            return
        tabs = "\t" in value
        special = any(c != "\t" and not _printable(c) for c in value)
        breaks, break_space, space_break = _spacing(value)
        self.multiline = breaks
        edges = value[0] in " " + _BREAKS or value[-1] in " " + _BREAKS
        odd = break_space or space_break or tabs or special
        if edges or odd or breaks or _block_indicators(value):
            self.plain = False
        if value[-1] == " " or space_break or special:
            self.block = False
        if odd:
            self.single = False


class _Emitter:
    """The part of yaml.v3's emitter that block mappings, sequences and scalars go through."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.column = 0
        self.whitespace = self.indention = True
        self.indent = -1
        self.indents: list[int] = []
        self.states: list[str] = []

    # --- writing ---

    def put(self, text: str) -> None:
        self.out.append(text)
        self.column += len(text)

    def put_break(self) -> None:
        self.out.append("\n")
        self.column = 0
        self.indention = True

    def write_break(self, c: str) -> None:
        if c == "\n":
            self.put_break()
        else:
            self.out.append(c)
            self.column = 0
            self.indention = True

    def write_indent(self) -> None:
        indent = max(self.indent, 0)
        if (
            not self.indention
            or self.column > indent
            or (self.column == indent and not self.whitespace)
        ):
            self.put_break()
        if self.column < indent:
            self.put(" " * (indent - self.column))
        self.whitespace = True

    def indicator(self, text: str, need_ws: bool, is_ws: bool, is_indention: bool) -> None:
        if need_ws and not self.whitespace:
            self.put(" ")
        self.put(text)
        self.whitespace = is_ws
        self.indention = self.indention and is_indention

    def increase_indent(self, flow: bool) -> None:
        self.indents.append(self.indent)
        if self.indent < 0:
            self.indent = 4 if flow else 0
        elif self.states[-1] == _SEQ_ITEM:
            self.indent += 2
        else:
            self.indent = 4 * ((self.indent + 4) // 4)

    # --- nodes ---

    def node(self, value: Any, root: bool = False, simple_key: bool = False) -> None:
        value = bare(value)
        if isinstance(value, GoStruct) and value.go_type != "time.Time":
            value = value.go_marshal("yaml")  # a TextMarshaler's text, or a struct's fields
        if isinstance(value, list | tuple):
            self.sequence(value)
        elif isinstance(value, dict):
            self.mapping(value)
        else:
            tag, text, style = _scalar_event(value)
            self.scalar(_Scalar(text), tag, style, simple_key)

    def sequence(self, items: list[Any] | tuple[Any, ...]) -> None:
        if not items:
            self.indicator("[", True, True, False)
            self.indicator("]", False, False, False)
            return
        self.increase_indent(False)
        for item in items:
            self.write_indent()
            self.indicator("-", True, False, True)
            self.states.append(_SEQ_ITEM)
            self.node(item)
            self.states.pop()
        self.indent = self.indents.pop()

    def mapping(self, mapping: dict[Any, Any]) -> None:
        if not mapping:
            self.indicator("{", True, True, False)
            self.indicator("}", False, False, False)
            return
        self.increase_indent(False)
        for key in _sorted_keys(mapping):
            self.write_indent()
            tag, text, style = _scalar_event(key)
            scalar = _Scalar(text)
            self.states.append(_OTHER)
            if not scalar.multiline and len((tag + text).encode("utf-8", "surrogateescape")) <= 128:
                self.scalar(scalar, tag, style, simple_key=True)
                self.indicator(":", False, False, False)
            else:
                self.indicator("?", True, False, True)
                self.scalar(scalar, tag, style, simple_key=False)
                self.write_indent()
                self.indicator(":", True, False, True)
            self.node(mapping[key])
            self.states.pop()
        self.indent = self.indents.pop()

    def scalar(self, scalar: _Scalar, tag: str, style: str, simple_key: bool) -> None:
        if simple_key and scalar.multiline:
            style = '"'
        if style == "plain" and (not scalar.plain or (not scalar.value and simple_key)):
            style = "'"
        if style == "'" and not scalar.single:
            style = '"'
        if style == "|" and (not scalar.block or simple_key):
            style = '"'
        if tag:
            self.indicator(tag, True, False, False)
        self.increase_indent(True)
        if style == "plain":
            self.plain(scalar.value)
        elif style == "'":
            self.single_quoted(scalar.value)
        elif style == '"':
            self.double_quoted(scalar.value)
        else:
            self.literal(scalar.value)
        self.indent = self.indents.pop()

    # --- scalar styles ---

    def plain(self, value: str) -> None:
        if value and not self.whitespace:
            self.put(" ")
        self.put(value)
        if value:
            self.whitespace = False
        self.indention = False

    def single_quoted(self, value: str) -> None:
        self.indicator("'", True, False, False)
        breaks = False
        for c in value:
            if c in _BREAKS:
                if not breaks and c == "\n":
                    self.put_break()
                self.write_break(c)
                breaks = True
                continue
            if breaks and c != " ":
                self.write_indent()
            self.put("''" if c == "'" else c)
            if c != " ":
                self.indention = breaks = False
        self.indicator("'", False, False, False)
        self.whitespace = self.indention = False

    def double_quoted(self, value: str) -> None:
        self.indicator('"', True, False, False)
        bom = value.startswith("\ufeff")
        for c in value:
            if bom or not _printable(c) or c in _BREAKS or c in '"\\':
                self.put("\\" + _escape(c))
            else:
                self.put(c)
        self.indicator('"', False, False, False)
        self.whitespace = self.indention = False

    def literal(self, value: str) -> None:
        self.indicator("|", True, False, False)
        if value[0] == " " or value[0] in _BREAKS:
            self.indicator("4", False, False, False)
        chomp = ""
        if value[-1] not in _BREAKS:
            chomp = "-"
        elif len(value) == 1 or value[-2] in _BREAKS:
            chomp = "+"
        if chomp:
            self.indicator(chomp, False, False, False)
        self.put_break()
        self.whitespace = True
        breaks = True
        for c in value:
            if c in _BREAKS:
                self.write_break(c)
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.put(c)
                self.indention = breaks = False


def _escape(c: str) -> str:
    if c in _ESCAPES:
        return _ESCAPES[c]
    o = ord(c)
    if o <= 0xFF:
        return f"x{o:02X}"
    return f"u{o:04X}" if o <= 0xFFFF else f"U{o:08X}"


def _scalar_event(value: Any) -> tuple[str, str, str]:
    """The encoder's scalar event for a value: (tag written, text, requested style)."""
    if value is None:
        return "", "null", "plain"
    if isinstance(value, bool):
        return "", "true" if value else "false", "plain"
    if isinstance(value, int):
        return "", str(int(value)), "plain"
    if isinstance(value, float):
        text = shortest_float(value)
        return "", {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(text, text), "plain"
    if isinstance(value, GoStruct):
        return "", value.go_text(), "plain"
    if not isinstance(value, str):
        raise FuncError(f"cannot marshal type: {type_name(value)}")
    text = value
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _binary(text)
    if "\n" in text:
        return "", text, "|"
    return "", text, '"' if _resolves_to_other(text) else "plain"


def _binary(text: str) -> tuple[str, str, str]:
    """An invalid UTF-8 string: ``!!binary`` and its base64 in lines of 70 characters."""
    encoded = base64.b64encode(text.encode("utf-8", "surrogateescape")).decode("ascii")
    if len(encoded) < 70:
        return "!!binary", encoded, "plain"
    lines = [encoded[i : i + 70] for i in range(0, len(encoded), 70)]
    return "!!binary", "\n".join(lines) + "\n", "|"
