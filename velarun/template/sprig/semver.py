"""sprig's ``semverCompare``: Masterminds/semver v3's ``NewConstraint`` and ``Check``
(operators ``= != > < >= <= ~ ~> ^``, wildcards ``x``/``*``, ``a - b`` ranges, ``,`` for and,
``||`` for or; a prerelease version only satisfies a constraint that has a prerelease)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from velarun.template.gotemplate.funcs import FuncError, GoFunc
from velarun.template.gotemplate.values import GoStruct, Uint64

_S = r"[\t\n\f\r ]"
_CV = (
    r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
_OPS = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^"
_VERSION = re.compile(
    r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
_CONSTRAINT = re.compile(rf"^{_S}*({_OPS}){_S}*({_CV}){_S}*\Z")
_RANGE = re.compile(rf"{_S}*({_CV}){_S}+-{_S}+({_CV}){_S}*")
_FIND = re.compile(rf"({_OPS}){_S}*({_CV})")
_VALID = re.compile(
    rf"^({_S}*({_OPS}){_S}*({_CV}){_S}*)((?:{_S}+|,{_S}*)({_OPS}){_S}*({_CV}){_S}*)*\Z"
)
_NUM = set("0123456789")
_ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789")


@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    pre: str = ""
    metadata: str = field(default="", compare=False)


def _segment(text: str) -> int:
    n = int(text)
    if n >= 2**64:
        raise FuncError(
            f'Error parsing version segment: strconv.ParseUint: parsing "{text}": '
            "value out of range"
        )
    return n


def new_version(v: str) -> Version:
    m = _VERSION.fullmatch(v)
    if m is None:
        raise FuncError("Invalid Semantic Version")
    pre, meta = m.group(5) or "", m.group(8) or ""
    version = Version(
        _segment(m.group(1)),
        _segment(m.group(2)[1:]) if m.group(2) else 0,
        _segment(m.group(3)[1:]) if m.group(3) else 0,
        pre,
        meta,
    )
    for part in pre.split(".") if pre else []:
        if set(part) <= _NUM and len(part) > 1 and part[0] == "0":
            raise FuncError("Version segment starts with 0")
        if not set(part) <= _ALLOWED:
            raise FuncError("Invalid Prerelease string")
    if meta and any(not set(p) <= _ALLOWED for p in meta.split(".")):
        raise FuncError("Invalid Metadata string")
    return version


def _pre_part(s: str, o: str) -> int:
    if s == o:
        return 0
    if s == "":
        return -1
    if o == "":
        return 1
    s_num, o_num = s.isdigit() and s.isascii(), o.isdigit() and o.isascii()
    if not s_num and not o_num:
        return 1 if s > o else -1
    if not o_num:
        return -1
    if not s_num:
        return 1
    return 1 if int(s) > int(o) else -1


def compare(v: Version, o: Version) -> int:
    for a, b in ((v.major, o.major), (v.minor, o.minor), (v.patch, o.patch)):
        if a != b:
            return 1 if a > b else -1
    if not v.pre and not o.pre:
        return 0
    if not v.pre:
        return 1
    if not o.pre:
        return -1
    sp, op = v.pre.split("."), o.pre.split(".")
    for i in range(max(len(sp), len(op))):
        d = _pre_part(sp[i] if i < len(sp) else "", op[i] if i < len(op) else "")
        if d:
            return d
    return 0


@dataclass(frozen=True)
class Constraint:
    con: Version
    op: str
    dirty: bool = False
    minor_dirty: bool = False
    patch_dirty: bool = False


def _is_x(text: str) -> bool:
    return text in ("x", "*", "X")


def parse_constraint(c: str) -> Constraint:
    m = _CONSTRAINT.match(c)
    if m is None:
        raise FuncError(f"improper constraint: {c}")
    major, minor, patch, pre = m.group(3), m.group(4) or "", m.group(5) or "", m.group(6) or ""
    dirty = minor_dirty = patch_dirty = False
    ver = m.group(2)
    if _is_x(major):
        ver, dirty = f"0.0.0{pre}", True
    elif _is_x(minor[1:]) or minor == "":
        ver, dirty, minor_dirty = f"{major}.0.0{pre}", True, True
    elif _is_x(patch[1:]) or patch == "":
        ver, dirty, patch_dirty = f"{major}{minor}.0{pre}", True, True
    try:
        con = new_version(ver)
    except FuncError:
        raise FuncError("constraint Parser Error") from None
    return Constraint(con, m.group(1), dirty, minor_dirty, patch_dirty)


def _not_equal(v: Version, c: Constraint) -> bool:
    if c.dirty:
        if v.pre and not c.con.pre:
            return False
        if c.con.major != v.major:
            return True
        if c.con.minor != v.minor and not c.minor_dirty:
            return True
        if c.minor_dirty:
            return False
        if c.con.patch != v.patch and not c.patch_dirty:
            return True
        if c.patch_dirty:
            if v.pre or c.con.pre:
                return compare(Version(0, 0, 0, v.pre), Version(0, 0, 0, c.con.pre)) != 0
            return False
    return compare(v, c.con) != 0


def _greater(v: Version, c: Constraint) -> bool:
    if not c.dirty or (v.major == c.con.major and not c.minor_dirty and not c.patch_dirty):
        return compare(v, c.con) == 1
    if v.major != c.con.major:
        return v.major > c.con.major
    return not c.minor_dirty and v.minor > c.con.minor


def _less_equal(v: Version, c: Constraint) -> bool:
    if not c.dirty:
        return compare(v, c.con) <= 0
    if v.major > c.con.major:
        return False
    return not (v.major == c.con.major and v.minor > c.con.minor and not c.minor_dirty)


def _tilde(v: Version, c: Constraint) -> bool:
    if compare(v, c.con) < 0:
        return False
    con = c.con
    if (con.major, con.minor, con.patch) == (0, 0, 0) and not c.minor_dirty and not c.patch_dirty:
        return True
    return v.major == con.major and (v.minor == con.minor or c.minor_dirty)


def _tilde_or_equal(v: Version, c: Constraint) -> bool:
    return _tilde(v, c) if c.dirty else compare(v, c.con) == 0


def _caret(v: Version, c: Constraint) -> bool:
    con = c.con
    if compare(v, con) < 0:
        return False
    if con.major > 0 or c.minor_dirty:
        return v.major == con.major
    if v.major > 0:
        return False
    if con.minor > 0 or c.patch_dirty:
        return v.minor == con.minor
    if v.minor > 0:
        return False
    return con.patch == v.patch


_OPS_CHECK: dict[str, Callable[[Version, Constraint], bool]] = {
    "": _tilde_or_equal, "=": _tilde_or_equal, "!=": _not_equal, ">": _greater,
    "<": lambda v, c: compare(v, c.con) < 0, ">=": lambda v, c: compare(v, c.con) >= 0,
    "=>": lambda v, c: compare(v, c.con) >= 0, "<=": _less_equal, "=<": _less_equal,
    "~": _tilde, "~>": _tilde, "^": _caret,
}  # fmt: skip


def check(v: Version, c: Constraint) -> bool:
    if v.pre and not c.con.pre and c.op != "!=":
        return False
    return _OPS_CHECK[c.op](v, c)


def _rewrite_range(text: str) -> str:
    for m in list(_RANGE.finditer(text)):
        text = text.replace(m.group(0), f">= {m.group(1)}, <= {m.group(11)}", 1)
    return text


def new_constraint(text: str) -> list[list[Constraint]]:
    ors = []
    for part in _rewrite_range(text).split("||"):
        if not _VALID.match(part):
            raise FuncError(f"improper constraint: {part}")
        found = [m.group(0) for m in _FIND.finditer(part)] or [part]
        ors.append([parse_constraint(s) for s in found])
    return ors


def semver_compare(constraint: str, version: str) -> bool:
    groups = new_constraint(constraint)
    v = new_version(version)
    return any(all(check(v, c) for c in group) for group in groups)


# --- semver: a *semver.Version with its methods ---


def _check_parts(text: str, what: str) -> None:
    for part in text.split("."):
        if set(part) <= _NUM:
            if what == "Prerelease" and len(part) > 1 and part[0] == "0":
                raise FuncError("Version segment starts with 0")
        elif not set(part) <= _ALLOWED:
            raise FuncError(f"Invalid {what} string")


def _version_string(v: Version) -> str:
    text = f"{v.major}.{v.minor}.{v.patch}"
    text += f"-{v.pre}" if v.pre else ""
    return text + (f"+{v.metadata}" if v.metadata else "")


@dataclass(frozen=True)
class SemverValue(GoStruct):
    """Masterminds/semver's ``*Version`` (``pointer``) or ``Version``, as ``semver`` and the
    ``Inc``/``Set`` methods return them: a value has only the value-receiver methods."""

    version: Version
    original: str
    pointer: bool = True

    go_fields = frozenset({"major", "minor", "patch", "pre", "metadata", "original"})

    @property
    def go_type(self) -> str:  # type: ignore[override]
        return "*semver.Version" if self.pointer else "semver.Version"

    def go_string(self) -> str:
        return _version_string(self.version)

    def go_text(self) -> str:
        return self.go_string()

    def _next(self, version: Version) -> SemverValue:
        prefix = "v" if self.original[:1] == "v" else ""
        return SemverValue(version, prefix + _version_string(version), pointer=False)

    def _inc(self, part: str) -> SemverValue:
        v = self.version
        if part == "patch":
            patch = v.patch if v.pre else v.patch + 1
            return self._next(Version(v.major, v.minor, patch))
        if part == "minor":
            return self._next(Version(v.major, v.minor + 1, 0))
        return self._next(Version(v.major + 1, 0, 0))

    def _set(self, what: str, text: str) -> SemverValue:
        if text:
            _check_parts(text, what)
        v = self.version
        pre, meta = (text, v.metadata) if what == "Prerelease" else (v.pre, text)
        return self._next(Version(v.major, v.minor, v.patch, pre, meta))

    def go_method(self, name: str) -> Any:
        v, s = self.version, "string"
        methods: dict[str, GoFunc] = {
            "String": GoFunc(self.go_string, (), None),
            "Major": GoFunc(lambda: Uint64(v.major), (), None),
            "Minor": GoFunc(lambda: Uint64(v.minor), (), None),
            "Patch": GoFunc(lambda: Uint64(v.patch), (), None),
            "Prerelease": GoFunc(lambda: v.pre, (), None),
            "Metadata": GoFunc(lambda: v.metadata, (), None),
            "IncPatch": GoFunc(lambda: self._inc("patch"), (), None),
            "IncMinor": GoFunc(lambda: self._inc("minor"), (), None),
            "IncMajor": GoFunc(lambda: self._inc("major"), (), None),
            "SetPrerelease": GoFunc(lambda t: self._set("Prerelease", t), (s,), None),
            "SetMetadata": GoFunc(lambda t: self._set("Metadata", t), (s,), None),
        }
        if self.pointer:
            o = "*semver.Version"
            methods |= {
                "Original": GoFunc(lambda: self.original, (), None),
                "LessThan": GoFunc(lambda w: compare(v, w.version) < 0, (o,), None),
                "GreaterThan": GoFunc(lambda w: compare(v, w.version) > 0, (o,), None),
                "Equal": GoFunc(lambda w: compare(v, w.version) == 0, (o,), None),
                "Compare": GoFunc(lambda w: compare(v, w.version), (o,), None),
            }
        return methods.get(name)


def semver(version: str) -> SemverValue:
    return SemverValue(new_version(version), version)


FUNCS: dict[str, GoFunc] = {
    "semverCompare": GoFunc(semver_compare, ("string", "string"), None),
    "semver": GoFunc(semver, ("string",), None),
}
