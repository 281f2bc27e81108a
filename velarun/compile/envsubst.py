"""Port of ``github.com/drone/envsubst`` v1.0.3, the ``${VAR}`` substitution of the Vela compiler.

Vela (``compiler/native/substitute.go``) runs ``envsubst.Eval(text, mapper)`` over each step.
This module reproduces that library (package ``parse`` and the root package's ``eval.go``,
``template.go`` and ``funcs.go``; its ``path`` package is ``glob.match_bytes`` without a
separator) rule for rule, quirks included. It works on the UTF-8 bytes of the text, as Go
does, so byte offsets, lengths and invalid sequences behave the same; the result is decoded the
Go way (each byte of an invalid sequence becomes U+FFFD; lone surrogates, which a Go string
cannot hold, pass through).

Text outside ``${...}``:

* ``$NAME`` without braces is *not* a reference: it is copied unchanged.
* ``$$`` gives ``$``; the second ``$`` is then plain text, so ``$${X}`` gives ``${X}`` and
  ``$$X`` gives ``$X``.
* ``\\\\`` gives ``\\`` and ``\\/`` gives ``/``; any other backslash is kept.
* A NUL character ends the text: it and everything after it are dropped (the scanner's
  end-of-input rune is ``rune(0)``).

References, where ``v`` is what ``mapping(name)`` returns (names are letters, digits and ``_``):

* ``${v}`` -> v.  ``${#v}`` -> length of v in UTF-8 bytes.
* ``${v^}`` ``${v^^}`` ``${v,}`` ``${v,,}`` -> first / all characters to upper / lower case
  (simple per-character case mapping).  Any other mix of up to two ``^``/``,`` (``${v^,}``)
  gives v unchanged.
* ``${v#p}`` ``${v##p}`` ``${v%p}`` ``${v%%p}`` -> remove the shortest / longest prefix / suffix
  matching the glob ``p`` (drone's copy of Go's ``path.Match``, where ``*`` and ``?`` also
  match ``/``).  A malformed glob leaves v unchanged.  For suffixes both v and ``p`` are
  reversed rune by rune, so a class like ``[a-z]`` reads as ``]z-a[``.
* ``${v/s/r}`` ``${v//s/r}`` -> replace the first / every occurrence of the plain substring
  ``s``; ``${v/#s/r}`` ``${v/%s/r}`` -> replace ``s`` when v starts / ends with it.  ``${v/s/}``
  deletes, but ``${v/#s/}`` and ``${v/%s/}`` leave v unchanged.  In ``s`` and ``r`` the
  escapes ``\\/``, ``\\\\`` and ``$$`` apply.
* ``${v:off}`` ``${v:off:len}`` -> byte substring; a negative ``off`` counts from the end; an
  offset or length that is not a decimal integer gives v unchanged; ``${v:-1}`` is the
  *default* form, not an offset.  A negative ``len`` makes Go panic; here it is an error.
* ``${v=d}`` ``${v:=d}`` ``${v:-d}`` ``${v:?d}`` ``${v:+d}`` -> v if non-empty, else ``d``; all
  five behave the same (no assignment, no error, no bash ``+`` meaning).  ``${v-d}`` is an error.
* Arguments may be a whole nested ``${...}``; defaults may mix text and references.

Errors (``SubstitutionError``, same texts as the library): ``missing closing brace``,
``unable to parse variable name``, ``unable to parse substitution within function``,
``unable to parse default function`` and ``bad substitution``.  Two errors of our own replace a
Go panic (negative substring length) and unbounded recursion (more than ``MAX_NESTING`` levels
of nested ``${...}``).  Any other input is substituted; nothing else is raised.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from velarun.compile import gostrings
from velarun.compile.glob import BadPatternError, match_bytes
from velarun.compile.gostrings import decode, decode_rune, from_text, to_text
from velarun.errors import VelarunError

__all__ = ["MAX_NESTING", "SubstitutionError", "substitute"]

MAX_NESTING = 100
"""Deepest nesting of ``${...}`` inside arguments accepted (Go has no limit)."""


class SubstitutionError(VelarunError):
    """The text cannot be substituted; the message is drone/envsubst's own."""


