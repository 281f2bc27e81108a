"""``envsubst.substitute`` without a parse for the text most steps hold: plain ``${NAME}``
references and nothing else of envsubst's syntax (no operators, ``$$``, backslashes or NUL).
The result is then each name's value in place, as the full port gives it; anything else goes
to :func:`velarun.compile.envsubst.substitute`."""

from __future__ import annotations

import re
from collections.abc import Callable

_PLAIN = re.compile(r"(?:[^$\\\x00]|\$\{[A-Za-z0-9_]+\})*")
_REF = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone surrogate, which envsubst's UTF-8 round trip may join with a neighbour."""


def substitute(text: str, mapping: Callable[[str], str]) -> str:
    """What ``envsubst.substitute(text, mapping)`` returns (and raises); ``mapping`` is called
    once for each reference, in order, as there."""
    if not (text.isascii() and _PLAIN.fullmatch(text)):
        from velarun.compile import envsubst  # the port, loaded for the text that needs it

        return envsubst.substitute(text, mapping)
    names = _REF.findall(text)
    values = [mapping(name) for name in names]
    if any(_SURROGATE.search(value) for value in values):
        from velarun.compile import envsubst

        replay = iter(values)
        return envsubst.substitute(text, lambda _: next(replay))
    found = iter(values)
    return _REF.sub(lambda _: next(found), text)
