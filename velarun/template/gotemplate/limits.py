"""What velarun bounds when it executes a Go template, so that a hostile or mistaken template
ends in an error within seconds and with bounded memory instead of running for hours or
exhausting the machine.

Go's ``text/template`` (and the Vela server) has no such limits: a template that ranges over
``until 100000000`` runs there until it is done. velarun stops it at one of these, chosen far
above what a pipeline template does (tens of steps, a few kilobytes of YAML):

- :data:`MAX_STEPS` execution steps: each action, text and control node run (so each range
  iteration), each function call, and one more per KiB of text a function takes or returns
  (so that a loop over large values is stopped as soon as one over many small ones), and many
  more for the few functions that take far longer (:data:`CALL_STEPS`);
- :data:`MAX_TEXT` characters of output, counted as it is written, and of any one value a
  function returns (``repeat``, ``replace``, ``indent``, ``printf``... are refused before they
  build it);
- :data:`MAX_ITEMS` items in any one list or map a function returns (``until``,
  ``untilStep``, ``seq`` before they build it; ``list``, ``append``, ``dict``... after, with
  shared values counted as often as they are reached, as printing would).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from velarun.template.gotemplate.errors import TemplateError

MAX_STEPS = 1_000_000
"""About one to three seconds of execution; a real template takes a few hundred."""
MAX_TEXT = 4 * 1024 * 1024
"""4 MiB: about 100,000 lines of YAML, ten times a very large rendered pipeline (hundreds of
steps), and what velarun's YAML loader reads in a few seconds and a hundred-odd MiB at worst
(dense YAML, a node every few bytes); at 32 MiB that would be a minute and a GiB."""
MAX_ITEMS = 100_000
"""A range over as many, with a body of ten nodes, takes :data:`MAX_STEPS`; a list this long
is a few MiB in memory (real templates range over tens of items)."""
KIB = 1024

STEPS_HINT = (
    "a range over a very large count, or ranges nested too deep? Render fewer items "
    "(velarun stops a Go template after {steps} steps; Go and the Vela server would run it "
    "to its end)"
)
SIZE_HINT = (
    "render less: velarun caps a Go template's output, and any one value in it, at {size} of "
    f"text and {MAX_ITEMS} items (the Vela server has no such cap; no real pipeline comes near)"
)


class LimitError(TemplateError):
    """A template went past one of velarun's limits (for Go, in Go's message form), with a
    hint."""


def mib(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB"


def too_many_steps() -> str:
    return f"too many steps: velarun stops a Go template after {MAX_STEPS} steps"


def output_too_large() -> str:
    return f"the template rendered more than {mib(MAX_TEXT)} of text"


# --- estimates: what a function would build, before it builds it ----------------------------


def _text(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _count(start: int, stop: int, step: int) -> int:
    if step == 0 or (stop - start) * step <= 0:
        return 0
    return (abs(stop - start) + abs(step) - 1) // abs(step)


def _seq(*params: Any) -> int:
    ints = [p for p in params if isinstance(p, int)]
    if len(ints) != len(params) or not 1 <= len(ints) <= 3:
        return 0
    if len(ints) == 1:
        return abs(ints[0]) + 1
    if len(ints) == 2:
        return abs(ints[1] - ints[0]) + 1
    start, step, end = ints
    return _count(start, end + (1 if end >= start else -1), step) if step else 0


def _replace(old: Any, new: Any, src: Any) -> int:
    if not all(isinstance(v, str) for v in (old, new, src)):
        return 0
    times = len(src) + 1 if old == "" else src.count(old)
    return len(src) + times * len(new)


_WIDTHS = re.compile(r"%[^%a-zA-Z]*")


def _printf(fmt: Any, *args: Any) -> int:
    """Go's fmt caps each width and precision at 1e6; a format may have many of them."""
    if not isinstance(fmt, str):
        return 0
    values = [getattr(a, "value", a) for a in args]  # builtins get interface values
    total = len(fmt) + sum(len(a) for a in values if isinstance(a, str))
    star = max((abs(a) for a in values if isinstance(a, int) and abs(a) <= 1_000_000), default=0)
    for spec in _WIDTHS.findall(fmt):
        total += sum(min(int(d), 1_000_000) for d in re.findall(r"\d+", spec))
        total += spec.count("*") * star  # a width taken from an argument
    return total


def _lines(spaces: Any, src: Any) -> int:
    if not isinstance(spaces, int) or not isinstance(src, str):
        return 0
    return len(src) + max(spaces, 0) * (src.count("\n") + 1)


def _times(count: Any, src: Any) -> int:
    return count * len(src) if isinstance(count, int) and isinstance(src, str) else 0