# The library's error values (parse/parse.go).
ERR_BAD_SUBSTITUTION = "bad substitution"
ERR_MISSING_CLOSING_BRACE = "missing closing brace"
ERR_PARSE_VARIABLE_NAME = "unable to parse variable name"
ERR_PARSE_FUNC_SUBSTITUTION = "unable to parse substitution within function"
ERR_PARSE_DEFAULT_FUNCTION = "unable to parse default function"

# --------------------------------------------------------------------------------------------
# parse/scan.go

_EOF = 0  # the scanner's eof rune; a NUL in the text reads the same
_T_ILLEGAL, _T_EOF, _T_IDENT, _T_LBRACK, _T_RBRACK = range(5)

_SCAN_IDENT = 1
_SCAN_LBRACK = 2
_SCAN_RBRACK = 4
_SCAN_ESCAPE = 8

_Accept = Callable[[int, int], bool]

_DOLLAR, _LBRACE, _RBRACE = ord("$"), ord("{"), ord("}")
_BACKSLASH, _SLASH, _COLON = ord("\\"), ord("/"), ord(":")
_HASH, _PERCENT, _EQUAL = ord("#"), ord("%"), ord("=")
_COMMA, _CARET = ord(","), ord("^")
_DEFAULT_OPS = frozenset(map(ord, "=-?+"))


def _accept_rune(r: int, i: int) -> bool:
    return True


def _accept_ident(r: int, i: int) -> bool:
    c = chr(r)
    return c.isalpha() or c.isdecimal() or c == "_"


def _accept_colon(r: int, i: int) -> bool:
    return r == _COLON


def _accept_one_hash(r: int, i: int) -> bool:
    return r == _HASH and i == 1


def _accept_not_closing(r: int, i: int) -> bool:
    return r != _RBRACE


def _accept_hash_func(r: int, i: int) -> bool:
    return r == _HASH and i < 3


def _accept_percent_func(r: int, i: int) -> bool:
    return r == _PERCENT and i < 3


def _accept_default_func(r: int, i: int) -> bool:
    return (i == 1 and r == _COLON) or (i == 2 and r in _DEFAULT_OPS)


def _accept_replace_func(r: int, i: int) -> bool:
    return (i == 1 and r == _SLASH) or (i == 2 and r in (_SLASH, _HASH, _PERCENT))


def _accept_one_equal(r: int, i: int) -> bool:
    return i == 1 and r == _EQUAL


def _accept_one_colon(r: int, i: int) -> bool:
    return i == 1 and r == _COLON


def _reject_colon_close(r: int, i: int) -> bool:
    return r not in (_COLON, _RBRACE)


def _accept_slash(r: int, i: int) -> bool:
    return r == _SLASH


def _accept_not_slash(r: int, i: int) -> bool:
    return r != _SLASH


def _accept_casing_func(r: int, i: int) -> bool:
    return r in (_COMMA, _CARET) and i < 3


class _Scanner:
    """The library's scanner, byte for byte; positions and widths are in bytes."""

    def __init__(self, text: bytes) -> None:
        self.buf = bytearray(text)
        self.pos = 0
        self.start = 0
        self.width = 0
        self.mode = 0
        self.accept: _Accept = _accept_rune

    def read(self) -> int:
        if self.pos < 0:  # cannot happen (see parse_default_or_substr); Go would panic
            raise SubstitutionError(ERR_BAD_SUBSTITUTION)
        if self.pos >= len(self.buf):
            self.width = 0
            return _EOF
        r, self.width = decode_rune(self.buf, self.pos, len(self.buf))
        self.pos += self.width
        return r

    def unread(self) -> None:
        self.pos -= self.width

    def skip(self) -> None:
        # drop the byte just read (an escaping `$` or `\`) from the buffer itself
        del self.buf[self.pos - 1]

    def peek(self) -> int:
        r = self.read()
        self.unread()
        return r

    def string(self) -> bytes:
        return bytes(self.buf[self.start : self.pos])

    def scan(self) -> int:
        self.start = self.pos
        r = self.read()
        if r == _EOF:
            return _T_EOF
        if self._scan_lbrack(r):
            return _T_LBRACK
        if self._scan_rbrack(r):
            return _T_RBRACK
        if self._scan_ident(r):
            return _T_IDENT
        return _T_ILLEGAL

    def _scan_ident(self, r: int) -> bool:
        if not self.mode & _SCAN_IDENT:
            return False
        if self._scan_escaped(r):
            self.skip()
        elif not self.accept(r, self.pos - self.start):
            return False
        while True:
            r = self.read()
            if r == _EOF:
                self.unread()
                break
            if self._scan_lbrack(r):
                self.unread()
                self.unread()
                break
            if self._scan_escaped(r):
                self.skip()
                continue
            if not self.accept(r, self.pos - self.start):
                self.unread()
                break
        return True

    def _scan_lbrack(self, r: int) -> bool:
        if not self.mode & _SCAN_LBRACK:
            return False
        if r == _DOLLAR:
            if self.read() == _LBRACE:
                return True
            self.unread()
        return False

    def _scan_rbrack(self, r: int) -> bool:
        return bool(self.mode & _SCAN_RBRACK) and r == _RBRACE

    def _scan_escaped(self, r: int) -> bool:
        if not self.mode & _SCAN_ESCAPE:
            return False
        if r == _DOLLAR and self.peek() == _DOLLAR:
            return True
        if r != _BACKSLASH:
            return False
        return self.peek() in (_SLASH, _BACKSLASH)


