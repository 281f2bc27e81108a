"""Go's ``path/filepath.Match`` on Linux, for Vela's default ruleset matcher.

Python's ``fnmatch`` is the wrong tool: Vela matches whole strings where ``*`` and ``?`` never
cross ``/``, character classes negate with ``^`` (``!`` is a literal), ``\\`` escapes, and a
malformed pattern is an error (:class:`BadPatternError`) rather than a literal. There is no
``**`` (it behaves like ``*``) and no ``{a,b}``. Like Go, the whole pattern is checked for
syntax even after the name stopped matching, so ``a[`` is an error against any name.

Iterative: the only loop over the name is Go's own star-skipping, so hostile patterns cannot
exhaust the stack.
"""

from __future__ import annotations


class BadPatternError(ValueError):
    def __init__(self) -> None:
        super().__init__("syntax error in pattern")


def _scan_chunk(pattern: str) -> tuple[bool, str, str]:
    """Leading stars, then the chunk up to the next star outside a class, then the rest."""
    star = False
    while pattern.startswith("*"):
        pattern = pattern[1:]
        star = True
    in_range = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if i + 1 < len(pattern):
                i += 1
        elif c == "[":
            in_range = True
        elif c == "]":
            in_range = False
        elif c == "*" and not in_range:
            break
        i += 1
    return star, pattern[:i], pattern[i:]


def _get_esc(chunk: str) -> tuple[str, str]:
    """One (possibly escaped) character of a class range."""
    if not chunk or chunk[0] in "-]":
        raise BadPatternError
    if chunk[0] == "\\":
        chunk = chunk[1:]
        if not chunk:
            raise BadPatternError
    ch, rest = chunk[0], chunk[1:]
    if not rest:
        raise BadPatternError
    return ch, rest


def _match_chunk(chunk: str, s: str) -> str | None:
    """Match ``chunk`` at the start of ``s``: the rest of ``s``, or None. Raises on bad syntax;
    keeps parsing the chunk after a mismatch so that syntax errors are always found."""
    failed = False
    while chunk:
        if not failed and not s:
            failed = True
        c = chunk[0]
        if c == "[":
            r = ""
            if not failed:
                r, s = s[0], s[1:]
            chunk = chunk[1:]
            negated = False
            if chunk.startswith("^"):
                negated = True
                chunk = chunk[1:]
            matched = False
            ranges = 0
            while True:
                if chunk.startswith("]") and ranges > 0:
                    chunk = chunk[1:]
                    break
                lo, chunk = _get_esc(chunk)
                hi = lo
                if chunk[0] == "-":
                    hi, chunk = _get_esc(chunk[1:])
                if r and lo <= r <= hi:
                    matched = True
                ranges += 1
            if matched == negated:
                failed = True
        elif c == "?":
            if not failed:
                if s[0] == "/":
                    failed = True
                s = s[1:]
            chunk = chunk[1:]
        else:
            if c == "\\":
                chunk = chunk[1:]
                if not chunk:
                    raise BadPatternError
            if not failed:
                if chunk[0] != s[0]:
                    failed = True
                s = s[1:]
            chunk = chunk[1:]
    return None if failed else s


def match(pattern: str, name: str) -> bool:
    """Whether ``name`` matches the shell pattern ``pattern`` as a whole (Go semantics)."""
    while pattern:
        star, chunk, pattern = _scan_chunk(pattern)
        if star and not chunk:
            return "/" not in name  # a trailing * matches the rest unless it holds a /
        rest = _match_chunk(chunk, name)
        if rest is not None and (not rest or pattern):
            name = rest
            continue
        skipped = False
        if star:
            i = 0
            while i < len(name) and name[i] != "/":
                rest = _match_chunk(chunk, name[i + 1 :])
                i += 1
                if rest is not None:
                    if not pattern and rest:
                        continue  # the last chunk must use up the name
                    name = rest
                    skipped = True
                    break
        if skipped:
            continue
        while pattern:  # no match: still report a malformed remainder
            _, chunk, pattern = _scan_chunk(pattern)
            _match_chunk(chunk, "")
        return False
    return not name


def validate(pattern: str) -> None:
    """Raise :class:`BadPatternError` if ``pattern`` is malformed (no name needed)."""
    match(pattern, "")
