"""sprig's random functions, whose output cannot be compared with Go's byte for byte: the
tests check their shape. ``randAlphaNum``, ``randAlpha``, ``randNumeric``, ``randAscii``
(goutils' crypto-random strings), ``randInt``, ``uuidv4``, and ``hello``."""

from __future__ import annotations

import secrets
import string
import uuid

from velarun.template.gotemplate.funcs import FuncError, GoFunc

_ASCII = "".join(chr(c) for c in range(32, 127))


def _random(alphabet: str, count: int) -> str:
    if count < 0:
        raise FuncError(f"Requested random string length {count} is less than 0.")
    return "".join(secrets.choice(alphabet) for _ in range(count))


def rand_int(low: int, high: int) -> int:
    if high - low <= 0:
        raise FuncError("invalid argument to Intn")
    return low + secrets.randbelow(high - low)


FUNCS: dict[str, GoFunc] = {
    "randAlphaNum": GoFunc(
        lambda n: _random(string.ascii_letters + string.digits, n), ("int",), None
    ),
    "randAlpha": GoFunc(lambda n: _random(string.ascii_letters, n), ("int",), None),
    "randNumeric": GoFunc(lambda n: _random(string.digits, n), ("int",), None),
    "randAscii": GoFunc(lambda n: _random(_ASCII, n), ("int",), None),
    "randInt": GoFunc(rand_int, ("int", "int"), None),
    "uuidv4": GoFunc(lambda: str(uuid.uuid4()), (), None),
    "hello": GoFunc(lambda: "Hello!", (), None),
}