# --------------------------------------------------------------------------------------------
# parse/node.go and parse/parse.go


@dataclass(frozen=True)
class _Text:
    value: bytes


@dataclass(frozen=True)
class _Func:
    param: str
    name: str = ""
    args: list[_Node] = field(default_factory=list)


_Node = _Text | _Func


class _Parser:
    def __init__(self, text: bytes) -> None:
        self.s = _Scanner(text)

    def expect_ident(self, accept: _Accept, error: str = ERR_BAD_SUBSTITUTION) -> str:
        """Scan one identifier-mode token with ``accept``; raise ``error`` if there is none."""
        s = self.s
        s.accept = accept
        s.mode = _SCAN_IDENT
        if s.scan() != _T_IDENT:
            raise SubstitutionError(error)
        return decode(s.string())

    def parse(self) -> list[_Node]:
        # parseAny, as a loop: Go recurses once per token, which the result does not show.
        s = self.s
        nodes: list[_Node] = []
        while True:
            s.accept = _accept_rune
            s.mode = _SCAN_IDENT | _SCAN_LBRACK | _SCAN_ESCAPE
            tok = s.scan()
            if tok == _T_IDENT:
                nodes.append(_Text(s.string()))
            elif tok == _T_EOF:
                return nodes
            elif tok == _T_LBRACK:
                nodes.append(self.parse_func(0))
            else:
                raise SubstitutionError(ERR_BAD_SUBSTITUTION)

    def parse_func(self, depth: int) -> _Func:
        if depth > MAX_NESTING:
            raise SubstitutionError(
                f"substitutions nested more than {MAX_NESTING} levels deep are not supported"
            )
        s = self.s
        if s.peek() == _HASH:
            return self.parse_len_func()

        name = self.expect_ident(_accept_ident, ERR_PARSE_VARIABLE_NAME)

        c = s.peek()
        if c == _COLON:
            return self.parse_default_or_substr(name, depth)
        if c == _EQUAL:
            return self.parse_default_func(name, depth)
        if c in (_COMMA, _CARET):
            return self.parse_casing_func(name)
        if c == _SLASH:
            return self.parse_replace_func(name, depth)
        if c == _HASH:
            return self.parse_remove_func(name, _accept_hash_func, depth)
        if c == _PERCENT:
            return self.parse_remove_func(name, _accept_percent_func, depth)

        s.accept = _accept_ident
        s.mode = _SCAN_RBRACK
        if s.scan() == _T_RBRACK:
            return _Func(name)
        raise SubstitutionError(ERR_MISSING_CLOSING_BRACE)

    def parse_param(self, accept: _Accept, mode: int, depth: int) -> _Node:
        s = self.s
        s.accept = accept
        s.mode = mode | _SCAN_LBRACK
        tok = s.scan()
        if tok == _T_LBRACK:
            return self.parse_func(depth + 1)
        if tok in (_T_IDENT, _T_RBRACK):
            return _Text(s.string())
        raise SubstitutionError(ERR_PARSE_FUNC_SUBSTITUTION)

    def parse_default_or_substr(self, name: str, depth: int) -> _Func:
        s = self.s
        s.read()
        r = s.peek()
        # Go's quirk, kept: this unread steps back by the width of the rune after the colon,
        # so a multi-byte rune there sends the scanner into the name ("bad substitution").
        s.unread()
        if r in _DEFAULT_OPS:
            return self.parse_default_func(name, depth)
        return self.parse_substr_func(name, depth)

    def parse_substr_func(self, name: str, depth: int) -> _Func:
        s = self.s
        node = _Func(name, self.expect_ident(_accept_one_colon))
        node.args.append(self.parse_param(_reject_colon_close, _SCAN_IDENT, depth))

        s.accept = _accept_colon
        s.mode = _SCAN_IDENT | _SCAN_RBRACK
        tok = s.scan()
        if tok == _T_RBRACK:
            return node
        if tok != _T_IDENT:
            raise SubstitutionError(ERR_BAD_SUBSTITUTION)

        node.args.append(self.parse_param(_accept_not_closing, _SCAN_IDENT, depth))
        self.consume_rbrack()
        return node

    def parse_remove_func(self, name: str, accept: _Accept, depth: int) -> _Func:
        node = _Func(name, self.expect_ident(accept))
        node.args.append(self.parse_param(_accept_not_closing, _SCAN_IDENT, depth))
        self.consume_rbrack()
        return node

    def parse_replace_func(self, name: str, depth: int) -> _Func:
        s = self.s
        node = _Func(name, self.expect_ident(_accept_replace_func))
        node.args.append(self.parse_param(_accept_not_slash, _SCAN_IDENT | _SCAN_ESCAPE, depth))

        self.expect_ident(_accept_slash)

        if s.peek() == _RBRACE:
            self.consume_rbrack()
            return node

        node.args.append(self.parse_param(_accept_not_closing, _SCAN_IDENT | _SCAN_ESCAPE, depth))
        self.consume_rbrack()
        return node

    def parse_default_func(self, name: str, depth: int) -> _Func:
        s = self.s
        node = _Func(
            name,
            self.expect_ident(
                _accept_one_equal if s.peek() == _EQUAL else _accept_default_func,
                ERR_PARSE_DEFAULT_FUNCTION,
            ),
        )
        while True:
            if s.peek() == _RBRACE:
                self.consume_rbrack()
                return node
            node.args.append(self.parse_param(_accept_not_closing, _SCAN_IDENT, depth))

    def parse_casing_func(self, name: str) -> _Func:
        node = _Func(name, self.expect_ident(_accept_casing_func))
        self.consume_rbrack()
        return node

    def parse_len_func(self) -> _Func:
        s = self.s
        func_name = self.expect_ident(_accept_one_hash)

        self.expect_ident(_accept_ident)
        node = _Func(decode(s.string()), func_name)
        self.consume_rbrack()
        return node

    def consume_rbrack(self) -> None:
        self.s.mode = _SCAN_RBRACK
        if self.s.scan() != _T_RBRACK:
            raise SubstitutionError(ERR_BAD_SUBSTITUTION)


