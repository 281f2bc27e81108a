"""Go's ``path/filepath.Match`` as it behaves on Linux, for Vela's ``filepath`` ruleset matcher,
and, with ``separator=None``, the modified copy of ``path.Match`` that drone/envsubst uses.

The Vela server matches ruleset globs with Go's ``filepath.Match``; Python's ``fnmatch`` would
get them wrong in several ways that change which steps run:

* ``*`` is any run of characters *except* ``/`` and ``?`` is one character other than ``/``
  (``fnmatch`` lets both cross ``/``, so ``docs/*`` would match ``docs/sub/a.md``);
* a character class negates with ``^``; ``!`` is an ordinary member (``[!a]`` matches ``!``);
* ``\\`` escapes the next character, inside classes too;
* a malformed pattern (``[``, ``[]``, ``[a-]``, ``[-a]``, a trailing ``\\``, ...) is an error,
  :class:`BadPatternError`, not a literal, and so is every malformed pattern whatever the name:
  like Go >= 1.20, the rest of the pattern is still checked after the name stopped matching;
* there is no ``**`` (it acts as ``*``) and no ``{a,b}``; the whole name must match.

To be faithful down to the odd corners the port runs on UTF-8 bytes as Go does: literals compare
bytes, ``?`` and classes decode one rune (an invalid byte is U+FFFD, one byte wide), and a ``*``
gives up the name one *byte* at a time, so it can stop inside a multi-byte character (Go's
``Match("*??", "☺")`` is true: the two ``?`` each take one stray continuation byte). Names that
came from the OS with undecodable bytes (``surrogateescape``) are matched on those raw bytes.

The matcher is iterative and walks indices rather than slicing: at most one pass of the chunk
for each start position a ``*`` offers, the same bound as Go, and no recursion.

**The separator.** Go's ``path.Match`` and ``filepath.Match`` are one algorithm; on Linux, where
``filepath.Separator`` is ``/``, they agree on every input. drone/envsubst (the ``${v#p}``
family of Vela's substitution) carries its own copy of an older ``path.Match`` with the
separator taken out: its ``*`` and ``?`` also match ``/`` (its doc comment still says they do
not), and a trailing ``*`` takes the rest of the name whatever it holds. That is the one
difference the ``separator`` parameter expresses: the byte that ``*`` and ``?`` never match,
``/`` (:data:`SEPARATOR`), or None for none.

That copy also predates Go 1.20's error checking: it reports a malformed pattern only if the
match reaches the bad part. Whether a malformed pattern fails or errs makes no difference to
envsubst, which leaves the value unchanged either way, and a malformed pattern can match
nothing under either rule (matching parses every chunk it uses up); so the Go >= 1.20
behaviour serves both.
"""

from __future__ import annotations

from velarun.compile.gostrings import RUNE_ERROR, decode_rune
from velarun.errors import VelarunError

__all__ = ["SEPARATOR", "BadPatternError", "match", "match_bytes", "validate"]

_STAR = 0x2A  # *
_QUESTION = 0x3F  # ?
_BACKSLASH = 0x5C  # \
_LBRACKET = 0x5B  # [
_RBRACKET = 0x5D  # ]
_CARET = 0x5E  # ^
_DASH = 0x2D  # -

SEPARATOR = 0x2F
"""``/``: Go's ``filepath.Separator`` on Linux, and ``path.Match``'s separator."""


class BadPatternError(VelarunError):
    """The pattern is malformed (Go's ``filepath.ErrBadPattern``)."""

    def __init__(self) -> None:
        super().__init__("syntax error in pattern")


