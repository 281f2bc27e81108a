"""sprig's random functions, whose output cannot be compared with Go's byte for byte: the
tests check their shape. ``randAlphaNum``, ``randAlpha``, ``randNumeric``, ``randAscii``
(goutils' crypto-random strings), ``randInt``, ``randBytes``, ``shuffle``, ``uuidv4``, and
``hello``."""

from __future__ import annotations

import base64
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


def shuffle(s: str) -> str:
    chars = list(s)
    for i in range(len(chars) - 1, 0, -1):
        j = secrets.randbelow(i + 1)
        chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def rand_bytes(count: int) -> str:
    if count < 0:
        raise FuncError("runtime error: makeslice: len out of range")
    return base64.b64encode(secrets.token_bytes(count)).decode("ascii")


FUNCS: dict[str, GoFunc] = {
    "shuffle": GoFunc(shuffle, ("string",), None),
    "randBytes": GoFunc(rand_bytes, ("int",), None),
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