# --------------------------------------------------------------------------------------------
# funcs.go

_SubstituteFunc = Callable[[bytes, list[bytes]], bytes]


def _to_len(s: bytes, args: list[bytes]) -> bytes:
    return str(len(s)).encode()


def _to_lower(s: bytes, args: list[bytes]) -> bytes:
    return gostrings.to_lower(s)


def _to_upper(s: bytes, args: list[bytes]) -> bytes:
    return gostrings.to_upper(s)


def _to_lower_first(s: bytes, args: list[bytes]) -> bytes:
    if not s:
        return s
    r, n = decode_rune(s, 0, len(s))
    return gostrings.to_lower_rune(chr(r)).encode() + s[n:]


def _to_upper_first(s: bytes, args: list[bytes]) -> bytes:
    if not s:
        return s
    r, n = decode_rune(s, 0, len(s))
    return gostrings.to_upper_rune(chr(r)).encode() + s[n:]


def _to_default(s: bytes, args: list[bytes]) -> bytes:
    if not s and args:
        return b"".join(args)
    return s


def _to_substr(s: bytes, args: list[bytes]) -> bytes:
    if not args:
        return s
    pos = gostrings.atoi(args[0])
    if pos is None:
        return s
    if pos < 0:
        pos = max(len(s) + pos, 0)
    if len(args) == 1:
        return s[pos:] if pos < len(s) else b""
    length = gostrings.atoi(args[1])
    if length is None:
        return s
    end = gostrings.wrap_int64(pos + length)
    if end >= len(s):
        return s[pos:] if pos < len(s) else b""
    if end < pos:
        # Go: s[pos:end] panics; the Vela compiler does not recover from it.
        bounds = f"[:{end}]" if end < 0 else f"[{pos}:{end}]"
        raise SubstitutionError(f"runtime error: slice bounds out of range {bounds}")
    return s[pos:end]