def _utf8(text: str) -> bytes:
    """The bytes Go would see: UTF-8, with ``surrogateescape``d bytes given back as they were."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")  # other lone surrogates: invalid in Go too


def _scan_chunk(pat: bytes, i: int) -> tuple[bool, int, int]:
    """From ``pat[i:]``: whether stars lead, then the chunk ``pat[start:end]`` up to the next
    star outside a class. The rest of the pattern starts at ``end``."""
    n = len(pat)
    star = False
    while i < n and pat[i] == _STAR:
        i += 1
        star = True
    start = i
    in_class = False
    while i < n:
        c = pat[i]
        if c == _BACKSLASH:
            if i + 1 < n:  # a trailing backslash is reported by _match_chunk
                i += 1
        elif c == _LBRACKET:
            in_class = True
        elif c == _RBRACKET:
            in_class = False
        elif c == _STAR and not in_class:
            break
        i += 1
    return star, start, i


def _class_char(pat: bytes, i: int, end: int) -> tuple[int, int]:
    """One possibly escaped character of a class in ``pat[i:end]``: (rune, index after it)."""
    if i >= end or pat[i] == _DASH or pat[i] == _RBRACKET:
        raise BadPatternError
    if pat[i] == _BACKSLASH:
        i += 1
        if i >= end:
            raise BadPatternError
    rune, width = decode_rune(pat, i, end)
    if rune == RUNE_ERROR and width == 1:
        raise BadPatternError
    i += width
    if i >= end:  # a class must still be closed by a `]`
        raise BadPatternError
    return rune, i


def _match_class(pat: bytes, i: int, end: int, rune: int) -> tuple[bool, int]:
    """The class that ``pat[i:end]`` opens (``i`` is just after its ``[``): whether ``rune`` is
    in it (negation applied), and the index after its ``]``. ``rune`` -1 is in no range."""
    negated = i < end and pat[i] == _CARET
    if negated:
        i += 1
    in_class = False
    ranges = 0
    while True:
        if i < end and pat[i] == _RBRACKET and ranges > 0:
            return in_class != negated, i + 1
        lo, i = _class_char(pat, i, end)
        hi = lo
        if pat[i] == _DASH:
            hi, i = _class_char(pat, i + 1, end)
        if lo <= rune <= hi:
            in_class = True
        ranges += 1


def _match_chunk(
    pat: bytes, start: int, end: int, name: bytes, pos: int, separator: int | None
) -> int | None:
    """Match the star-free chunk ``pat[start:end]`` at ``name[pos:]``: the index in ``name``
    after it, or None. The whole chunk is parsed even once the match has failed, so a
    malformed chunk always raises :class:`BadPatternError`."""
    n = len(name)
    failed = False
    i = start
    while i < end:
        if pos >= n:
            failed = True
        c = pat[i]
        if c == _LBRACKET:
            rune = -1  # matches no range; only read while the match still stands
            if not failed:
                rune, width = decode_rune(name, pos, n)
                pos += width
            matched, i = _match_class(pat, i + 1, end, rune)
            if not matched:
                failed = True
        elif c == _QUESTION:
            if not failed:
                if name[pos] == separator:
                    failed = True
                pos += decode_rune(name, pos, n)[1]
            i += 1
        else:
            if c == _BACKSLASH:
                i += 1
                if i >= end:
                    raise BadPatternError
            if not failed:
                if pat[i] != name[pos]:
                    failed = True
                pos += 1
            i += 1
    return None if failed else pos


def _match(pat: bytes, name: bytes, separator: int | None) -> bool:
    plen, nlen = len(pat), len(name)
    i = 0  # where the rest of the pattern starts
    pos = 0  # where the rest of the name starts
    while i < plen:
        star, start, i = _scan_chunk(pat, i)
        if star and start == i:  # a trailing * takes the rest, unless it holds a separator
            return separator is None or name.find(separator, pos) < 0
        last = i == plen
        after = _match_chunk(pat, start, i, name, pos, separator)
        if after is not None and (after == nlen or not last):
            pos = after
            continue
        if star:
            resumed = False
            skip = pos
            while skip < nlen and name[skip] != separator:  # the star takes one more byte
                skip += 1
                after = _match_chunk(pat, start, i, name, skip, separator)
                if after is not None:
                    if last and after < nlen:
                        continue  # the last chunk must use up the name
                    pos = after
                    resumed = True
                    break
            if resumed:
                continue
        while i < plen:  # no match, but a malformed remainder is still an error
            _, start, i = _scan_chunk(pat, i)
            _match_chunk(pat, start, i, b"", 0, separator)
        return False
    return pos == nlen


def match(pattern: str, name: str, *, separator: int | None = SEPARATOR) -> bool:
    """Whether all of ``name`` matches the shell pattern ``pattern``, as Go's
    ``filepath.Match`` decides on Linux (``separator=None``: as drone/envsubst's copy of
    ``path.Match`` does). Raises :class:`BadPatternError` if ``pattern`` is malformed,
    whatever ``name`` is."""
    return _match(_utf8(pattern), _utf8(name), separator)


def match_bytes(pattern: bytes, name: bytes, separator: int | None = SEPARATOR) -> bool:
    """:func:`match` on the bytes of a Go string, for the other ports of Go code."""
    return _match(pattern, name, separator)


def validate(pattern: str) -> None:
    """Raise :class:`BadPatternError` if ``pattern`` is malformed.

    Every chunk of the pattern is parsed against any name, so which patterns are errors does
    not depend on the name (nor on the separator): matching against the empty one is a
    complete check.
    """
    _match(_utf8(pattern), b"", SEPARATOR)
