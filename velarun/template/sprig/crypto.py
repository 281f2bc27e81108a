"""sprig's crypto.go, except the certificates: ``derivePassword`` (Master Password's
algorithm: scrypt, then HMAC-SHA256 over a template of character classes), ``encryptAES`` and
``decryptAES`` (AES-256-CBC, the password zero-padded to the key, PKCS#7 padding, the IV first,
base64), ``bcrypt`` and ``htpasswd`` (cost 10), ``genPrivateKey`` (PEM as Go's x509 writes
it); and network.go's ``getHostByName``. The libraries (``cryptography``, ``bcrypt``) are
imported when a function is called."""

from __future__ import annotations

import base64
import os
import random
from typing import Any

from velarun.template.gotemplate.funcs import FuncError, GoFunc
from velarun.template.sprig.encoding import go_b64decode

_SEED = b"com.lyndir.masterpassword"
_TEMPLATES = {
    "maximum": ["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
    "long": ["CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv",
             "CvccCvcvnoCvcv", "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv",
             "CvcvCvccCvcvno", "CvcvnoCvcvCvcc", "CvcvCvcvnoCvcc", "CvcvCvcvCvccno",
             "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno", "CvcvnoCvccCvcc",
             "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
             "CvccCvcvCvccno"],
    "medium": ["CvcnoCvc", "CvcCvcno"],
    "short": ["Cvcn"],
    "basic": ["aaanaaan", "aannaaan", "aaannaaa"],
    "pin": ["nnnn"],
}  # fmt: skip
_CHARACTERS = {
    "V": "AEIOU", "C": "BCDFGHJKLMNPQRSTVWXYZ", "v": "aeiou", "c": "bcdfghjklmnpqrstvwxyz",
    "A": "AEIOUBCDFGHJKLMNPQRSTVWXYZ",
    "a": "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz", "n": "0123456789",
    "o": "@&%?,=[]_:-+*$#!'^~;()/.",
    "x": "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
}  # fmt: skip


def _b(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def derive_password(counter: int, kind: str, password: str, user: str, site: str) -> str:
    import hashlib
    import hmac

    templates = _TEMPLATES.get(kind)
    if templates is None:
        return f"cannot find password template {kind}"
    salt = _SEED + len(_b(user)).to_bytes(4, "big") + _b(user)
    key = hashlib.scrypt(_b(password), salt=salt, n=32768, r=8, p=2, dklen=64, maxmem=2**27)
    message = _SEED + len(_b(site)).to_bytes(4, "big") + _b(site) + counter.to_bytes(4, "big")
    seed = hmac.new(key, message, hashlib.sha256).digest()
    template = templates[seed[0] % len(templates)]
    return "".join(
        _CHARACTERS[c][seed[i + 1] % len(_CHARACTERS[c])] for i, c in enumerate(template)
    )


def _aes(key: bytes, iv: bytes, decrypt: bool) -> Any:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    return cipher.decryptor() if decrypt else cipher.encryptor()


def _key(password: str) -> bytes:
    return _b(password)[:32].ljust(32, b"\0")


def encrypt_aes(password: str, plaintext: str) -> str:
    if not plaintext:
        return ""
    content = _b(plaintext)
    pad = 16 - len(content) % 16
    iv = os.urandom(16)
    encryptor = _aes(_key(password), iv, decrypt=False)
    data = encryptor.update(content + bytes([pad]) * pad) + encryptor.finalize()
    return base64.b64encode(iv + data).decode("ascii")


def decrypt_aes(password: str, crypt64: str) -> str:
    if not crypt64:
        return ""
    try:
        crypt = go_b64decode(crypt64)
    except ValueError as err:
        raise FuncError(str(err)) from None
    if len(crypt) < 16:
        raise FuncError(
            f"runtime error: slice bounds out of range [:16] with capacity {len(crypt)}"
        )
    body = crypt[16:]
    if len(body) % 16:
        raise FuncError("crypto/cipher: input not full blocks")
    decryptor = _aes(_key(password), crypt[:16], decrypt=True)
    plain = decryptor.update(body) + decryptor.finalize()
    if not plain:
        raise FuncError("runtime error: index out of range [-1]")
    end = len(plain) - plain[-1]
    if end < 0:
        raise FuncError(f"runtime error: slice bounds out of range [:{end}]")
    return str(plain[:end].decode("utf-8", "surrogateescape"))


def bcrypt(text: str) -> str:
    import bcrypt as bcrypt_lib

    data = _b(text)
    if len(data) > 72:
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
    return str(bcrypt_lib.hashpw(data, bcrypt_lib.gensalt(10, prefix=b"2a")).decode("ascii"))


def htpasswd(username: str, password: str) -> str:
    if ":" in username:
        return f"invalid username: {username}"
    return f"{username}:{bcrypt(password)}"


def gen_private_key(kind: str) -> str:
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

    if kind in ("", "rsa"):
        key: Any = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    elif kind == "dsa":
        key = dsa.generate_private_key(key_size=2048)
    elif kind == "ecdsa":
        key = ec.generate_private_key(ec.SECP256R1())
    elif kind == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
    else:
        return "Unknown type " + kind
    fmt = ser.PrivateFormat.PKCS8 if kind == "ed25519" else ser.PrivateFormat.TraditionalOpenSSL
    return str(key.private_bytes(ser.Encoding.PEM, fmt, ser.NoEncryption()).decode("ascii"))


def get_host_by_name(name: str) -> str:
    """``net.LookupHost``, then one of the addresses at random."""
    import socket

    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        infos = []
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FuncError("invalid argument to Intn")
    return random.choice(addresses)


FUNCS: dict[str, GoFunc] = {
    "derivePassword": GoFunc(
        derive_password, ("uint32", "string", "string", "string", "string"), None
    ),
    "encryptAES": GoFunc(encrypt_aes, ("string", "string"), None),
    "decryptAES": GoFunc(decrypt_aes, ("string", "string"), None),
    "bcrypt": GoFunc(bcrypt, ("string",), None),
    "htpasswd": GoFunc(htpasswd, ("string", "string"), None),
    "genPrivateKey": GoFunc(gen_private_key, ("string",), None),
    "getHostByName": GoFunc(get_host_by_name, ("string",), None),
}