def _replace_all(s: bytes, args: list[bytes]) -> bytes:
    if not args:
        return s
    return gostrings.replace(s, args[0], args[1] if len(args) > 1 else b"", -1)


def _replace_first(s: bytes, args: list[bytes]) -> bytes:
    if not args:
        return s
    return gostrings.replace(s, args[0], args[1] if len(args) > 1 else b"", 1)


def _replace_prefix(s: bytes, args: list[bytes]) -> bytes:
    if len(args) != 2:
        return s
    if s.startswith(args[0]):
        return gostrings.replace(s, args[0], args[1], 1)
    return s


def _replace_suffix(s: bytes, args: list[bytes]) -> bytes:
    if len(args) != 2:
        return s
    if s.endswith(args[0]):
        return s[: len(s) - len(args[0])] + args[1]
    return s


def _reverse(b: bytes) -> bytes:
    return decode(b)[::-1].encode("utf-8")


def _trim(s: bytes, args: list[bytes], *, longest: bool, suffix: bool) -> bytes:
    """``#`` / ``##``: remove the shortest / longest prefix that the glob matches; ``%`` /
    ``%%``: the same on v and the glob reversed rune by rune."""
    if not args:
        return s
    if suffix:
        return _reverse(_trim_prefix(_reverse(s), _reverse(args[0]), longest))
    return _trim_prefix(s, args[0], longest)


def _trim_prefix(s: bytes, pattern: bytes, longest: bool) -> bytes:
    cut = 0
    for end in range(len(s), 0, -1):  # the longest prefix first
        try:
            matched = match_bytes(pattern, s[:end], None)  # drone's copy: no separator
        except BadPatternError:
            return s
        if matched:
            cut = end
            if longest:
                break
    return s[cut:]


_FUNCS: dict[str, _SubstituteFunc] = {
    ",": _to_lower_first,
    ",,": _to_lower,
    "^": _to_upper_first,
    "^^": _to_upper,
    "#": functools.partial(_trim, longest=False, suffix=False),
    "##": functools.partial(_trim, longest=True, suffix=False),
    "%": functools.partial(_trim, longest=False, suffix=True),
    "%%": functools.partial(_trim, longest=True, suffix=True),
    ":": _to_substr,
    "/#": _replace_prefix,
    "/%": _replace_suffix,
    "/": _replace_first,
    "//": _replace_all,
}


def _lookup_func(name: str, nargs: int) -> _SubstituteFunc:
    if name == "#" and nargs == 0:
        return _to_len
    # "=", ":=", ":-", ":?", ":+", "" and unknown names all fall back to the default function
    return _FUNCS.get(name, _to_default)


# --------------------------------------------------------------------------------------------
# template.go and eval.go


def _eval(node: _Node, mapping: Callable[[str], str]) -> bytes:
    if isinstance(node, _Text):
        return node.value
    args = [_eval(arg, mapping) for arg in node.args]
    value = from_text(mapping(node.param))
    return _lookup_func(node.name, len(args))(value, args)


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> tuple[_Text | _Func, ...]:
    """Parse trees are never mutated, so the same text (a command repeated across steps,
    an image tag) is parsed once per process."""
    return tuple(_Parser(from_text(text)).parse())


def substitute(text: str, mapping: Callable[[str], str]) -> str:
    """Expand ``text`` the way ``envsubst.Eval(text, mapping)`` of drone/envsubst v1.0.3 does.

    ``mapping`` is called once for each reference, in order of evaluation, with the variable's
    name; what it returns is the value the operators work on.  Raises SubstitutionError if the
    text cannot be parsed (nothing is substituted then).
    """
    nodes = _parse_cached(text)
    return to_text(b"".join(_eval(node, mapping) for node in nodes))