def _length(count: Any) -> int:
    return count if isinstance(count, int) else 0


TEXT_ESTIMATES: dict[str, Callable[..., int]] = {
    "repeat": _times,
    "replace": _replace,
    "indent": _lines,
    "nindent": lambda spaces, src: _lines(spaces, src) + 1,
    "printf": _printf,
    "randAlpha": _length,
    "randAlphaNum": _length,
    "randAscii": _length,
    "randNumeric": _length,
    "seq": lambda *params: _seq(*params) * 21,  # each number written, and a space
}
"""The length of the text a function would return, from its arguments (Go's types)."""

ITEM_ESTIMATES: dict[str, Callable[..., int]] = {
    "until": lambda count: abs(count) if isinstance(count, int) else 0,
    "untilStep": lambda start, stop, step: (
        _count(start, stop, step) if all(isinstance(v, int) for v in (start, stop, step)) else 0
    ),
    "seq": _seq,
}
"""The number of items a function would return."""

CALL_STEPS = {
    "genPrivateKey": 250_000,  # an RSA key of 4096 bits: about a second
    "genCA": 100_000,
    "genSelfSignedCert": 100_000,
    "genSignedCert": 100_000,
    "derivePassword": 100_000,  # scrypt: about 0.25 s
    "bcrypt": 20_000,  # about 70 ms
    "htpasswd": 20_000,
    "genCAWithKey": 10_000,
    "genSelfSignedCertWithKey": 10_000,
    "genSignedCertWithKey": 10_000,
}
"""Steps charged for a call that takes far longer than a step (keys, key derivation), so that
a range over them is stopped within seconds too."""

GO_REFUSES = ("repeat", "indent", "nindent")
GO_MAX_ALLOC = 2**40
"""Past this, these functions fail as Go's fail (``makeslice: len out of range``, ...)."""


def check_call(name: str, argv: Sequence[Any]) -> int:
    """Refuse a call that would build a value past the limits; return its cost in steps."""
    items = ITEM_ESTIMATES.get(name)
    if items is not None and (count := items(*argv)) > MAX_ITEMS:
        raise FuncLimit(
            f"it would make {count} items, more than velarun's limit of {MAX_ITEMS} in one value"
        )
    text = TEXT_ESTIMATES.get(name)
    if (
        text is not None
        and (size := text(*argv)) > MAX_TEXT
        and not (name in GO_REFUSES and size > GO_MAX_ALLOC)
    ):
        raise FuncLimit(
            f"it would make {size} characters, more than velarun's limit of {mib(MAX_TEXT)}"
            " in one value"
        )
    return 1 + CALL_STEPS.get(name, 0) + sum(_text(a) for a in argv) // KIB


class FuncLimit(Exception):
    """A function call refused, or its result too large (turned into a :class:`LimitError`
    at the call, with Go's ``error calling NAME:`` form)."""


def check_result(value: Any) -> int:
    """Refuse a value past the limits; return its cost in steps (one per KiB of text)."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise FuncLimit(
                f"it made {len(value)} characters, more than velarun's limit of"
                f" {mib(MAX_TEXT)} in one value"
            )
        return len(value) // KIB
    if not isinstance(value, list | tuple | dict):
        return 0
    items, text = _measure(value)
    if items > MAX_ITEMS:
        raise FuncLimit(
            f"it made a value of more than {MAX_ITEMS} items (counting each time a shared"
            " value is reached), velarun's limit"
        )
    if text > MAX_TEXT:
        raise FuncLimit(
            f"it made a value holding more than {mib(MAX_TEXT)} of text, velarun's limit"
        )
    return (items + text // KIB) // KIB


def _measure(value: Any) -> tuple[int, int]:
    """Items and characters in ``value`` as printing would reach them (a list shared twice
    counts twice), each container measured once; stops soon after a limit is passed."""
    sizes: dict[int, tuple[int, int]] = {}
    keep: list[Any] = []  # ids stay valid while their objects live

    def measure(v: Any, depth: int) -> tuple[int, int]:
        """The items inside ``v`` (none for a scalar) and the characters in it."""
        if isinstance(v, str):
            return 0, len(v)
        inner = getattr(v, "value", v)  # an Iface
        if not isinstance(inner, list | tuple | dict) or depth > 200:
            return 0, 0
        known = sizes.get(id(inner))
        if known is not None:
            return known
        items, text = 0, 0
        for child in inner.values() if isinstance(inner, dict) else inner:
            got = measure(child, depth + 1)
            items, text = items + 1 + got[0], text + got[1]
            if items > MAX_ITEMS or text > MAX_TEXT:
                break
        keep.append(inner)
        sizes[id(inner)] = (items, text)
        return items, text

    return measure(value, 0)
